"""What a target is: the vias it serves (ViaSpec: each described once, here in its
package), the features it can express, its settings, its mesh hooks if it is a mesh, a
lowering function from a Plan to documents, its read-back for `netgen verify` and the CRD
bundles whose kinds it emits. Adding a target means one package in `targets/` (lowering,
`settings.py`, `templates/`, `schemas/` for the CRDs it owns) and one line in `registry.py`;
resolve and lower receive the Registry and import no target."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from attrs import field, frozen

from netgen.model import Blueprint, Isolation, Mesh, SourceLoc, Token, Via
from netgen.plan import (
    CallPlan,
    ClusterPods,
    EnvPlan,
    ExternalPlan,
    Labels,
    Plan,
    RoutePlan,
    ServicePlan,
)
from netgen.plan.mesh import MeshPlan, TrafficPlan
from netgen.problems import Collector, Problem
from netgen.render import Document, Renderer
from netgen.targets.features import Feature

LowerFn = Callable[[Plan, Renderer], Iterable[Document]]
FinishFn = Callable[[Plan, Renderer, list[Document]], list[Document]]
# Checks that span several routes (a shared load balancer, a host's paths): (where, message).
CheckFn = Callable[[Plan], Iterable[tuple[SourceLoc | None, str]]]

MANAGED_BY = ("app.kubernetes.io/managed-by", "netgen")


def object_labels(labels: Labels, part_of: str) -> Labels:
    """Labels of every generated object, whichever target lowers it: the service's own plus
    who made it."""
    return (*labels, ("app.kubernetes.io/part-of", part_of), MANAGED_BY)

class Layer(enum.Enum):
    """What a via forwards: HTTP requests routed by host and path (L7), connections on a
    port (L4), or nothing from outside the cluster (CLUSTER)."""

    L7 = "l7"
    L4 = "l4"
    CLUSTER = "cluster"


@frozen
class FromPods:
    """Traffic of the via comes from pods (a proxy) in the namespace `setting` names."""

    setting: str
    who: str  # the pods, for messages: "the ingress controller's pods"


@frozen
class FromCidr:
    """Traffic of the via comes from addresses: the first of `settings` that is given."""

    settings: tuple[str, ...]


@frozen
class ViaSpec:
    """Everything netgen knows about one `via=` value, written once, by its target."""

    token: Via
    layer: Layer
    family: str | None = None  # objects numbered together ("ingress": ALB and NGINX)
    outside: bool = True  # traffic enters from outside the mesh
    load_balancer: bool = False  # an AWS load balancer: scheme= and ACM certificates
    # its target groups health-check each target over TCP on the target's own port (TCP,
    # or HTTP with health=; AWS has no UDP health check), whatever the listener's protocol:
    # a UDP target's NetworkPolicy admits that too
    checks_over_tcp: bool = False
    traffic_from: FromPods | FromCidr | None = None  # NetworkPolicy: where its traffic is from
    graph_label: tuple[str, ...] = ()  # the entry point's lines in `netgen graph`
    # which TLS policy applies when netgen sets none (the ECS importer tells a migrating
    # team whose listener named one); None: the controller's TLS settings
    tls_default: str | None = None
    # when the via's proxies are themselves members of the chosen mesh, their identity:
    # they reach the service with mTLS, so its authorization admits that principal, not
    # clients without one. None: outside the mesh (see `MeshProxy`)
    mesh_identity: Callable[[MeshProxy], str | None] | None = None


@frozen
class MeshProxy:
    """What a via's `mesh_identity` is asked with: the environment's settings and mesh."""

    raw: Callable[[str], Any]  # a setting: the environment's value, else the blueprint's
    blueprint: str
    env: EnvPlan
    mesh: str  # the mesh token's name (ISTIO, LINKERD)
    trust_domain: str


class ReadbackError(ValueError):
    """The documents hold something a target's read-back does not model (a `--templates`
    override wrote what netgen never does, or an object the API server would reject):
    `netgen verify` says it cannot judge them, since no answer beats a wrong one."""


Raw = Callable[[str], Any]  # reads a setting: the environment's value, else the blueprint's
# `netgen verify`: (what the documents allow, what the plan declares), compared as sets
Compare = Callable[[Plan, list[Any]], tuple[frozenset[Any], frozenset[Any]]]


class Reading(Protocol):
    """What a target's read-back says about one environment's documents (`netgen verify`):
    whether they allow exactly what the blueprint declares, in words a person reads."""

    @property
    def ok(self) -> bool: ...

    def verdict(self) -> str:
        """A part of the environment's line: the verdict and what was checked; empty when
        the target has nothing to add (not this environment's mesh)."""
        ...

    def render(self) -> str:
        """Every difference (and every caveat), one line each; empty when there is none."""
        ...

    def matrix(self) -> str:
        """Who may reach whom on which ports, as a table; empty when the target has none."""
        ...


# (plan, the environment's parsed documents) -> what the target's own documents allow
ReadbackFn = Callable[[Plan, list[Any]], Reading]


def _no_labels(mesh: MeshPlan, namespace: str) -> Labels:
    return ()


def _no_annotations(mesh: MeshPlan, raw: Raw) -> Labels:
    return ()


def _no_settings(mesh: MeshPlan) -> Mapping[str, str]:
    return {}


@frozen
class MeshInput:
    """What the neutral planning hands a mesh target's `plan` hook: the environment's
    mesh declaration and its decided neutral parts."""

    blueprint: str
    env: EnvPlan
    declared: Mesh  # the `mesh(...)` in force
    mtls: str  # STRICT | PERMISSIVE | DISABLE, decided
    trust_domain: str
    services: list[ServicePlan]
    externals: list[ExternalPlan]
    calls: list[CallPlan]
    routes: list[RoutePlan]
    traffic: Mapping[str, TrafficPlan]  # by service
    outside: frozenset[str]  # services whose clients reach them without a mesh identity
    namespaces: list[str]


@frozen
class MeshHooks:
    """What a mesh target gives the neutral planning, so `mesh(KIND)` picks a target, not a
    branch in resolve. Istio implements them in targets/istio/mesh.py, Linkerd in
    targets/linkerd/."""

    kind: Token  # the token `mesh(...)` takes
    # namespace settings (name -> namespace) -> the control plane's pods, which the
    # NetworkPolicies must keep reachable
    control_plane: Callable[[Mapping[str, str | None]], ClusterPods]
    # the via whose exposures enter through this mesh's own gateway (needs the mesh), if any
    ingress_via: Via | None = None
    # (declaration, trust domain) -> the gateway's identity, which the authorizations allow
    # on the services exposed through `ingress_via`
    gateway_principal: Callable[[Mesh, str], str] | None = None
    # the target's own objects, stored in `MeshPlan.target` for its lowering and read-back
    plan: Callable[[MeshInput, Collector], object] | None = None
    # `mesh(...)` options beyond kind/mtls/trust_domain this target takes, and their checks
    # (messages; run on every declaration that gives them, whichever mesh it chooses)
    options: tuple[str, ...] = ()
    check_options: Callable[[Mesh], Iterable[str]] | None = None
    # mesh plan -> namespace settings it implies unless the blueprint or env gives them
    implied_namespaces: Callable[[MeshPlan], Mapping[str, str]] = _no_settings
    # (mesh plan, namespace) -> labels the namespace needs (Istio's sidecar injection)
    namespace_labels: Callable[[MeshPlan, str], Labels] = _no_labels
    # (mesh plan, settings) -> annotations of every meshed namespace (Linkerd's injection)
    namespace_annotations: Callable[[MeshPlan, Raw], Labels] = _no_annotations
    # `netgen verify`: the allow matrix and route table read back from the documents, and
    # what else the documents get wrong (a shadowed route, a dangling reference); the
    # backend's `readback` (targets/mesh_readback.py) compares them with the plan
    readback: Compare | None = None
    routes: Compare | None = None
    readback_problems: Callable[[list[Any]], Iterable[str]] | None = None


BLUEPRINT, ENV = "blueprint", "env"
BOTH = frozenset({BLUEPRINT, ENV})


@frozen
class Setting:
    """One setting `blueprint(...)`/`env(...)` takes beyond their named parameters; a target
    declares its own (`targets/<t>/settings.py`), resolve/settings.py adds the neutral ones."""

    where: frozenset[str]  # the calls that take it: an env's value replaces the blueprint's
    check: Callable[[Any], str | None] | None = None  # when nothing else reads the value
    # "namespace": a namespace (dns1123) where pods traffic comes from run, default `default`;
    # "cidrs": address ranges traffic comes from (resolve/network.py checks both kinds).
    kind: str = ""
    default: Any = None


# Defaults of namespace settings that depend on other settings: (read a raw setting, the
# environment's namespace) -> {setting: namespace}.
DefaultsFn = Callable[[Callable[[str], Any], str], Mapping[str, str]]


def Lint(code: str, loc: SourceLoc | None, message: str, env: str | None = None) -> Problem:
    """A lint finding is a warning `Problem`; env None: about a declaration whatever the
    environment."""
    return Problem(message, loc, "warning", code, env)


@frozen
class LintContext:
    """One environment's Plan plus the declarations, for what the Plan no longer says
    (whether isolation was declared or defaulted, where `env(...)` was written)."""

    blueprint: Blueprint
    plan: Plan
    plans: tuple[Plan, ...] = ()  # every environment checked together, for what spans them

    @property
    def env_loc(self) -> SourceLoc | None:
        for e in self.blueprint.envs:
            if e.name == self.plan.env.name:
                return e.loc
        return None

    @property
    def declared_strict(self) -> bool:
        """`env(..., isolation=STRICT)` written out: the team calls this env production-like.
        The implicit STRICT default alone does not say that."""
        return any(
            e.name == self.plan.env.name and e.isolation is Isolation.STRICT
            for e in self.blueprint.envs
        )


@frozen
class Rule:
    """A lint rule (`netgen check`): the neutral ones are in netgen/lint/rules.py, a target's
    own in its `lints`; codes are stable, the registry collects them."""

    code: str
    name: str
    summary: str  # the one-line rationale
    check: Callable[[LintContext], Iterator[Problem]]
    per_env: bool = True  # False: the finding depends only on the declaration


@frozen
class Backend:
    name: str
    lower: LowerFn
    vias: tuple[ViaSpec, ...] = field(default=(), converter=lambda vs: tuple(
        v if isinstance(v, ViaSpec) else ViaSpec(v, Layer.L7) for v in vs))
    features: frozenset[Feature] = frozenset()
    terminates_tls: bool = False
    check: CheckFn | None = None
    # Object names the backend writes in every namespace, which no service may take.
    reserved_names: tuple[str, ...] = ()
    namespace_defaults: DefaultsFn | None = None
    settings: Mapping[str, Setting] = field(factory=dict)
    mesh: MeshHooks | None = None
    lints: tuple[Rule, ...] = ()
    # runs once every backend has lowered: sees all documents (the Kubernetes target adds
    # the Namespace of every namespace another target's object lives in)
    finish: FinishFn | None = None
    # `netgen verify` of every environment (a mesh's: `MeshReadback(its hooks)`)
    readback: ReadbackFn | None = None
    # The shipped CRD bundles whose kinds it emits (names as in a schemas/index.json). A
    # bundle lives in the `schemas/` folder of the target that owns it, or in netgen/schemas/
    # when no target emits its kinds; `netgen check` validates against them.
    crds: tuple[str, ...] = ()

    @property
    def via(self) -> tuple[Via, ...]:
        return tuple(s.token for s in self.vias)


@frozen
class Registry:
    """The backends one build runs, handed to resolve and lower (which import none of
    them), in the order their documents are emitted."""

    backends: tuple[Backend, ...]
    # The target packages' `schemas/` folders (the CRD bundles each owns, with their
    # index.json, made by tools/make_schemas.py); a target that owns none has no folder.
    schema_folders: tuple[Path, ...] = ()

    def __attrs_post_init__(self) -> None:
        seen: dict[str, str] = {}
        for b in self.backends:
            for key in b.settings:
                if seen.setdefault(key, b.name) != b.name:
                    raise ValueError(f"setting {key!r} is declared by {seen[key]} and {b.name}")
        tokens: dict[str, Token] = {}
        for t in (*(s.token for s in self.specs()), *(m.kind for m in self.meshes())):
            if tokens.setdefault(t.name, t) is not t:
                raise ValueError(f"two tokens are named {t.name}")

    def vias(self) -> tuple[Via, ...]:
        """The tokens `via=` takes, in registry order (the order messages list them)."""
        return tuple(s.token for s in self.specs())

    def tokens(self) -> dict[str, Token]:
        """Every word `via=` and `mesh(...)` take, by name: the vias in registry order, then
        the mesh kinds that are no via. The blueprint language (`netgen.ALB`), the ECS
        importer's `--via` and the property tests read them here, so none keeps a list."""
        out = {s.token.name: s.token for s in self.specs()}
        for m in self.meshes():
            out.setdefault(m.kind.name, m.kind)
        return out

    def meshes(self) -> tuple[MeshHooks, ...]:
        return tuple(b.mesh for b in self.backends if b.mesh is not None)

    def mesh(self, kind: Token | str | None) -> MeshHooks | None:
        """The mesh target `mesh(kind)` chose (`kind` a token, or its name in a MeshPlan)."""
        for m in self.meshes():
            if m.kind is kind or m.kind.name == kind:
                return m
        return None

    def mesh_name(self, hooks: MeshHooks) -> str:
        """The name of the backend a mesh's hooks belong to, for messages ("Istio")."""
        return next(b.name for b in self.backends if b.mesh is hooks)

    def any_mesh(self) -> str:
        """What a blueprint without a mesh may add, for messages: `mesh(ISTIO) or ...`."""
        return " or ".join(f"mesh({m.kind.name})" for m in self.meshes())

    def settings(self) -> dict[str, Setting]:
        return {k: s for b in self.backends for k, s in b.settings.items()}

    def readbacks(self) -> tuple[ReadbackFn, ...]:
        """What `netgen verify` runs on every environment, in the backends' order, the
        meshes' last: a mesh's policies apply to what the others let through, and its
        verdict ends the line."""
        ordered = sorted(self.backends, key=lambda b: b.mesh is not None)
        return tuple(b.readback for b in ordered if b.readback is not None)

    def crds(self) -> tuple[str, ...]:
        """Every CRD bundle some backend emits kinds of, each once, in the backends' order."""
        return tuple(dict.fromkeys(n for b in self.backends for n in b.crds))

    def lint_rules(self) -> tuple[Rule, ...]:
        return tuple(r for b in self.backends for r in b.lints)

    def backend_for(self, via: Via) -> Backend | None:
        for backend in self.backends:
            if via in backend.via:
                return backend
        return None

    def spec(self, via: Via) -> ViaSpec | None:
        for backend in self.backends:
            for s in backend.vias:
                if s.token is via:
                    return s
        return None

    def specs(self) -> tuple[ViaSpec, ...]:
        return tuple(s for b in self.backends for s in b.vias)

    def reserved_names(self) -> tuple[str, ...]:
        return tuple(n for b in self.backends for n in b.reserved_names)

    def namespace_defaults(self, raw: Callable[[str], Any], env_namespace: str
                           ) -> dict[str, str]:
        out: dict[str, str] = {}
        for b in self.backends:
            if b.namespace_defaults is not None:
                out.update(b.namespace_defaults(raw, env_namespace))
        return out
