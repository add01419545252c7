"""The declarations a blueprint records, exactly as written, before anything is decided.

These classes hold what the user said and where they said it; resolving defaults,
names and cross-references is `resolve`'s job, so nothing here is derived.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from attrs import field, frozen


@frozen(order=True)
class SourceLoc:
    file: str
    line: int

    def __str__(self) -> str:
        """`file:line`, or the file alone for a problem of the whole file (line 0), as
        `netgen check` prints it: `file:0:` read as a line that does not exist."""
        return f"{self.file}:{self.line}" if self.line else self.file


@frozen(eq=False)
class Token:
    """A word of the blueprint language that picks a target: a `via=` value (how a service
    is reached) or a `mesh(...)` kind. This class lists none: each target defines its own in
    `targets/<t>/tokens.py` and the registry collects them (`Registry.tokens()`), so a new
    target adds its words without touching this module. One object per word, compared by
    identity as enum members were; `repr` is the name a blueprint writes."""

    name: str  # what a blueprint writes: ALB
    value: str  # the lower-case word objects and messages use: alb

    def __attrs_post_init__(self) -> None:
        _MADE.setdefault(self.name, self)

    def __repr__(self) -> str:
        return self.name

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        """Unpickled (or deep-copied) as the same object, so `is` still holds."""
        return _token, (self.name, self.value)


# Every token made, by name: what `Token.__reduce__` finds again (not a list of words: the
# targets make them when imported).
_MADE: dict[str, Token] = {}


def _token(name: str, value: str) -> Token:
    made = _MADE.get(name)
    return made if made is not None and made.value == value else Token(name, value)


Via = Token  # the type of `via=` (many modules annotate with it); a mesh kind is a Token too


class Isolation(enum.Enum):
    STRICT = "strict"
    OPEN = "open"

    def __repr__(self) -> str:
        return self.name


class PodSecurity(enum.Enum):
    """The Pod Security Standards levels, most to least restrictive (`rank` orders them)."""

    RESTRICTED = "restricted"
    BASELINE = "baseline"
    PRIVILEGED = "privileged"

    def __repr__(self) -> str:
        return self.name

    @property
    def rank(self) -> int:
        return ("restricted", "baseline", "privileged").index(self.value)


@frozen
class AcmCert:
    """A certificate that lives in AWS ACM: only ALB/NLB can terminate TLS with it."""

    arn: str


@frozen
class TlsSecret:
    """A certificate stored as a kubernetes.io/tls Secret (ingress-nginx, Gateway, Istio)."""

    secret: str


Tls = AcmCert | TlsSecret


@frozen
class HeaderMatch:
    name: str
    value: str | None  # None: ingress-nginx's switch (`always` / `never`), see `dsl.header`
    wildcards: bool = False
    """`value` uses ALB's wildcards: `*` any run of characters, `?` one character."""


@frozen
class BasicAuth:
    secret: str
    realm: str | None = None


@frozen
class RateLimit:
    rpm: int | None = None
    rps: int | None = None
    connections: int | None = None


@frozen
class HealthCheck:
    path: str
    interval: int | None = None
    timeout: int | None = None
    healthy: int | None = None
    unhealthy: int | None = None
    codes: str | None = None
    """HTTP status codes counted as healthy ("200", "200-299", "200,302")."""


@frozen
class Env:
    name: str
    loc: SourceLoc
    namespace: str | None = None
    replicas: int | None = None
    isolation: Isolation | None = None
    tls: Tls | None = None
    labels: Mapping[str, str] = field(factory=dict)
    settings: Mapping[str, Any] = field(factory=dict)
    pod_security: Any = None  # a PodSecurity level, as written
    disruption_budgets: Any = None


@frozen
class Service:
    name: str
    loc: SourceLoc
    scope: str | None = None
    port: int | None = None
    target_port: int | None = None
    image: str | None = None
    versions: tuple[str, ...] = ()
    stateful: bool = False
    headless: bool = False
    namespace: str | None = None
    labels: Mapping[str, str] = field(factory=dict)
    health: str | None = None
    replicas: int | None = None
    protocol: str = "TCP"
    app_protocol: str | None = None
    port_name: str | None = None
    tier: str | None = None
    extra: Mapping[str, Any] = field(factory=dict)
    settings: WorkloadSettings = field(factory=lambda: WorkloadSettings())
    version_settings: tuple[tuple[str, Any], ...] = ()
    pod: PodSettings = field(factory=lambda: PodSettings())
    containers: Any = ()
    """Further containers of the same pod (`container(...)`), as written."""
    node_selector: Any = field(factory=dict)
    """Node labels the pods must run on (`kubernetes.io/os: windows`), as written."""


@frozen
class External:
    name: str
    loc: SourceLoc
    host: str
    port: int
    scope: str | None = None
    cidr: str | tuple[str, ...] | None = None  # one range or several, as written
    protocol: str = "TCP"
    namespace: str | None = None
    alias: bool = True
    app_protocol: str | None = None


@frozen
class Call:
    src: str
    dsts: tuple[str, ...]
    loc: SourceLoc
    scope: str | None = None


@frozen
class Exposure:
    service: str
    via: Via
    loc: SourceLoc
    scope: str | None = None
    host: str | None = None
    path: str | None = None
    path_type: str = "Prefix"
    canary: float | None = None
    version: str | None = None
    match: tuple[HeaderMatch, ...] = ()
    tls: Tls | None = None
    redirect_https: bool | None = None
    node_port: int | None = None
    ports: tuple[int, ...] = ()
    scheme: str | None = None
    health: HealthCheck | None = None
    rewrite: str | None = None
    rate_limit: RateLimit | None = None
    auth: BasicAuth | None = None
    group: str | None = None
    options: Mapping[str, Any] = field(factory=dict)
    route: str | None = None
    query: Any = ()
    """(name, value) pairs the query string must hold, as written."""
    methods: Any = ()
    """HTTP methods, any of which the request must use."""
    source_ips: Any = ()
    """CIDRs the client's address must be in."""


@frozen
class DnsForward:
    """`dns_forward(zone, to=[...])`: a CoreDNS server block forwarding one zone upstream."""

    zone: str
    to: tuple[str, ...]
    loc: SourceLoc
    scope: str | None = None
    policy: str | None = None


@frozen
class DnsLog:
    """`dns_log(classes=[...])`: CoreDNS query logging in the cluster's default server block."""

    classes: tuple[str, ...] | None
    loc: SourceLoc
    scope: str | None = None


@frozen
class BlueprintInfo:
    name: str
    loc: SourceLoc | None = None
    domain: str | None = None
    settings: Mapping[str, Any] = field(factory=dict)
    pod_security: Any = None  # the default of every env that sets none, as written
    disruption_budgets: Any = None


@frozen
class Blueprint:
    """Everything one blueprint file declared, in declaration order."""

    path: str
    info: BlueprintInfo
    envs: tuple[Env, ...] = ()
    services: tuple[Service, ...] = ()
    externals: tuple[External, ...] = ()
    calls: tuple[Call, ...] = ()
    exposures: tuple[Exposure, ...] = ()
    env_uses: tuple[tuple[str, SourceLoc], ...] = ()
    dns_forwards: tuple[DnsForward, ...] = ()
    dns_logs: tuple[DnsLog, ...] = ()
    meshes: tuple[Mesh, ...] = ()
    traffic: tuple[Traffic, ...] = ()
    # environments that only a `with env(name):` created, setting nothing: (name, where)
    undeclared_envs: tuple[tuple[str, SourceLoc], ...] = ()


class Mtls(enum.Enum):
    """Istio PeerAuthentication modes; `mtls=STRICT` also accepts the Isolation constant."""

    STRICT = "STRICT"
    PERMISSIVE = "PERMISSIVE"
    DISABLE = "DISABLE"

    def __repr__(self) -> str:
        return self.name


@frozen
class Outlier:
    """Outlier detection: eject an endpoint after repeated errors, as written."""

    consecutive_5xx: Any = None
    consecutive_gateway_errors: Any = None
    interval: Any = None
    ejection: Any = None
    max_ejection_percent: Any = None


@frozen
class Retries:
    attempts: Any
    per_try: Any = None
    on: Any = None


@frozen
class Mesh:
    """`mesh(...)`: the service mesh of every environment, or of the one it is scoped to.
    `kind=None` switches the mesh off in that scope."""

    kind: Any
    loc: SourceLoc
    scope: str | None = None
    mtls: Any = None
    trust_domain: Any = None
    ingress_selector: Any = None
    ingress_principal: Any = None
    revision: Any = None


@frozen
class Traffic:
    """`traffic(service, ...)`: how callers talk to a service inside the mesh, as written."""

    service: str
    loc: SourceLoc
    scope: str | None = None
    lb: Any = None
    max_connections: Any = None
    connect_timeout: Any = None
    http1_max_pending: Any = None
    http2_max_requests: Any = None
    max_requests_per_connection: Any = None
    outlier: Any = None
    timeout: Any = None
    retries: Any = None
    split: Any = None
    routes: Any = ()


@frozen
class MeshHeader:
    """`mesh_header(...)`: one header condition of a `mesh_route`; `kind` is exact, prefix,
    suffix or regex, `invert` matches requests whose header does not match."""

    name: Any
    value: Any
    kind: str = "exact"
    invert: bool = False


@frozen
class MeshRoute:
    """`mesh_route(...)`: requests inside the mesh matching every condition go to `split`
    (version -> percent). At most one of `prefix` (a plain string prefix, as Envoy reads
    it), `exact` and `regex` names the path."""

    loc: SourceLoc
    split: Any
    prefix: Any = None
    exact: Any = None
    regex: Any = None
    method: Any = None
    headers: Any = ()
    query: Any = None
    timeout: Any = None
    retries: Any = None


# --- what a service's container runs with (env vars, secrets, resources, probes, ...) ----


@frozen
class SecretKeyRef:
    """One key of a Kubernetes Secret: the blueprint names it, never holds the value."""

    name: str
    key: str


@frozen
class Probe:
    """A liveness or readiness check; exactly one of `exec`, `http`, `tcp`, `grpc` is set."""

    exec: tuple[str, ...] | None = None
    http: str | None = None
    tcp: bool = False
    grpc: bool = False
    port: int | str | None = None
    scheme: str | None = None
    period: int | None = None
    timeout: int | None = None
    failures: int | None = None
    successes: int | None = None
    initial_delay: int | None = None


@frozen
class Rollout:
    """A Deployment's RollingUpdate limits: a count of pods or a percentage such as "25%"."""

    max_surge: int | str | None = None
    max_unavailable: int | str | None = None


@frozen
class Volume:
    """A volume mounted into the service's container: an emptyDir, or an existing claim."""

    name: str
    path: str
    claim: str | None = None
    read_only: bool = False
    size_limit: str | None = None


@frozen
class Container:
    """Another container in the service's pods: it shares their network (localhost) and
    volumes, and is not reached through the Service (its `ports` are for localhost)."""

    name: str
    ports: Any = ()
    settings: WorkloadSettings = field(factory=lambda: WorkloadSettings())


@frozen
class WorkloadSettings:
    """What a service's container runs with. A `version(...)` holds the same settings and
    overrides its service's: scalars replace, `env_vars` and `secrets` add keys."""

    image: str | None = None
    replicas: int | None = None
    env_vars: Mapping[str, Any] = field(factory=dict)
    secrets: Mapping[str, Any] = field(factory=dict)
    command: tuple[Any, ...] | None = None
    args: tuple[Any, ...] | None = None
    cpu: Any = None
    memory: Any = None
    cpu_limit: Any = None
    memory_limit: Any = None
    liveness: Any = None
    readiness: Any = None
    rollout: Any = None
    volumes: tuple[Any, ...] | None = None


# --- how a service's pods run: security, identity, storage, host network ------------------


@frozen
class Storage:
    """`storage(size, path, ...)`: one PersistentVolumeClaim per pod of a stateful service."""

    size: Any
    path: Any
    storage_class: Any = None
    access_mode: Any = "ReadWriteOnce"
    name: Any = "data"


@frozen
class PodSettings:
    """The security, identity, storage and network settings of a service's pods, as written
    (`None`: not said, so the environment's level and netgen's defaults decide)."""

    pod_security: Any = None
    run_as_user: Any = None
    run_as_group: Any = None
    fs_group: Any = None
    read_only_root: Any = None
    capabilities: Any = None
    service_account_token: Any = None
    host_network: Any = None
    storage: Any = None
