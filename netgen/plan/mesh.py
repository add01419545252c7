"""The mesh part of a Plan, neutral: what every mesh target reads (the mTLS mode, trust
domain, one identity per service, who may call whom, the traffic policies), decided by
`resolve.mesh`. The objects only one mesh has are planned by its target (`MeshHooks.plan`)
and kept in `MeshPlan.target`, which only that target reads.
Kept apart from `plan/__init__.py` so the other backends never need to know about a mesh.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from attrs import frozen

from netgen.model import SourceLoc
from netgen.plan import ServicePlan

Pairs = tuple[tuple[str, str], ...]

PLAINTEXT = "<plaintext>"  # the "principal" of a client outside the mesh, in allow matrices


def principal(trust_domain: str, namespace: str, service_account: str) -> str:
    return f"{trust_domain}/ns/{namespace}/sa/{service_account}"


# Which ports a mesh routes as HTTP: a port named `<protocol>[-suffix]` or with an
# appProtocol (Istio's protocol selection, which Linkerd's HTTPRoutes follow too).
HTTP_PROTOCOLS = ("http", "http2", "grpc", "grpc-web")
HTTP_APP_PROTOCOLS = (*HTTP_PROTOCOLS, "kubernetes.io/h2c", "kubernetes.io/ws")
# What `external(app_protocol=)` may say: the protocols a mesh can carry to an external.
EXTERNAL_PROTOCOLS = ("HTTP", "HTTPS", "HTTP2", "GRPC", "TLS", "TCP", "MONGO")


# Well-known ports whose protocols are not HTTP (their clients speak first in their own
# framing, or the server speaks first); HTTP-based stores (Elasticsearch on 9200, CouchDB)
# are left out. The mesh targets' lint rules (Istio's NG201, Linkerd's NG302) and Linkerd's
# Server protocol read it.
NOT_HTTP = {
    25: "SMTP", 587: "SMTP", 1433: "SQL Server", 1521: "Oracle", 2181: "ZooKeeper",
    3306: "MySQL", 4222: "NATS", 5432: "PostgreSQL", 5672: "AMQP", 6379: "Redis",
    9042: "Cassandra", 9092: "Kafka", 11211: "memcached", 26257: "CockroachDB",
    27017: "MongoDB",
}


def well_known_not_http(s: ServicePlan) -> int | None:
    """The service's port or target port if it is one of NOT_HTTP, else None."""
    if s.port is None:
        return None
    return next((p for p in (s.port.port, s.port.target_port) if p in NOT_HTTP), None)


def not_http_taken_for_http(services: Iterable[ServicePlan]
                            ) -> Iterator[tuple[ServicePlan, int, str]]:
    """(service, port, what says HTTP) for each service whose port is a well-known non-HTTP
    one while its appProtocol or port name says HTTP: what both meshes' lints look for."""
    for s in services:
        port = well_known_not_http(s)
        if s.port is None or port is None or not is_http(s):
            continue
        said = (f"its appProtocol is {s.port.app_protocol!r}" if s.port.app_protocol
                else f"its Service port is named {s.port.name!r}")
        yield s, port, said


def is_http(s: ServicePlan) -> bool:
    return s.port is not None and speaks_http(s.port.name, s.port.app_protocol)


def speaks_http(name: str, app_protocol: str | None) -> bool:
    """A port whose appProtocol, else its name's prefix, says HTTP (as Istio reads it);
    shared with the importer, which must not route HTTP to a port netgen reads as TCP."""
    if app_protocol:
        return app_protocol.lower() in HTTP_APP_PROTOCOLS
    return any(name == p or name.startswith(p + "-") for p in HTTP_PROTOCOLS)


def is_grpc(s: ServicePlan) -> bool:
    return s.port is not None and speaks_grpc(s.port.name, s.port.app_protocol)


def speaks_grpc(name: str, app_protocol: str | None) -> bool:
    """The port's protocol, read as `speaks_http` reads it, is gRPC (or gRPC-Web): every call
    is then a POST to `/package.Service/Method`, without a query string."""
    protocol = (app_protocol or name.partition("-")[0]).lower()
    return protocol in ("grpc", "grpc-web")


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
    """A service's `traffic(...)`; None means "the mesh's default"."""

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
class ServiceAccountPlan:
    name: str
    namespace: str
    labels: Pairs


@frozen
class MeshPlan:
    kind: str  # the mesh token's name: its target (`Registry.mesh`) reads `target`
    mtls: str
    trust_domain: str
    deny_by_default: bool
    service_accounts: tuple[ServiceAccountPlan, ...]
    authorizations: tuple[AuthorizationPlan, ...]
    loc: SourceLoc
    traffic: tuple[TrafficPlan, ...] = ()
    target: object = None  # the mesh target's own part (`MeshHooks.plan`), None without one
    # (via name, identity): vias whose proxies are members of this mesh and reach the
    # services they expose with mTLS (Istio's own Gateway API gateway), not as plaintext
    proxies: Pairs = ()


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
