"""The target-neutral lint rules (docs/check.md lists them): each reads one environment's
Plan and yields warning Problems; `netgen.lint` runs them and keeps their order and codes."""

from __future__ import annotations

from collections.abc import Iterator

from netgen.lint import Lint, LintContext, Rule
from netgen.model import Isolation
from netgen.plan import RoutePlan
from netgen.problems import Problem
from netgen.targets.base import FromCidr, Layer, ViaSpec
from netgen.targets.registry import REGISTRY


def _spec(r: RoutePlan) -> ViaSpec:
    """What the route's via is (its target's ViaSpec): routes only hold registered vias."""
    spec = REGISTRY.spec(r.via)
    assert spec is not None, r.via
    return spec


def _decl(r: RoutePlan) -> str:
    return f"expose({r.service!r}, via={r.via.name})"


def is_public(r: RoutePlan) -> bool:
    """Reachable from the internet: an internet-facing AWS load balancer, or an HTTP route
    with a host name (ingress controllers and gateways face the internet by default)."""
    if _spec(r).load_balancer and r.scheme == "internet-facing":
        return True
    return _spec(r).layer is Layer.L7 and bool(r.host)


def _public_without_tls(ctx: LintContext) -> Iterator[Problem]:
    # Ingress controllers and gateways terminate TLS per host: one exposure's certificate
    # covers every route of that host through the same kind of proxy.
    covered = {(r.via, r.host) for r in ctx.plan.routes if r.tls is not None and r.host}
    for r in ctx.plan.routes:
        if is_public(r) and r.tls is None and (r.via, r.host) not in covered:
            where = f"host {r.host!r}" if r.host else "an internet-facing load balancer"
            lb = _spec(r).load_balancer
            cert = "tls=acm('arn:...')" if lb else "tls=tls_secret('name')"
            internal = " or scheme='internal'" if lb else ""
            yield Lint("NG101", r.loc, f"{_decl(r)}: {where} serves plain text to the "
                       f"internet; set {cert} (here or on the environment){internal}",
                       ctx.plan.env.name)


def _exposed_without_health(ctx: LintContext) -> Iterator[Problem]:
    if not ctx.declared_strict:
        return
    routes: dict[str, list[RoutePlan]] = {}
    for r in ctx.plan.routes:
        if _spec(r).layer is not Layer.CLUSTER:
            routes.setdefault(r.service, []).append(r)
    for s in ctx.plan.services:
        if s.health:
            continue
        exposed = routes.get(s.name, [])
        if exposed and all(r.health is None for r in exposed):
            r = exposed[0]
            yield Lint("NG102", s.loc, f"service({s.name!r}) is exposed ({_decl(r)} at {r.loc}) "
                       "in a STRICT environment without a health check; "
                       "set health='/path' so pods get a readiness probe and load balancers "
                       "stop sending traffic to broken pods", ctx.plan.env.name)


def _canary_all_or_nothing(ctx: LintContext) -> Iterator[Problem]:
    # canary=0 with match=header(...) is a header-only canary (Flagger's A/B testing): only
    # matching requests reach the new version. That is deliberate, not a mistake.
    by_header = {r.loc for r in ctx.plan.routes if r.matches}
    for r in ctx.plan.routes:
        if len(r.backends) < 2:
            continue
        busy = next((b for b in r.backends if b.weight == 100), None)
        if busy is None or (busy is r.backends[0] and r.loc in by_header):
            continue
        idle = [b for b in r.backends if b is not busy]
        which = ", ".join(b.version or b.service for b in idle)
        yield Lint("NG103", r.loc, f"{_decl(r)}: the canary sends all traffic to "
                   f"{busy.version or busy.service} and none to {which}; use "
                   f"version={busy.version or busy.service!r} or a canary between 0.01 and 0.99")


def image_tag_problem(image: str) -> str | None:
    """`:latest` or no tag (which means latest); a digest pins the image whatever the tag."""
    if "@" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "has no tag (so it means :latest)"
    if last.rsplit(":", 1)[1] == "latest":
        return "uses the :latest tag"
    return None


def _mutable_image(ctx: LintContext) -> Iterator[Problem]:
    seen: set[str] = set()
    for w in ctx.plan.workloads:
        problem = image_tag_problem(w.image) if w.image else None
        if problem and w.service not in seen:
            seen.add(w.service)
            yield Lint("NG104", w.loc, f"service({w.service!r}): image {w.image!r} {problem}; "
                       "a rollout or node restart may pull a different image: pin a version "
                       "tag or a digest")


def _single_replica(ctx: LintContext) -> Iterator[Problem]:
    if not ctx.declared_strict:
        return
    explicit = {s.loc for s in ctx.blueprint.services if s.replicas is not None}
    replicas: dict[str, set[int]] = {}
    for w in ctx.plan.workloads:
        replicas.setdefault(w.service, set()).add(w.replicas)
    inherited: list[str] = []
    for s in ctx.plan.services:
        if replicas.get(s.name) != {1}:
            continue
        if s.loc in explicit:
            yield Lint("NG105", s.loc, f"service({s.name!r}) runs 1 replica in a STRICT "
                       "environment: every rollout or node drain is an outage; use replicas=2 "
                       "or more", ctx.plan.env.name)
        else:
            inherited.append(s.name)
    if inherited:
        yield Lint("NG105", ctx.env_loc, f"env({ctx.plan.env.name!r}) is STRICT but runs 1 "
                   f"replica of {', '.join(inherited)}: every rollout or node drain is an "
                   "outage; set replicas=2 or more", ctx.plan.env.name)


def _unreachable(ctx: LintContext) -> Iterator[Problem]:
    if ctx.plan.env.isolation is not Isolation.STRICT:
        return
    exposed = {r.service for r in ctx.plan.routes}
    linked = {c.src for c in ctx.plan.calls} | {c.dst for c in ctx.plan.calls}
    for s in ctx.plan.services:
        if s.name not in exposed and s.name not in linked:
            yield Lint("NG106", s.loc, f"service({s.name!r}) is neither exposed nor called and "
                       "calls nothing in a STRICT environment, so no traffic may reach it; "
                       "declare calls(...) or expose(...), or remove it",
                       ctx.plan.env.name)


def _public_stateful(ctx: LintContext) -> Iterator[Problem]:
    stateful = {s.name for s in ctx.plan.services if s.stateful}
    for r in ctx.plan.routes:
        if r.service in stateful and is_public(r):
            yield Lint("NG107", r.loc, f"{_decl(r)}: stateful service {r.service!r} is "
                       "reachable from the internet; keep databases internal: "
                       "scheme='internal', or no expose() and calls(...) from its clients",
                       ctx.plan.env.name)


def _private_ranges_admitted(ctx: LintContext) -> Iterator[Problem]:
    if not ctx.declared_strict:
        return
    targets = {s.name: s.port.target_port for s in ctx.plan.services if s.port is not None}
    routes = {(r.name, r.service): r for r in ctx.plan.routes}
    for src in ctx.plan.network.sources:
        r = routes.get((src.route, src.service))
        if src.setting is None and src.cidrs and r is not None:
            source = _spec(r).traffic_from
            key = source.settings[0] if isinstance(source, FromCidr) else "vpc_cidr"
            yield Lint("NG108", r.loc, f"{_decl(r)}: the NetworkPolicy admits the "
                       f"{'load balancer' if _spec(r).load_balancer else 'nodes'} from every "
                       f"private address ({', '.join(src.cidrs)}) on port "
                       f"{targets[r.service]}; set env({ctx.plan.env.name!r}, {key}='...') to "
                       "the real range", ctx.plan.env.name)


def _stateful_without_storage(ctx: LintContext) -> Iterator[Problem]:
    for w in ctx.plan.workloads:
        if w.kind == "StatefulSet" and w.storage is None:
            yield Lint("NG109", w.loc, f"service({w.service!r}) is stateful but has no "
                       "storage: its data is lost whenever a pod is rescheduled; set "
                       "storage=storage('10Gi', '/path/to/data')", ctx.plan.env.name)


def _without_resources(ctx: LintContext) -> Iterator[Problem]:
    if not ctx.declared_strict:
        return
    seen: set[str] = set()
    for w in ctx.plan.workloads:
        if w.resources is None and w.service not in seen:
            seen.add(w.service)
            yield Lint("NG110", w.loc, f"service({w.service!r}) has no resource requests or "
                       "limits in a STRICT environment: the scheduler cannot place it by need "
                       "and one pod can starve its node; set cpu= and memory= (and "
                       "memory_limit=)", ctx.plan.env.name)


def _called_without_readiness(ctx: LintContext) -> Iterator[Problem]:
    if not ctx.declared_strict:
        return
    called = {c.dst: c for c in ctx.plan.calls if c.dst_kind == "service"}
    seen: set[str] = set()
    for w in ctx.plan.workloads:
        call = called.get(w.service)
        if call and w.readiness is None and not w.health and w.service not in seen:
            seen.add(w.service)
            yield Lint("NG111", w.loc, f"service({w.service!r}) is called (by {call.src!r} at "
                       f"{call.loc}) in a STRICT environment without a readiness probe: "
                       "callers reach pods that are not ready yet; set health='/path' or "
                       "readiness=probe(...)", ctx.plan.env.name)


def _host_network_unpoliced(ctx: LintContext) -> Iterator[Problem]:
    seen: set[str] = set()
    for w in ctx.plan.workloads:
        if w.security is not None and w.security.host_network and w.service not in seen:
            seen.add(w.service)
            yield Lint("NG112", w.loc, f"service({w.service!r}) uses the host network: "
                       "NetworkPolicies do not apply to its pods, so its calls() are not "
                       "enforced (netgen verify lists them as not enforceable)",
                       ctx.plan.env.name)


RULES: tuple[Rule, ...] = (
    Rule("NG101", "public-without-tls",
         "Traffic from the internet should be encrypted; a public route without TLS leaks "
         "credentials and cookies.", _public_without_tls),
    Rule("NG102", "strict-exposed-without-health-check",
         "In a production-like (STRICT) environment an exposed service needs a health check, "
         "or broken pods keep receiving traffic.", _exposed_without_health),
    Rule("NG103", "canary-all-or-nothing",
         "A canary of 0 or 1 sends nothing or everything to the new version: not a canary.",
         _canary_all_or_nothing, per_env=False),
    Rule("NG104", "mutable-image-tag",
         "`:latest` or untagged images change under a running Deployment; pin a tag or digest.",
         _mutable_image, per_env=False),
    Rule("NG105", "single-replica-in-strict",
         "One replica in a production-like (STRICT) environment: every rollout or node drain "
         "is an outage.", _single_replica),
    Rule("NG106", "unreachable-service",
         "Under STRICT isolation a service nobody calls or exposes, and that calls nothing, "
         "can receive no traffic: a forgotten calls() or expose().", _unreachable),
    Rule("NG107", "public-stateful-service",
         "A stateful service (a database) reachable from the internet is rarely intended.",
         _public_stateful),
    Rule("NG108", "private-ranges-admitted",
         "Without vpc_cidr (or nodeport_cidr) a STRICT environment's NetworkPolicies admit "
         "load-balancer and NodePort traffic from every private address, not just the VPC's.",
         _private_ranges_admitted),
    Rule("NG109", "stateful-without-storage",
         "A stateful service without storage loses its data whenever a pod is rescheduled.",
         _stateful_without_storage),
    Rule("NG110", "strict-without-resources",
         "In a production-like (STRICT) environment every service should request CPU and "
         "memory, or the scheduler overcommits nodes.", _without_resources),
    Rule("NG111", "strict-called-without-readiness",
         "In a production-like (STRICT) environment a called service needs a readiness "
         "probe, or callers reach pods that are not ready.", _called_without_readiness),
    Rule("NG112", "host-network-unpoliced",
         "NetworkPolicies do not apply to pods on the host network: their traffic is not "
         "enforced.", _host_network_unpoliced),
)
