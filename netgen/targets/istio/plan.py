"""Istio's own part of an environment's mesh plan: the objects only Istio has
(ServiceEntries, DestinationRules, VirtualServices, the ingress Gateway, PeerAuthentications,
the injection label). `targets/istio/planning.py` fills an `IstioPlan`, the neutral planning
stores it in `MeshPlan.target`, and only this target's lowering and read-back read it.

The helpers at the top define what a route's path and headers mean to Istio, once, for the
planning and the read-back.
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import frozen

from netgen.plan import RoutePlan
from netgen.plan.mesh import HttpMatch, MeshPlan, Pairs, RetryPlan, TrafficPlan

EVERY_PATH = ("Prefix", "/")


def normal_path(path_type: str, path: str | None) -> tuple[str, str]:
    """('Exact', p) or ('Prefix', p without its trailing '/'); no path is ('Prefix', '/')."""
    if path is None:
        return EVERY_PATH
    if path_type == "Exact":
        return ("Exact", path)
    return ("Prefix", path.rstrip("/") or "/")


def covering_hosts(host: str, hosts: Iterable[str]) -> list[str]:
    """The other hosts of `hosts` whose every name `host` also is (a wildcard it ends with,
    '*' for every host), most specific first as `plan.routes.precedence` ranks hosts: a
    request to `host` falls back to their routes through the ingress gateway."""
    name = host[1:] if host.startswith("*.") else host
    wild = [h for h in hosts if h != host and h.startswith("*.") and name.endswith(h[1:])]
    every = ["*"] if host != "*" and "*" in hosts else []
    return sorted(wild, key=lambda h: (-len(h), h)) + every


def path_in_mesh(r: RoutePlan) -> tuple[str, str]:
    """The path the service itself receives for this exposure's requests."""
    if r.rewrite is None:
        return normal_path(r.path_type, r.path)
    return normal_path("Exact" if r.path is not None and r.path_type == "Exact" else "Prefix",
                       r.rewrite)


def headers_of(r: RoutePlan) -> Pairs:
    """Istio matches header names in lowercase only."""
    return tuple(sorted((m.name.lower(), m.value) for m in r.matches))


def methods_of(r: RoutePlan) -> tuple[str, ...]:
    """Any of them (one Istio match each, OR'ed); none: every method."""
    return tuple(sorted(set(r.methods)))


def query_of(r: RoutePlan) -> Pairs:
    """Exact query parameters, all of which must hold (Istio's `queryParams`)."""
    return tuple(sorted(r.query))


@frozen
class EntryPort:
    number: int
    name: str
    protocol: str


@frozen
class ServiceEntryPlan:
    name: str
    namespace: str
    hosts: tuple[str, ...]
    addresses: tuple[str, ...]
    ports: tuple[EntryPort, ...]
    resolution: str
    endpoints: tuple[str, ...]


@frozen
class DestinationRulePlan:
    name: str
    namespace: str
    host: str
    traffic: TrafficPlan | None
    subsets: tuple[tuple[str, Pairs], ...]  # (name, labels)


@frozen
class Destination:
    host: str
    port: int
    weight: int
    subset: str | None = None


@frozen
class HttpRoute:
    matches: tuple[HttpMatch, ...]  # empty: every request
    destinations: tuple[Destination, ...]
    rewrite: str | None = None
    timeout: str | None = None
    retries: RetryPlan | None = None


@frozen
class VirtualServicePlan:
    name: str
    namespace: str
    hosts: tuple[str, ...]
    gateways: tuple[str, ...]  # empty: the sidecars of the mesh
    http: tuple[HttpRoute, ...] = ()
    tcp: tuple[tuple[Destination, ...], ...] = ()


@frozen
class ServerPlan:
    number: int
    name: str
    protocol: str  # HTTP | HTTPS
    hosts: tuple[str, ...]
    credential: str | None = None
    https_redirect: bool = False


@frozen
class GatewayPlan:
    name: str
    namespace: str
    selector: Pairs
    servers: tuple[ServerPlan, ...]


@frozen
class PeerAuthPlan:
    name: str
    namespace: str
    mode: str
    selector: Pairs | None = None
    port_modes: tuple[tuple[str, str], ...] = ()


@frozen
class IstioPlan:
    """What `mesh(ISTIO)` adds to the neutral MeshPlan (found in its `target`)."""

    ingress_principal: str  # the ingress gateway's identity
    service_entries: tuple[ServiceEntryPlan, ...]
    destination_rules: tuple[DestinationRulePlan, ...]
    virtual_services: tuple[VirtualServicePlan, ...]
    gateways: tuple[GatewayPlan, ...]
    peer_authentications: tuple[PeerAuthPlan, ...]
    injection: Pairs  # namespace labels


def istio_part(mesh: MeshPlan) -> IstioPlan:
    """The objects targets/istio/planning.py decided for this `mesh(ISTIO)`."""
    assert isinstance(mesh.target, IstioPlan), mesh.kind
    return mesh.target
