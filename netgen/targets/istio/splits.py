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
    outer: HttpRoute, inner: list[HttpRoute], loc: Any, service: str, c: Collector
) -> list[HttpRoute]:
    """A gateway route to the whole service, taking the service's split: each of the
    service's routes, its conditions AND the gateway route's. Two conditions no request
    meets together drop that pair; so does a pair an earlier pair catches every call of
    (the gateway route can make two different mesh routes the same, e.g. exact /abc AND
    prefix /ab, then AND prefix /a); two an Istio match cannot hold at once (two path
    patterns, two kinds of match on one header) are an error."""
    out = []
    earlier: list[HttpMatch] = []
    for route in inner:
        matches: list[HttpMatch] = []
        reported = False
        for o in outer.matches or (HttpMatch(None, None, ()),):
            for i in route.matches or (HttpMatch(None, None, ()),):
                both = _and(o, i)
                if both == INEXPRESSIBLE and not reported:
                    reported = True
                    c.error(loc, f"expose({service!r}, via=ISTIO): the gateway route (path "
                                 f"{o.uri_kind} {o.uri!r}) and a mesh route of "
                                 f"traffic({service!r}) (path {i.uri_kind} {i.uri!r}) ask for "
                                 "two path patterns or two kinds of match on one header, which "
                                 "one Istio match cannot hold")
                elif isinstance(both, HttpMatch):
                    if not any(covers(e, both) for e in earlier):
                        matches.append(both)
                    earlier.append(both)
        if matches:
            every = all(m == HttpMatch(None, None, ()) for m in matches)
            out.append(HttpRoute(() if every else tuple(dict.fromkeys(matches)),
                                 route.destinations, outer.rewrite,
                                 route.timeout if route.timeout is not None else outer.timeout,
                                 route.retries if route.retries is not None else outer.retries))
    return out


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


def _and(a: HttpMatch, b: HttpMatch) -> HttpMatch | str:
    uri = uri_and((a.uri_kind, a.uri), (b.uri_kind, b.uri))
    if isinstance(uri, str):
        return uri
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
                     tuple(sorted({*a.query, *b.query})))
