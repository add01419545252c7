"""One call for `netgen verify`/`netgen routes`: compare an environment's Istio output with
its plan and say what differs, in words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from attrs import frozen

from netgen.analysis import istio_authz, istio_routes
from netgen.plan import Plan


@frozen
class MeshReport:
    missing_routes: tuple[istio_routes.RouteRow, ...]  # planned, not in the VirtualServices
    extra_routes: tuple[istio_routes.RouteRow, ...]  # in the VirtualServices, not planned
    missing_allows: tuple[istio_authz.Allow, ...]  # declared, refused by the policies
    extra_allows: tuple[istio_authz.Allow, ...]  # let through, never declared
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


def verify_mesh(plan: Plan, docs: Iterable[Mapping[str, Any] | None]) -> MeshReport:
    """`docs` are the parsed documents of `plan`'s environment (as written to out/<env>/)."""
    docs = [d for d in docs if d]
    if plan.mesh is None:
        return MeshReport((), (), (), (), ())
    from netgen.targets.registry import REGISTRY

    hooks = REGISTRY.mesh(plan.mesh.kind)  # a mesh target other than Istio reads its own back
    if hooks is not None and hooks.readback is not None:
        allows, declared = hooks.readback(plan, docs)
        rows, planned_rows = hooks.routes(plan, docs) if hooks.routes else (set(), set())
        return MeshReport(tuple(sorted(planned_rows - rows)), tuple(sorted(rows - planned_rows)),
                          tuple(sorted(declared - allows)), tuple(sorted(allows - declared)), ())
    routes = set(istio_routes.route_table(docs))
    planned = set(istio_routes.expected_route_table(plan))
    allows = istio_authz.allow_matrix(docs, plan.mesh.trust_domain)
    declared = istio_authz.expected_allow_matrix(
        plan, istio_authz.sources(docs, plan.mesh.trust_domain))
    return MeshReport(
        missing_routes=tuple(sorted(planned - routes)),
        extra_routes=tuple(sorted(routes - planned)),
        missing_allows=tuple(sorted(declared - allows)),
        extra_allows=tuple(sorted(allows - declared)),
        problems=(*istio_routes.shadowed(docs), *istio_routes.gateway_problems(docs)),
    )
