"""Unreachable parts of `traffic(svc, split=..., routes=[mesh_route(...), ...])`.

The documented meaning is first match wins: a call takes the first mesh_route whose
conditions all hold, else `split=`. A mesh_route an earlier one always catches, or a `split=`
behind a mesh_route without conditions, can never be taken: dead configuration that reads as
if it did something, so it is an error at the declaration (file:line), not a surprise in
production or a finding of `netgen verify` (which compares the YAML with the plan, and finds
there only what the plan asked for).

`covers` is deliberately certain rather than complete: it answers True only when every call
the later match accepts is accepted by the earlier one, judged condition by condition.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from netgen.model import SourceLoc
from netgen.plan.mesh import HttpMatch, MeshRoutePlan

EVERY_CALL = HttpMatch(None, None, ())


def unreachable(split_loc: SourceLoc | None, has_split: bool,
                routes: tuple[MeshRoutePlan, ...], d: str
                ) -> Iterator[tuple[SourceLoc | None, str]]:
    """(where, message) for each mesh_route an earlier one shadows, and for a `split=` no
    call reaches. `d` names the declaration, e.g. "traffic('api')"."""
    for i, later in enumerate(routes):
        earlier = next((e for e in routes[:i] if covers(e.match, later.match)), None)
        if earlier is not None:
            yield later.loc, (f"{d}: this mesh_route can never match: the one at "
                              f"{earlier.loc} comes first and catches every call it would "
                              "(routes are tried in order); put the more specific one first, "
                              "or drop this one")
    catch_all = next((r for r in routes if r.match == EVERY_CALL), None)
    if has_split and catch_all is not None:
        yield split_loc, (f"{d}: split= is never used: the mesh_route at {catch_all.loc} has "
                          "no conditions and catches every call; drop split=, or give that "
                          "mesh_route conditions")


def covers(a: HttpMatch, b: HttpMatch) -> bool:
    """Every call that matches `b` matches `a`."""
    if a.method is not None and a.method != b.method:
        return False
    if not set(a.query) <= set(b.query) or not set(a.without) <= set(b.without):
        return False
    if not _path_covers(a.uri_kind, a.uri, b.uri_kind, b.uri):
        return False
    b_exact = dict(b.headers)
    if not all(b_exact.get(name) == value for name, value in a.headers):
        return False
    return all(_header_covers(rule, b_exact, b.rules) for rule in a.rules)


def _path_covers(ka: str | None, pa: str | None, kb: str | None, pb: str | None) -> bool:
    if ka is None:
        return True
    if kb is None:
        return False
    if ka == "prefix":
        return kb in ("prefix", "exact") and (pb or "").startswith(pa or "")
    if ka == "exact":
        return kb == "exact" and pa == pb
    return (kb, pb) == (ka, pa) or (kb == "exact" and _fullmatch(pa or "", pb or ""))


def _header_covers(rule: tuple[str, str, str], b_exact: dict[str, str],
                   b_rules: tuple[tuple[str, str, str], ...]) -> bool:
    """A prefix or regex condition of the earlier route holds for every call of the later."""
    name, kind, value = rule
    if name in b_exact:
        have = b_exact[name]
        return have.startswith(value) if kind == "prefix" else _fullmatch(value, have)
    return any(n == name and ((k, v) == (kind, value)
                              or (k == kind == "prefix" and v.startswith(value)))
               for n, k, v in b_rules)


def _fullmatch(pattern: str, text: str) -> bool:
    """Istio (RE2) and Linkerd match the whole value, as `re.fullmatch` does for the plain
    patterns routes use; a pattern Python cannot read is not judged (False keeps `covers`
    certain)."""
    try:
        return re.fullmatch(pattern, text) is not None
    except re.error:
        return False
