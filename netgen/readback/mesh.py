"""One call for `netgen verify`: compare an environment's mesh output with its plan and say
what differs, in words. The mesh target `mesh(KIND)` chose reads its own documents back
(`MeshHooks.readback`, `routes`, `readback_problems`); this module only compares and words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from attrs import frozen

from netgen.plan import Plan
from netgen.plan.mesh import Allow
from netgen.targets.base import Registry


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

    def render(self) -> str:
        if self.ok:
            return "mesh routes and allows match the blueprint"
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


def verify_mesh(plan: Plan, docs: Iterable[Mapping[str, Any] | None],
                registry: Registry | None = None) -> MeshReport:
    """`docs` are the parsed documents of `plan`'s environment (as written to out/<env>/);
    `registry` the targets of the build (every target netgen knows by default)."""
    docs = [d for d in docs if d]
    if registry is None:
        from netgen.targets.registry import REGISTRY

        registry = REGISTRY
    hooks = registry.mesh(plan.mesh.kind) if plan.mesh is not None else None
    if hooks is None or hooks.readback is None:
        return MeshReport((), (), (), (), ())
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
