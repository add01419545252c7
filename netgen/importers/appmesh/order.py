"""Which requests a virtual gateway's routes take in App Mesh's order, and in netgen's.

App Mesh tries a virtual gateway's gateway routes by `spec.priority` (0 first, 1000 last;
a route without one has "no particular priority", so its place is App Mesh's own) and the
first match wins. netgen tries a host's exposures most specific first
(`netgen.plan.routes.precedence`), as Gateway API does. The sets compared here are App
Mesh's: `prefix` is a plain string prefix, `path.exact` the path without its query,
headers by name case-insensitively, `invert` negating; a gRPC route's `serviceName` the
prefix `/service/`, its `metadata` headers (gRPC sends metadata as HTTP/2 headers). A
route "catches" another only when that is certain (regexes and ranges never are), and two
routes are "disjoint" only when no request can match both; anything unsure is an overlap.
"""

from __future__ import annotations

from attrs import frozen

from netgen.importers.appmesh import shapes
from netgen.importers.ecs.pysource import Call, Dict, List
from netgen.plan.routes import RouteKey, precedence, request_key


@frozen
class Requests:
    """What one gateway route matches, in App Mesh's terms (prefix '/' is no condition)."""

    kind: str  # httpRoute | http2Route | grpcRoute
    host: str | None = None  # hostname.exact, lowercase
    suffix: str | None = None  # hostname.suffix, lowercase
    port: int | None = None
    prefix: str | None = None
    exact: str | None = None
    regex: str | None = None
    method: str | None = None
    headers: tuple[shapes.HttpRouteHeader, ...] = ()
    query: tuple[tuple[str, str | None], ...] = ()  # (name, exact value or None: present)


def requests(route: shapes.GatewayRoute) -> Requests | None:
    """The route's match, or None when it has no route part (nothing to compare)."""
    for kind in ("httpRoute", "http2Route", "grpcRoute"):
        part = getattr(route.spec, kind)
        if part is not None:
            return match_requests(kind, part.match)
    return None


def match_requests(kind: str, m: shapes.GatewayRouteMatch) -> Requests:
    """A `kind` route's match in the terms compared here."""
    name = m.hostname
    prefix = f"/{m.serviceName}/" if m.serviceName else m.prefix
    return Requests(
        kind, host=name.exact.lower() if name and name.exact else None,
        suffix=name.suffix.lower() if name and name.suffix else None, port=m.port,
        prefix=None if prefix == "/" else prefix,
        exact=m.path.exact if m.path else None, regex=m.path.regex if m.path else None,
        method=m.method, headers=(*m.headers, *m.metadata),
        query=tuple((q.name, q.match.exact if q.match else None) for q in m.queryParameters))


def tried_before(a: shapes.GatewayRoute, b: shapes.GatewayRoute) -> bool:
    """App Mesh certainly tries `a` before `b`: both have a priority, `a`'s is lower."""
    pa, pb = a.spec.priority, b.spec.priority
    return pa is not None and pb is not None and pa < pb


# --- every request of b is a's -----------------------------------------------------------


def catches(a: Requests, b: Requests) -> bool:
    """Every request `b` matches, `a` matches too (certain, else False)."""
    return (a.kind == b.kind and a.port in (None, b.port) and _host_catches(a, b)
            and _path_catches(a, b) and a.method in (None, b.method)
            and all(_header_implied(h, b.headers) for h in a.headers)
            and all(any(n == name and value in (None, v) for n, v in b.query)
                    for name, value in a.query))


def _host_catches(a: Requests, b: Requests) -> bool:
    if a.host is not None:
        return b.host == a.host
    if a.suffix is not None:  # a host ending in the suffix, longer than it (Envoy's '*')
        return ((b.host is not None and b.host.endswith(a.suffix)
                 and len(b.host) > len(a.suffix))
                or (b.suffix is not None and b.suffix.endswith(a.suffix)))
    return True


def _path_catches(a: Requests, b: Requests) -> bool:
    if a.prefix is not None:
        return any(p is not None and p.startswith(a.prefix) for p in (b.prefix, b.exact))
    if a.exact is not None:
        return b.exact == a.exact
    if a.regex is not None:
        return b.regex == a.regex
    return True


def _header_implied(h: shapes.HttpRouteHeader, others: tuple[shapes.HttpRouteHeader, ...]
                    ) -> bool:
    """A request `others` all hold for surely holds `h` too."""
    same = [g for g in others if g.name.lower() == h.name.lower()]
    if any(bool(g.invert) == bool(h.invert) and g.match == h.match for g in same):
        return True
    if h.invert:
        return False
    values = [g.match.exact for g in same if not g.invert and g.match is not None
              and g.match.exact is not None]
    if h.match is None:  # present: any condition on it but an inverted one
        return any(not g.invert for g in same)
    return any(_holds(h.match, v) is True for v in values)


def _holds(m: shapes.HeaderMatchMethod, value: str) -> bool | None:
    """Whether `value` meets `m`; None when that is not certain (regex, range)."""
    if m.exact is not None:
        return value == m.exact
    if m.prefix is not None:
        return value.startswith(m.prefix)
    if m.suffix is not None:
        return value.endswith(m.suffix)
    return None


# --- no request is both's ------------------------------------------------------------------


def overlap(a: Requests, b: Requests) -> bool:
    """Some request can match both (True unless they surely exclude each other)."""
    return not (
        (a.port is not None and b.port is not None and a.port != b.port)
        or _hosts_apart(a, b) or _paths_apart(a, b)
        or (a.method is not None and b.method is not None and a.method != b.method)
        or any(_headers_apart(g, h) for g in a.headers for h in b.headers)
        or any(n == name and None not in (v, value) and v != value
               for n, v in a.query for name, value in b.query))


def _hosts_apart(a: Requests, b: Requests) -> bool:
    if a.host is not None and b.host is not None:
        return a.host != b.host
    exact, suffix = (a.host, b.suffix) if a.host is not None else (b.host, a.suffix)
    if exact is not None and suffix is not None:
        return not exact.endswith(suffix)
    if a.suffix is not None and b.suffix is not None:
        return not (a.suffix.endswith(b.suffix) or b.suffix.endswith(a.suffix))
    return False


def _paths_apart(a: Requests, b: Requests) -> bool:
    """Literal paths only: a regex may match anything."""
    if a.exact is not None and b.exact is not None:
        return a.exact != b.exact
    if a.prefix is not None and b.prefix is not None:
        return not (a.prefix.startswith(b.prefix) or b.prefix.startswith(a.prefix))
    exact, prefix = (a.exact, b.prefix) if a.exact is not None else (b.exact, a.prefix)
    # a prefix is matched against the path with its query, an exact path without it
    return (exact is not None and prefix is not None and "?" not in prefix
            and not exact.startswith(prefix))


def _headers_apart(g: shapes.HttpRouteHeader, h: shapes.HttpRouteHeader) -> bool:
    if g.name.lower() != h.name.lower():
        return False
    if bool(g.invert) != bool(h.invert):  # one asks what the other denies
        return g.match == h.match
    if g.invert:
        return False
    if g.match is None or h.match is None:
        return False
    if g.match.exact is not None:
        return _holds(h.match, g.match.exact) is False
    if h.match.exact is not None:
        return _holds(g.match, h.match.exact) is False
    return False


# --- words ---------------------------------------------------------------------------------


def shared(a: Requests, b: Requests) -> str:
    """The requests both match, as a warning says them: 'requests to h/p... with ...'."""
    suffixes = sorted(s for s in (a.suffix, b.suffix) if s is not None)
    host = a.host or b.host or (f"*{suffixes[-1]}" if suffixes else "")
    prefixes = sorted((p for p in (a.prefix, b.prefix) if p is not None), key=len)
    path = a.exact or b.exact or (prefixes[-1] + "..." if prefixes else "/...")
    extra = [f"path matching {r}" for r in dict.fromkeys((a.regex, b.regex)) if r]
    extra += [f"method {m}" for m in dict.fromkeys((a.method, b.method)) if m]
    extra += list(dict.fromkeys(_header_words(h) for h in (*a.headers, *b.headers)))
    extra += list(dict.fromkeys(f"query {n}" + (f"={v}" if v is not None else "")
                                for n, v in (*a.query, *b.query)))
    return f"requests to {host}{path}" + (f" with {', '.join(extra)}" if extra else "")


def _header_words(h: shapes.HttpRouteHeader) -> str:
    m = h.match
    if m is None:
        return f"header {h.name} {'absent' if h.invert else 'present'}"
    if m.range is not None:
        said = f"in [{m.range.start}, {m.range.end})"
    else:
        kind, value = next(((k, getattr(m, k)) for k in ("exact", "prefix", "suffix", "regex")
                            if getattr(m, k) is not None), ("", ""))
        said = value if kind == "exact" else f"{kind} {value}"
    return f"header {h.name}{' not' if h.invert else ''}: {said}"


# --- netgen's order ------------------------------------------------------------------------


def exposure_precedence(node: Call) -> tuple[object, ...]:
    """Where netgen's route table puts a written `expose(...)` (smaller: tried first)."""
    return precedence(exposure_key(node))


def exposure_key(node: Call) -> RouteKey:
    """The requests a written `expose(...)` takes, as netgen keys them: two exposures with
    one key are one too many (the build refuses the second)."""
    kw = dict(node.kwargs)
    found = kw.get("match")
    headers = found.items if isinstance(found, List) else (found,) if found else ()
    pairs = [(str(h.args[0]), str(h.args[1])) for h in headers if isinstance(h, Call)]
    query = kw.get("query")
    methods = kw.get("methods")
    path = kw.get("path")
    return request_key(
        str(kw["host"]) if "host" in kw else None, str(path) if path is not None else None,
        str(kw.get("path_type") or "Prefix"), pairs,
        [(str(k), str(v)) for k, v in query.items] if isinstance(query, Dict) else (),
        [str(m) for m in methods.items] if isinstance(methods, List) else ())
