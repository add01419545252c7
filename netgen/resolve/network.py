"""Decides what one environment's NetworkPolicies admit besides declared calls: where each
exposure's traffic reaches the pods from, and at which addresses each external lives.

NetworkPolicy sees packets after the load balancer or proxy has forwarded them, so an
exposure's source is whatever forwards it: the ingress controller's, Gateway's or Istio
ingress gateway's pods (by namespace), or, for AWS load balancers and NodePorts, addresses
(`vpc_cidr`, `nodeport_cidr`). A STRICT environment must know those addresses: guessing
would either cut the load balancer off or open the pods to the world, so a missing CIDR is
an error there. An OPEN (development) environment admits the whole internet instead.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Sequence
from typing import Any

from attrs import evolve

from netgen.backends.networkpolicy import NAMESPACE_WIDE
from netgen.diagnostics import Collector
from netgen.model import Env, Isolation, Via
from netgen.plan import (
    EnvPlan,
    ExternalPlan,
    ExternalTarget,
    IngressSource,
    IpBlock,
    NetworkPlan,
    RoutePlan,
    ServicePlan,
)
from netgen.resolve import checks

ANYWHERE = "0.0.0.0/0"
# RFC 1918: where in-cluster and VPC addresses live, so "the internet" excludes them.
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")

NAMESPACE_SETTINGS = {
    "ingress_namespace": "ingress-nginx",
    "gateway_namespace": "gateway-system",
    "istio_ingress_namespace": "istio-system",
}
CIDR_SETTINGS = ("vpc_cidr", "nodeport_cidr")
SETTINGS = (*CIDR_SETTINGS, *NAMESPACE_SETTINGS)

# Whose pods forward the traffic of each proxied exposure, as the setting naming their namespace.
FROM_NAMESPACE = {
    Via.NGINX: ("ingress_namespace", "the ingress controller"),
    Via.GATEWAY: ("gateway_namespace", "the Gateway"),
    Via.TCP: ("gateway_namespace", "the Gateway"),
    Via.ISTIO: ("istio_ingress_namespace", "the Istio ingress gateway"),
}
# Addresses the traffic of each load-balanced exposure comes from: the first setting given.
FROM_CIDR = {
    Via.ALB: (("vpc_cidr",), "the load balancer, which connects from the VPC's addresses"),
    Via.NLB: (("vpc_cidr",), "the load balancer, which connects from the VPC's addresses"),
    Via.NODEPORT: (("nodeport_cidr", "vpc_cidr"),
                   "NodePort traffic, which kube-proxy forwards from the nodes' addresses"),
}


def network_plan(
    e: Env,
    env: EnvPlan,
    services: Sequence[ServicePlan],
    externals: Sequence[ExternalPlan],
    routes: Sequence[RoutePlan],
    namespaces: Sequence[str],
    c: Collector,
) -> NetworkPlan:
    settings = _Settings(e, c)
    plan = NetworkPlan()
    for s in services:
        if s.name in NAMESPACE_WIDE:
            c.error(s.loc, f"service({s.name!r}): its NetworkPolicy would replace the "
                           f"namespace-wide policy '{s.name}'; rename the service")
    for what, ns, loc in (
        (f"env({e.name!r})", env.namespace, e.loc),
        *((f"service({s.name!r})", s.namespace, s.loc) for s in services),
        *((f"external({x.name!r})", x.namespace, x.loc) for x in externals),
    ):
        if ns == plan.dns_namespace:
            c.error(loc, f"{what}: namespace '{ns}' holds the cluster DNS; netgen's "
                         "NetworkPolicies there would cut every pod off from it")
    sources = [src for r in routes if (src := _source(r, env, settings, namespaces, c))]
    return evolve(
        plan,
        sources=tuple(sources),
        externals=tuple(
            ExternalTarget(x.name, external_blocks(x, settings.cidrs.get("vpc_cidr") or ()))
            for x in externals
        ),
    )


class _Settings:
    """The environment's network settings, checked: bad ones are reported and left out."""

    def __init__(self, e: Env, c: Collector) -> None:
        self.env = e
        self.cidrs: dict[str, tuple[str, ...] | None] = {}
        self.namespaces: dict[str, str] = dict(NAMESPACE_SETTINGS)
        d = f"env({e.name!r})"
        for key in CIDR_SETTINGS:
            if key in e.settings:
                self.cidrs[key] = _cidrs(e.settings[key], key, d, e, c)
        for key in NAMESPACE_SETTINGS:
            value = e.settings.get(key)
            if value is None:
                continue
            problem = checks.dns1123(value, key)
            if problem:
                c.error(e.loc, f"{d}: {problem}")
            else:
                self.namespaces[key] = value

    def where(self) -> str:
        return f" (at {self.env.loc})" if self.env.loc.line else ""

    def misspelt(self, keys: Sequence[str]) -> str:
        """A hint when a setting is missing but something like it was given."""
        unknown = [k for k in self.env.settings if k not in SETTINGS]
        for key in keys:
            close = difflib.get_close_matches(key, unknown, n=1, cutoff=0.75)
            if close:
                return f"; is {close[0]!r} a misspelling of {key!r}?"
        return ""


def _cidrs(value: Any, key: str, d: str, e: Env, c: Collector) -> tuple[str, ...] | None:
    """A CIDR or a list of them, normalised ('10.0.0.5' -> '10.0.0.5/32'); None if invalid."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        c.error(e.loc, f"{d}: {key}={value!r} must be a CIDR such as '10.0.0.0/16' or a list "
                       "of them")
        return None
    out = []
    for item in items:
        problem = checks.cidr(item, key)
        if problem:
            c.error(e.loc, f"{d}: {problem}")
            return None
        out.append(str(ipaddress.ip_network(item)))
    return tuple(dict.fromkeys(out))


def _source(
    r: RoutePlan,
    env: EnvPlan,
    settings: _Settings,
    managed: Sequence[str],
    c: Collector,
) -> IngressSource | None:
    d = f"expose({r.service!r}, via={r.via.name})"
    if r.via is Via.CLUSTER:
        return None
    if r.via in FROM_NAMESPACE:
        key, who = FROM_NAMESPACE[r.via]
        ns = settings.namespaces[key]
        if ns in managed:
            c.error(r.loc, f"{d}: {who} runs in namespace '{ns}' ({key}), which netgen manages: "
                           f"its NetworkPolicies would cut {who} off and let every pod there "
                           f"reach '{r.service}'; run {who} in its own namespace and set "
                           f"env({env.name!r}, {key}=...)")
            return None
        return IngressSource(r.name, r.service, r.via, ns, (), r.loc)
    if r.via in FROM_CIDR:
        keys, who = FROM_CIDR[r.via]
        given = [k for k in keys if k in settings.cidrs]
        if given:
            cidrs = settings.cidrs[given[0]]
            return None if cidrs is None else IngressSource(r.name, r.service, r.via, None,
                                                            cidrs, r.loc)
        if env.isolation is Isolation.OPEN:
            return IngressSource(r.name, r.service, r.via, None, (ANYWHERE,), r.loc)
        wanted = " or ".join(f"{k}=" for k in keys)
        c.error(r.loc, f"{d}: environment '{env.name}' is STRICT, so its NetworkPolicies must "
                       f"admit {who}: give env({env.name!r}, {wanted}'...')"
                       f"{settings.where()}{settings.misspelt(keys)}")
        return None
    c.error(r.loc, f"{d}: NetworkPolicy cannot tell where traffic exposed via {r.via.name} "
                   "comes from")
    return None


def external_blocks(x: ExternalPlan, vpc: Sequence[str]) -> tuple[IpBlock, ...]:
    """An external's `cidr`, else its address when `host` is one, else the internet outside
    the private ranges plus the VPC: a managed database in the VPC has a private address,
    which the internet alone would miss. `cidr=` narrows it to the real thing."""
    for given in (x.cidr, x.host):
        try:
            return (IpBlock(str(ipaddress.ip_network(given))),)
        except (TypeError, ValueError):  # not an address: an invalid cidr is reported already
            if given is x.cidr and given is not None:
                return ()
    return (IpBlock(ANYWHERE, PRIVATE_RANGES), *(IpBlock(v) for v in vpc))
