"""Routing inside the mesh and through the Istio ingress gateway, decided.

Inside the mesh a service has one VirtualService: the splits its exposures ask for
(canary weights, version pins, header matches) over the subsets of its own host, so mesh
clients see the same canary as clients coming through a load balancer. Through the
gateway each host has one VirtualService with its routes ordered most specific first,
because Istio takes the first matching route and merges several VirtualServices of one
host in no guaranteed order.
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import frozen

from netgen.diagnostics import Collector
from netgen.meshplan import (
    Destination,
    GatewayPlan,
    HttpMatch,
    HttpRoute,
    ServerPlan,
    TrafficPlan,
    VirtualServicePlan,
)
from netgen.model import TlsSecret, Via
from netgen.plan import EnvPlan, Labels, RoutePlan, ServicePlan

# Istio's protocol selection: a port named `<protocol>[-suffix]` or with an appProtocol.
HTTP_PROTOCOLS = ("http", "http2", "grpc", "grpc-web")
HTTP_APP_PROTOCOLS = (*HTTP_PROTOCOLS, "kubernetes.io/h2c", "kubernetes.io/ws")

Split = tuple[tuple[str | None, int], ...]  # (version or None for every pod, weight)


def is_http(s: ServicePlan) -> bool:
    if s.port.app_protocol:
        return s.port.app_protocol.lower() in HTTP_APP_PROTOCOLS
    name = s.port.name
    return any(name == p or name.startswith(p + "-") for p in HTTP_PROTOCOLS)


def _split(r: RoutePlan) -> Split:
    return tuple((b.version, b.weight) for b in r.backends)


def _headers(r: RoutePlan) -> tuple[tuple[str, str], ...]:
    """Istio matches header names in lowercase only."""
    return tuple(sorted((m.name.lower(), m.value) for m in r.matches))


def _describe(split: Split) -> str:
    return ", ".join(f"{w}% to {v or 'every version'}" for v, w in split)


def _destinations(s: ServicePlan, split: Split) -> tuple[Destination, ...]:
    return tuple(Destination(s.fqdn, s.port.port, w, v) for v, w in split)


def mesh_virtual_services(
    plans: list[ServicePlan],
    routes: list[RoutePlan],
    traffic: dict[str, TrafficPlan],
    c: Collector,
) -> Iterable[VirtualServicePlan]:
    for s in plans:
        rows = _mesh_rows(s, [r for r in routes if r.service == s.name], c)
        t = traffic.get(s.name)
        timed = t is not None and (t.timeout is not None or t.retries is not None)
        if not rows and not timed:
            continue
        default = rows.pop((), None)
        if not is_http(s):
            yield VirtualServicePlan(f"{s.name}-mesh", s.namespace, (s.fqdn,), (),
                                     tcp=(_destinations(s, default[0]),) if default else ())
            continue
        timeout, retries = (t.timeout, t.retries) if t else (None, None)
        http = [
            HttpRoute((HttpMatch(None, None, headers),), _destinations(s, split),
                      timeout=timeout, retries=retries)
            for headers, (split, _) in sorted(rows.items(), key=lambda kv: -len(kv[0]))
        ]
        http.append(HttpRoute((), _destinations(s, default[0] if default else ((None, 100),)),
                              timeout=timeout, retries=retries))
        yield VirtualServicePlan(f"{s.name}-mesh", s.namespace, (s.fqdn,), (), http=tuple(http))


def _mesh_rows(
    s: ServicePlan, routes: list[RoutePlan], c: Collector
) -> dict[tuple[tuple[str, str], ...], tuple[Split, RoutePlan]]:
    """Header match -> split, from the exposures that ask for versions. Exposures to the
    whole Service ask nothing of the mesh; two that ask differently for the same requests
    cannot both hold inside it."""
    rows: dict[tuple[tuple[str, str], ...], tuple[Split, RoutePlan]] = {}
    if not s.versions:
        return rows
    for r in routes:
        split = _split(r)
        if all(v is None for v, _ in split):
            continue
        key = _headers(r)
        if key and not is_http(s):
            c.error(r.loc, f"expose({s.name!r}, via={r.via.name}): Istio cannot match headers "
                           f"for '{s.name}' inside the mesh: its port '{s.port.name}' is not HTTP")
            continue
        first = rows.setdefault(key, (split, r))
        if first[0] != split:
            which = "requests" + (" with " + ", ".join(f"{n}: {v}" for n, v in key) if key else "")
            c.error(r.loc, f"expose({s.name!r}, via={r.via.name}): inside the mesh '{s.name}' "
                           f"has one split for {which}; this exposure asks for "
                           f"{_describe(split)} but the one at {first[1].loc} asks for "
                           f"{_describe(first[0])}")
    return rows


@frozen
class IngressPlan:
    gateways: tuple[GatewayPlan, ...]
    virtual_services: tuple[VirtualServicePlan, ...]
    services: frozenset[str]  # reached through the ingress gateway


def gateway_routes(
    blueprint: str,
    env: EnvPlan,
    selector: Labels,
    routes: list[RoutePlan],
    plans: dict[str, ServicePlan],
    traffic: dict[str, TrafficPlan],
    c: Collector,
) -> IngressPlan:
    mine = [r for r in routes if r.via is Via.ISTIO]
    for r in mine:
        s = plans[r.service]
        if not is_http(s):
            c.error(r.loc, f"expose({r.service!r}, via=ISTIO): the Istio ingress routes HTTP "
                           f"here, but '{r.service}' port '{s.port.name}' is not HTTP (name it "
                           "'http' or set app_protocol='http')")
        if r.rewrite is not None and "$" in r.rewrite:
            c.error(r.loc, f"expose({r.service!r}, via=ISTIO): Istio rewrites replace the "
                           f"matched path prefix; rewrite={r.rewrite!r} uses regex captures")
    if not mine:
        return IngressPlan((), (), frozenset())
    gateway = f"{blueprint}-istio"
    hosts: dict[str, list[RoutePlan]] = {}
    for r in mine:
        hosts.setdefault(r.host or "*", []).append(r)
    tls: dict[str, str] = {}
    redirect: set[str] = set()
    for host, rs in hosts.items():
        for r in rs:
            if isinstance(r.tls, TlsSecret):
                first = tls.setdefault(host, r.tls.secret)
                if first != r.tls.secret:
                    c.error(r.loc, f"expose({r.service!r}, via=ISTIO): host {host!r} already "
                                   f"terminates TLS with secret '{first}'; an Istio Gateway "
                                   "server has one certificate per host")
            if r.redirect_https:
                redirect.add(host)
        if host in redirect and host not in tls:
            r = next(r for r in rs if r.redirect_https)
            c.error(r.loc, f"expose({r.service!r}, via=ISTIO): redirect_https needs TLS on host "
                           f"{host!r} (tls=tls_secret('...'))")
    servers = _servers(sorted(hosts), tls, redirect)
    vs = tuple(
        VirtualServicePlan(
            name=gateway if host == "*" else host.replace("*", "wildcard"),
            namespace=env.namespace, hosts=(host,), gateways=(gateway,),
            http=tuple(route for r in _by_specificity(rs)
                       for route in _ingress_routes(r, plans[r.service], traffic.get(r.service))),
        )
        for host, rs in sorted(hosts.items())
    )
    gw = GatewayPlan(gateway, env.namespace, selector, servers)
    return IngressPlan((gw,), vs, frozenset(r.service for r in mine))


def _servers(hosts: list[str], tls: dict[str, str], redirect: set[str]) -> tuple[ServerPlan, ...]:
    plain = tuple(h for h in hosts if h not in redirect)
    redirected = tuple(h for h in hosts if h in redirect)
    servers = []
    if plain:
        servers.append(ServerPlan(80, "http", "HTTP", plain))
    if redirected:
        servers.append(ServerPlan(80, "http-redirect" if plain else "http", "HTTP", redirected,
                                  https_redirect=True))
    secrets = sorted(set(tls.values()))
    for i, secret in enumerate(secrets):
        served = tuple(h for h in hosts if tls.get(h) == secret)
        servers.append(ServerPlan(443, "https" if i == 0 else f"https-{i + 1}", "HTTPS", served,
                                  credential=secret))
    return tuple(servers)


def prefix_base(path: str) -> str:
    """A Prefix path matches whole segments, and a trailing '/' changes nothing (as for
    Ingress and Gateway API): '/api' and '/api/' both mean '/api' and '/api/...'."""
    return path.rstrip("/")


def _by_specificity(routes: list[RoutePlan]) -> list[RoutePlan]:
    """Exact paths, then longer prefixes, then more header matches: first match wins."""
    def key(item: tuple[int, RoutePlan]) -> tuple[int, int, int, int]:
        i, r = item
        exact = r.path is not None and r.path_type == "Exact"
        length = len(r.path if exact else prefix_base(r.path or "")) if r.path else -1
        return (0 if exact else 1, -length, -len(r.matches), i)

    return [r for _, r in sorted(enumerate(routes), key=key)]


def _ingress_routes(r: RoutePlan, s: ServicePlan, t: TrafficPlan | None) -> list[HttpRoute]:
    headers = _headers(r)
    dests = _destinations(s, _split(r))
    timeout, retries = (t.timeout, t.retries) if t else (None, None)

    def route(matches: tuple[HttpMatch, ...], rewrite: str | None) -> HttpRoute:
        return HttpRoute(matches, dests, rewrite, timeout, retries)

    # Istio's rewrite replaces the matched prefix: '/api/x' matched by '/api/' keeps its '/'.
    below_rewrite = r.rewrite.rstrip("/") + "/" if r.rewrite is not None else None
    if r.path is not None and r.path_type == "Exact":
        return [route((HttpMatch("exact", r.path, headers),), r.rewrite)]
    base = prefix_base(r.path or "")
    if not base:
        if r.rewrite is None:  # every path: no uri match at all
            return [route((HttpMatch(None, None, headers),) if headers else (), None)]
        return [route((HttpMatch("prefix", "/", headers),), below_rewrite)]
    exact, below = HttpMatch("exact", base, headers), HttpMatch("prefix", base + "/", headers)
    if r.rewrite is None:
        return [route((exact, below), None)]
    return [route((exact,), r.rewrite), route((below,), below_rewrite)]
