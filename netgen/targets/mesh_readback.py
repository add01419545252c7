"""A mesh target's read-back as a `Reading`, like any other target's: `netgen verify` asks
every backend's `readback` in one loop, and a mesh backend's is `MeshReadback(its hooks)`.

The mesh target reads its own documents back (`MeshHooks.readback`, `routes`,
`readback_problems`, in its package); this module only compares what they say with the
plan and words the differences, whichever mesh it is. It sits beside `base` (below the
target packages) so that each mesh target can name it in its Backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

from attrs import frozen

from netgen.plan import Plan
from netgen.plan.mesh import Allow
from netgen.targets.base import MeshHooks

MATCH = "mesh routes and allows match the blueprint"


@frozen
class MeshReport:
    missing_routes: tuple[Any, ...]  # the target's route rows: planned, not in the documents
    extra_routes: tuple[Any, ...]  # in the documents, not planned
    missing_allows: tuple[Allow, ...]  # declared, refused by the policies
    extra_allows: tuple[Allow, ...]  # let through, never declared
    problems: tuple[str, ...]  # shadowed routes, dangling gateway references

    @property
    def ok(self) -> bool:
        return not (self.missing_routes or self.extra_routes or self.missing_allows
                    or self.extra_allows or self.problems)

    def verdict(self) -> str:
        """The verdict line names the mesh only when it matches; a difference is said by
        the listing that follows it (`render`)."""
        return MATCH if self.ok else ""

    def render(self) -> str:
        lines: list[str] = []
        for title, sign, items in (
            ("routes planned but missing", "-", self.missing_routes),
            ("routes not planned", "+", self.extra_routes),
            ("declared traffic refused", "-", self.missing_allows),
            ("undeclared traffic allowed", "+", self.extra_allows),
        ):
            if items:
                lines.append(f"{title} ({len(items)}):")
                lines.extend(f"  {sign} {item}" for item in items)
        lines.extend(self.problems)
        return "\n".join(lines)

    def matrix(self) -> str:
        """No table: the allows are identities, listed only where they differ."""
        return ""


NOTHING = MeshReport((), (), (), (), ())  # no mesh target to ask: nothing differs


class _Silent:
    """The reading of a mesh target in an environment that chose no mesh or another."""

    ok = True

    def verdict(self) -> str:
        return ""

    def render(self) -> str:
        return ""

    def matrix(self) -> str:
        return ""


SILENT = _Silent()


def compare(hooks: MeshHooks | None, plan: Plan,
            docs: Iterable[Mapping[str, Any] | None]) -> MeshReport:
    """`docs` are the parsed documents of `plan`'s environment (as written to out/<env>/),
    `hooks` the mesh target the plan chose."""
    if hooks is None or hooks.readback is None:
        return NOTHING
    docs = [d for d in docs if d]
    allows, declared = hooks.readback(plan, docs)
    rows, planned = hooks.routes(plan, docs) if hooks.routes else (frozenset(), frozenset())
    problems = hooks.readback_problems(docs) if hooks.readback_problems else ()
    return MeshReport(
        missing_routes=tuple(sorted(planned - rows)),
        extra_routes=tuple(sorted(rows - planned)),
        missing_allows=tuple(sorted(declared - allows)),
        extra_allows=tuple(sorted(allows - declared)),
        problems=tuple(problems),
    )


class _Deferred:
    """The comparison runs when a verdict is first asked for: `netgen explain connectivity`
    asks every read-back for its table only, and a mesh has none, so it never reads the
    mesh's documents."""

    def __init__(self, hooks: MeshHooks, plan: Plan, docs: list[Any]) -> None:
        self._args = (hooks, plan, docs)

    @cached_property
    def report(self) -> MeshReport:
        return compare(*self._args)

    @property
    def ok(self) -> bool:
        return self.report.ok

    def verdict(self) -> str:
        return self.report.verdict()

    def render(self) -> str:
        return self.report.render()

    def matrix(self) -> str:
        return ""


@frozen
class MeshReadback:
    """`Backend.readback` of a mesh target: its hooks' comparison in the environments whose
    `mesh(...)` chose it, nothing in the others."""

    hooks: MeshHooks

    def __call__(self, plan: Plan, docs: list[Any]) -> _Silent | _Deferred:
        if plan.mesh is None or plan.mesh.kind != self.hooks.kind.name:
            return SILENT
        return _Deferred(self.hooks, plan, docs)
