"""The target-neutral lint rules (docs/check.md lists them): each reads one environment's
Plan and yields warning Problems; `netgen.lint` runs them and keeps their order and codes."""

from __future__ import annotations

from collections.abc import Iterator

from netgen.model import Isolation
from netgen.plan import RoutePlan
from netgen.problems import Problem
from netgen.resolve.network import PRIVATE_RANGES
from netgen.targets.base import FromCidr, Layer, Lint, LintContext, Rule, ViaSpec
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
        if _not_tcp(ctx, r):
            continue  # TLS cannot apply (NG115 says so when the environment has a certificate)
        if is_public(r) and r.tls is None and (r.via, r.host) not in covered:
            where = f"host {r.host!r}" if r.host else "an internet-facing load balancer"
            lb = _spec(r).load_balancer
            cert = "tls=acm('arn:...')" if lb else "tls=tls_secret('name')"
            internal = " or scheme='internal'" if lb else ""
            yield Lint("NG101", r.loc, f"{_decl(r)}: {where} serves plain text to the "
                       f"internet; set {cert} (here or on the environment){internal}",
                       ctx.plan.env.name)


def _not_tcp(ctx: LintContext, r: RoutePlan) -> bool:
    """A load balancer's UDP (or SCTP) route: TLS runs over TCP, so no certificate applies."""
    port = ctx.plan.service(r.service).port
    return _spec(r).layer is Layer.L4 and port is not None and port.protocol != "TCP"


def _tls_not_applied(ctx: LintContext) -> Iterator[Problem]:
    if ctx.plan.env.tls is None:
        return
    for r in ctx.plan.routes:
        backend = REGISTRY.backend_for(r.via)
        if r.tls is None and _not_tcp(ctx, r) and backend is not None and backend.terminates_tls:
            port = ctx.plan.service(r.service).port
            assert port is not None
            yield Lint("NG115", r.loc, f"{_decl(r)}: the environment's tls= certificate does "
                       f"not apply: '{r.service}' serves {port.protocol} port {port.port} and "
                       f"TLS runs over TCP, so {r.via.name} forwards it as it comes, "
                       "unencrypted", ctx.plan.env.name)


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


def _unreachable(ctx: LintContext) -> Iterator[Problem]:
    """`via=CLUSTER` admits nothing (it is the ClusterIP Service every service has), so it
    does not make a service reachable; a host-network pod is, since no NetworkPolicy
    polices it (NG112 says so)."""
    if ctx.plan.env.isolation is not Isolation.STRICT:
        return
    exposed = {r.service for r in ctx.plan.routes if _spec(r).layer is not Layer.CLUSTER}
    linked = {c.src for c in ctx.plan.calls} | {c.dst for c in ctx.plan.calls}
    unpoliced = {w.service for w in ctx.plan.workloads
                 if w.security is not None and w.security.host_network}
    for s in ctx.plan.services:
        if s.name not in exposed | linked | unpoliced:
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
    """Whenever the environment is STRICT, by default too: this is about what its
    NetworkPolicies admit, not about how production-like it is (NG102, NG105)."""
    if ctx.plan.env.isolation is not Isolation.STRICT:
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


# AWS services whose host names answer, inside their VPC (where an EKS pod is), with a
# private address. The service's label comes just before the domain or the region
# (x.us-west-2.rds.amazonaws.com, b-1.x.kafka.us-east-1.amazonaws.com, and in China
# x.rds.cn-north-1.amazonaws.com.cn). Services whose endpoints may be public (Amazon MQ, API
# Gateway) are not here.
_IN_VPC = frozenset({"cache", "dax-clusters", "docdb", "kafka", "kafka-serverless", "memorydb",
                     "neptune", "rds", "redshift", "redshift-serverless", "vpce"})
_DOMAINS = (("amazonaws", "com"), ("amazonaws", "com", "cn"))  # hosts are lowercase already


def _answers_inside_the_vpc(host: str) -> bool:
    labels = host.split(".")
    for domain in _DOMAINS:
        n = len(domain)
        if len(labels) > n + 2 and tuple(labels[-n:]) == domain:
            return (labels[-n - 1] in _IN_VPC or labels[-n - 2] in _IN_VPC
                    or (labels[-n - 1] == "es" and labels[0].startswith("vpc-")))  # OpenSearch
    return False


def _vpc_endpoint_denied(ctx: LintContext) -> Iterator[Problem]:
    """An RDS or ElastiCache endpoint named by host alone is "the internet outside the
    private ranges" to a STRICT NetworkPolicy (docs/networkpolicy.md), and inside the VPC
    it has a private address: every call to it is denied, and nothing else says so."""
    if ctx.plan.env.isolation is not Isolation.STRICT:
        return
    callers: dict[str, list[str]] = {}
    for c in ctx.plan.calls:
        if c.dst_kind == "external":
            callers.setdefault(c.dst, []).append(c.src)
    for x in ctx.plan.externals:
        blocks = ctx.plan.network.external(x.name).blocks
        if (x.name in callers and _answers_inside_the_vpc(x.host)
                and all(PRIVATE_RANGES[0] in b.excluded for b in blocks)):
            yield Lint("NG113", x.loc, f"external({x.name!r}): {x.host} answers with a private "
                       "address inside its VPC, but the NetworkPolicies let "
                       f"{', '.join(sorted(set(callers[x.name])))} reach it only outside the "
                       "private ranges, so those calls are denied; set cidr='...' (the "
                       f"subnets' range) or env({ctx.plan.env.name!r}, vpc_cidr='...')",
                       ctx.plan.env.name)


def _shared_namespace(ctx: LintContext) -> Iterator[Problem]:
    """A service's own namespace= that an earlier environment writes into too (as its own
    namespace, or with the same service): in one cluster both environments' workloads and
    policies land there, each apply replacing the other's. Environments built for separate
    clusters are fine, hence a warning. (An external's objects are the same in every
    environment.)"""
    earlier = ctx.plans[:next((i for i, p in enumerate(ctx.plans) if p is ctx.plan),
                              len(ctx.plans))]
    own = {p.env.namespace: p.env.name for p in earlier}
    used = {(s.namespace, s.name): p.env.name for p in earlier for s in p.services}
    for s in ctx.plan.services:
        if s.namespace == ctx.plan.env.namespace:
            continue
        other = used.get((s.namespace, s.name)) or own.get(s.namespace)
        if other is not None:
            how = (f"with its service {s.name!r}" if (s.namespace, s.name) in used
                   else "as its own namespace")
            yield Lint("NG116", s.loc, f"service({s.name!r}): namespace '{s.namespace}' is "
                       f"written by environment {other!r} too ({how}): in one cluster each "
                       "apply replaces the other's workloads and policies there; give it a "
                       f"namespace per environment (with env({ctx.plan.env.name!r}): ...), "
                       "unless the environments go to separate clusters", ctx.plan.env.name)


NEUTRAL: tuple[Rule, ...] = (
    Rule("NG101", "public-without-tls",
         "Traffic from the internet should be encrypted; a public route without TLS leaks "
         "credentials and cookies.", _public_without_tls),
    Rule("NG102", "strict-exposed-without-health-check",
         "In a production-like (STRICT) environment an exposed service needs a health check, "
         "or broken pods keep receiving traffic.", _exposed_without_health),
    Rule("NG103", "canary-all-or-nothing",
         "A canary of 0 or 1 sends nothing or everything to the new version: not a canary.",
         _canary_all_or_nothing, per_env=False),
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
    Rule("NG113", "vpc-endpoint-denied",
         "An AWS database or cache named by host name alone (RDS, ElastiCache, ...) has a "
         "private address inside its VPC, which a STRICT environment's egress allows only "
         "with cidr= or vpc_cidr=: the calls are denied.", _vpc_endpoint_denied),
    Rule("NG115", "tls-not-applied-to-udp",
         "The environment's certificate applies to every exposure whose load balancer "
         "terminates TLS, but TLS runs over TCP: a UDP or SCTP port is served unencrypted.",
         _tls_not_applied),
    Rule("NG116", "namespace-shared-by-environments",
         "A service's own namespace that another environment writes into too: in one cluster "
         "each apply replaces the other environment's workloads and policies.",
         _shared_namespace),
)
# Every rule, the targets' own included, in code order (the order `check` reports them in).
RULES: tuple[Rule, ...] = tuple(sorted((*NEUTRAL, *REGISTRY.lint_rules()),
                                       key=lambda rule: rule.code))
