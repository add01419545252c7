"""Istio's routes for in-mesh splits: a TrafficPlan's `split`/`routes` as the HttpRoutes of
the service's own VirtualService, and, for exposures that send to the whole service, folded
into the ingress gateway's routes (a gateway does not consult the service's mesh
VirtualService). The path algebra is netgen/plan/through.py's, shared with `netgen routes`.
"""

from __future__ import annotations

from typing import Any

from netgen.plan import ServicePlan
from netgen.plan.covers import covers
from netgen.plan.mesh import HttpMatch, TrafficPlan
from netgen.plan.through import INEXPRESSIBLE, match_and
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
                both = match_and(o, i, outer.rewrite)
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
