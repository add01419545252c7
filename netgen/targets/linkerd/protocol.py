"""Whether a plan is Linkerd's and which ports Linkerd routes as HTTP (shared by lower and
checks)."""

from __future__ import annotations

from netgen.plan import Plan, ServicePlan
from netgen.targets.linkerd.tokens import LINKERD

# resolve's rule for "HTTP to the mesh" (port name http/http-*/grpc..., or app_protocol);
# it moves to plan/mesh.py with the mesh rework (issue 17, step 9).
HTTP_NAMES = ("http", "http2", "grpc", "grpc-web")
HTTP_APP_PROTOCOLS = (*HTTP_NAMES, "kubernetes.io/h2c", "kubernetes.io/ws")


def is_linkerd(plan: Plan) -> bool:
    return plan.mesh is not None and plan.mesh.kind == LINKERD.name


def is_http(s: ServicePlan) -> bool:
    if s.port is None:
        return False
    if s.port.app_protocol:
        return s.port.app_protocol.lower() in HTTP_APP_PROTOCOLS
    return any(s.port.name == p or s.port.name.startswith(p + "-") for p in HTTP_NAMES)
