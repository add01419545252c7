"""The mesh's read-back alone, for tests and scripts: `verify_mesh(plan, docs)` is what
`netgen verify` prints after the NetworkPolicies' verdict. The comparison itself is the mesh
backend's `readback` (`netgen.targets.mesh_readback`); this only finds the mesh `mesh(KIND)`
chose and asks it right away.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from netgen.plan import Plan
from netgen.targets.base import Registry
from netgen.targets.mesh_readback import MeshReport, compare

__all__ = ["MeshReport", "verify_mesh"]


def verify_mesh(plan: Plan, docs: Iterable[Mapping[str, Any] | None],
                registry: Registry | None = None) -> MeshReport:
    """`docs` are the parsed documents of `plan`'s environment (as written to out/<env>/);
    `registry` the targets of the build (every target netgen knows by default)."""
    if registry is None:
        from netgen.targets.registry import REGISTRY

        registry = REGISTRY
    hooks = registry.mesh(plan.mesh.kind) if plan.mesh is not None else None
    return compare(hooks, plan, docs)
