"""The route table: which Services a request reaches, in the same words for every backend.

`netgen routes` prints it; the tests read each backend's YAML back into the same shape, so
ALB, ingress-nginx and Gateway API output is checked against the plan and each other.
Precedence follows Gateway API's rules (the only backend that writes them down): the most
specific host, then an Exact path, then the longest prefix, then a method match, then the
most header matches, then the most query parameters (then a source address match, which only
ALB and Istio take). Two routes a request can take both that rank alike (`tie`) are taken
in the order the blueprint declares them: Gateway API's rule order within one HTTPRoute,
the order netgen writes an Istio VirtualService's routes in, ALB's `group.order`
(`tie_levels`); where a controller breaks the tie by itself (Gateway API across Routes: the
oldest one) the blueprint is refused.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection, Iterable, Iterator

from attrs import frozen

from netgen.model import HeaderMatch, SourceLoc, Via
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
    Exact, longest Prefix, Regex; then, as Gateway API ranks them (each before the next,
    not added up), a method match, most header matches, most query parameters; last a
    source address match."""
    host = key.host
    host_rank = (2, 0) if host is None else (1 if host.startswith("*.") else 0, -len(host))
    type_rank = {"Exact": 0, "Prefix": 1}.get(key.path_type, 2)
    kinds = [name[0] if name[0] in "?:" else "" for name, _ in key.matches]
    method = any(name == ":method" for name, _ in key.matches)
    source = any(name == ":source-ip" for name, _ in key.matches)
    return (host_rank, type_rank, -len(key.path), -method, -kinds.count(""),
            -kinds.count("?"), -source)


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
    """Hosts alphabetically (their order does not matter), each host's routes by precedence,
    those that rank alike as declared (the first takes a request both take; sorting is
    stable)."""
    if row.port is not None:
        return (1, row.port, row.via.value, row.route)
    host_class = precedence(row.key)[0][0]  # type: ignore[index]
    return (0, host_class, row.key.host or "", precedence(row.key), row.via.value)


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


def tie(a: RoutePlan, b: RoutePlan, fold_case: bool = False) -> str | None:
    """A request both routes take and answer differently, in words (`GET /x?q=1 with a: 1
    from 10.0.0.0/8`), when they rank alike (`precedence`) on one host, so that only the
    order of the two decides; None when they rank differently, answer alike or no request
    meets both. Two Regex paths meet only when equal (whether two regexes share a path is
    not decided). `fold_case`: header values compare without case (ALB's conditions)."""
    ka, kb = route_key(a), route_key(b)
    if ka.host != kb.host or ka.path != kb.path or precedence(ka) != precedence(kb) \
            or _answer(a) == _answer(b):
        return None
    headers = _meet(_headers(a.matches, fold_case), _headers(b.matches, fold_case))
    query = _meet({k: (v, False) for k, v in a.query}, {k: (v, False) for k, v in b.query})
    methods = sorted(set(a.methods) & set(b.methods) if a.methods and b.methods
                     else set(a.methods) | set(b.methods))
    source = _source(a.source_ips, b.source_ips)
    if headers is None or query is None or source is None or (
            a.methods and b.methods and not methods):
        return None
    said = " ".join([*methods[:1], ("~ " if ka.path_type == "Regex" else "") + ka.path])
    said += "?" + "&".join(f"{k}={v}" for k, v in query) if query else ""
    said += " with " + ", ".join(f"{n}: {v}" for n, v in headers) if headers else ""
    return said + (f" from {source}" if source else "")


def ties(routes: Iterable[RoutePlan], fold_case: bool = False
         ) -> Iterator[tuple[RoutePlan, list[tuple[RoutePlan, str]]]]:
    """Each route, with the routes declared before it that it ties with (`tie`) and a request
    both take, in declaration order: only routes that rank alike on one host and path are
    compared."""
    alike: dict[tuple[object, ...], list[RoutePlan]] = {}
    for r in routes:
        key = route_key(r)
        earlier = alike.setdefault((key.host, key.path, precedence(key)), [])
        yield r, [(o, said) for o in earlier if (said := tie(o, r, fold_case)) is not None]
        earlier.append(r)


def tie_levels(routes: Iterable[RoutePlan], fold_case: bool = False) -> dict[str, int]:
    """Route name -> how many routes declared before it win a tie with it (a chain: one
    more than the highest of those it ties with): ALB ranks its rules by this after their
    precedence, so the first declared answers, as in a Gateway API HTTPRoute's rule order
    and an Istio VirtualService's."""
    levels: dict[str, int] = {}
    for r, tied in ties(routes, fold_case):
        levels[r.name] = max((levels[o.name] + 1 for o, _ in tied), default=0)
    return levels


def _answer(r: RoutePlan) -> tuple[object, ...]:
    """What a route does with a request it takes."""
    return (r.backends, r.rewrite, r.auth, r.rate_limit, sorted(r.options.items()),
            r.redirect_https)


Pattern = tuple[str, bool]  # a value, and whether '*' and '?' are ALB's wildcards in it


def _headers(matches: Iterable[HeaderMatch], fold_case: bool = False) -> dict[str, Pattern]:
    """By lowercase name; a header without a value is ingress-nginx's switch: `always`."""
    return {m.name.lower(): ("always" if m.value is None
                             else m.value.lower() if fold_case else m.value, m.wildcards)
            for m in matches}


def _meet(a: dict[str, Pattern], b: dict[str, Pattern]) -> list[tuple[str, str]] | None:
    """The conditions of a request meeting both sets (a name in both: values one string
    can match), sorted; None when no request can."""
    out = dict(a)
    for name, value in b.items():
        if name in out:
            if not _patterns_meet(out[name], value):
                return None
            value = value if out[name][1] else out[name]  # the literal, if either is one
        out[name] = value
    return sorted((name, value) for name, (value, _) in out.items())


def _patterns_meet(a: Pattern, b: Pattern) -> bool:
    """Some string matches both (ALB: `*` any run of characters, `?` one character)."""
    if not (a[1] or b[1]):
        return a[0] == b[0]
    return _globs_meet(_glob(a), _glob(b))


def _glob(p: Pattern) -> tuple[str, ...]:
    """One token a character; a wildcard is two characters long, so no literal equals it."""
    return tuple(ch * 2 if p[1] and ch in "*?" else ch for ch in p[0])


def _globs_meet(p: tuple[str, ...], q: tuple[str, ...]) -> bool:
    """Walks both patterns at once (a wildcard run may take a character of the other or
    end), without recursion: a header value may be thousands of characters long."""
    todo, seen = [(0, 0)], {(0, 0)}
    while todo:
        i, j = todo.pop()
        if i == len(p) and j == len(q):
            return True
        steps = []
        if i < len(p) and p[i] == "**":
            steps += [(i + 1, j)] + ([(i, j + 1)] if j < len(q) else [])
        if j < len(q) and q[j] == "**":
            steps += [(i, j + 1)] + ([(i + 1, j)] if i < len(p) else [])
        if i < len(p) and j < len(q) and "**" not in (p[i], q[j]) and (
                p[i] == q[j] or "??" in (p[i], q[j])):
            steps.append((i + 1, j + 1))
        for step in steps:
            if step not in seen:
                seen.add(step)
                todo.append(step)
    return False


def _source(a: Collection[str], b: Collection[str]) -> str | None:
    """A source range in both (the narrower of a meeting pair), '' when neither asks for
    one, None when they are apart."""
    if not a or not b:
        return next(iter(a or b), "")
    for x in a:
        for y in b:
            try:
                nx = ipaddress.ip_network(x, strict=False)
                ny = ipaddress.ip_network(y, strict=False)
            except ValueError:  # reported where the exposure is checked
                return x
            if nx.overlaps(ny):
                return x if nx.prefixlen >= ny.prefixlen else y
    return None
