"""Routing inside the mesh and through the Istio ingress gateway, decided.

Inside the mesh a service has one VirtualService carrying the splits its exposures ask for
(canary weights, version pins, header matches) over the subsets of its own host, so mesh
clients see the same canary as clients coming through a load balancer. An exposure's path
applies inside the mesh as the service receives it: after its rewrite, if it has one.

Through the gateway each host has one VirtualService with its routes ordered most specific
first, because Istio takes the first matching route and merges several VirtualServices of
one host in no guaranteed order. Envoy serves a request from the VirtualService of its most
specific host only (it never falls back to a wildcard's or to '*'), so each host's
VirtualService also carries, after its own routes, those of the wildcards covering it and of
every host: the first match is then what `plan.routes.precedence` picks across hosts.

A Prefix path matches whole segments and ignores a trailing '/' (as Ingress and Gateway
API do), while Istio's `prefix` is a plain string prefix: '/api' is written as
`exact: /api` plus `prefix: /api/`, so '/apiary' is not caught.
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import evolve, frozen

from netgen.model import SourceLoc, TlsSecret
from netgen.plan import EnvPlan, Labels, RoutePlan, ServicePlan
from netgen.plan.covers import covers
from netgen.plan.mesh import HttpMatch, TrafficPlan, is_http
from netgen.problems import Collector
from netgen.targets.istio.plan import (
    EVERY_PATH,
    Destination,
    GatewayPlan,
    HttpRoute,
    ServerPlan,
    VirtualServicePlan,
    covering_hosts,
    headers_of,
    methods_of,
    normal_path,
    path_in_mesh,
    query_of,
)
from netgen.targets.istio.splits import split_routes, through_gateway
from netgen.targets.istio.tokens import ISTIO

_EVERY = HttpMatch(None, None, ())  # a route without matches: every request
Split = tuple[tuple[str | None, int], ...]  # (version or None for every pod, weight)
Headers = tuple[tuple[str, str], ...]


def split_of(r: RoutePlan) -> Split:
    return tuple((b.version, b.weight) for b in r.backends)


def _describe(split: Split) -> str:
    return ", ".join(f"{w}% to {v or 'every version'}" for v, w in split)


def _destinations(s: ServicePlan, split: Split) -> tuple[Destination, ...]:
    return tuple(Destination(s.fqdn, s.port.port, w, v) for v, w in split)


@frozen
class _Row:
    """Requests (path, headers, methods, query) and where they go, with the exposure that
    asked."""

    path: tuple[str, str]
    headers: Headers
    split: Split
    rewrite: str | None
    loc: SourceLoc
    order: int
    methods: tuple[str, ...] = ()  # any of them; none: every method
    query: Headers = ()

    @classmethod
    def of(cls, r: RoutePlan, path: tuple[str, str], split: Split, rewrite: str | None,
           order: int) -> _Row:
        return cls(path, headers_of(r), split, rewrite, r.loc, order, methods_of(r),
                   query_of(r))

    @property
    def requests(self) -> tuple[tuple[str, str], Headers, tuple[str, ...], Headers]:
        """What a request must look like to take the row."""
        return self.path, self.headers, self.methods, self.query

    def specificity(self) -> tuple[int, ...]:
        """Exact paths, then longer prefixes, then a method match, more headers, more query
        parameters (each before the next), as `plan.routes.precedence` ranks them for every
        via: Istio takes the first match, so a narrower route must come first."""
        kind, path = self.path
        length = 0 if self.path == EVERY_PATH else len(path)
        return (0 if kind == "Exact" else 1, -length, -bool(self.methods), -len(self.headers),
                -len(self.query), self.order)

    def describe(self) -> str:
        """The requests in words, for an error."""
        conditions = [f"{n}: {v}" for n, v in self.headers]
        conditions += [f"query {n}={v}" for n, v in self.query]
        conditions += ["method " + " or ".join(self.methods)] if self.methods else []
        return "requests" + (f" to {self.path[1]}" if self.path != EVERY_PATH else "") + (
            " with " + ", ".join(conditions) if conditions else "")


def mesh_virtual_services(
    plans: list[ServicePlan],
    routes: list[RoutePlan],
    traffic: dict[str, TrafficPlan],
    c: Collector,
) -> Iterable[VirtualServicePlan]:
    by_service: dict[str, list[RoutePlan]] = {}
    for r in routes:
        by_service.setdefault(r.service, []).append(r)
    for s in plans:
        rows = _mesh_rows(s, by_service.get(s.name, []), c)
        t = traffic.get(s.name)
        if t is not None and t.splits:
            yield _split_service(s, t, rows, c)
            continue
        timed = t is not None and (t.timeout is not None or t.retries is not None)
        if not rows and not timed:
            continue
        default = next((r for r in rows if r.requests == (EVERY_PATH, (), (), ())), None)
        if not is_http(s):
            yield VirtualServicePlan(f"{s.name}-mesh", s.namespace, (s.fqdn,), (),
                                     tcp=(_destinations(s, default.split),) if default else ())
            continue
        if default is None:
            rows.append(_Row(EVERY_PATH, (), ((None, 100),), None, s.loc, len(rows)))
        http = tuple(route for row in sorted(rows, key=_Row.specificity)
                     for route in _http_routes(row, s, t))
        yield VirtualServicePlan(f"{s.name}-mesh", s.namespace, (s.fqdn,), (), http=http)


def _split_service(s: ServicePlan, t: TrafficPlan, rows: list[_Row],
                   c: Collector) -> VirtualServicePlan:
    """`traffic(split=/routes=)` decides the service's in-mesh routes; an exposure asking
    for versions would decide them too, and only one can."""
    for row in rows:
        c.error(row.loc, f"expose({s.name!r}): its versions ({_describe(row.split)}) would "
                         f"also split calls inside the mesh, which traffic({s.name!r}, "
                         f"split=/routes=) at {t.loc} decides; drop one of them")
    name = f"{s.name}-mesh"
    if not is_http(s):
        only = t.split if t.split is not None else t.routes[0].split
        return VirtualServicePlan(name, s.namespace, (s.fqdn,), (), tcp=(_destinations(s, only),))
    return VirtualServicePlan(name, s.namespace, (s.fqdn,), (),
                              http=tuple(split_routes(t, s, lambda sp: _destinations(s, sp))))


def _mesh_rows(s: ServicePlan, routes: list[RoutePlan], c: Collector) -> list[_Row]:
    """The exposures that ask for versions. Those sending to the whole Service ask nothing
    of the mesh; two that ask differently for the same requests cannot both hold in it."""
    rows: dict[tuple[object, ...], _Row] = {}
    if not s.versions:
        return []
    for r in routes:
        split = split_of(r)
        if all(v is None for v, _ in split):
            continue
        switch = next((m.name for m in r.matches if m.value is None), None)
        if switch is not None:
            c.error(r.loc, f"expose({s.name!r}, via={r.via.name}): inside the mesh, calls to "
                           f"'{s.name}' follow its exposures' versions, and header({switch!r}) "
                           "without a value (ingress-nginx's switch) has no Istio form; give "
                           "the header a value")
            continue
        row = _Row.of(r, path_in_mesh(r), split, None, len(rows))
        if row.requests != (EVERY_PATH, (), (), ()) and not is_http(s):
            c.error(r.loc, f"expose({s.name!r}, via={r.via.name}): Istio cannot match paths or "
                           f"headers for '{s.name}' inside the mesh: its port '{s.port.name}' "
                           "is not HTTP")
            continue
        first = rows.setdefault(row.requests, row)
        if first.split != split:
            c.error(r.loc, f"expose({s.name!r}, via={r.via.name}): inside the mesh '{s.name}' "
                           f"has one split for {row.describe()}; this exposure asks for "
                           f"{_describe(split)} but the one at {first.loc} asks for "
                           f"{_describe(first.split)}")
    return list(rows.values())


def _http_routes(row: _Row, s: ServicePlan, t: TrafficPlan | None) -> list[HttpRoute]:
    dests = _destinations(s, row.split)
    timeout, retries = (t.timeout, t.retries) if t else (None, None)
    rewrite_to = row.rewrite

    def route(uris: tuple[tuple[str | None, str | None], ...], to: str | None) -> HttpRoute:
        """Each uri with each method (entries are OR'ed), all with the headers and query;
        every request: no match at all."""
        matches = tuple(HttpMatch(kind, uri, row.headers, method, query=row.query)
                        for kind, uri in uris for method in row.methods or (None,))
        every = matches == (HttpMatch(None, None, ()),)
        return HttpRoute(() if every else matches, dests, to, timeout, retries)

    # Istio's rewrite replaces the matched prefix: '/api/x' matched by '/api/' keeps its '/'.
    below_to = rewrite_to.rstrip("/") + "/" if rewrite_to is not None else None
    kind, path = row.path
    if kind == "Exact":
        return [route((("exact", path),), rewrite_to)]
    if path == "/":
        if rewrite_to is None:  # every path: no uri match at all
            return [route(((None, None),), None)]
        return [route((("prefix", "/"),), below_to)]
    exact, below = ("exact", path), ("prefix", path + "/")
    if rewrite_to is None:
        return [route((exact, below), None)]
    return [route((exact,), rewrite_to), route((below,), below_to)]


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
    mine = [r for r in routes if r.via is ISTIO]
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
    if len(gateway) > 63:  # istiod's webhook takes a Gateway named by a DNS-1123 label only
        first = mine[0]
        c.error(first.loc, f"expose({first.service!r}, via=ISTIO): the Istio Gateway name "
                           f"'{gateway}' is longer than 63 characters (istiod accepts a "
                           "DNS-1123 label only); shorten the blueprint's name to at most "
                           f"{63 - len('-istio')} characters")
    hosts: dict[str, list[RoutePlan]] = {}
    for r in mine:
        hosts.setdefault(r.host or "*", []).append(r)
    tls, redirect = _host_tls(hosts, c)
    own = {host: _host_http(rs, plans, traffic, c) for host, rs in sorted(hosts.items())}
    vs = [VirtualServicePlan(
        name=gateway if host == "*" else host.replace("*", "wildcard"),
        namespace=env.namespace, hosts=(host,), gateways=(gateway,),
        http=without_dead_matches(http + tuple(
            route for other in covering_hosts(host, own) for route in own[other])))
        for host, http in own.items()]
    gw = GatewayPlan(gateway, env.namespace, selector, _servers(sorted(hosts), tls, redirect))
    return IngressPlan((gw,), tuple(vs), frozenset(r.service for r in mine))


def _host_http(rs: list[RoutePlan], plans: dict[str, ServicePlan],
               traffic: dict[str, TrafficPlan], c: Collector) -> tuple[HttpRoute, ...]:
    """One host's own routes, most specific first (the in-mesh splits applied)."""
    rows = [_Row.of(r, normal_path(r.path_type, r.path), split_of(r), r.rewrite, i)
            for i, r in enumerate(rs)]
    return tuple(route for row, r in sorted(zip(rows, rs, strict=True),
                                            key=lambda pair: pair[0].specificity())
                 for route in _gateway_http(row, r, plans[r.service], traffic.get(r.service), c))


def without_dead_matches(http: tuple[HttpRoute, ...]) -> tuple[HttpRoute, ...]:
    """Istio takes the first match, so a match an earlier one catches every request of
    (`covers`) never fires and is left out, and a route left with none of its matches is
    left out too: an Exact exposure's `exact: /p` beside a Prefix exposure's of the same
    path; a host's fallback routes (those of its wildcard and of every host, after its own)
    that its own routes already catch, all of them after an own route of every request."""
    earlier: list[HttpMatch] = []
    out = []
    for route in http:
        matches = route.matches or (_EVERY,)
        live = tuple(m for m in matches if not any(covers(e, m) for e in earlier))
        earlier.extend(live)
        if live:
            out.append(route if live == matches else evolve(route, matches=live))
    return tuple(out)


def _gateway_http(row: _Row, r: RoutePlan, s: ServicePlan, t: TrafficPlan | None,
                  c: Collector) -> list[HttpRoute]:
    """A route to the whole of a service whose in-mesh calls are split takes the split: the
    gateway sends straight to the pods, past the service's own VirtualService."""
    routes = _http_routes(row, s, t)
    if t is None or not t.splits or any(v is not None for v, _ in row.split):
        return routes
    inner = split_routes(t, s, lambda sp: _destinations(s, sp))
    reported: set[int] = set()  # each mesh route's problem once, not once per gateway match
    return [both for outer in routes for both in through_gateway(outer, inner, r.loc,
                                                                  s.name, c, reported)]


def _host_tls(
    hosts: dict[str, list[RoutePlan]], c: Collector
) -> tuple[dict[str, str], set[str]]:
    """TLS and the redirect are properties of a host on a Gateway: any exposure of the host
    that asks for them gives them to the host."""
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
        if host in redirect and all(r.tls is None for r in rs):
            r = next(r for r in rs if r.redirect_https)
            c.error(r.loc, f"expose({r.service!r}, via=ISTIO): redirect_https needs TLS on host "
                           f"{host!r} (tls=tls_secret('...'))")
    return tls, redirect


def _servers(hosts: list[str], tls: dict[str, str], redirect: set[str]) -> tuple[ServerPlan, ...]:
    plain = tuple(h for h in hosts if h not in redirect)
    redirected = tuple(h for h in hosts if h in redirect)
    servers = []
    if plain:
        servers.append(ServerPlan(80, "http", "HTTP", plain))
    if redirected:
        servers.append(ServerPlan(80, "http-redirect" if plain else "http", "HTTP", redirected,
                                  https_redirect=True))
    for i, secret in enumerate(sorted(set(tls.values()))):
        served = tuple(h for h in hosts if tls.get(h) == secret)
        servers.append(ServerPlan(443, "https" if i == 0 else f"https-{i + 1}", "HTTPS", served,
                                  credential=secret))
    return tuple(servers)
