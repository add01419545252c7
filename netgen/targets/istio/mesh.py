"""Istio as the mesh of `mesh(ISTIO)`: the hooks the neutral planning calls."""

from __future__ import annotations

from collections.abc import Mapping

from netgen.plan import ClusterPods, Labels
from netgen.plan.mesh import MeshPlan
from netgen.targets.base import MeshHooks
from netgen.targets.istio.tokens import ISTIO

ISTIOD_XDS_PORT = 15012  # sidecars fetch configuration and certificates here


def control_plane(namespaces: Mapping[str, str | None]) -> ClusterPods:
    return ClusterPods("istiod", namespaces["istio_namespace"] or "",
                       (("app", "istiod"),), (("TCP", ISTIOD_XDS_PORT),))


def namespace_labels(mesh: MeshPlan, namespace: str) -> Labels:
    """Sidecar injection is switched on per namespace (by revision when one is named)."""
    return mesh.injection


HOOKS = MeshHooks(kind=ISTIO, ingress_via=ISTIO, control_plane=control_plane,
                  namespace_labels=namespace_labels)
