"""A gateway route's conditions AND one of the service's in-mesh routes: the one match at
the gateway a request must meet for both to hold (the mesh route judged on the path the
service receives, after the exposure's rewrite). Istio folds a service's mesh routes into its
ingress gateway's routes with it (targets/istio/splits.py), its read-back reads them back
with it, and `netgen routes` lists what the gateway does with it (plan/routes.py)."""

from __future__ import annotations

from netgen.plan.mesh import HttpMatch

EMPTY = "empty"  # the two matches exclude each other: no request matches both
INEXPRESSIBLE = "inexpressible"  # both can hold, but not in one Istio match


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


def match_and(a: HttpMatch, b: HttpMatch, rewrite: str | None = None
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
