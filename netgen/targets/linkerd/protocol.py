"""Whether a plan is Linkerd's (shared by lower, checks and the read-back). Which ports
Linkerd routes as HTTP is the mesh's neutral rule, `netgen.plan.mesh.is_http`."""

from __future__ import annotations

from netgen.plan import Plan, ServicePlan
from netgen.plan.mesh import HTTP_APP_PROTOCOLS, is_http, well_known_not_http
from netgen.targets.linkerd.tokens import LINKERD


def is_linkerd(plan: Plan) -> bool:
    return plan.mesh is not None and plan.mesh.kind == LINKERD.name


def server_protocol(s: ServicePlan) -> str | None:
    """`proxyProtocol` of the service's Server: `opaque` where netgen knows the port is not
    HTTP (a well-known database or broker port, or an appProtocol that is not HTTP), else
    None (the CRD's default, `unknown`: Linkerd detects the protocol).

    A Server's protocol replaces the pod's opaque ports for that port: the policy
    controller maps a Server's `unknown` (or absent) proxyProtocol to protocol detection
    (linkerd2 policy-controller, `proxy_protocol()` in the inbound index), so without it
    Linkerd's default opaque ports (3306, 5432, ...) are detected instead, which for a
    server-speaks-first protocol (MySQL, SMTP) waits out the 10-second detection timeout."""
    if s.port is None or s.port.protocol != "TCP" or is_http(s):
        return None
    app = (s.port.app_protocol or "").lower()
    if well_known_not_http(s) is not None or (app and app not in HTTP_APP_PROTOCOLS):
        return "opaque"
    return None
