"""What a backend is: the exposures it lowers, the features it can express, and a lowering
function from a Plan to rendered documents. Adding a backend means one module, one folder
of templates and one line in `registry.py`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from attrs import frozen

from netgen.model import MeshKind, SourceLoc, Via
from netgen.plan import ClusterPods, Labels, Plan
from netgen.render import Document, Renderer
from netgen.targets.features import Feature

LowerFn = Callable[[Plan, Renderer], Iterable[Document]]
# Checks that span several routes (a shared load balancer, a host's paths): (where, message).
CheckFn = Callable[[Plan], Iterable[tuple[SourceLoc | None, str]]]
# Defaults of namespace settings that depend on other settings: (read a raw setting, the
# environment's namespace) -> {setting: namespace}.
DefaultsFn = Callable[[Callable[[str], Any], str], Mapping[str, str]]


@frozen
class MeshHooks:
    """What resolve asks a mesh other than Istio: the control-plane pods every meshed
    workload must reach (NetworkPolicy keeps them open), and the annotations of the
    namespaces it meshes. Both read raw settings (env's, else the blueprint's)."""

    kind: MeshKind
    control_plane: Callable[[Callable[[str], Any]], ClusterPods]
    namespace_annotations: Callable[[Any, Callable[[str], Any]], Labels]
    # `netgen verify`: (what the documents allow, what the plan declares), compared as sets
    readback: Callable[[Plan, list[Any]], tuple[frozenset[Any], frozenset[Any]]] | None = None
    routes: Callable[[Plan, list[Any]], tuple[frozenset[Any], frozenset[Any]]] | None = None


@frozen
class Backend:
    name: str
    lower: LowerFn
    via: tuple[Via, ...] = ()
    features: frozenset[Feature] = frozenset()
    terminates_tls: bool = False
    check: CheckFn | None = None
    # Object names the backend writes in every namespace, which no service may take.
    reserved_names: tuple[str, ...] = ()
    namespace_defaults: DefaultsFn | None = None
    mesh: MeshHooks | None = None


@frozen
class Registry:
    """The backends one build runs, handed to resolve and lower (which import none of
    them), in the order their documents are emitted."""

    backends: tuple[Backend, ...]

    def backend_for(self, via: Via) -> Backend | None:
        for backend in self.backends:
            if via in backend.via:
                return backend
        return None

    def mesh(self, kind: str) -> MeshHooks | None:
        return next((b.mesh for b in self.backends if b.mesh and b.mesh.kind.name == kind),
                    None)

    def reserved_names(self) -> tuple[str, ...]:
        return tuple(n for b in self.backends for n in b.reserved_names)

    def namespace_defaults(self, raw: Callable[[str], Any], env_namespace: str
                           ) -> dict[str, str]:
        out: dict[str, str] = {}
        for b in self.backends:
            if b.namespace_defaults is not None:
                out.update(b.namespace_defaults(raw, env_namespace))
        return out
