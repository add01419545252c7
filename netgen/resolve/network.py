"""Decides what one environment's NetworkPolicies admit besides declared calls: where each
exposure's traffic reaches the pods from, at which addresses each external lives, and which
cluster pods every workload needs (kube-dns; the mesh's control plane, from its target).

NetworkPolicy sees packets after the load balancer or proxy has forwarded them, so an
exposure's source is whatever forwards it: the ingress controller's, the Gateway's or
a mesh ingress gateway's pods (by namespace), or, for AWS load balancers and NodePorts,
addresses (`vpc_cidr`, `nodeport_cidr`). Without them a STRICT environment admits the private
ranges (RFC 1918), which hold every VPC's and node's address but never the internet's; an
OPEN (development) environment admits any address.

Settings are read like every backend's: the environment's, else the blueprint's.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from netgen import values as checks
from netgen.model import BlueprintInfo, Env, Isolation, SourceLoc
from netgen.plan import (
    KUBE_DNS,
    ClusterPods,
    EnvPlan,
    ExternalPlan,
    ExternalTarget,
    IngressSource,
    IpBlock,
    NetworkPlan,
    PortPlan,
    RoutePlan,
    ServicePlan,
)
from netgen.problems import Collector
from netgen.targets.base import FromCidr, FromPods, Layer, Registry

if TYPE_CHECKING:
    from netgen.plan.mesh import MeshPlan

ANYWHERE = "0.0.0.0/0"
# RFC 1918: where in-cluster and VPC addresses live, so "the internet" excludes them.
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")


# Where the traffic of each exposure comes from is its ViaSpec's `traffic_from`: pods in a
# namespace a setting names (proxies), or addresses (load balancers connect from their own
# addresses in the VPC; kube-proxy forwards NodePort traffic from the nodes'). Without an
# address setting, STRICT admits the private ranges (where every VPC and node address lives,
# never the internet) and OPEN admits anything.


def network_plan(
    info: BlueprintInfo,
    e: Env,
    env: EnvPlan,
    services: Sequence[ServicePlan],
    externals: Sequence[ExternalPlan],
    routes: Sequence[RoutePlan],
    namespaces: Sequence[str],
    mesh: MeshPlan | None,
    c: Collector,
    registry: Registry,
) -> NetworkPlan:
    settings = _Settings(info, e, env, c, registry)
    hooks = registry.mesh(mesh.kind) if mesh is not None else None
    if mesh is not None and hooks is not None:  # what the mesh plan says of its gateway
        for name, namespace in hooks.implied_namespaces(mesh).items():
            if name not in settings.given:
                settings.namespaces[name] = namespace
    for s in services:
        if s.name in registry.reserved_names():
            c.error(s.loc, f"service({s.name!r}): its NetworkPolicy would replace the "
                           f"namespace-wide policy '{s.name}'; rename the service")
    control = hooks.control_plane(settings.namespaces) if hooks is not None else None
    for pods, why in ((KUBE_DNS, "holds the cluster DNS"),
                      (control, "holds the mesh's control plane")):
        _unmanaged(pods, why, e, env, services, externals, c)
    ports = {s.name: s.port for s in services}
    sources = [attrs.evolve(src, health_ports=_health_ports(src, ports[r.service], registry))
               for r in routes if (src := _source(r, env, settings, namespaces, c, registry))]
    return NetworkPlan(
        control_plane=control,
        sources=tuple(sources),
        externals=tuple(
            ExternalTarget(x.name, external_blocks(x, settings.cidrs.get("vpc_cidr") or ()))
            for x in externals
        ),
    )


def _unmanaged(
    pods: ClusterPods | None,
    why: str,
    e: Env,
    env: EnvPlan,
    services: Sequence[ServicePlan],
    externals: Sequence[ExternalPlan],
    c: Collector,
) -> None:
    """netgen's policies in a namespace would cut off the cluster's own pods living there."""
    if pods is None:
        return
    for what, ns, loc in (  # said once, where the namespace was written
        (f"env({e.name!r})", env.namespace, e.loc),
        *((f"service({s.name!r})", s.namespace, s.loc) for s in services
          if s.namespace != env.namespace),
        *((f"external({x.name!r})", x.namespace, x.loc) for x in externals
          if x.namespace != env.namespace),
    ):
        if ns == pods.namespace:
            c.error(loc, f"{what}: namespace '{ns}' {why}; netgen's NetworkPolicies there "
                         f"would cut every pod off from it")


class _Settings:
    """The network settings of an environment (else of the blueprint), checked: bad ones are
    reported where they were given and left out."""

    def __init__(self, info: BlueprintInfo, e: Env, env: EnvPlan, c: Collector,
                 registry: Registry) -> None:
        self.env = env
        self.given: dict[str, tuple[Any, str, SourceLoc | None]] = {
            **{k: (v, f"blueprint({info.name!r})", info.loc) for k, v in info.settings.items()},
            **{k: (v, f"env({e.name!r})", e.loc) for k, v in e.settings.items()},
        }
        self.cidrs: dict[str, tuple[str, ...] | None] = {}
        # The targets' settings of kind "namespace" (where proxies run) and "cidrs".
        declared = registry.settings()
        self.namespaces: dict[str, str | None] = {
            k: s.default for k, s in declared.items() if s.kind == "namespace"}
        for key in (k for k, s in declared.items() if s.kind == "cidrs"):
            if key in self.given:
                self.cidrs[key] = _cidrs(*self.given[key], key, c)
        for key in list(self.namespaces):
            value, d, loc = self.given.get(key, (None, "", None))
            if value is None:
                continue
            problem = checks.dns1123(value, key)
            if problem:
                c.error(loc, f"{d}: {problem}")
            else:
                self.namespaces[key] = value
        for key, value in registry.namespace_defaults(self.raw, env.namespace).items():
            if self.namespaces.get(key) is None:
                self.namespaces[key] = value

    def raw(self, key: str) -> Any:
        return self.given.get(key, (None,))[0]


def _cidrs(
    value: Any, d: str, loc: SourceLoc | None, key: str, c: Collector
) -> tuple[str, ...] | None:
    """A CIDR or a list of them, normalised ('10.0.0.5' -> '10.0.0.5/32'); None if invalid."""
    problem = checks.cidrs(value, key)
    if problem:
        c.error(loc, f"{d}: {problem}")
        return None
    items = [value] if isinstance(value, str) else value
    return tuple(dict.fromkeys(str(ipaddress.ip_network(item)) for item in items))


def _health_ports(
    src: IngressSource, port: PortPlan | None, registry: Registry
) -> tuple[tuple[str, int], ...]:
    """An AWS target group health-checks a UDP (or SCTP) target over TCP on its port."""
    spec = registry.spec(src.via)
    if spec is None or not spec.checks_over_tcp or port is None or port.protocol == "TCP":
        return ()
    return (("TCP", port.target_port),)


def _source(
    r: RoutePlan,
    env: EnvPlan,
    settings: _Settings,
    managed: Sequence[str],
    c: Collector,
    registry: Registry,
) -> IngressSource | None:
    d = f"expose({r.service!r}, via={r.via.name})"
    spec = registry.spec(r.via)
    if spec is not None and spec.layer is Layer.CLUSTER:
        return None
    source = spec.traffic_from if spec is not None else None
    if isinstance(source, FromPods):
        key, who = source.setting, source.who
        ns = settings.namespaces[key] or ""
        if ns in managed:
            c.error(r.loc, f"{d}: {who} run in namespace '{ns}', which netgen manages: its "
                           f"NetworkPolicies would cut them off and let every pod there reach "
                           f"'{r.service}'; run them in a namespace of their own and set "
                           f"env({env.name!r}, {key}=...)")
            return None
        return IngressSource(r.name, r.service, r.via, ns, (), r.loc,
                             key if key in settings.given else None)
    if isinstance(source, FromCidr):
        given = [k for k in source.settings if k in settings.cidrs]
        if given:
            cidrs = settings.cidrs[given[0]]
            return None if cidrs is None else IngressSource(r.name, r.service, r.via, None,
                                                            cidrs, r.loc, given[0])
        fallback = (ANYWHERE,) if env.isolation is Isolation.OPEN else PRIVATE_RANGES
        return IngressSource(r.name, r.service, r.via, None, fallback, r.loc, None)
    c.error(r.loc, f"{d}: NetworkPolicy cannot tell where traffic exposed via {r.via.name} "
                   "comes from")
    return None


def external_blocks(x: ExternalPlan, vpc: Sequence[str]) -> tuple[IpBlock, ...]:
    """An external's `cidr` ranges, else its address when `host` is one, else the internet outside
    the private ranges plus the VPC: a managed database in the VPC has a private address,
    which the internet alone would miss. `cidr=` narrows it to the real thing."""
    if x.cidr:
        try:
            return tuple(IpBlock(str(ipaddress.ip_network(c))) for c in x.cidr)
        except (TypeError, ValueError):  # an invalid cidr is reported already
            return ()
    try:
        return (IpBlock(str(ipaddress.ip_network(x.host))),)
    except (TypeError, ValueError):  # a host name
        pass
    return (IpBlock(ANYWHERE, PRIVATE_RANGES), *(IpBlock(v) for v in vpc))
