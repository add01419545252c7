"""Turns exposures into routes: backend chosen, capabilities checked, weights decided."""

from __future__ import annotations

from attrs import evolve

from netgen.model import Blueprint, Exposure, HealthCheck, Service, Tls, Via
from netgen.plan import EnvPlan, RoutePlan, ServicePlan, WeightedBackend
from netgen.plan.routes import RouteKey, route_key
from netgen.problems import Collector
from netgen.resolve.environment import present
from netgen.targets.base import Backend, Layer, Registry
from netgen.targets.features import Feature, required_features

ANY_HOST = "*"


def exposures_for(bp: Blueprint, env: str, services: dict[str, Service]) -> list[Exposure]:
    """Scoped exposures of a service replace its blueprint-wide ones in that environment."""
    scoped = {x.service for x in bp.exposures if x.scope == env}
    return [
        x for x in bp.exposures
        if (x.scope == env) or (x.scope is None and x.service not in scoped)
    ]


def _suggest(feature: Feature, via: Via, registry: Registry) -> str:
    able = [v.name for b in registry.backends if feature in b.features
            for v in b.via if v is not via]
    if not able:
        return ""
    listed = able[0] if len(able) == 1 else ", ".join(able[:-1]) + " or " + able[-1]
    return f" (use {listed})"


def route_plans(
    exposures: list[Exposure],
    services: dict[str, Service],
    plans: dict[str, ServicePlan],
    e: EnvPlan,
    all_names: dict[str, list[str]],
    c: Collector,
    registry: Registry,
    domain: str | None = None,
) -> list[RoutePlan]:
    """`domain` (the blueprint's) is the host of HTTP exposures that name none; `host="*"`
    is every host."""
    routes: list[RoutePlan] = []
    names: dict[str, int] = {}
    vias = registry.vias()  # LINKERD is a token too, but no via
    for x in exposures:
        via = x.via.name if isinstance(x.via, Via) else repr(x.via)
        d = f"expose({x.service!r}, via={via})"
        if not any(x.via is v for v in vias):
            c.error(x.loc, f"{d}: via= must be one of {', '.join(v.name for v in vias)}")
            continue
        if not present(x.service, e.name, services, all_names, c, x.loc, d, "service"):
            continue
        s, p = services[x.service], plans[x.service]
        if p.port is None:
            c.error(x.loc, f"{d}: '{x.service}' has no port= (a worker), so it cannot be "
                           "exposed")
            continue
        backend = registry.backend_for(x.via)
        if backend is None:
            c.error(x.loc, f"{d}: exposure via {x.via.name} is not supported yet")
            continue
        grpc = isinstance(s.app_protocol, str) and s.app_protocol.lower() == "grpc"
        backend_tls = isinstance(s.app_protocol, str) and s.app_protocol.lower() == "https"
        tls = x.tls if x.tls is not None else _inherited_tls(e.tls, backend)
        spec = registry.spec(x.via)
        if tls is not None and p.port.protocol != "TCP" and spec is not None \
                and spec.layer is Layer.L4:
            # TLS runs over TCP: a load balancer has no TLS listener for UDP (or SCTP)
            if x.tls is not None:
                c.error(x.loc, f"{d}: TLS runs over TCP, and '{x.service}' serves "
                               f"{p.port.protocol} port {p.port.port}: {x.via.name} cannot "
                               "terminate TLS for it; drop tls=")
                continue
            tls = None  # the environment's certificate cannot apply: `netgen check` NG115
        effective = x if tls is x.tls else _with_tls(x, tls)
        http = spec is not None and spec.layer is Layer.L7
        for feature in sorted(required_features(effective, grpc, http) - backend.features,
                              key=lambda f: f.name):
            c.error(x.loc, f"{d}: {backend.name} cannot {feature.value}"
                           f"{_suggest(feature, x.via, registry)}")
        if grpc and http and x.methods and Feature.METHOD_MATCH in backend.features:
            c.error(x.loc, f"{d}: '{x.service}' speaks gRPC, whose calls are all POSTs: "
                           f"methods={list(x.methods)!r} selects all or none of them; drop "
                           "methods=")
        if grpc and http and x.query and Feature.QUERY_MATCH in backend.features:
            c.error(x.loc, f"{d}: '{x.service}' speaks gRPC, whose calls carry no query "
                           f"string: query={dict(x.query)!r} matches none of them; drop query=")
        backends = _weights(x, p, c, d)
        if backends is None:
            continue
        redirect = x.redirect_https
        if redirect is None:
            redirect = tls is not None and Feature.REDIRECT_HTTPS in backend.features
        # Exposures whose objects share a kind are numbered together (their ViaSpec's
        # family), so their names cannot clash.
        family = (spec.family if spec is not None else None) or x.via.value
        n = names[f"{x.service}/{family}"] = names.get(f"{x.service}/{family}", 0) + 1
        shared = 0
        if x.route is not None:  # exposures sharing route= are numbered on Ingress backends
            shared = names[f"route:{x.route}/{family}"] = names.get(
                f"route:{x.route}/{family}", 0) + 1
        health = x.health
        if health is None and s.health and Feature.HEALTH_CHECK in backend.features:
            health = HealthCheck(s.health)
        route = RoutePlan(
            layer=spec.layer.value if spec is not None else Layer.L7.value,
            name=x.service if n == 1 else f"{x.service}-{n}",
            service=x.service,
            namespace=p.namespace,
            via=x.via,
            host=_host(x, domain, http),
            path=x.path,
            path_type=x.path_type,
            matches=x.match,
            backends=backends,
            tls=tls,
            redirect_https=bool(redirect),
            node_port=x.node_port,
            ports=x.ports,
            scheme=x.scheme or "internet-facing",
            health=health,
            rewrite=x.rewrite,
            rate_limit=x.rate_limit,
            auth=x.auth,
            group=x.group,
            grpc=grpc,
            target_port=p.port.target_port,
            loc=x.loc,
            options=dict(x.options),
            route=x.route,
            part="" if shared <= 1 else f"-{shared}",
            query=x.query if isinstance(x.query, tuple) else (),
            methods=x.methods if isinstance(x.methods, tuple) else (),
            source_ips=x.source_ips if isinstance(x.source_ips, tuple) else (),
            backend_tls=backend_tls,
        )
        routes.extend(_header_canary(route) if x.canary is not None and x.match else (route,))
    _check_conflicts(routes, c, registry)
    return routes


def _host(x: Exposure, domain: str | None, http: bool) -> str | None:
    if x.host == ANY_HOST or not http:
        return None
    return x.host if x.host is not None else domain


def _inherited_tls(tls: Tls | None, backend: Backend) -> Tls | None:
    """The environment's certificate applies to every exposure whose backend terminates
    TLS; one that cannot use that kind of certificate is then reported by the capability
    check rather than silently served without TLS."""
    return tls if backend.terminates_tls else None


def _header_canary(route: RoutePlan) -> tuple[RoutePlan, RoutePlan]:
    """`canary=` with `match=`: matching requests always reach the canary (Flagger's and
    Argo Rollouts' header route); every other request is split by weight. Two routes on the
    same host and path, the header route first."""
    newest = route.backends[-1]
    by_header = evolve(route, name=f"{route.name}-match", backends=(evolve(newest, weight=100),),
                       part=f"{route.part}-match")
    return by_header, evolve(route, matches=())


def _with_tls(x: Exposure, tls: Tls | None) -> Exposure:
    return evolve(x, tls=tls)


def _weights(
    x: Exposure, p: ServicePlan, c: Collector, d: str
) -> tuple[WeightedBackend, ...] | None:
    port = p.port.port
    if x.version is not None:
        for v in p.versions:
            if v.name == x.version:
                return (WeightedBackend(v.service_name, port, 100, v.name),)
        c.error(x.loc, f"{d}: version={x.version!r} is not one of the service's versions "
                       f"({', '.join(v.name for v in p.versions) or 'it has none'})")
        return None
    if x.canary is None:
        return (WeightedBackend(p.name, port, 100),)
    if len(p.versions) < 2:
        c.error(x.loc, f"{d}: canary= needs a service with at least two versions "
                       f"(service('{p.name}', versions=['v1', 'v2']))")
        return None
    share = round(x.canary * 100)
    stable, newest = p.versions[0], p.versions[-1]
    return (
        WeightedBackend(stable.service_name, port, 100 - share, stable.name),
        WeightedBackend(newest.service_name, port, share, newest.name),
    )


def _check_conflicts(routes: list[RoutePlan], c: Collector, registry: Registry) -> None:
    seen: dict[RouteKey, RoutePlan] = {}
    node_ports: dict[int, RoutePlan] = {}
    for r in routes:
        if r.node_port is not None:
            first_np = node_ports.setdefault(r.node_port, r)
            if first_np is not r:
                c.error(r.loc, f"expose({r.service!r}): node_port={r.node_port} is already "
                               f"used by '{first_np.service}' at {first_np.loc}")
        spec = registry.spec(r.via)
        if spec is None or spec.layer is not Layer.L7:
            continue
        first = seen.setdefault(route_key(r), r)  # `/api/` is `/api`: the same requests
        if first is not r:
            where = f"host {r.host!r}" if r.host else "every host"
            c.error(r.loc, f"expose({r.service!r}): {where} and path {r.path or '/'!r} are "
                           f"already exposed by '{first.service}' at {first.loc}")
