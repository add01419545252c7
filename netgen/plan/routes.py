"""The route table: which Services a request reaches, in the same words for every backend.

`netgen routes` prints it; the tests read each backend's YAML back into the same shape, so
ALB, ingress-nginx and Gateway API output is checked against the plan and each other.
Precedence follows Gateway API's rules (the only backend that writes them down): the most
specific host, then an Exact path, then the longest prefix, then the most header matches.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator

from attrs import frozen

from netgen.model import SourceLoc, Via
from netgen.plan import Plan, RoutePlan
from netgen.plan.covers import covers
from netgen.plan.mesh import HttpMatch, TrafficPlan
from netgen.plan.through import match_and

_REGEX_META = frozenset(".^$*+?{}[]\\|()")
_PREFIX_SUFFIX = "(/|$)(.*)"


@frozen(order=True)
class RouteKey:
    """What a request must look like to take a route; `host=None` is every host."""

    host: str | None
    path: str
    path_type: str  # Prefix | Exact | Regex
    matches: tuple[tuple[str, str], ...] = ()  # (lowercase header name, value), sorted


Weights = tuple[tuple[str, int], ...]


@frozen
class RouteRow:
    key: RouteKey
    backends: Weights  # (Service name, percent), in the plan's order
    via: Via
    route: str
    namespace: str
    port: int | None = None  # the listening port of an L4 route


def prefix_regex(path: str) -> str:
    """The regex form of a prefix (what ingress-nginx needs to rewrite): `/api` becomes
    `/api(/|$)(.*)`, matching `/api`, `/api/...` but not `/apix`; `$2` is the rest."""
    base = path.rstrip("/")
    if not base:
        return "/(.*)"
    return "".join("\\" + ch if ch in _REGEX_META else ch for ch in base) + _PREFIX_SUFFIX


def _unescape(regex: str) -> str | None:
    out, i = [], 0
    while i < len(regex):
        ch = regex[i]
        if ch == "\\" and i + 1 < len(regex) and regex[i + 1] in _REGEX_META:
            out.append(regex[i + 1])
            i += 2
            continue
        if ch in _REGEX_META:
            return None
        out.append(ch)
        i += 1
    return "".join(out)


def canonical_path(path: str | None, path_type: str) -> tuple[str, str]:
    """A regex that only says "this prefix" is that prefix; a prefix's trailing '/' means
    nothing (Kubernetes and Gateway API ignore it)."""
    path = path or "/"
    if path_type == "Regex":
        if path == "/(.*)":
            return "/", "Prefix"
        if path.endswith(_PREFIX_SUFFIX):
            literal = _unescape(path[: -len(_PREFIX_SUFFIX)])
            if literal and literal.startswith("/"):
                return literal, "Prefix"
        return path, "Regex"
    if path_type == "Prefix" and len(path) > 1:
        path = path.rstrip("/") or "/"
    return path, path_type


def route_key(route: RoutePlan, switch: str = "always") -> RouteKey:
    """`switch`: the value a header without one (ingress-nginx's switch) stands for: the
    route takes `always`; `never` goes to the stable version (`route_table`)."""
    headers = [(m.name, switch if m.value is None else m.value) for m in route.matches]
    return request_key(route.host, route.path, route.path_type, headers, route.query,
                       route.methods, route.source_ips)


def request_key(host: str | None, path: str | None, path_type: str,
                headers: Iterable[tuple[str, str]] = (), query: Iterable[tuple[str, str]] = (),
                methods: Collection[str] = (), source_ips: Collection[str] = ()) -> RouteKey:
    """A route's key from its conditions: `route_key` for a plan's route, and for the
    importers, which must know where netgen will put a route before there is a plan."""
    path, path_type = canonical_path(path, path_type)
    matches = [(n.lower(), v) for n, v in headers]
    matches += [(f"?{k}", v) for k, v in query]  # not header names: no clash
    matches += [(":method", " ".join(sorted(methods)))] if methods else []
    matches += [(":source-ip", " ".join(sorted(source_ips)))] if source_ips else []
    return RouteKey(host, path, path_type, tuple(sorted(matches)))


def precedence(key: RouteKey) -> tuple[object, ...]:
    """Sorts the most specific route first: exact host, wildcard host, every host; then
    Exact, longest Prefix, Regex; then most header matches."""
    host = key.host
    host_rank = (2, 0) if host is None else (1 if host.startswith("*.") else 0, -len(host))
    type_rank = {"Exact": 0, "Prefix": 1}.get(key.path_type, 2)
    return (host_rank, type_rank, -len(key.path), -len(key.matches))


def l4_ports(route: RoutePlan) -> tuple[int, ...]:
    """The ports an L4 route listens on: `ports=`, else the Service's own port."""
    if route.node_port is not None:  # only NodePort exposures have one
        return (route.node_port,)
    return route.ports or (route.backends[0].port,)


def route_table(plan: Plan, vias: Collection[Via] | None = None) -> list[RouteRow]:
    """Every exposure of one environment reached from outside the cluster (or those via
    `vias`), most specific first (HTTP), then L4 by port."""
    rows: list[RouteRow] = []
    for r in plan.routes:
        skip = r.layer == "cluster" if vias is None else r.via not in vias
        if skip:
            continue
        backends = tuple((b.service, b.weight) for b in r.backends)
        if r.layer == "l7":
            rows.append(RouteRow(route_key(r), backends, r.via, r.name, r.namespace))
            if any(m.value is None for m in r.matches):
                rows.extend(_never(plan, r))
        else:
            rows.extend(
                RouteRow(RouteKey(None, "", "TCP"), backends, r.via, r.name, r.namespace, port)
                for port in l4_ports(r)
            )
    return sorted(rows, key=_row_order)


def _never(plan: Plan, switch: RoutePlan) -> Iterator[RouteRow]:
    """The switch's `never`: the stable version of the route without a match at the same
    host and path (the one NGINX needs beside a switch; without it the blueprint is an
    error already)."""
    key = route_key(switch)
    for r in plan.routes:
        if (r.via == switch.via and not r.matches and r.backends
                and route_key(r) == RouteKey(key.host, key.path, key.path_type)):
            yield RouteRow(route_key(switch, "never"), ((r.backends[0].service, 100),),
                           r.via, r.name, r.namespace)
            return


def _row_order(row: RouteRow) -> tuple[object, ...]:
    """Hosts alphabetically (their order does not matter), each host's routes by precedence."""
    if row.port is not None:
        return (1, row.port, row.via.value, row.route)
    host_class = precedence(row.key)[0][0]  # type: ignore[index]
    return (0, host_class, row.key.host or "", precedence(row.key), row.key, row.via.value,
            row.route)


def http_weights(rows: Iterable[RouteRow]) -> dict[RouteKey, dict[str, int]]:
    """The comparable core of a table: request shape -> {Service: percent}."""
    return {r.key: dict(r.backends) for r in rows if r.port is None}


def _path(key: RouteKey) -> str:
    return {"Exact": "= ", "Regex": "~ "}.get(key.path_type, "") + key.path


def format_table(plan: Plan) -> str:
    """The table `netgen routes` prints for one environment."""
    head = f"environment {plan.env.name} (namespace {plan.env.namespace})"
    rows = route_table(plan)
    if not rows:
        return f"{head}: no exposures\n"
    routes = {(r.name, r.namespace): r for r in plan.routes}
    cells = [("HOST", "PATH", "MATCH", "BACKENDS", "VIA", "ROUTE")]
    for r in rows:
        where = (r.key.host or "*", _path(r.key)) if r.port is None else ("*", f":{r.port}")
        match = " ".join(f"{n}={v}" for n, v in r.key.matches)
        steps = mesh_steps(plan, routes[(r.route, r.namespace)]) if r.port is None else None
        if steps is None:
            cells.append((*where, match or "-", _backends(r.backends), r.via.name, r.route))
            continue
        cells.extend((*where, " ".join(p for p in (match, then) if p) or "-",
                      _backends(backends), r.via.name, f"{r.route} {step}")
                     for then, backends, step in steps)
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]) - 1)]
    lines = [
        "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + row[-1]
        for row in cells
    ]
    return head + "\n" + "\n".join(lines) + "\n"


def _backends(backends: Weights) -> str:
    return ", ".join(f"{svc} {weight}%" for svc, weight in backends)


MeshStep = tuple[str, Weights, str]  # (the mesh route's conditions, backends, which step)


def mesh_steps(plan: Plan, r: RoutePlan) -> list[MeshStep] | None:
    """What Istio's ingress gateway does with a request of a `via=ISTIO` route to the whole
    of a service whose `traffic(split=, routes=)` splits its calls: the gateway sends
    straight to the pods, past the service's VirtualService, so its route carries the
    service's mesh routes, in their order (first match wins), each ANDed with the route's own
    conditions, then `split=` (without it, a request no mesh route takes goes on to the next
    route, as through any other route of the host). A mesh route no request of this route
    can meet, or one an earlier one catches every such request of, is not there and not
    listed (as `targets/istio/splits.through_gateway` leaves it out). None: the route
    sends as its backends say."""
    t = _split_of(plan, r)
    if t is None:
        return None
    s = plan.service(r.service)
    names = {v.name: v.service_name for v in s.versions}
    inner = [(m.match, m.split, f"+ mesh_route at {m.loc}") for m in t.routes]
    if t.split is not None:
        inner.append((HttpMatch(None, None, ()), t.split, f"+ traffic split at {t.loc}"))
    live = set()
    for outer, to in _gateway_matches(r):
        earlier: list[HttpMatch] = []
        for n, (match, _, _) in enumerate(inner):
            both = match_and(outer, match, to)
            if isinstance(both, tuple):
                if not any(covers(e, both[0]) for e in earlier):
                    live.add(n)
                earlier.append(both[0])
    path = "path" if r.rewrite is None else "path-after-rewrite"
    return [(_conditions(match, path), tuple((names[v], w) for v, w in split), step)
            for n, (match, split, step) in enumerate(inner) if n in live]


def _split_of(plan: Plan, r: RoutePlan) -> TrafficPlan | None:
    """The traffic policy whose split Istio's gateway takes for this route, if any."""
    if plan.mesh is None or r.via.name != "ISTIO" or r.layer != "l7":
        return None
    if any(b.version is not None for b in r.backends):
        return None  # a canary or a pinned version: the route's own weights
    return next((t for t in plan.mesh.traffic if t.service == r.service and t.splits), None)


def _gateway_matches(r: RoutePlan) -> list[tuple[HttpMatch, str | None]]:
    """The gateway's matches of a route, each with the path its prefix is rewritten to (as
    Istio's HTTPRewrite.uri replaces the matched prefix): a Prefix path is its exact path
    and the prefix below it, one match per method."""
    headers = tuple(sorted((m.name.lower(), m.value or "") for m in r.matches))
    below = r.rewrite.rstrip("/") + "/" if r.rewrite is not None else None
    path = r.path or "/"
    if r.path_type == "Exact":
        uris = [(("exact", path), r.rewrite)]
    elif path.rstrip("/") == "":
        uris = [((None, None), None) if r.rewrite is None else (("prefix", "/"), below)]
    else:
        base = path.rstrip("/")
        uris = [(("exact", base), r.rewrite), (("prefix", base + "/"), below)]
    return [(HttpMatch(kind, uri, headers, method, query=tuple(sorted(r.query))), to)
            for (kind, uri), to in uris for method in sorted(set(r.methods)) or (None,)]


def _conditions(m: HttpMatch, path: str) -> str:
    """A mesh route's conditions in the table's words: `^=` a prefix, `~=` a regex, `!` not;
    the path is the one the service receives."""
    ops = {"exact": "=", "prefix": "^=", "regex": "~=", "suffix": "$="}
    parts = [f"{path}{ops[m.uri_kind]}{m.uri}"] if m.uri_kind is not None else []
    parts += [f"{n}={v}" for n, v in m.headers]
    parts += [f"{n}{ops.get(k, '=')}{v}" for n, k, v in m.rules]
    parts += [f"!{n}{ops.get(k, '=')}{v}" for n, k, v in m.without]
    parts += [f"?{n}={v}" for n, v in m.query]
    parts += [f":method={m.method}"] if m.method else []
    return " ".join(parts)


def duplicate_objects(routes: Iterable[RoutePlan], via: str) -> Iterator[tuple[SourceLoc, str]]:
    """One Ingress per route: two named alike would overwrite each other."""
    seen: dict[tuple[str, str], RoutePlan] = {}
    for r in routes:
        first = seen.setdefault((r.namespace, r.object_name), r)
        if first is not r:
            yield r.loc, (f"expose({r.service!r}, via={via}): the Ingress name "
                          f"'{r.object_name}' is already used by '{first.service}' at "
                          f"{first.loc}; each {via} exposure is its own Ingress")
