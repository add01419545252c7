"""Decides an environment's mesh: which objects Istio needs to carry the blueprint's intent.

Identity: one ServiceAccount per service, shared by its versions, so a canary never changes
who may call whom. Authorization mirrors `calls`: each callee allows exactly its callers'
principals on its port, the ingress gateway's principal when exposed `via=ISTIO`, and
clients without a mesh identity (load balancers, node ports) when exposed outside the mesh.
Under STRICT isolation a namespace-wide allow-nothing policy denies everything else.
"""

from __future__ import annotations

from collections.abc import Iterable

from netgen.model import (
    Blueprint,
    Isolation,
    Mesh,
    Mtls,
    Outlier,
    Retries,
    Service,
    Token,
    Traffic,
)
from netgen.plan import CallPlan, EnvPlan, ExternalPlan, Labels, RoutePlan, ServicePlan, Workload
from netgen.plan.mesh import (
    AuthorizationPlan,
    AuthzRule,
    DestinationRulePlan,
    EntryPort,
    MeshPlan,
    PeerAuthPlan,
    RetryPlan,
    ServiceAccountPlan,
    ServiceEntryPlan,
    TrafficPlan,
    principal,
)
from netgen.problems import Collector
from netgen.resolve.environment import is_ip, present
from netgen.resolve.mesh_checks import external_protocol, mtls_mode
from netgen.resolve.mesh_routes import gateway_routes, is_http, mesh_virtual_services
from netgen.resolve.mesh_splits import plan_split
from netgen.targets.base import Registry, ViaSpec
from netgen.targets.istio.tokens import ISTIO

DEFAULT_TRUST_DOMAIN = "cluster.local"
INGRESS_SELECTOR: Labels = (("istio", "ingressgateway"),)
INGRESS_ACCOUNT = ("istio-system", "istio-ingressgateway-service-account")
INJECTION: Labels = (("istio-injection", "enabled"),)
# Exposures whose clients reach the pods without a mesh identity.
ALLOW_NOTHING = "allow-nothing"


def effective_mesh(bp: Blueprint, env: str) -> Mesh | None:
    """The environment's own `mesh(...)` wins over the blueprint-wide one."""
    scoped = [m for m in bp.meshes if m.scope == env]
    chosen = scoped[0] if scoped else next((m for m in bp.meshes if m.scope is None), None)
    # validation reports a kind that is no mesh token (`mesh([])`); planning skips it
    if chosen is None or not isinstance(chosen.kind, Token):
        return None
    return chosen


def visible_traffic(bp: Blueprint, env: str) -> dict[str, Traffic]:
    """Blueprint-wide policies, replaced per service by those scoped to `env`."""
    chosen: dict[str, Traffic] = {}
    scoped: dict[str, Traffic] = {}
    for t in bp.traffic:
        if isinstance(t.service, str) and t.scope in (None, env):
            (chosen if t.scope is None else scoped).setdefault(t.service, t)
    chosen.update(scoped)
    return chosen


def check_unused_traffic(bp: Blueprint, meshed_envs: Iterable[str], c: Collector) -> None:
    """A blueprint-wide traffic() is fine while some environment has the mesh; with none it
    would silently do nothing."""
    if any(True for _ in meshed_envs):
        return
    for t in bp.traffic:
        if t.scope is None:
            c.error(t.loc, f"traffic({t.service!r}): no environment has a mesh, so nothing "
                           "would carry this policy; add mesh(ISTIO)")


def _outside(spec: ViaSpec | None) -> bool:
    """Traffic of the via enters the mesh from outside it (not a mesh's own gateway)."""
    return spec is not None and spec.outside


def mesh_plan(
    bp: Blueprint,
    env: EnvPlan,
    services: dict[str, Service],
    plans: list[ServicePlan],
    externals: list[ExternalPlan],
    calls: list[CallPlan],
    routes: list[RoutePlan],
    all_names: dict[str, list[str]],
    c: Collector,
    registry: Registry,
) -> MeshPlan | None:
    m = effective_mesh(bp, env.name)
    if m is None:
        _report_without_mesh(bp, env, routes, c, registry)
        return None
    by_name = {p.name: p for p in plans}
    traffic = _traffic_plans(bp, env, services, by_name, externals, all_names, c)
    mode = mtls_mode(m.mtls) if m.mtls is not None else None
    if mode is None:
        mode = Mtls.STRICT if env.isolation is Isolation.STRICT else Mtls.PERMISSIVE
    trust_domain = m.trust_domain or DEFAULT_TRUST_DOMAIN
    ingress = m.ingress_principal or principal(trust_domain, *INGRESS_ACCOUNT)
    selector = tuple(sorted(m.ingress_selector.items())) if m.ingress_selector else INGRESS_SELECTOR
    namespaces = sorted({env.namespace, *(p.namespace for p in plans)})
    if m.kind is not ISTIO:  # another mesh: the neutral part; its target does the rest
        outside = {r.service for r in routes if _outside(registry.spec(r.via))}
        return MeshPlan(
            kind=m.kind.name, mtls=mode.value, trust_domain=trust_domain,
            deny_by_default=env.isolation is Isolation.STRICT, ingress_principal="",
            service_accounts=tuple(ServiceAccountPlan(p.name, p.namespace, p.labels)
                                   for p in plans),
            service_entries=(), destination_rules=(), virtual_services=(), gateways=(),
            peer_authentications=(), authorizations=tuple(_authorizations(
                plans, calls, trust_domain, "", frozenset(), outside, namespaces,
                env.isolation is Isolation.STRICT)),
            injection=(), traffic=tuple(traffic.values()), loc=m.loc)
    ingress_plan = gateway_routes(bp.info.name, env, selector, routes, by_name, traffic, c)
    outside = {r.service for r in routes if _outside(registry.spec(r.via))}
    deny = env.isolation is Isolation.STRICT
    if mode is Mtls.DISABLE and (ingress_plan.services or any(
            call.dst_kind == "service" for call in calls)):
        c.error(m.loc, f"mesh(ISTIO, mtls=DISABLE): environment '{env.name}' has calls between "
                       "services, and AuthorizationPolicies can only allow a caller by its mTLS "
                       "identity; use PERMISSIVE or STRICT")
    return MeshPlan(
        kind=m.kind.name,
        mtls=mode.value,
        trust_domain=trust_domain,
        deny_by_default=deny,
        ingress_principal=ingress,
        service_accounts=tuple(ServiceAccountPlan(p.name, p.namespace, p.labels) for p in plans),
        service_entries=tuple(_service_entry(x, c) for x in externals),
        destination_rules=tuple(_destination_rules(plans, traffic)),
        virtual_services=(*mesh_virtual_services(plans, routes, traffic, c),
                          *ingress_plan.virtual_services),
        gateways=ingress_plan.gateways,
        peer_authentications=tuple(_peer_authentications(namespaces, mode, plans, outside)),
        authorizations=tuple(_authorizations(
            plans, calls, trust_domain, ingress, ingress_plan.services, outside, namespaces,
            deny)),
        injection=(("istio.io/rev", m.revision),) if m.revision else INJECTION,
        traffic=tuple(traffic.values()),
        loc=m.loc,
    )


def _report_without_mesh(bp: Blueprint, env: EnvPlan, routes: list[RoutePlan],
                         c: Collector, registry: Registry) -> None:
    for t in bp.traffic:
        if t.scope == env.name:
            c.error(t.loc, f"traffic({t.service!r}): environment '{env.name}' has no mesh; "
                           "add mesh(ISTIO) to it or drop this policy")
    gateways = {h.ingress_via: h.kind.name for h in registry.meshes() if h.ingress_via}
    for r in routes:
        if r.via in gateways:
            kind = gateways[r.via]
            c.error(r.loc, f"expose({r.service!r}, via={r.via.name}): environment '{env.name}' "
                           f"has no mesh; add mesh({kind}) (blueprint-wide or inside this "
                           "environment)")


def _traffic_plans(
    bp: Blueprint,
    env: EnvPlan,
    services: dict[str, Service],
    plans: dict[str, ServicePlan],
    externals: list[ExternalPlan],
    all_names: dict[str, list[str]],
    c: Collector,
) -> dict[str, TrafficPlan]:
    out: dict[str, TrafficPlan] = {}
    external_names = {x.name for x in externals}
    for name, t in visible_traffic(bp, env.name).items():
        d = f"traffic({name!r})"
        if name in external_names and name not in services:
            c.error(t.loc, f"{d}: '{name}' is an external; traffic policies apply to services")
            continue
        if not present(name, env.name, services, all_names, c, t.loc, d, "service"):
            continue
        s = plans[name]
        if s.port is None:
            c.error(t.loc, f"{d}: '{name}' has no port= (a worker): no traffic reaches it")
            continue
        http_only = [n for n in ("http1_max_pending", "http2_max_requests",
                                 "max_requests_per_connection", "timeout", "retries")
                     if getattr(t, n) is not None]
        if http_only and not is_http(s):
            c.error(t.loc, f"{d}: {', '.join(n + '=' for n in http_only)} need an HTTP port, "
                           f"but '{name}' port '{s.port.name}' is not HTTP to Istio (name it "
                           "'http' or 'http-...', or set app_protocol='http')")
        o = t.outlier if isinstance(t.outlier, Outlier) else None
        r = t.retries if isinstance(t.retries, Retries) else None
        split, split_routes = plan_split(t, s, is_http(s), c)
        out[name] = TrafficPlan(
            service=name, lb=t.lb, max_connections=t.max_connections,
            connect_timeout=t.connect_timeout, http1_max_pending=t.http1_max_pending,
            http2_max_requests=t.http2_max_requests,
            max_requests_per_connection=t.max_requests_per_connection,
            consecutive_5xx=o.consecutive_5xx if o else None,
            consecutive_gateway_errors=o.consecutive_gateway_errors if o else None,
            interval=o.interval if o else None, ejection=o.ejection if o else None,
            max_ejection_percent=o.max_ejection_percent if o else None,
            timeout=t.timeout,
            retries=RetryPlan(r.attempts, r.per_try, r.on) if r else None,
            loc=t.loc, split=split, routes=split_routes,
        )
    return out


def _service_entry(x: ExternalPlan, c: Collector) -> ServiceEntryPlan:
    """DNS resolution by host name; an IP host is a static endpoint; a TCP external with a
    CIDR is matched by address (Istio cannot tell TCP hosts apart by name)."""
    if x.protocol != "TCP":
        c.error(x.loc, f"external({x.name!r}): Istio cannot route {x.protocol} to an external "
                       "(ServiceEntry ports carry TCP-based protocols only)")
    if x.app_protocol is not None and external_protocol(x.app_protocol) is None:
        protocol = x.app_protocol.upper()
    else:
        protocol = {443: "HTTPS", 80: "HTTP"}.get(x.port, "TCP")
    standard = {"HTTPS": 443, "HTTP": 80}.get(protocol)
    port_name = protocol.lower() if standard == x.port else f"{protocol.lower()}-{x.port}"
    ports = (EntryPort(x.port, port_name, protocol),)
    if is_ip(x.host):
        return ServiceEntryPlan(x.name, x.namespace, (x.host,), (x.host,), ports, "STATIC",
                                (x.host,))
    if x.cidr and protocol in ("TCP", "MONGO"):
        return ServiceEntryPlan(x.name, x.namespace, (x.host,), x.cidr, ports, "NONE", ())
    return ServiceEntryPlan(x.name, x.namespace, (x.host,), (), ports, "DNS", ())


def _destination_rules(
    plans: list[ServicePlan], traffic: dict[str, TrafficPlan]
) -> Iterable[DestinationRulePlan]:
    """Only services with something to say: a traffic policy or versions to subset."""
    for s in plans:
        t = traffic.get(s.name)
        if t is None and not s.versions:
            continue
        pool = t and any(getattr(t, n) is not None for n in (
            "lb", "max_connections", "connect_timeout", "http1_max_pending",
            "http2_max_requests", "max_requests_per_connection", "consecutive_5xx",
            "consecutive_gateway_errors", "interval", "ejection", "max_ejection_percent"))
        if not pool and not s.versions:
            continue
        yield DestinationRulePlan(
            name=s.name, namespace=s.namespace, host=s.fqdn, traffic=t if pool else None,
            subsets=tuple((v.name, (("version", v.name),)) for v in s.versions),
        )


def _peer_authentications(
    namespaces: list[str], mode: Mtls, plans: list[ServicePlan], outside: set[str]
) -> Iterable[PeerAuthPlan]:
    for ns in namespaces:
        yield PeerAuthPlan("default", ns, mode.value)
    if mode is not Mtls.STRICT:
        return
    for s in plans:
        if s.name in outside and s.port is not None:
            yield PeerAuthPlan(s.name, s.namespace, mode.value, s.selector,
                               ((str(s.port.target_port), Mtls.PERMISSIVE.value),))


def _authorizations(
    plans: list[ServicePlan],
    calls: list[CallPlan],
    trust_domain: str,
    ingress: str,
    ingress_services: frozenset[str],
    outside: set[str],
    namespaces: list[str],
    deny: bool,
) -> Iterable[AuthorizationPlan]:
    by_name = {p.name: p for p in plans}
    callers: dict[str, set[str]] = {}
    for call in calls:
        if call.dst_kind == "service" and call.src in by_name:
            src = by_name[call.src]
            callers.setdefault(call.dst, set()).add(
                principal(trust_domain, src.namespace, src.name))
    for s in plans:
        if s.port is None:  # a worker accepts nothing
            continue
        port = (str(s.port.target_port),)
        principals = set(callers.get(s.name, ()))
        if s.name in ingress_services:
            principals.add(ingress)
        rules = []
        if principals:
            rules.append(AuthzRule(tuple(sorted(principals)), False, port))
        if s.name in outside:
            rules.append(AuthzRule((), True, port))
        if rules:
            yield AuthorizationPlan(s.name, s.namespace, s.selector, tuple(rules))
    if deny:
        for ns in namespaces:
            yield AuthorizationPlan(ALLOW_NOTHING, ns, None, ())


def with_service_accounts(
    workloads: list[Workload], mesh: MeshPlan | None, settings: dict
) -> list[Workload]:
    """The mesh identity is the service's account; without a mesh the old
    `service_accounts=True` setting still names one per workload."""
    from attrs import evolve

    if mesh is not None:
        return [evolve(w, service_account=w.service) for w in workloads]
    if settings.get("service_accounts"):
        return [evolve(w, service_account=w.name) for w in workloads]
    return workloads


def namespace_labels(mesh: MeshPlan | None, namespaces: Iterable[str], registry: Registry
                     ) -> dict[str, Labels]:
    """The labels the mesh target needs on each namespace (Istio: sidecar injection)."""
    hooks = registry.mesh(mesh.kind) if mesh is not None else None
    if mesh is None or hooks is None:
        return {}
    return {ns: hooks.namespace_labels(mesh, ns) for ns in namespaces}
