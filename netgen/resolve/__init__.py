"""resolve: a Blueprint and an environment name in, a Plan out, or every problem at once."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from attrs import frozen

from netgen.model import Blueprint, Env, Exposure, Service, SourceLoc, Via
from netgen.plan import Labels, Plan
from netgen.plan.mesh import MeshPlan
from netgen.problems import Collector, Problem, ProblemError, did_you_mean
from netgen.resolve import environment as envs
from netgen.resolve import mesh, podsecurity
from netgen.resolve.dns import dns_plan, validate_dns
from netgen.resolve.mesh_checks import validate_declarations as validate_mesh
from netgen.resolve.network import network_plan
from netgen.resolve.routes import exposures_for, route_plans
from netgen.resolve.shapes import validate_declarations
from netgen.resolve.validate import validate_blueprint
from netgen.targets.base import Registry


def environments(bp: Blueprint) -> list[Env]:
    return list(_unique_envs(bp).values()) or [Env(envs.DEFAULT_ENV, SourceLoc(bp.path, 0))]


def _unique_envs(bp: Blueprint) -> dict[str, Env]:
    out: dict[str, Env] = {}
    for e in bp.envs:
        out.setdefault(e.name, e)
    return out


@frozen
class Prepared:
    """What resolving each environment shares: the blueprint with its declarations checked
    (the problems found so far), the environments it declares and where each name exists.
    An environment is resolved from it alone, so each can be resolved in a worker process
    (`netgen.build`)."""

    bp: Blueprint
    registry: Registry
    envs: tuple[Env, ...]
    problems: tuple[Problem, ...]
    only: tuple[str, ...]
    names: dict[str, list[str]]

    def wanted(self, env: str) -> bool:
        return not self.only or env in self.only


def prepare(bp: Blueprint, registry: Registry, only: Sequence[str] = ()) -> Prepared:
    """Checks the declarations (raising when a value has the wrong type: everything after
    relies on types) and the environments asked for. `registry` is the backends the build
    runs (netgen.pipeline passes them)."""
    c = Collector()
    validate_declarations(bp, c, (partial(validate_blueprint, registry=registry), validate_dns,
                                  partial(validate_mesh, registry=registry)),
                          {Via: registry.vias()})
    declared = environments(bp)
    names = [e.name for e in declared]
    for wanted in only:
        if wanted not in names:
            raise ProblemError([Problem(
                f"no environment named '{wanted}' in {bp.path}{did_you_mean(wanted, names)}; "
                f"it has: {', '.join(names)}")])
    return Prepared(bp, registry, tuple(declared), tuple(c.items), tuple(only),
                    _where_declared(bp, names))


def resolve_all(bp: Blueprint, registry: Registry, only: list[str] | None = None) -> list[Plan]:
    """Resolves every environment, so a mistake in one is reported even when building
    another, and returns the plans of those asked for (all when `only` is empty)."""
    return resolve_prepared(prepare(bp, registry, only or ()))


def resolve_prepared(prepared: Prepared) -> list[Plan]:
    """`resolve_all`, from its first step's result."""
    known: envs.ServiceParts = {}
    plans, outlines = [], []
    for e in prepared.envs:
        c = Collector()
        plan = resolve_env(prepared, e, c, known)
        plans.append(plan)
        outlines.append((c.items, plan.env.namespace, plan.mesh is not None))
    raise_problems(prepared, outlines)
    return [p for p in plans if prepared.wanted(p.env.name)]


Outline = tuple[Sequence[Problem], str, bool]
"""What telling the problems needs of one environment: its own problems, its namespace and
whether it has a mesh."""


def raise_problems(prepared: Prepared, outlines: Sequence[Outline]) -> None:
    """Raises every problem together, if any: `prepare`'s, each declared environment's
    (`outlines`, in the order declared) and what no single environment can tell."""
    c = Collector()
    c.extend(prepared.problems)
    for problems, _, _ in outlines:
        c.extend(problems)
    meshed = (e.name for e, (_, _, mesh_on) in zip(prepared.envs, outlines, strict=True)
              if mesh_on)
    mesh.check_unused_traffic(prepared.bp, meshed, c, prepared.registry)
    _check_shared_namespaces(list(prepared.envs), [ns for _, ns, _ in outlines], c)
    c.raise_if_any()


def _check_shared_namespaces(declared: list[Env], namespaces: list[str], c: Collector) -> None:
    """Two environments in one namespace write the same objects there: in one cluster the
    second apply replaces the first's workloads, and an OPEN one's policies open the
    other's pods."""
    first: dict[str, Env] = {}
    for e, namespace in zip(declared, namespaces, strict=True):
        other = first.setdefault(namespace, e)
        if other is not e:
            c.error(e.loc, f"env({e.name!r}): namespace '{namespace}' is already "
                           f"environment {other.name!r}'s ({other.loc}); each environment "
                           "needs a namespace of its own")


def _where_declared(bp: Blueprint, env_names: list[str]) -> dict[str, list[str]]:
    """name -> environments it exists in, for 'does not exist in environment X' messages."""
    out: dict[str, set[str]] = {}
    for d in (*bp.services, *bp.externals):
        out.setdefault(d.name, set()).update(env_names if d.scope is None else [d.scope])
    return {k: sorted(v) for k, v in out.items()}


def resolve_env(prepared: Prepared, e: Env, c: Collector, known: envs.ServiceParts) -> Plan:
    """One environment's Plan, its problems told to `c`. `known`: the workload parts other
    environments resolved in this process have planned (`environment.workloads`)."""
    bp, registry, all_names = prepared.bp, prepared.registry, prepared.names
    env = envs.env_plan(bp, e)
    services = envs.visible(bp.services, e.name, c, "service")
    externals = envs.visible(bp.externals, e.name, c, "external")
    for name, x in externals.items():
        if name in services:
            c.error(x.loc, f"external({name!r}): a service of the same name exists "
                           f"({services[name].loc})")
    valid = {n: s for n, s in services.items() if isinstance(n, str)}
    service_plans = envs.service_plans(valid, env)
    by_name = {p.name: p for p in service_plans}
    external_plans = envs.external_plans(externals, env)
    calls = envs.call_plans(bp, e.name, valid, externals, all_names, c)
    discovery = envs.discovery_env(calls, by_name, {x.name: x for x in external_plans})
    exposed = _not_externals(exposures_for(bp, e.name, valid), bp, services, c)
    routes = route_plans(exposed, valid, by_name, env, all_names, c, registry,
                         domain=bp.info.domain)
    namespaces = sorted({env.namespace, *(s.namespace for s in service_plans),
                         *(x.namespace for x in external_plans)})
    _check_object_names(service_plans, external_plans, c)
    mesh_plan = mesh.mesh_plan(bp, env, valid, service_plans, external_plans, calls, routes,
                               all_names, c, registry)
    fields = envs.workloads(valid, service_plans, discovery, env, known)
    mesh.with_service_accounts(fields, mesh_plan, dict(bp.info.settings))
    workloads = podsecurity.secure(fields, valid, env, mesh_plan is not None,
                                   podsecurity.disruption_budgets(bp, e), c)
    network = network_plan(bp.info, e, env, service_plans, external_plans, routes, namespaces,
                           mesh_plan, c, registry)
    plan = Plan(
        blueprint=bp.info.name,
        source=bp.path,
        env=env,
        namespaces=tuple(namespaces),
        services=tuple(service_plans),
        workloads=tuple(workloads),
        externals=tuple(external_plans),
        calls=tuple(calls),
        routes=tuple(routes),
        domain=bp.info.domain,
        settings=dict(bp.info.settings),
        dns=dns_plan(bp, e.name, c),
        mesh=mesh_plan,
        namespace_labels=podsecurity.namespace_labels(
            mesh.namespace_labels(mesh_plan, namespaces, registry), namespaces, env.pod_security),
        network=network,
        namespace_annotations=_mesh_annotations(mesh_plan, namespaces, bp, e, registry),
        loc=bp.info.loc,
    )
    _check_backends(plan, c, registry)
    return plan


def _mesh_annotations(mesh_plan: MeshPlan | None, namespaces: list[str], bp: Blueprint,
                      e: Env, registry: Registry) -> dict[str, Labels]:
    """A mesh target's namespace annotations (Linkerd injects by annotation, not label)."""
    hooks = registry.mesh(mesh_plan.kind) if mesh_plan is not None else None
    if hooks is None:
        return {}
    def raw(key: str) -> object:
        return e.settings.get(key, bp.info.settings.get(key))
    return {ns: hooks.namespace_annotations(mesh_plan, raw) for ns in namespaces}


def _not_externals(
    exposures: list[Exposure], bp: Blueprint, services: dict[str, Service], c: Collector
) -> list[Exposure]:
    """`expose()` of an external is one mistake, said once (not 'does not exist in
    environment X' for each environment)."""
    externals = {x.name for x in bp.externals} - set(services)
    for x in exposures:
        if x.service in externals:
            c.error(x.loc, f"expose({x.service!r}): '{x.service}' is an external; only a "
                           "service can be exposed")
    return [x for x in exposures if x.service not in externals]


def _check_backends(plan: Plan, c: Collector, registry: Registry) -> None:
    """What one exposure cannot know: rules of a shared load balancer, Gateway or host."""
    for backend in registry.backends:
        if backend.check is not None:
            for loc, message in backend.check(plan):
                c.error(loc, message)


def _check_object_names(services: list, externals: list, c: Collector) -> None:
    """Generated Service names (per version, headless) must not collide with declared ones."""
    owners: dict[tuple[str, str], object] = {}

    def claim(ns: str, name: str, owner: object, loc: SourceLoc, what: str) -> None:
        first = owners.setdefault((ns, name), owner)
        if first is not owner:
            c.error(loc, f"{what}: the Service name '{name}' in namespace '{ns}' is also "
                         f"generated for '{getattr(first, 'name', first)}'")

    for s in services:
        claim(s.namespace, s.name, s, s.loc, f"service({s.name!r})")
        for v in s.versions:
            claim(s.namespace, v.service_name, s, s.loc, f"service({s.name!r})")
        if s.stateful and s.headless_name:
            claim(s.namespace, s.headless_name, s, s.loc, f"service({s.name!r})")
    for x in externals:
        if x.alias:
            claim(x.namespace, x.name, x, x.loc, f"external({x.name!r})")
