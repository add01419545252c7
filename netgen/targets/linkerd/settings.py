"""Linkerd's settings (of `blueprint()` or `env()`; an env's value wins) and what they decide:
where the control plane runs, and whether deny-by-default is enforced or only audited."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from netgen.plan import ClusterPods, Labels
from netgen.plan.mesh import MeshPlan
from netgen.targets.base import BOTH, Setting

DEFAULT_NAMESPACE = "linkerd"
INJECT = "linkerd.io/inject"
DEFAULT_POLICY = "config.linkerd.io/default-inbound-policy"
# The proxies reach the identity controller (certificates, 8080) and the destination
# controller (discovery 8086, policy 8090); every control-plane pod carries this label.
CONTROL_PORTS = (("TCP", 8080), ("TCP", 8086), ("TCP", 8090))
CONTROL_LABEL = "linkerd.io/control-plane-ns"

Raw = Callable[[str], Any]


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be True or False, not {value!r}"


SETTINGS = {
    # where the control plane runs (checked and defaulted like every namespace setting)
    "linkerd_namespace": Setting(BOTH, kind="namespace", default=DEFAULT_NAMESPACE),
    # deny by default only logged, for a rollout
    "linkerd_audit": Setting(BOTH, _flag),
}


def control_plane(namespaces: Mapping[str, str | None]) -> ClusterPods:
    ns = namespaces["linkerd_namespace"] or DEFAULT_NAMESPACE
    return ClusterPods("linkerd", ns, ((CONTROL_LABEL, ns),), CONTROL_PORTS)


def default_policy(mesh: MeshPlan, raw: Raw) -> str:
    """STRICT isolation denies what no AuthorizationPolicy allows (`audit` only logs it, for
    a rollout); otherwise meshed clients only under mtls=STRICT, anyone under PERMISSIVE."""
    if mesh.deny_by_default:
        return "audit" if raw("linkerd_audit") is True else "deny"
    return "all-authenticated" if mesh.mtls == "STRICT" else "all-unauthenticated"


def namespace_annotations(mesh: MeshPlan, raw: Raw) -> Labels:
    return ((DEFAULT_POLICY, default_policy(mesh, raw)), (INJECT, "enabled"))
