"""Decides an environment's mesh, neutrally: the mTLS mode, one identity per service, who may
call whom, the traffic policies; then asks the mesh target `mesh(KIND)` chose for the objects
only it has (`MeshHooks.plan`), kept in `MeshPlan.target`.

Identity: one ServiceAccount per service, shared by its versions, so a canary never changes
who may call whom. Authorization mirrors `calls`: each callee allows exactly its callers'
principals on its port, the mesh gateway's principal when exposed through its `ingress_via`,
and clients without a mesh identity (load balancers, node ports) when exposed outside the
mesh. Under STRICT isolation a namespace-wide allow-nothing policy denies everything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

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
from netgen.plan import CallPlan, EnvPlan, ExternalPlan, Labels, RoutePlan, ServicePlan
from netgen.plan.mesh import (
    AuthorizationPlan,
    AuthzRule,
    MeshPlan,
    RetryPlan,
    ServiceAccountPlan,
    TrafficPlan,
    is_http,
    principal,
)
from netgen.problems import Collector
from netgen.resolve.environment import present
from netgen.resolve.mesh_checks import mtls_mode
from netgen.resolve.mesh_splits import plan_split
from netgen.targets.base import MeshHooks, MeshInput, MeshProxy, Registry, ViaSpec

DEFAULT_TRUST_DOMAIN = "cluster.local"
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


def check_unused_traffic(bp: Blueprint, meshed_envs: Iterable[str], c: Collector,
                         registry: Registry) -> None:
    """A blueprint-wide traffic() is fine while some environment has the mesh; with none it
    would silently do nothing."""
    if any(True for _ in meshed_envs):
        return
    for t in bp.traffic:
        if t.scope is None:
            c.error(t.loc, f"traffic({t.service!r}): no environment has a mesh, so nothing "
                           f"would carry this policy; add {registry.any_mesh()}")


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
    hooks = registry.mesh(m.kind)
    if hooks is None:  # no mesh target of that kind: validation reported it
        return None
    _report_other_gateways(hooks, routes, c, registry)
    by_name = {p.name: p for p in plans}
    traffic = _traffic_plans(bp, env, services, by_name, externals, all_names, c,
                             registry.mesh_name(hooks))
    mode = mtls_mode(m.mtls) if m.mtls is not None else None
    if mode is None:
        mode = Mtls.STRICT if env.isolation is Isolation.STRICT else Mtls.PERMISSIVE
    trust_domain = m.trust_domain or DEFAULT_TRUST_DOMAIN
    namespaces = sorted({env.namespace, *(p.namespace for p in plans)})
    proxies = _proxy_identities(bp, env, m, trust_domain, routes, registry)
    outside = frozenset(r.service for r in routes
                        if _outside(registry.spec(r.via)) and r.via.name not in proxies)
    gateway = hooks.gateway_principal(m, trust_domain) if hooks.gateway_principal else ""
    through_gateway = frozenset(r.service for r in routes
                                if hooks.ingress_via is not None and r.via is hooks.ingress_via)
    entering: dict[str, set[str]] = {}
    for r in routes:
        if r.via.name in proxies:
            entering.setdefault(r.service, set()).add(proxies[r.via.name])
    deny = env.isolation is Isolation.STRICT
    target = None
    if hooks.plan is not None:
        target = hooks.plan(MeshInput(
            blueprint=bp.info.name, env=env, declared=m, mtls=mode.value,
            trust_domain=trust_domain, services=plans, externals=externals, calls=calls,
            routes=routes, traffic=traffic, outside=outside, namespaces=namespaces), c)
    return MeshPlan(
        kind=m.kind.name,
        mtls=mode.value,
        trust_domain=trust_domain,
        deny_by_default=deny,
        service_accounts=tuple(ServiceAccountPlan(p.name, p.namespace, p.labels) for p in plans),
        authorizations=tuple(_authorizations(
            plans, calls, trust_domain, gateway, through_gateway, outside, namespaces, deny,
            entering)),
        traffic=tuple(traffic.values()),
        loc=m.loc,
        target=target,
        proxies=tuple(sorted(proxies.items())),
    )


def _proxy_identities(bp: Blueprint, env: EnvPlan, m: Mesh, trust_domain: str,
                      routes: list[RoutePlan], registry: Registry) -> dict[str, str]:
    """via name -> the identity of its proxies, for the vias of `routes` whose proxies are
    members of this mesh (`ViaSpec.mesh_identity`: Istio's own Gateway API gateway)."""
    def raw(key: str) -> Any:
        return env.settings.get(key, bp.info.settings.get(key))

    out: dict[str, str] = {}
    for via in dict.fromkeys(r.via for r in routes):
        spec = registry.spec(via)
        if spec is None or spec.mesh_identity is None:
            continue
        identity = spec.mesh_identity(MeshProxy(raw, bp.info.name, env, m.kind.name,
                                                trust_domain))
        if identity:
            out[via.name] = identity
    return out


def _report_without_mesh(bp: Blueprint, env: EnvPlan, routes: list[RoutePlan],
                         c: Collector, registry: Registry) -> None:
    for t in bp.traffic:
        if t.scope == env.name:
            c.error(t.loc, f"traffic({t.service!r}): environment '{env.name}' has no mesh; "
                           f"add {registry.any_mesh()} to it or drop this policy")
    for r, owner in _through_a_mesh_gateway(routes, registry):
        c.error(r.loc, f"expose({r.service!r}, via={r.via.name}): environment '{env.name}' "
                       f"has no mesh; add mesh({owner.kind.name}) (blueprint-wide or inside this "
                       "environment)")


def _report_other_gateways(chosen: MeshHooks, routes: list[RoutePlan], c: Collector,
                           registry: Registry) -> None:
    for r, owner in _through_a_mesh_gateway(routes, registry):
        if owner is not chosen:
            c.error(r.loc, f"expose({r.service!r}, via={r.via.name}): the "
                           f"{registry.mesh_name(owner)} ingress gateway needs "
                           f"mesh({owner.kind.name}), and this environment's mesh is "
                           f"{chosen.kind.name}; expose it via another ingress instead")


def _through_a_mesh_gateway(routes: list[RoutePlan], registry: Registry
                            ) -> Iterator[tuple[RoutePlan, MeshHooks]]:
    """The exposures that enter through a mesh's own gateway (`MeshHooks.ingress_via`),
    each with that mesh: they need it chosen in their environment."""
    gateways = {h.ingress_via: h for h in registry.meshes() if h.ingress_via is not None}
    for r in routes:
        if r.via in gateways:
            yield r, gateways[r.via]


def _traffic_plans(
    bp: Blueprint,
    env: EnvPlan,
    services: dict[str, Service],
    plans: dict[str, ServicePlan],
    externals: list[ExternalPlan],
    all_names: dict[str, list[str]],
    c: Collector,
    mesh: str,  # the chosen mesh's target, for messages
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
                           f"but '{name}' port '{s.port.name}' is not HTTP to {mesh} (name it "
                           "'http' or 'http-...', or set app_protocol='http')")
        o = t.outlier if isinstance(t.outlier, Outlier) else None
        r = t.retries if isinstance(t.retries, Retries) else None
        split, split_routes = plan_split(t, s, is_http(s), c, mesh)
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


def _authorizations(
    plans: list[ServicePlan],
    calls: list[CallPlan],
    trust_domain: str,
    ingress: str,
    ingress_services: frozenset[str],
    outside: frozenset[str],
    namespaces: list[str],
    deny: bool,
    entering: dict[str, set[str]],
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
        principals.update(entering.get(s.name, ()))
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
    workloads: list[dict[str, Any]], mesh: MeshPlan | None, settings: dict
) -> None:
    """The mesh identity is the service's account; without a mesh the old
    `service_accounts=True` setting still names one per workload. Sets `service_account`
    in each workload's fields (see `environment.workloads`)."""
    if mesh is not None:
        for w in workloads:
            w["service_account"] = w["service"]
    elif settings.get("service_accounts"):
        for w in workloads:
            w["service_account"] = w["name"]


def namespace_labels(mesh: MeshPlan | None, namespaces: Iterable[str], registry: Registry
                     ) -> dict[str, Labels]:
    """The labels the mesh target needs on each namespace (sidecar injection, say)."""
    hooks = registry.mesh(mesh.kind) if mesh is not None else None
    if mesh is None or hooks is None:
        return {}
    return {ns: hooks.namespace_labels(mesh, ns) for ns in namespaces}
