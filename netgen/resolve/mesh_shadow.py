"""Unreachable parts of `traffic(svc, split=..., routes=[mesh_route(...), ...])`.

The documented meaning is first match wins: a call takes the first mesh_route whose
conditions all hold, else `split=`. A mesh_route an earlier one always catches, or a `split=`
behind a mesh_route without conditions, can never be taken: dead configuration that reads as
if it did something, so it is an error at the declaration (file:line), not a surprise in
production or a finding of `netgen verify` (which compares the YAML with the plan, and finds
there only what the plan asked for).

Whether one match catches every call of another is `netgen.plan.covers`, which Istio's
gateway routes use too.
"""

from __future__ import annotations

from collections.abc import Iterator

from netgen.model import SourceLoc
from netgen.plan.covers import covers
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
