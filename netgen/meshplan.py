"""The mesh part of a Plan: every Istio object of one environment, decided.

`resolve.mesh` fills these; the Istio backend only prints them, and the analysis in
`netgen.analysis` reads the printed YAML back to prove it says what the plan says.
Kept apart from `plan.py` so the other backends never need to know about a mesh.
"""

from __future__ import annotations

from attrs import frozen

from netgen.model import SourceLoc

Pairs = tuple[tuple[str, str], ...]

PLAINTEXT = "<plaintext>"  # the "principal" of a client outside the mesh, in allow matrices


def principal(trust_domain: str, namespace: str, service_account: str) -> str:
    return f"{trust_domain}/ns/{namespace}/sa/{service_account}"


@frozen
class RetryPlan:
    attempts: int
    per_try: str | None
    on: str | None


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
class HttpMatch:
    """One `match` entry: every field must hold (AND); entries of a route are OR'ed."""

    uri_kind: str | None  # "exact" | "prefix" | None (any path)
    uri: str | None
    headers: Pairs  # lowercase name -> exact value


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
