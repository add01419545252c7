"""The connectivity a blueprint intends in one environment, computed from the Plan alone,
in a vocabulary any NetworkPolicy analyzer can be compared with.

Endpoints (`endpoints(plan)`), each with an id:

- `<namespace>/<service>`: the pods of a service, all its versions (labels `labels`, in
  namespace `namespace`). Serves its target port.
- `kube-system/kube-dns`: the cluster DNS pods (`k8s-app: kube-dns` in `kube-system`).
  Serves UDP and TCP 53.
- `<namespace>/<name>`: the control plane of the environment's mesh, only where the mesh
  injects its proxies (the pods, namespace and ports its target's `MeshHooks.control_plane`
  names: `istio-system/istiod` on TCP 15012, say).
- `ingress:<namespace>`: any pod of the namespace an ingress controller, a Gateway's proxies
  or a mesh's ingress gateway run in. A source only.
- `cidr:<cidr>`: every address of a range traffic is admitted from (`vpc_cidr` for ALB/NLB,
  `nodeport_cidr` for NodePorts, the private ranges or 0.0.0.0/0 by default). A source only.
- `<namespace>/stranger`: a pod of a namespace netgen does not manage (`unmanaged`, or
  `unmanaged-2`, ... when a name is taken), with a label no selector of netgen's names. A
  source only: it asks whether a policy admits every namespace or every pod.
- `internet:<address>`: one public address (`INTERNET`: the one fewest declared ranges
  contain, outside all of them when one is), as a range of one address. A source only: it
  asks whether a policy admits the whole internet. Intended like any `cidr:` source: a
  service exposed to a range that contains it (a LoadBalancer's default 0.0.0.0/0, say).
- `external:<name>`: every address an `external(...)` may have (`addresses`: its `cidr`, its
  host when that is an IP, else the internet outside the private ranges plus `vpc_cidr`).
  A destination only. Serves its port.

A flow `(src, dst, protocol, port)` asks "may src open a connection to dst on that port?";
only the ports a destination serves are asked (`flow_domain(plan)`), and a service is not
asked about itself. A flow from or to an address range holds only if it holds for every
address in the range, and address ranges never contain pods (NetworkPolicy `ipBlock`s are
meant for addresses outside the cluster).

What is intended (`intended_connectivity(plan)`):

- every workload may query kube-dns (UDP and TCP 53), and reach the mesh's control plane
  when meshed;
- a declared call `calls(a, b)` lets `a` reach `b` on b's target port (or port, for an
  external). NetworkPolicy names externals by address, so a caller of one external also
  reaches every other external whose addresses and port its calls already cover;
- the source of each exposure reaches the exposed service on its target port; a `cidr:`
  source also reaches every service exposed to a range that contains it;
- OPEN additionally lets every workload reach every other workload of its own namespace and
  every external (all egress is open; other namespaces stay closed to it).

Nothing else: the stranger pod reaches nothing (under OPEN too: its namespace is not the
workload's), and the internet address only what is exposed to a range holding it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import NamedTuple

from attrs import frozen

from netgen.model import Isolation
from netgen.plan import KUBE_DNS, IpBlock, Labels, Plan

DNS = f"{KUBE_DNS.namespace}/{KUBE_DNS.name}"  # kube-system/kube-dns

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Flow(NamedTuple):
    src: str
    dst: str
    protocol: str
    port: int


@frozen
class Endpoint:
    id: str
    # "workload" | "cluster" (kube-dns, mesh control) | "ingress" | "stranger" | "cidr"
    # | "external"
    kind: str
    namespace: str | None = None  # pods: the namespace they run in
    labels: Labels = ()  # pods: labels every one of them carries
    addresses: tuple[IpBlock, ...] = ()  # address ranges: what they stand for
    serves: tuple[tuple[str, int], ...] = ()  # destinations: (protocol, port)

    @property
    def is_pods(self) -> bool:
        return self.kind in ("workload", "cluster", "ingress", "stranger")


def workload_id(namespace: str, service: str) -> str:
    return f"{namespace}/{service}"


def endpoints(plan: Plan) -> dict[str, Endpoint]:
    net = plan.network
    out = {
        workload_id(s.namespace, s.name): Endpoint(
            workload_id(s.namespace, s.name), "workload", s.namespace, s.labels,
            serves=((s.port.protocol, s.port.target_port),) if s.port else (),
        )
        for s in plan.services
    }
    for pods in (net.dns, net.control_plane):
        if pods is not None:
            key = workload_id(pods.namespace, pods.name)
            out[key] = Endpoint(key, "cluster", pods.namespace, pods.labels, serves=pods.ports)
    for src in net.sources:
        if src.namespace is not None:
            key = f"ingress:{src.namespace}"
            out[key] = Endpoint(key, "ingress", src.namespace)
        for c in src.cidrs:
            out[f"cidr:{c}"] = Endpoint(f"cidr:{c}", "cidr", addresses=(IpBlock(c),))
    for x in plan.externals:
        key = f"external:{x.name}"
        out[key] = Endpoint(key, "external", addresses=net.external(x.name).blocks,
                            serves=((x.protocol, x.port),))
    taken = {e.namespace for e in out.values()} | {plan.env.namespace}
    stranger = next(n for k in range(1, len(taken) + 2)
                    if (n := STRANGER_NAMESPACE + (f"-{k}" if k > 1 else "")) not in taken)
    key = workload_id(stranger, STRANGER)
    out[key] = Endpoint(key, "stranger", stranger, STRANGER_LABELS)
    address = internet_address([b for e in out.values() for b in e.addresses])
    out[f"internet:{address}"] = Endpoint(f"internet:{address}", "cidr",
                                          addresses=(IpBlock(f"{address}/32"),))
    return out


STRANGER_NAMESPACE, STRANGER = "unmanaged", "stranger"
STRANGER_LABELS: Labels = (("netgen.verify/stranger", "true"),)
# Public addresses (documentation ranges first, never routed) the internet is asked with.
INTERNET = ("203.0.113.10", "198.51.100.10", "192.0.2.10", "8.8.8.8")


def internet_address(declared: Iterable[IpBlock]) -> str:
    """The address of `INTERNET` the fewest `declared` ranges contain (the first on a tie):
    outside every one of them unless they cover them all (0.0.0.0/0)."""
    nets = networks(declared)

    def holding(address: str) -> int:
        a = ipaddress.ip_address(address)
        return sum(1 for n in nets if a in n)

    return min(INTERNET, key=holding)


SOURCES = ("workload", "ingress", "stranger", "cidr")


def flow_domain(plan: Plan) -> set[Flow]:
    """Every question the intent answers: sources x destinations x the ports they serve."""
    points = endpoints(plan).values()
    sources = [p for p in points if p.kind in SOURCES]
    return {
        Flow(s.id, d.id, proto, port)
        for s in sources
        for d in points
        if d.serves and s.id != d.id and (s.kind == "workload" or d.kind == "workload")
        for proto, port in d.serves
    }


def intended_connectivity(plan: Plan) -> set[Flow]:
    points = endpoints(plan)
    services = {s.name: s for s in plan.services}
    ids = {s.name: workload_id(s.namespace, s.name) for s in plan.services}
    externals = [p for p in points.values() if p.kind == "external"]
    cluster = [p for p in points.values() if p.kind == "cluster"]
    open_ = plan.env.isolation is Isolation.OPEN
    flows: set[Flow] = set()

    for s in plan.services:
        flows.update(Flow(ids[s.name], p.id, *port) for p in cluster for port in p.serves)
        if open_:
            flows.update(Flow(ids[s.name], x.id, *x.serves[0]) for x in externals)
            flows.update(
                Flow(ids[s.name], ids[o.name], o.port.protocol, o.port.target_port)
                for o in plan.services
                if o.namespace == s.namespace and o.name != s.name and o.port is not None
            )

    reached: dict[tuple[str, str, int], list[IpBlock]] = {}  # (caller, proto, port) -> blocks
    for call in plan.calls:
        if call.dst_kind == "service":
            d = services[call.dst]
            flows.add(Flow(ids[call.src], ids[d.name], d.port.protocol, d.port.target_port))
        else:
            x = points[f"external:{call.dst}"]
            reached.setdefault((call.src, *x.serves[0]), []).extend(x.addresses)
    for (caller, proto, port), blocks in reached.items():
        flows.update(
            Flow(ids[caller], x.id, proto, port)
            for x in externals
            if x.serves[0] == (proto, port) and covers(blocks, x.addresses)
        )

    admitted: dict[str, list[IpBlock]] = {}  # service -> address ranges admitted
    for src in plan.network.sources:
        s = services[src.service]
        if src.namespace is not None:
            flows.add(Flow(f"ingress:{src.namespace}", ids[s.name], s.port.protocol,
                           s.port.target_port))
        admitted.setdefault(s.name, []).extend(IpBlock(c) for c in src.cidrs)
    for name, blocks in admitted.items():
        s = services[name]
        flows.update(
            Flow(p.id, ids[name], s.port.protocol, s.port.target_port)
            for p in points.values()
            if p.kind == "cidr" and covers(blocks, p.addresses)
        )
    return flows


def networks(blocks: Iterable[IpBlock]) -> list[Network]:
    """The addresses of ipBlocks as disjoint-enough networks (each cidr minus its except)."""
    out: list[Network] = []
    for b in blocks:
        out.extend(subtract([ipaddress.ip_network(b.cidr)],
                            [ipaddress.ip_network(e) for e in b.excluded]))
    return out


def subtract(nets: list[Network], remove: Iterable[Network]) -> list[Network]:
    for r in remove:
        rest: list[Network] = []
        for n in nets:
            if n.version != r.version or not n.overlaps(r):
                rest.append(n)
            elif not n.subnet_of(r):  # type: ignore[arg-type]
                rest.extend(n.address_exclude(r))  # type: ignore[arg-type]
        nets = rest
    return nets


def covers(outer: Iterable[IpBlock], inner: Iterable[IpBlock]) -> bool:
    """True when every address of `inner` is in `outer`."""
    return not subtract(networks(inner), networks(outer))
