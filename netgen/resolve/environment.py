"""Decides one environment: which declarations apply, and every name, label and FQDN.

Declarations inside `with env(X):` apply to X only. A service, external or exposure list
declared there replaces the blueprint-wide one of the same name in X; calls add up.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from netgen.model import (
    Blueprint,
    Env,
    External,
    Isolation,
    Service,
    SourceLoc,
    WorkloadSettings,
)
from netgen.plan import (
    CallPlan,
    EnvPlan,
    EnvVar,
    ExternalPlan,
    Labels,
    PortPlan,
    ServicePlan,
    VersionPlan,
)
from netgen.problems import Collector, did_you_mean
from netgen.resolve import podsecurity, workload
from netgen.values import fqdn, is_ip

T = TypeVar("T", Service, External)

DEFAULT_ENV = "default"


def env_plan(bp: Blueprint, e: Env) -> EnvPlan:
    implicit = e.name == DEFAULT_ENV and e.loc.line == 0
    namespace = e.namespace or (bp.info.name if implicit else e.name)
    return EnvPlan(
        name=e.name,
        namespace=namespace,
        replicas=e.replicas if e.replicas is not None else 1,
        isolation=e.isolation or Isolation.STRICT,
        tls=e.tls,
        labels=tuple(sorted(e.labels.items())),
        settings=dict(e.settings),
        loc=e.loc,
        pod_security=podsecurity.env_level(bp, e),
    )


def visible(decls: Sequence[T], env: str, c: Collector, what: str) -> dict[str, T]:
    """Blueprint-wide declarations, overridden by those scoped to `env`."""
    chosen: dict[str, T] = {}
    for scope in (None, env):
        seen: dict[str, T] = {}
        for d in decls:
            if d.scope != scope:
                continue
            first = seen.setdefault(d.name, d)
            if first is not d:
                c.error(d.loc, f"{what}({d.name!r}) is declared twice (first at {first.loc})")
                continue
            chosen[d.name] = d
    return chosen


def port_plan(s: Service) -> PortPlan | None:
    """None for a service without `port=` (a worker: a workload without a Service)."""
    if s.port is None:
        return None
    # a UDP or SCTP port is named for its protocol; a TCP one `http`, a database's `tcp`
    default_name = s.protocol.lower() if s.protocol != "TCP" else (
        "tcp" if s.stateful else "http")
    if isinstance(s.app_protocol, str) and s.app_protocol.lower() == "grpc":
        default_name = "grpc"
    return PortPlan(
        name=s.port_name or default_name,
        port=s.port,
        target_port=s.target_port or s.port,
        protocol=s.protocol,
        app_protocol=s.app_protocol,
    )


def service_plans(services: dict[str, Service], e: EnvPlan) -> list[ServicePlan]:
    plans: list[ServicePlan] = []
    for s in services.values():
        ns = s.namespace or e.namespace
        selector: Labels = (("app", s.name),)
        replicas = s.replicas if s.replicas is not None else e.replicas
        headless_name = f"{s.name}-headless" if s.stateful else (s.name if s.headless else None)
        pods = tuple(
            f"{s.name}-{i}.{headless_name}.{ns}.svc.cluster.local" for i in range(replicas)
        ) if s.stateful else ()
        plans.append(
            ServicePlan(
                name=s.name,
                namespace=ns,
                fqdn=fqdn(s.name, ns),
                port=port_plan(s),
                selector=selector,
                labels=_object_labels(s, e),
                versions=tuple(
                    VersionPlan(v, f"{s.name}-{v}", fqdn(f"{s.name}-{v}", ns),
                                (*selector, ("version", v)))
                    for v in s.versions
                ),
                stateful=s.stateful,
                headless=s.headless,
                headless_name=headless_name,
                pod_fqdns=pods,
                health=s.health,
                tier=s.tier,
                loc=s.loc,
                extra=dict(s.extra),
            )
        )
    return plans


def _object_labels(s: Service, e: EnvPlan) -> Labels:
    """The service's own say wins over the environment's: `tier=` over an env label 'tier'
    (set again after the env's labels; a dict keeps the key where it first was)."""
    labels = {"app": s.name}
    if s.tier:
        labels["tier"] = s.tier
    labels.update(dict(e.labels))
    if s.tier:
        labels["tier"] = s.tier
    labels.update(dict(s.labels))
    return tuple(labels.items())


# What a workload takes from its service and version alone, the same in every environment:
# worked out once per resolve and shared by the environments' plans (frozen records).
# Keyed by the service's id, with the service kept beside it: the blueprint holds every
# declaration for the whole resolve, so an id cannot be reused meanwhile.
ServiceParts = dict[tuple[int, str | None], tuple[Service, WorkloadSettings, dict[str, Any]]]


def workloads(
    services: dict[str, Service],
    plans: list[ServicePlan],
    env_vars: dict[str, tuple[EnvVar, ...]],
    e: EnvPlan,
    known: ServiceParts | None = None,
) -> list[dict[str, Any]]:
    """The fields of each workload, to be completed by the mesh (its account) and pod
    security (`podsecurity.secure` makes the Workloads): built once, not copied by
    `attrs.evolve` at each step (30 fields, 3,375 workloads at N=1000). `known`: the parts
    of workloads already planned for another environment."""
    known = {} if known is None else known
    out: list[dict[str, Any]] = []
    for s, p in zip(services.values(), plans, strict=True):
        replicas = s.replicas if s.replicas is not None else e.replicas
        kind = "StatefulSet" if s.stateful else "Deployment"
        variants = [(None, p.name, p.selector)] if not p.versions else [
            (v.name, v.service_name, v.selector) for v in p.versions
        ]
        for version, name, selector in variants:
            labels = dict(p.labels)
            if version:
                labels["version"] = version
            entry = known.get((id(s), version))
            if entry is None or entry[0] is not s:
                entry = known[id(s), version] = (s, *_service_parts(s, version, p.port))
            _, w, parts = entry
            out.append(dict(
                name=name,
                service=s.name,
                version=version,
                namespace=p.namespace,
                kind=kind,
                replicas=w.replicas if w.replicas is not None else replicas,
                labels=tuple(labels.items()),
                selector=selector,
                port=p.port,
                health=s.health,
                env=workload.env_vars(w, env_vars.get(s.name, ())),
                governing_service=p.headless_name if s.stateful else None,
                loc=s.loc,
                extra=dict(s.extra),
                **parts,
            ))
    return out


def _service_parts(s: Service, version: str | None, port: PortPlan | None
                   ) -> tuple[WorkloadSettings, dict[str, Any]]:
    """The settings a version of `s` runs with, and the Workload fields made from them alone
    (`port` is `port_plan(s)`, the same in every environment)."""
    w = workload.effective(s, version)
    return w, {
        "image": w.image or "",
        "command": tuple(w.command or ()),
        "args": tuple(w.args or ()),
        "secret_env": workload.secret_env(w),
        "resources": workload.resources(w),
        "liveness": workload.probe_plan(w.liveness, port),
        "readiness": workload.probe_plan(w.readiness, port),
        "rollout": workload.rollout_plan(w.rollout),
        "volumes": workload.volume_plans(w.volumes),
        "containers": workload.container_plans(s, port),
        "node_selector": tuple(dict(s.node_selector).items())
        if isinstance(s.node_selector, dict) else (),
    }


def external_plans(externals: dict[str, External], e: EnvPlan) -> list[ExternalPlan]:
    """An external given by IP address gets no ExternalName alias: DNS cannot alias an
    address (Kubernetes reads an IPv4 one as a name of digits, rejects an IPv6 one), so
    workloads are handed the address itself."""
    return [
        ExternalPlan(
            name=x.name, namespace=x.namespace or e.namespace, host=x.host, port=x.port,
            protocol=x.protocol, cidr=_ranges(x.cidr),
            alias=x.alias and not is_ip(x.host),
            fqdn=fqdn(x.name, x.namespace or e.namespace), loc=x.loc,
            app_protocol=x.app_protocol,
        )
        for x in externals.values()
    ]


def _ranges(cidr: str | tuple[str, ...] | None) -> tuple[str, ...]:
    """Each range once: ServiceEntry addresses must be unique."""
    return (cidr,) if isinstance(cidr, str) else tuple(dict.fromkeys(cidr or ()))


def call_plans(
    bp: Blueprint,
    env: str,
    services: dict[str, Service],
    externals: dict[str, External],
    all_names: dict[str, list[str]],
    c: Collector,
) -> list[CallPlan]:
    """Edges of this environment, de-duplicated; unknown or absent names are diagnostics."""
    edges: dict[tuple[str, str], CallPlan] = {}
    for call in bp.calls:
        if call.scope not in (None, env):
            continue
        d = f"calls({', '.join(repr(n) for n in (call.src, *call.dsts))})"
        if not call.dsts:
            c.error(call.loc, f"{d}: name at least one service or external to call")
        if call.src in externals and call.src not in services:
            c.error(call.loc, f"{d}: '{call.src}' is an external; externals cannot call")
            ok_src = False
        else:
            ok_src = present(call.src, env, services, all_names, c, call.loc, d, "service")
        for dst in call.dsts:
            if dst in services and services[dst].port is None:
                c.error(call.loc, f"{d}: '{dst}' has no port= (a worker), so nothing can call "
                                  "it")
                continue
            if dst in services:
                kind = "service"
            elif dst in externals:
                kind = "external"
            else:
                present(dst, env, services, all_names, c, call.loc, d, "service or external")
                continue
            if dst == call.src:
                c.error(call.loc, f"{d}: '{dst}' calls itself; calls() declares traffic "
                                  "between services (a service's pods reaching each other "
                                  "cannot be declared)")
            elif ok_src:
                edges.setdefault((call.src, dst), CallPlan(call.src, dst, kind, call.loc))
    return sorted(edges.values(), key=lambda p: (p.src, p.dst))


def present(
    name: str,
    env: str,
    services: dict[str, Service],
    all_names: dict[str, list[str]],
    c: Collector,
    loc: SourceLoc,
    decl: str,
    kind: str,
) -> bool:
    """True when `name` is a service of `env`; otherwise says why not, precisely."""
    if name in services:
        return True
    where = all_names.get(name)
    if where:
        c.error(loc, f"{decl}: '{name}' does not exist in environment '{env}' "
                     f"(declared only for {', '.join(where)})")
    else:
        c.error(loc, f"{decl}: no {kind} named '{name}'{did_you_mean(name, all_names)}")
    return False


def discovery_env(
    calls: list[CallPlan],
    services: dict[str, ServicePlan],
    externals: dict[str, ExternalPlan],
) -> dict[str, tuple[EnvVar, ...]]:
    """`<NAME>_HOST`/`<NAME>_PORT` of every callee, as the seed's Deployments carry them."""
    out: dict[str, list[EnvVar]] = {}
    for call in calls:
        key = call.dst.upper().replace("-", "_")
        if call.dst_kind == "service":
            s = services[call.dst]
            pairs = [(f"{key}_HOST", s.fqdn), (f"{key}_PORT", str(s.port.port))]
            pairs += [(f"{key}_{i}_HOST", pod) for i, pod in enumerate(s.pod_fqdns)]
        else:
            x = externals[call.dst]
            pairs = [(f"{key}_HOST", x.fqdn if x.alias else x.host), (f"{key}_PORT", str(x.port))]
        out.setdefault(call.src, []).extend(EnvVar(n, v) for n, v in pairs)
    return {k: tuple(v) for k, v in out.items()}
