"""The functions a blueprint calls. Each records a declaration with the file and line it
came from into the blueprint being loaded, and checks nothing: all checking happens in
`resolve`, so every mistake is reported at once and with its location.

The blueprint being loaded is held in a ContextVar, not a module global, so loading one
blueprint cannot leak into another (tests load many in one process).
"""

from __future__ import annotations

import os
import sys
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from types import CodeType, FrameType, TracebackType
from typing import Any

from netgen.model import (
    AcmCert,
    BasicAuth,
    Blueprint,
    BlueprintInfo,
    Call,
    Container,
    DnsForward,
    DnsLog,
    Env,
    Exposure,
    External,
    HeaderMatch,
    HealthCheck,
    Isolation,
    Mesh,
    MeshHeader,
    MeshRoute,
    Mtls,
    Outlier,
    PodSecurity,
    PodSettings,
    Probe,
    RateLimit,
    Retries,
    Rollout,
    SecretKeyRef,
    Service,
    SourceLoc,
    Storage,
    TlsSecret,
    Traffic,
    Via,
    Volume,
    WorkloadSettings,
)
from netgen.naming import default_blueprint_name

# The defaults of `expose(via=)` and `mesh(kind)`, from the targets that define them. The
# other tokens (`via=ALB`, `mesh(LINKERD)`) are the targets' own: `netgen` serves every one
# from the registry, and nothing here lists them.
from netgen.targets.istio.tokens import ISTIO
from netgen.targets.kubernetes.tokens import CLUSTER

STRICT, OPEN = Isolation.STRICT, Isolation.OPEN
PERMISSIVE, DISABLE = Mtls.PERMISSIVE, Mtls.DISABLE
RESTRICTED, BASELINE, PRIVILEGED = (
    PodSecurity.RESTRICTED, PodSecurity.BASELINE, PodSecurity.PRIVILEGED
)

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_PACKAGE_PREFIX = _PACKAGE_DIR + os.sep
MAX_DECLARATIONS = 200_000


class TooManyDeclarations(BaseException):
    """BaseException so that a blueprint's own `except Exception` cannot swallow it."""


class Builder:
    """Collects declarations while one blueprint file executes."""

    def __init__(self, path: str, display_path: str | None = None) -> None:
        self.path = path
        self.display_path = display_path or path
        self.info: BlueprintInfo | None = None
        self.info_calls: list[SourceLoc] = []
        self.envs: list[Env] = []
        self.env_uses: list[tuple[str, SourceLoc]] = []
        self.services: list[Service] = []
        self.externals: list[External] = []
        self.calls: list[Call] = []
        self.exposures: list[Exposure] = []
        self.scope: list[tuple[str, SourceLoc]] = []
        self.count = 0
        self.dns_forwards: list[DnsForward] = []
        self.dns_logs: list[DnsLog] = []
        self.meshes: list[Mesh] = []
        self.traffic: list[Traffic] = []
        self.undeclared_envs: list[tuple[str, SourceLoc]] = []

    def freeze(self) -> Blueprint:
        info = self.info or BlueprintInfo(name=default_blueprint_name(self.path))
        return Blueprint(
            path=self.display_path,
            info=info,
            envs=tuple(self.envs),
            services=tuple(self.services),
            externals=tuple(self.externals),
            calls=tuple(self.calls),
            exposures=tuple(self.exposures),
            env_uses=tuple(self.env_uses),
            dns_forwards=tuple(self.dns_forwards),
            dns_logs=tuple(self.dns_logs),
            meshes=tuple(self.meshes),
            traffic=tuple(self.traffic),
            undeclared_envs=tuple(self.undeclared_envs),
        )


current_builder: ContextVar[Builder] = ContextVar("netgen_builder")


def _builder() -> Builder:
    try:
        builder = current_builder.get()
    except LookupError:
        raise RuntimeError(
            "netgen blueprint functions only work while netgen loads a blueprint "
            "(run `netgen build FILE`, not `python FILE`)"
        ) from None
    builder.count += 1
    if builder.count > MAX_DECLARATIONS:
        raise TooManyDeclarations
    return builder


def _loc(builder: Builder) -> SourceLoc:
    """The innermost caller outside the netgen package: the user's line, even through helpers."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_PREFIX):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return SourceLoc(builder.display_path, 0)
    filename = frame.f_code.co_filename
    shown = builder.display_path if filename == builder.path else filename
    return SourceLoc(shown, _line(frame))


# Per code object: (the code, start offsets, (start, end, line) ranges) of its line table.
_LINE_TABLES: dict[int, tuple[CodeType, list[int], list[tuple[int, int, int | None]]]] = {}


def _line(frame: FrameType) -> int:
    """`frame.f_lineno`, looked up in the code's line table, read once per code object:
    Python decodes that table from the start on every `f_lineno`, so a blueprint of 10,000
    services (35,000 lines of module-level code) spent seconds there: quadratic."""
    code, offset = frame.f_code, frame.f_lasti
    entry = _LINE_TABLES.get(id(code))
    if entry is None or entry[0] is not code:
        if len(_LINE_TABLES) >= 256:
            _LINE_TABLES.clear()
        ranges = list(code.co_lines())
        entry = _LINE_TABLES[id(code)] = (code, [r[0] for r in ranges], ranges)
    _, starts, ranges = entry
    i = bisect_right(starts, offset) - 1
    if i >= 0:
        start, end, line = ranges[i]
        if start <= offset < end and line is not None:
            return line
    return frame.f_lineno


def _scope(builder: Builder) -> str | None:
    return builder.scope[-1][0] if builder.scope else None


def _dict(value: Mapping[str, Any] | None) -> dict[str, Any]:
    """A copy of a mapping; anything else is kept as given for resolve to report."""
    if value is None:
        return {}
    return dict(value) if isinstance(value, Mapping) else value  # type: ignore[return-value]


def _seq(value: Any) -> Any:
    """A tuple of a collection's items (a mapping's keys); a string or non-iterable is kept
    as given for resolve to report (`tuple("v1")` would silently become ('v', '1'))."""
    if value is None:
        return ()
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        return value
    return tuple(value)


def blueprint(
    name: str | None = None,
    *,
    domain: str | None = None,
    pod_security: PodSecurity | None = None,
    disruption_budgets: bool | None = None,
    **settings: Any,
) -> None:
    """Names the system; optional, the file's stem names it otherwise. `pod_security` and
    `disruption_budgets` are the defaults of every environment that does not set its own."""
    b = _builder()
    loc = _loc(b)
    b.info_calls.append(loc)
    b.info = BlueprintInfo(name=name if name is not None else default_blueprint_name(b.path),
                           loc=loc, domain=domain, settings=settings, pod_security=pod_security,
                           disruption_budgets=disruption_budgets)


class EnvScope:
    """Returned by `env`: used with `with`, declarations inside apply to that env only."""

    def __init__(self, builder: Builder, name: str, loc: SourceLoc, bare: bool = False) -> None:
        self._builder = builder
        self.name = name
        self._loc = loc
        self._bare = bare  # this call created the env and set nothing on it

    def __enter__(self) -> EnvScope:
        self._builder.scope.append((self.name, self._loc))
        self._builder.env_uses.append((self.name, self._loc))
        if self._bare:  # `with env("x"):` is all that declares x (a typo of another env?)
            self._builder.undeclared_envs.append((self.name, self._loc))
            self._bare = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._builder.scope.pop()


def env(
    name: str,
    *,
    namespace: str | None = None,
    replicas: int | None = None,
    isolation: Isolation | None = None,
    tls: AcmCert | TlsSecret | None = None,
    labels: Mapping[str, str] | None = None,
    pod_security: PodSecurity | None = None,
    disruption_budgets: bool | None = None,
    **settings: Any,
) -> EnvScope:
    """An environment. `pod_security` is the Pod Security Standards level its namespaces
    enforce (default RESTRICTED); `disruption_budgets=False` turns off the
    PodDisruptionBudgets a STRICT environment gives services of two or more replicas."""
    b = _builder()
    loc = _loc(b)
    declares = any(
        v is not None for v in (namespace, replicas, isolation, tls, labels, pod_security,
                                disruption_budgets)
    ) or bool(settings)
    known = any(e.name == name for e in b.envs)
    if declares or not known:
        b.envs.append(
            Env(name=name, loc=loc, namespace=namespace, replicas=replicas, isolation=isolation,
                tls=tls, labels=_dict(labels), settings=settings, pod_security=pod_security,
                disruption_budgets=disruption_budgets)
        )
    return EnvScope(b, name, loc, bare=not declares and not known)


def service(
    name: str,
    *,
    port: int | None = None,
    target_port: int | None = None,
    image: str | None = None,
    versions: Iterable[str] | Mapping[str, WorkloadSettings] | None = None,
    stateful: bool = False,
    headless: bool = False,
    namespace: str | None = None,
    labels: Mapping[str, str] | None = None,
    health: str | None = None,
    replicas: int | None = None,
    protocol: str = "TCP",
    app_protocol: str | None = None,
    port_name: str | None = None,
    tier: str | None = None,
    env_vars: Mapping[str, str] | None = None,
    secrets: Mapping[str, SecretKeyRef] | None = None,
    command: Iterable[str] | None = None,
    args: Iterable[str] | None = None,
    cpu: str | None = None,
    memory: str | None = None,
    cpu_limit: str | None = None,
    memory_limit: str | None = None,
    liveness: Probe | None = None,
    readiness: Probe | None = None,
    rollout: Rollout | None = None,
    volumes: Iterable[Volume] | None = None,
    pod_security: PodSecurity | None = None,
    run_as_user: int | None = None,
    run_as_group: int | None = None,
    fs_group: int | None = None,
    read_only_root: bool | None = None,
    capabilities: Iterable[str] | None = None,
    service_account_token: bool | None = None,
    host_network: bool | None = None,
    storage: Storage | None = None,
    containers: Iterable[Container] | None = None,
    node_selector: Mapping[str, str] | None = None,
    **extra: Any,
) -> None:
    """A workload and its Service. `cpu`/`memory` are requests, `cpu_limit`/`memory_limit`
    limits (each printed only when given); `versions` may map each version to `version(...)`
    settings that override the service's. `pod_security` down to `storage` say how its
    pods run (docs/pod-security.md): what they need beyond the environment's level is an
    error, so a blueprint cannot quietly weaken a namespace. `containers=[container(...)]`
    runs more containers in the same pods (every version's); `node_selector` the node labels
    its pods need (`{"kubernetes.io/arch": "arm64"}`)."""
    b = _builder()
    pod = PodSettings(
        pod_security=pod_security, run_as_user=run_as_user, run_as_group=run_as_group,
        fs_group=fs_group, read_only_root=read_only_root,
        capabilities=None if capabilities is None else _sequence(capabilities),
        service_account_token=service_account_token, host_network=host_network,
        storage=storage,
    )
    by_version = versions if isinstance(versions, Mapping) else {}
    settings = _settings(None, None, env_vars, secrets, command, args, cpu, memory, cpu_limit,
                         memory_limit, liveness, readiness, rollout, volumes)
    b.services.append(
        Service(
            name=name, loc=_loc(b), scope=_scope(b), port=port, target_port=target_port,
            image=image, versions=_seq(versions), stateful=stateful, headless=headless,
            namespace=namespace, labels=_dict(labels), health=health, replicas=replicas,
            protocol=protocol, app_protocol=app_protocol, port_name=port_name, tier=tier,
            extra=extra, settings=settings, version_settings=tuple(by_version.items()),
            pod=pod,
            containers=() if containers is None else _sequence(containers),
            node_selector=_dict(node_selector),
        )
    )


def storage(
    size: str,
    path: str,
    *,
    storage_class: str | None = None,
    access_mode: str = "ReadWriteOnce",
    name: str = "data",
) -> Storage:
    """A stateful service's data: each pod gets its own PersistentVolumeClaim of `size`
    (a volumeClaimTemplate) mounted at `path`; `storage_class` None uses the cluster's
    default class."""
    return Storage(size, path, storage_class, access_mode, name)


def container(
    name: str,
    *,
    image: str | None = None,
    ports: Iterable[int] | None = None,
    env_vars: Mapping[str, str] | None = None,
    secrets: Mapping[str, SecretKeyRef] | None = None,
    command: Iterable[str] | None = None,
    args: Iterable[str] | None = None,
    cpu: str | None = None,
    memory: str | None = None,
    cpu_limit: str | None = None,
    memory_limit: str | None = None,
    liveness: Probe | None = None,
    readiness: Probe | None = None,
    volumes: Iterable[Volume] | None = None,
) -> Container:
    """Another container in a service's pods (`service(..., containers=[...])`): a
    database or helper the main container reaches on localhost. `ports` are its container
    ports; the Service still only reaches the service's own port. A volume named like one
    of the service's is the same volume, mounted here too."""
    settings = _settings(image, None, env_vars, secrets, command, args, cpu, memory, cpu_limit,
                         memory_limit, liveness, readiness, None, volumes)
    return Container(name, () if ports is None else _sequence(ports), settings)


def external(
    name: str,
    *,
    host: str,
    port: int,
    cidr: str | Iterable[str] | None = None,
    protocol: str = "TCP",
    namespace: str | None = None,
    alias: bool = True,
    app_protocol: str | None = None,
) -> None:
    """Something outside the cluster; `alias=False` hands workloads the real host name
    (needed when clients verify the TLS host name) instead of the ExternalName alias.
    `app_protocol` (HTTP, HTTPS, TLS, TCP, ...) tells a mesh what the port speaks. `cidr`
    is one range or several: a managed database lives in one subnet per zone."""
    b = _builder()
    ranges = None if cidr is None else _seq(cidr)
    b.externals.append(
        External(name=name, loc=_loc(b), host=host, port=port, scope=_scope(b), cidr=ranges,
                 protocol=protocol, namespace=namespace, alias=alias, app_protocol=app_protocol)
    )


def calls(src: str, *dsts: str) -> None:
    """Declared traffic: the only source of allow rules."""
    b = _builder()
    b.calls.append(Call(src=src, dsts=tuple(dsts), loc=_loc(b), scope=_scope(b)))


def expose(
    name: str,
    via: Via = CLUSTER,
    *,
    host: str | None = None,
    path: str | None = None,
    path_type: str = "Prefix",
    canary: float | None = None,
    version: str | None = None,
    match: HeaderMatch | Iterable[HeaderMatch] | None = None,
    tls: AcmCert | TlsSecret | None = None,
    redirect_https: bool | None = None,
    node_port: int | None = None,
    port: int | None = None,
    ports: Iterable[int] | None = None,
    scheme: str | None = None,
    health: HealthCheck | str | None = None,
    rewrite: str | None = None,
    rate_limit: RateLimit | None = None,
    auth: BasicAuth | None = None,
    group: str | None = None,
    route: str | None = None,
    query: Mapping[str, str] | None = None,
    methods: Iterable[str] | None = None,
    source_ips: Iterable[str] | None = None,
    **options: Any,
) -> None:
    """How a service is reached. `route=` names the generated route object (Ingress, or the
    HTTPRoute that exposures of one host and the same `route=` share). `query` (every pair
    present), `methods` (any of them) and `source_ips` (the client's address in one of
    them) narrow the route, where the backend can express it."""
    b = _builder()
    matches = (match,) if isinstance(match, HeaderMatch) else _seq(match)
    all_ports = _seq(ports)
    if port is not None:
        all_ports = (*all_ports, port) if isinstance(all_ports, tuple) else all_ports
    check = HealthCheck(path=health) if isinstance(health, str) else health
    b.exposures.append(
        Exposure(
            service=name, via=via, loc=_loc(b), scope=_scope(b), host=host, path=path,
            path_type=path_type, canary=canary, version=version, match=matches, tls=tls,
            redirect_https=redirect_https, node_port=node_port, ports=all_ports, scheme=scheme,
            health=check, rewrite=rewrite, rate_limit=rate_limit, auth=auth, group=group,
            options=options, route=route,
            query=tuple(query.items()) if isinstance(query, Mapping) else _seq(query),
            methods=_seq(methods), source_ips=_seq(source_ips),
        )
    )


def acm(arn: str) -> AcmCert:
    """A certificate in AWS Certificate Manager (terminated by the ALB/NLB)."""
    return AcmCert(arn)


def tls_secret(name: str) -> TlsSecret:
    """A kubernetes.io/tls Secret in the service's namespace."""
    return TlsSecret(name)


def header(name: str, value: str | None = None, *, wildcards: bool = False) -> HeaderMatch:
    """Match a request header; `wildcards=True` reads `*` and `?` in `value` as ALB does
    (any run of characters, one character), which only ALB can express. Without a value,
    ingress-nginx's canary switch (`canary-by-header` alone, the seed guide's form): `always`
    sends the request to the canary, `never` to the stable version, anything else is split
    by weight; only NGINX can express it."""
    return HeaderMatch(name, value, wildcards)


def basic(secret: str, realm: str | None = None) -> BasicAuth:
    """HTTP basic auth backed by an htpasswd Secret (key `auth`)."""
    return BasicAuth(secret, realm)


def rate_limit(
    rpm: int | None = None, *, rps: int | None = None, connections: int | None = None
) -> RateLimit:
    return RateLimit(rpm=rpm, rps=rps, connections=connections)


def health_check(
    path: str,
    *,
    interval: int | None = None,
    timeout: int | None = None,
    healthy: int | None = None,
    unhealthy: int | None = None,
    codes: str | None = None,
) -> HealthCheck:
    """The load balancer's check of each target; `codes` the HTTP codes counted healthy."""
    return HealthCheck(path, interval, timeout, healthy, unhealthy, codes)


def dns_forward(zone: str, *, to: Iterable[str], policy: str | None = None) -> None:
    """Queries for `zone` go to the `to` resolvers (a CoreDNS `forward` server block in the
    `coredns-custom` ConfigMap). `policy`: random (CoreDNS default), round_robin, sequential."""
    b = _builder()
    upstreams = (to,) if isinstance(to, str) else tuple(to)
    b.dns_forwards.append(
        DnsForward(zone=zone, to=upstreams, loc=_loc(b), scope=_scope(b), policy=policy)
    )


def dns_log(classes: Iterable[str] | None = None) -> None:
    """Log DNS queries in the cluster's default server block; `classes` (success, denial,
    error, all) limits which answers are logged; none means all."""
    b = _builder()
    chosen = None if classes is None else ((classes,) if isinstance(classes, str)
                                           else tuple(classes))
    b.dns_logs.append(DnsLog(classes=chosen, loc=_loc(b), scope=_scope(b)))


def mesh(
    kind: Via | None = ISTIO,
    *,
    mtls: Mtls | Isolation | str | None = None,
    trust_domain: str | None = None,
    ingress_selector: Mapping[str, str] | None = None,
    ingress_principal: str | None = None,
    revision: str | None = None,
) -> None:
    """Puts the workloads in a service mesh: blueprint-wide at the top level, for one
    environment inside `with env(...)`; `mesh(None)` there switches it off again.
    `revision` injects the sidecars of that Istio revision (label `istio.io/rev`)."""
    b = _builder()
    b.meshes.append(
        Mesh(kind=kind, loc=_loc(b), scope=_scope(b), mtls=mtls, trust_domain=trust_domain,
             ingress_selector=ingress_selector, ingress_principal=ingress_principal,
             revision=revision)
    )


def traffic(
    service: str,
    *,
    lb: str | None = None,
    max_connections: int | None = None,
    connect_timeout: str | None = None,
    http1_max_pending: int | None = None,
    http2_max_requests: int | None = None,
    max_requests_per_connection: int | None = None,
    outlier: Outlier | None = None,
    timeout: str | None = None,
    retries: Retries | None = None,
    split: Mapping[str, int] | None = None,
    routes: Iterable[MeshRoute] | None = None,
) -> None:
    """How mesh clients talk to `service`: load balancing, connection pool, outlier
    detection (its DestinationRule) and request timeout and retries (its VirtualService).
    `split` ({"v1": 80, "v2": 20}, percent) shares every in-mesh call between versions;
    `routes` (`mesh_route(...)`, first match wins) split matching calls first, and with
    routes but no `split` a call no route matches is answered 404, as App Mesh does."""
    b = _builder()
    b.traffic.append(
        Traffic(service=service, loc=_loc(b), scope=_scope(b), lb=lb,
                max_connections=max_connections, connect_timeout=connect_timeout,
                http1_max_pending=http1_max_pending, http2_max_requests=http2_max_requests,
                max_requests_per_connection=max_requests_per_connection, outlier=outlier,
                timeout=timeout, retries=retries, split=_dict(split) if split is not None
                else None, routes=_seq(routes))
    )


def mesh_route(
    *,
    split: Mapping[str, int],
    prefix: str | None = None,
    exact: str | None = None,
    regex: str | None = None,
    method: str | None = None,
    headers: Iterable[HeaderMatch | MeshHeader] | HeaderMatch | MeshHeader | None = None,
    query: Mapping[str, str] | None = None,
    timeout: str | None = None,
    retries: Retries | None = None,
) -> MeshRoute:
    """One route of `traffic(service, routes=[...])`: calls whose path (`prefix`, `exact` or
    `regex`), `method`, `headers` and `query` parameters all match go to `split`;
    `timeout` and `retries` replace the traffic policy's for these calls."""
    b = _builder()
    chosen = (headers,) if isinstance(headers, HeaderMatch | MeshHeader) else _seq(headers)
    return MeshRoute(loc=_loc(b), split=_dict(split), prefix=prefix, exact=exact, regex=regex,
                     method=method, headers=chosen, query=_dict(query) if query is not None
                     else None, timeout=timeout, retries=retries)


def mesh_header(
    name: str,
    *,
    exact: str | None = None,
    prefix: str | None = None,
    suffix: str | None = None,
    regex: str | None = None,
    invert: bool = False,
) -> MeshHeader:
    """A header condition of `mesh_route`: exactly one of `exact`, `prefix`, `suffix`,
    `regex`; `invert=True` matches calls whose header does not match (or is absent)."""
    given = [(k, v) for k, v in (("exact", exact), ("prefix", prefix), ("suffix", suffix),
                                 ("regex", regex)) if v is not None]
    kind, value = given[0] if len(given) == 1 else ("exact" if not given else "many", None)
    return MeshHeader(name, value, kind, invert)


def outlier(
    *,
    consecutive_5xx: int | None = None,
    consecutive_gateway_errors: int | None = None,
    interval: str | None = None,
    ejection: str | None = None,
    max_ejection_percent: int | None = None,
) -> Outlier:
    """Eject an endpoint from the pool after repeated errors, for `ejection` at least."""
    return Outlier(consecutive_5xx, consecutive_gateway_errors, interval, ejection,
                   max_ejection_percent)


def retries(attempts: int, *, per_try: str | None = None, on: str | None = None) -> Retries:
    """Retry a failed request up to `attempts` times; `on` is Envoy's retry-on list."""
    return Retries(attempts, per_try, on)


def _sequence(value: Any) -> tuple[Any, ...] | Any:
    """Lists become tuples (declarations are frozen); anything else is kept for resolve to
    reject, so `command="run"` is an error with its line, not a tuple of letters."""
    return tuple(value) if isinstance(value, list | tuple) else value


def _settings(
    image: Any, replicas: Any, env_vars: Any, secrets: Any, command: Any, args: Any, cpu: Any,
    memory: Any, cpu_limit: Any, memory_limit: Any, liveness: Any, readiness: Any,
    rollout: Any, volumes: Any,
) -> WorkloadSettings:
    return WorkloadSettings(
        image=image, replicas=replicas,
        env_vars=env_vars if env_vars is not None else {},
        secrets=secrets if secrets is not None else {},
        command=None if command is None else _sequence(command),
        args=None if args is None else _sequence(args),
        cpu=cpu, memory=memory, cpu_limit=cpu_limit, memory_limit=memory_limit,
        liveness=liveness, readiness=readiness, rollout=rollout,
        volumes=None if volumes is None else _sequence(volumes),
    )


def version(
    *,
    image: str | None = None,
    replicas: int | None = None,
    env_vars: Mapping[str, str] | None = None,
    secrets: Mapping[str, SecretKeyRef] | None = None,
    command: Iterable[str] | None = None,
    args: Iterable[str] | None = None,
    cpu: str | None = None,
    memory: str | None = None,
    cpu_limit: str | None = None,
    memory_limit: str | None = None,
    liveness: Probe | None = None,
    readiness: Probe | None = None,
    rollout: Rollout | None = None,
    volumes: Iterable[Volume] | None = None,
) -> WorkloadSettings:
    """One version's settings in `service(..., versions={"v1": version(...)})`: whatever it
    sets replaces the service's (`env_vars` and `secrets` add to them)."""
    return _settings(image, replicas, env_vars, secrets, command, args, cpu, memory, cpu_limit,
                     memory_limit, liveness, readiness, rollout, volumes)


def secret_ref(name: str, key: str) -> SecretKeyRef:
    """An environment variable read from key `key` of the Secret `name` (secretKeyRef)."""
    return SecretKeyRef(name, key)


def probe(
    *,
    exec: Iterable[str] | None = None,  # the Kubernetes field's name
    http: str | None = None,
    tcp: bool = False,
    grpc: bool = False,
    port: int | str | None = None,
    scheme: str | None = None,
    period: int | None = None,
    timeout: int | None = None,
    failures: int | None = None,
    successes: int | None = None,
    initial_delay: int | None = None,
) -> Probe:
    """A liveness or readiness probe: a command (`exec=[...]`), an HTTP GET of a path
    (`http="/healthz"`), a TCP connect (`tcp=True`) or a gRPC health check (`grpc=True`).
    `port` defaults to the service's container port; times are seconds."""
    return Probe(
        exec=None if exec is None else _sequence(exec), http=http, tcp=tcp, grpc=grpc,
        port=port, scheme=scheme, period=period, timeout=timeout, failures=failures,
        successes=successes, initial_delay=initial_delay,
    )


def rollout(
    *, max_surge: int | str | None = None, max_unavailable: int | str | None = None
) -> Rollout:
    """RollingUpdate limits: pods (`1`) or a share of the replicas (`"25%"`)."""
    return Rollout(max_surge, max_unavailable)


def volume(
    name: str,
    path: str,
    *,
    claim: str | None = None,
    read_only: bool = False,
    size_limit: str | None = None,
) -> Volume:
    """A volume mounted at `path`: scratch space (emptyDir) by default, or the existing
    PersistentVolumeClaim `claim` when its data must outlive the pod."""
    return Volume(name, path, claim, read_only, size_limit)
