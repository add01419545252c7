"""Whether a plan is Linkerd's (shared by lower, checks and the read-back). Which ports
Linkerd routes as HTTP is the mesh's neutral rule, `netgen.plan.mesh.is_http`."""

from __future__ import annotations

from netgen.plan import Plan
from netgen.targets.linkerd.tokens import LINKERD


def is_linkerd(plan: Plan) -> bool:
    return plan.mesh is not None and plan.mesh.kind == LINKERD.name
