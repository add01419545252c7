"""Istio's routes for in-mesh splits: a TrafficPlan's `split`/`routes` as the HttpRoutes of
the service's own VirtualService, and, for exposures that send to the whole service, folded
into the ingress gateway's routes (a gateway does not consult the service's mesh
VirtualService). `uri_and` is also how the read-back (readback_routes.py) reads them.
"""

from __future__ import annotations

from typing import Any

from netgen.plan import ServicePlan
from netgen.plan.covers import covers
from netgen.plan.mesh import HttpMatch, TrafficPlan
from netgen.problems import Collector
from netgen.targets.istio.plan import HttpRoute


def split_routes(t: TrafficPlan, s: ServicePlan, dests: Any) -> list[HttpRoute]:
    """The service's own mesh routes, in declaration order (Istio takes the first match);
    the policy's `split`, if any, catches every other call. `dests(split)` makes the
    destinations of a split."""
    out = []
    for r in t.routes:
        any_request = r.match == HttpMatch(None, None, ())
        out.append(HttpRoute(() if any_request else (r.match,), dests(r.split), None,
                             r.timeout if r.timeout is not None else t.timeout,
                             r.retries if r.retries is not None else t.retries))
    if t.split is not None:
        out.append(HttpRoute((), dests(t.split), None, t.timeout, t.retries))
    return out


EMPTY = "empty"  # the two matches exclude each other: no request matches both
INEXPRESSIBLE = "inexpressible"  # both can hold, but not in one Istio match


def through_gateway(
    outer: HttpRoute, inner: list[HttpRoute], loc: Any, service: str, c: Collector,
    reported: set[int] | None = None,
) -> list[HttpRoute]:
    """A gateway route to the whole service, taking the service's split: each of the
    service's routes, its conditions AND the gateway route's. Two conditions no request
    meets together drop that pair; so does a pair an earlier pair catches every call of
    (the gateway route can make two different mesh routes the same, e.g. exact /abc AND
    prefix /ab, then AND prefix /a); two an Istio match cannot hold at once (two path
    patterns, two kinds of match on one header) are an error."""
    out = []
    earlier: list[HttpMatch] = []
    reported = set() if reported is None else reported  # the inner routes already reported
    for n, route in enumerate(inner):
        matches: dict[HttpMatch, str | None] = {}
        for o in outer.matches or (HttpMatch(None, None, ()),):
            for i in route.matches or (HttpMatch(None, None, ()),):
                both = _and(o, i, outer.rewrite)
                if isinstance(both, tuple):
                    match, rewrite = both
                    if not any(covers(e, match) for e in earlier):
                        matches.setdefault(match, rewrite)
                    earlier.append(match)
                elif both != INEXPRESSIBLE or n in reported:
                    continue
                elif outer.rewrite is not None and "regex" in (o.uri_kind, i.uri_kind):
                    reported.add(n)
                    c.error(loc, f"expose({service!r}, via=ISTIO): a mesh route of "
                                 f"traffic({service!r}) (path regex {i.uri!r}) applies to the "
                                 f"path after this exposure's rewrite={outer.rewrite!r}, and "
                                 "netgen does not map a regex back to the gateway's path; use "
                                 "prefix= or exact= in that mesh_route, or drop rewrite=")
                else:
                    reported.add(n)
                    c.error(loc, f"expose({service!r}, via=ISTIO): the gateway route (path "
                                 f"{o.uri_kind} {o.uri!r}) and a mesh route of "
                                 f"traffic({service!r}) (path {i.uri_kind} {i.uri!r}) ask for "
                                 "two path patterns or two kinds of match on one header, which "
                                 "one Istio match cannot hold")
        # one route per rewrite: Istio replaces the matched prefix, so a narrower match
        # needs the rewrite of that narrower prefix
        for rewrite in dict.fromkeys(matches.values()):
            these = [m for m, r in matches.items() if r == rewrite]
            every = all(m == HttpMatch(None, None, ()) for m in these)
            out.append(HttpRoute(() if every else tuple(these),
                                 route.destinations, rewrite,
                                 route.timeout if route.timeout is not None else outer.timeout,
                                 route.retries if route.retries is not None else outer.retries))
    return out


def uri_through(outer: tuple[str | None, str | None], to: str | None,
                inner: tuple[str | None, str | None]
                ) -> tuple[tuple[str | None, str | None], str | None] | str:
    """The uri condition on a request at the gateway under which the mesh route's `inner`
    holds for the path the service receives, with the rewrite that request then needs;
    EMPTY, or INEXPRESSIBLE (as `uri_and`).

    The gateway matched `outer` and, with `to`, rewrote it the way Istio's HTTPRewrite.uri
    does: it replaces the matched prefix, so under prefix G the request G+X reaches the
    service as to+X, and under an exact path the whole path becomes `to`. So a mesh prefix
    to+Y is the gateway prefix G+Y rewritten to to+Y, an exact to+Y the gateway's exact
    G+Y; a mesh prefix `to` already holds for every such request. A regex is not carried
    across a rewrite (it would have to be rewritten as a pattern): INEXPRESSIBLE."""
    if to is None or outer[0] is None:
        both = uri_and(outer, inner)
        return both if isinstance(both, str) else (both, to)
    kind, g = outer[0], outer[1] or ""
    if inner[0] is None:
        return outer, to
    if "regex" in (kind, inner[0]):
        return INEXPRESSIBLE
    q = inner[1] or ""
    if kind == "exact":  # the service receives exactly `to`
        holds = to == q if inner[0] == "exact" else to.startswith(q)
        return (outer, to) if holds else EMPTY
    if inner[0] == "prefix" and to.startswith(q):
        return outer, to
    if not q.startswith(to):
        return EMPTY
    rest = q[len(to):]
    return ((inner[0], g + rest), q) if rest else (outer, to)


def uri_and(a: tuple[str | None, str | None], b: tuple[str | None, str | None]
            ) -> tuple[str | None, str | None] | str:
    """The one uri condition both hold for, EMPTY when none can, INEXPRESSIBLE when Istio
    cannot say it. (None, None) is any path; prefixes are plain string prefixes."""
    if a[0] is None or a == b:
        return b
    if b[0] is None:
        return a
    if "regex" in (a[0], b[0]):
        return INEXPRESSIBLE
    pa, pb = a[1] or "", b[1] or ""
    if a[0] == "exact" and b[0] == "exact":
        return EMPTY
    if a[0] == "exact" or b[0] == "exact":
        exact, prefix = (pa, pb) if a[0] == "exact" else (pb, pa)
        return ("exact", exact) if exact.startswith(prefix) else EMPTY
    if pa.startswith(pb):
        return ("prefix", pa)
    return ("prefix", pb) if pb.startswith(pa) else EMPTY


def _and(a: HttpMatch, b: HttpMatch, rewrite: str | None = None
         ) -> tuple[HttpMatch, str | None] | str:
    """`a` at the gateway (rewritten to `rewrite`) and `b` on the path the service receives:
    the one match at the gateway and the rewrite it needs (`uri_through`)."""
    through = uri_through((a.uri_kind, a.uri), rewrite, (b.uri_kind, b.uri))
    if isinstance(through, str):
        return through
    uri, rewrite = through
    if a.method and b.method and a.method != b.method:
        return EMPTY
    if any(dict(a.query).get(n, v) != v for n, v in b.query):
        return EMPTY
    exact = dict(a.headers)
    if any(exact.get(name, value) != value for name, value in b.headers):
        return EMPTY  # one header cannot equal two values
    headers = tuple(sorted({*a.headers, *b.headers}))
    rules = tuple(sorted({*a.rules, *b.rules}))
    names = [n for n, _ in headers] + [n for n, _, _ in rules]
    if len(names) != len(set(names)):
        return INEXPRESSIBLE
    return HttpMatch(uri[0], uri[1], headers, a.method or b.method, rules,
                     tuple(sorted({*a.without, *b.without})),
                     tuple(sorted({*a.query, *b.query}))), rewrite
