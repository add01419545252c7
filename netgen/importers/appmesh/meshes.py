"""The meshes App Mesh routing can be carried into (`--mesh`), and what the import must say
and do differently for each: its defaults (timeouts, retries) in the notes, what its routes
cannot express, and whether it has its own ingress gateway (read from its MeshHooks).

A mesh is importable when the registry has its target and a profile here says how App
Mesh's implicit defaults compare with its own; the CLI's choices and help come from
`importable_meshes`."""

from __future__ import annotations

from collections.abc import Callable

from attrs import evolve, frozen

from netgen.model import Via
from netgen.plan.mesh import HttpMatch
from netgen.targets.base import Registry
from netgen.targets.features import Feature
from netgen.targets.linkerd.checks import disjoint
from netgen.targets.registry import REGISTRY

# App Mesh event -> Envoy/Istio retryOn conditions. App Mesh's server-error and
# gateway-error include Envoy's `reset`; `5xx` already does.
ENVOY_RETRY_EVENTS = {
    "server-error": "5xx", "gateway-error": "gateway-error,reset", "client-error": "retriable-4xx",
    "stream-error": "refused-stream", "connection-error": "connect-failure",
    "cancelled": "cancelled", "deadline-exceeded": "deadline-exceeded",
    "internal": "internal", "resource-exhausted": "resource-exhausted",
    "unavailable": "unavailable",
}
# Linkerd retries on response statuses only (retry.linkerd.io/http); Envoy's retriable-4xx
# is 409 alone. The other events have no equivalent.
LINKERD_RETRY_EVENTS = {"server-error": "5xx", "gateway-error": "gateway-error",
                        "client-error": "409"}
APP_MESH_RETRIES = ("routes without a retryPolicy: App Mesh's hidden default (meshes of "
                    "accounts new after 2020-07-29: 2 retries on HTTP 503, gRPC UNAVAILABLE, "
                    "connect-failure, refused-stream) ")


@frozen
class MeshProfile:
    """One importable mesh, in the import's terms."""

    kind: str  # the token `mesh(...)` takes
    name: str  # for people: "Istio"
    retry_events: dict[str, str]  # App Mesh retry event -> the mesh's retry condition(s)
    default_retries: str  # a note on routes without a retryPolicy
    proxy: str  # what replaces App Mesh's Envoy containers
    idle_timeout: str  # why an idle timeout is not carried
    # None: tries a router's routes in the order written; else it tries the most specific
    # first (Gateway API), and this says when two routes' order cannot matter
    disjoint: Callable[[HttpMatch, HttpMatch], bool] | None = None
    absence: bool = True  # matches a header's absence (invert=True)
    # retries are set per route (Istio); else one policy for all of a service's routes
    route_retries: bool = True
    # an event `retry_events` does not name is passed on as it is (Envoy's own names)
    other_events: bool = True
    gateway: str | None = None  # the via of its own ingress gateway, from its MeshHooks
    # splits a TCP port's connections between versions (Istio's `tcp` routes); Linkerd
    # splits only through an HTTPRoute, which needs an HTTP port
    tcp_split: bool = True
    gateway_features: frozenset[Feature] = frozenset()  # what that via can express


PROFILES = (
    MeshProfile("ISTIO", "Istio", ENVOY_RETRY_EVENTS,
                APP_MESH_RETRIES + "is close to Istio's (2 attempts on connect-failure, "
                "refused-stream, unavailable, cancelled, 503), which applies",
                "Istio injects its own sidecar", "Istio sets idle timeouts per DestinationRule"),
    MeshProfile("LINKERD", "Linkerd", LINKERD_RETRY_EVENTS,
                APP_MESH_RETRIES + "has no equivalent: Linkerd retries only where retries= "
                "says so",
                "Linkerd injects its own proxy", "Linkerd sets no idle timeout per route",
                disjoint=disjoint, absence=False, route_retries=False, other_events=False,
                tcp_split=False),
)


def importable_meshes(registry: Registry = REGISTRY) -> tuple[MeshProfile, ...]:
    """The profiles of the meshes the registry lowers, in its order, each with the via of
    its ingress gateway (None: it has none; gateway routes then use `--via`)."""
    by_kind = {p.kind: p for p in PROFILES}
    return tuple(
        evolve(by_kind[h.kind.name],
               gateway=h.ingress_via.name if h.ingress_via is not None else None,
               gateway_features=_features(registry, h.ingress_via))
        for h in registry.meshes() if h.kind.name in by_kind)


def _features(registry: Registry, via: Via | None) -> frozenset[Feature]:
    backend = registry.backend_for(via) if via is not None else None
    return backend.features if backend is not None else frozenset()


def mesh_profile(kind: str, registry: Registry = REGISTRY) -> MeshProfile:
    for p in importable_meshes(registry):
        if p.kind == kind:
            return p
    names = " or ".join(p.kind for p in importable_meshes(registry))
    raise ValueError(f"mesh must be {names}, not {kind!r}")


def mesh_help(registry: Registry = REGISTRY) -> str:
    names = " or ".join(p.kind for p in importable_meshes(registry))
    return f"Carry App Mesh routing into this mesh: {names}."
