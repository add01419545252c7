"""The mesh part of a Plan: every Istio object of one environment, decided.

`resolve.mesh` fills these; the Istio backend only prints them, and the analysis in
`netgen.analysis` reads the printed YAML back to prove it says what the plan says.
Kept apart from `plan.py` so the other backends never need to know about a mesh. The few
helpers here define what a route's path and headers mean to Istio, once, for both resolve
and the read-back analysis.
"""

from __future__ import annotations

from attrs import frozen

from netgen.model import SourceLoc
from netgen.plan import RoutePlan

Pairs = tuple[tuple[str, str], ...]
EVERY_PATH = ("Prefix", "/")

PLAINTEXT = "<plaintext>"  # the "principal" of a client outside the mesh, in allow matrices


def principal(trust_domain: str, namespace: str, service_account: str) -> str:
    return f"{trust_domain}/ns/{namespace}/sa/{service_account}"


def normal_path(path_type: str, path: str | None) -> tuple[str, str]:
    """('Exact', p) or ('Prefix', p without its trailing '/'); no path is ('Prefix', '/')."""
    if path is None:
        return EVERY_PATH
    if path_type == "Exact":
        return ("Exact", path)
    return ("Prefix", path.rstrip("/") or "/")


def path_in_mesh(r: RoutePlan) -> tuple[str, str]:
    """The path the service itself receives for this exposure's requests."""
    if r.rewrite is None:
        return normal_path(r.path_type, r.path)
    return normal_path("Exact" if r.path is not None and r.path_type == "Exact" else "Prefix",
                       r.rewrite)


def headers_of(r: RoutePlan) -> Pairs:
    """Istio matches header names in lowercase only."""
    return tuple(sorted((m.name.lower(), m.value) for m in r.matches))


@frozen
class RetryPlan:
    attempts: int
    per_try: str | None
    on: str | None


@frozen
class HttpMatch:
    """One `match` entry: every field must hold (AND); entries of a route are OR'ed.
    `rules` are header conditions other than exact ones, `(name, kind, value)` with kind
    prefix or regex; `without` are header conditions that must not hold."""

    uri_kind: str | None  # "exact" | "prefix" | "regex" | None (any path)
    uri: str | None
    headers: Pairs  # lowercase name -> exact value
    method: str | None = None
    rules: tuple[tuple[str, str, str], ...] = ()
    without: tuple[tuple[str, str, str], ...] = ()
    query: Pairs = ()


@frozen
class MeshRoutePlan:
    """A `mesh_route`: requests matching `match` go to `split` ((version, percent), ...)."""

    match: HttpMatch
    split: tuple[tuple[str, int], ...]
    timeout: str | None
    retries: RetryPlan | None
    loc: SourceLoc


@frozen
class TrafficPlan:
    """A service's `traffic(...)`; None means "Istio's default"."""

    service: str
    lb: str | None
    max_connections: int | None
    connect_timeout: str | None
    http1_max_pending: int | None
    http2_max_requests: int | None
    max_requests_per_connection: int | None
    consecutive_5xx: int | None
    consecutive_gateway_errors: int | None
    interval: str | None
    ejection: str | None
    max_ejection_percent: int | None
    timeout: str | None
    retries: RetryPlan | None
    loc: SourceLoc
    split: tuple[tuple[str, int], ...] | None = None  # every other in-mesh call
    routes: tuple[MeshRoutePlan, ...] = ()

    @property
    def splits(self) -> bool:
        """The policy decides which versions in-mesh calls reach."""
        return self.split is not None or bool(self.routes)


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
class AuthzRule:
    """Sources (principals, or every client without one) allowed on `ports`."""

    principals: tuple[str, ...]
    plaintext: bool
    ports: tuple[str, ...]


@frozen
class AuthorizationPlan:
    name: str
    namespace: str
    selector: Pairs | None  # None: the whole namespace
    rules: tuple[AuthzRule, ...]  # empty: allow nothing


@frozen
class PeerAuthPlan:
    name: str
    namespace: str
    mode: str
    selector: Pairs | None = None
    port_modes: tuple[tuple[str, str], ...] = ()


@frozen
class ServiceAccountPlan:
    name: str
    namespace: str
    labels: Pairs


@frozen
class MeshPlan:
    kind: str
    mtls: str
    trust_domain: str
    deny_by_default: bool
    ingress_principal: str
    service_accounts: tuple[ServiceAccountPlan, ...]
    service_entries: tuple[ServiceEntryPlan, ...]
    destination_rules: tuple[DestinationRulePlan, ...]
    virtual_services: tuple[VirtualServicePlan, ...]
    gateways: tuple[GatewayPlan, ...]
    peer_authentications: tuple[PeerAuthPlan, ...]
    authorizations: tuple[AuthorizationPlan, ...]
    loc: SourceLoc
    injection: Pairs = (("istio-injection", "enabled"),)  # namespace labels
    traffic: tuple[TrafficPlan, ...] = ()


@frozen(order=True)
class Allow:
    """One entry of a mesh's allow matrix as a mesh's read-back computes it from the
    documents (`netgen verify`): who may reach which workload's port. Every mesh's
    read-back answers in this one shape, so their matrices compare with the plan's."""

    source: str  # a principal (identity), PLAINTEXT or OTHER
    namespace: str
    workload: str
    port: int

    def __str__(self) -> str:
        return f"{self.source} -> {self.namespace}/{self.workload}:{self.port}"
