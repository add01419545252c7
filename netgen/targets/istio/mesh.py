"""Istio as the mesh of `mesh(ISTIO)`: the hooks the neutral planning calls, and the checks
of the `mesh(...)` options only Istio takes.

The hooks that only a blueprint with `mesh(ISTIO)` calls import Istio's planning, its
records and its read-back on first call, so a build without the mesh does not load them
(one twentieth of a 10-service build's start-up)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from netgen import values
from netgen.model import Mesh
from netgen.plan import ClusterPods, Labels, Plan
from netgen.plan.mesh import MeshPlan
from netgen.targets.base import MeshHooks, MeshInput
from netgen.targets.istio.tokens import ISTIO
from netgen.values import fullmatch

if TYPE_CHECKING:
    from netgen.problems import Collector
    from netgen.targets.istio.plan import IstioPlan

ISTIOD_XDS_PORT = 15012  # sidecars fetch configuration and certificates here
OPTIONS = ("ingress_selector", "ingress_principal", "revision")
_PRINCIPAL = fullmatch(r"[^/\s]+/ns/[a-z0-9]([-a-z0-9]*[a-z0-9])?/sa/[^/\s]+")


def control_plane(namespaces: Mapping[str, str | None]) -> ClusterPods:
    return ClusterPods("istiod", namespaces["istio_namespace"] or "",
                       (("app", "istiod"),), (("TCP", ISTIOD_XDS_PORT),))


def namespace_labels(mesh: MeshPlan, namespace: str) -> Labels:
    """Sidecar injection is switched on per namespace (by revision when one is named)."""
    from netgen.targets.istio.plan import istio_part

    return istio_part(mesh).injection


def implied_namespaces(mesh: MeshPlan) -> Mapping[str, str]:
    """The ingress gateway's identity names its namespace: cluster.local/ns/<ns>/sa/<sa>."""
    from netgen.targets.istio.plan import istio_part

    parts = istio_part(mesh).ingress_principal.split("/")
    if len(parts) == 5 and parts[1] == "ns" and not values.dns1123(parts[2]):
        return {"istio_ingress_namespace": parts[2]}
    return {}


def check_options(m: Mesh) -> Iterator[str]:
    if m.ingress_selector is not None:
        problem = values.labels(m.ingress_selector)
        if problem is None and not m.ingress_selector:
            problem = "ingress_selector={} would select every pod; name the gateway's labels"
        if problem:
            yield problem
    if m.revision is not None:
        problem = values.labels({"istio.io/rev": m.revision})
        if problem or not m.revision:
            yield f"revision={m.revision!r} must be a label value such as '1-30'"
    if m.ingress_principal is not None and not (
        isinstance(m.ingress_principal, str) and _PRINCIPAL(m.ingress_principal)
    ):
        yield (f"ingress_principal={m.ingress_principal!r} must look like "
               "'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'")


def gateway_principal(m: Mesh, trust_domain: str) -> str:
    from netgen.targets.istio import planning

    return planning.gateway_principal(m, trust_domain)


def plan(inp: MeshInput, c: Collector) -> IstioPlan:
    from netgen.targets.istio import planning

    return planning.plan(inp, c)


def allows(plan: Plan, docs: list[Any]) -> tuple[frozenset[Any], frozenset[Any]]:
    from netgen.targets.istio import readback

    return readback.allows(plan, docs)


def routes(plan: Plan, docs: list[Any]) -> tuple[frozenset[Any], frozenset[Any]]:
    from netgen.targets.istio import readback

    return readback.routes(plan, docs)


def readback_problems(docs: list[Any]) -> Iterable[str]:
    from netgen.targets.istio import readback

    return readback.problems(docs)


HOOKS = MeshHooks(kind=ISTIO, ingress_via=ISTIO, control_plane=control_plane,
                  gateway_principal=gateway_principal, plan=plan,
                  options=OPTIONS, check_options=check_options,
                  implied_namespaces=implied_namespaces, namespace_labels=namespace_labels,
                  readback=allows, routes=routes, readback_problems=readback_problems)
