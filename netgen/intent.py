"""The connectivity a blueprint intends in one environment, computed from the Plan alone,
in a vocabulary any NetworkPolicy analyzer can be compared with.

Endpoints (`endpoints(plan)`), each with an id:

- `<namespace>/<service>`: the pods of a service, all its versions (labels `labels`, in
  namespace `namespace`). Serves its target port, and the port a load balancer
  health-checks it on when that differs (an NLB checks a UDP service over TCP).
- `kube-system/kube-dns`: the cluster DNS pods (`k8s-app: kube-dns` in `kube-system`).
  Serves UDP and TCP 53.
- `<namespace>/<name>`: the control plane of the environment's mesh, only where the mesh
  injects its proxies (the pods, namespace and ports its target's `MeshHooks.control_plane`
  names: `istio-system/istiod` on TCP 15012, say).
- `ingress:<namespace>`: any pod of the namespace an ingress controller, a Gateway's proxies
  or a mesh's ingress gateway run in. A source, and a destination of workloads (no policy
  netgen writes lives in that namespace, so nothing else about its pods is netgen's).
- `cidr:<cidr>`: every address of a range traffic is admitted from (`vpc_cidr` for ALB/NLB,
  `nodeport_cidr` for NodePorts, the private ranges or 0.0.0.0/0 by default). A source only.
- `<namespace>/stranger`: a pod of a namespace netgen does not manage (`unmanaged`, or
  `unmanaged-2`, ... when a name is taken), with a label no selector of netgen's names. As
  a source it asks whether a policy admits every namespace or every pod; as a destination
  whether a workload's egress reaches them.
- `internet:<address>`: one public IPv4 address (`INTERNET`) and one IPv6 address
  (`INTERNET6`), each the one of its list fewest declared ranges contain (outside all of them
  when one is), as a range of one address. As a source it asks whether a policy admits the
  whole internet (intended like any `cidr:` source: from a service exposed to a range that
  contains it, a LoadBalancer's default 0.0.0.0/0, say); as a destination whether egress
  reaches it.
- The stranger and the internet addresses serve `probe_ports`: every port a destination of
  the blueprint serves (DNS's 53 included), one of every class of ports the configuration
  being verified names (`named`: a NetworkPolicy's ports, ranges, resolved named ports) and
  per protocol one nothing names; every pod destination is asked on them too (`asked`), so
  that a too-wide rule is caught whatever ports it is limited to.
- `external:<name>`: every address an `external(...)` may have (`addresses`: its `cidr`, its
  host when that is an IP, else the internet outside the private ranges plus `vpc_cidr`).
  A destination only. Serves its port.

A flow `(src, dst, protocol, port)` asks "may src open a connection to dst on that port?";
only the ports a destination is asked on (`asked`: its own port for an external, the probe
ports for the rest) are asked (`flow_domain(plan)`), and a service is not
asked about itself. A flow from or to an address range holds only if it holds for every
address in the range, and address ranges never contain pods (NetworkPolicy `ipBlock`s are
meant for addresses outside the cluster).

What is intended (`intended_connectivity(plan)`):

- every workload may query kube-dns (UDP and TCP 53), and reach the mesh's control plane
  when meshed;
- a declared call `calls(a, b)` lets `a` reach `b` on b's target port (or port, for an
  external). NetworkPolicy names externals by address, so a caller of one external also
  reaches every other external whose addresses and port its calls already cover;
- the source of each exposure reaches the exposed service on its target port, and on the
  port its load balancer health-checks it on; a `cidr:` or `internet:` source also reaches
  every service exposed to a range that contains it;
- a caller of an external whose addresses hold an internet address (a host name: the
  internet outside the private ranges; `cidr="0.0.0.0/0"`) reaches that address on the
  external's port;
- OPEN additionally lets every workload reach every other workload of its own namespace,
  every external, internet address and pod of a namespace netgen does not manage, on every
  port they are asked on (all egress is open; other namespaces stay closed to it).

Nothing else: the stranger pod reaches nothing (under OPEN too: its namespace is not the
workload's) and is reached only under OPEN; the internet addresses reach only what is
exposed to a range holding them and are reached only under OPEN or through an external.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import NamedTuple

from attrs import evolve, frozen

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
    # | "internet" | "external"
    kind: str
    namespace: str | None = None  # pods: the namespace they run in
    labels: Labels = ()  # pods: labels every one of them carries
    addresses: tuple[IpBlock, ...] = ()  # address ranges: what they stand for
    serves: tuple[tuple[str, int], ...] = ()  # destinations: (protocol, port) it listens on
    asked: tuple[tuple[str, int], ...] = ()  # destinations: every port it is asked about

    @property
    def is_pods(self) -> bool:
        return self.kind in ("workload", "cluster", "ingress", "stranger")


def workload_id(namespace: str, service: str) -> str:
    return f"{namespace}/{service}"


def endpoints(plan: Plan, named: Iterable[PortRange] = ()) -> dict[str, Endpoint]:
    """`named`: the port ranges the configuration being verified names (see `probe_ports`)."""
    net = plan.network
    out = {
        workload_id(s.namespace, s.name): Endpoint(
            workload_id(s.namespace, s.name), "workload", s.namespace, s.labels,
            serves=tuple(dict.fromkeys(
                [(s.port.protocol, s.port.target_port),
                 *(p for src in net.sources if src.service == s.name for p in src.health_ports)]
            )) if s.port else (),
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
    probes = probe_ports(out.values(), named)
    key = workload_id(stranger, STRANGER)
    out[key] = Endpoint(key, "stranger", stranger, STRANGER_LABELS, serves=probes)
    declared = [b for e in out.values() for b in e.addresses]
    for candidates in (INTERNET, INTERNET6):
        address = ipaddress.ip_address(internet_address(declared, candidates))
        key = f"internet:{address}"
        out[key] = Endpoint(key, "internet", serves=probes,
                            addresses=(IpBlock(f"{address}/{address.max_prefixlen}"),))
    return {k: evolve(e, asked=probes if e.kind in PROBED else e.serves)
            for k, e in out.items()}


def probe_ports(
    points: Iterable[Endpoint], named: Iterable[PortRange] = ()
) -> tuple[tuple[str, int], ...]:
    """The ports every destination is asked about: every port a destination of the blueprint
    serves (kube-dns's 53 included: "DNS to anywhere" is the classic too-wide rule), one port
    of every class of ports the `named` ranges (a policy's `port`/`endPort`, a named port
    resolved) treat alike, and, per protocol, one port no range names (`UNUSED_PORT`, or the
    highest free one below it). A rule treats every port of such a class the same way, so
    whatever ports an allow is limited to, one of these falls inside it."""
    used = list(dict.fromkeys(port for e in points for port in e.serves))
    ranges = sorted(set(named))
    protocols = dict.fromkeys(["TCP", *(p for p, _ in used), *(r[0] for r in ranges)])
    probes = dict.fromkeys([*used, *_class_starts(ranges)])
    for proto in protocols:
        taken = [(lo, hi) for p, lo, hi in ranges if p == proto]
        free = next((n for n in range(UNUSED_PORT, 0, -1) if (proto, n) not in probes
                     and not any(lo <= n <= hi for lo, hi in taken)), None)
        if free is not None:
            probes[proto, free] = None
    return tuple(probes)


def _class_starts(ranges: Iterable[PortRange]) -> list[tuple[str, int]]:
    """The first port of every class of ports the ranges treat alike and at least one names:
    each range's first port, and the port after each range where another range goes on."""
    ranges = list(ranges)
    starts = [(p, lo) for p, lo, _ in ranges]
    starts += [(p, hi + 1) for p, _, hi in ranges
               if any(q == p and lo <= hi + 1 <= end for q, lo, end in ranges)]
    return sorted(set(starts))


STRANGER_NAMESPACE, STRANGER = "unmanaged", "stranger"
STRANGER_LABELS: Labels = (("netgen.verify/stranger", "true"),)
# Public addresses (documentation ranges first, never routed) the internet is asked with.
INTERNET = ("203.0.113.10", "198.51.100.10", "192.0.2.10", "8.8.8.8")
INTERNET6 = ("2001:db8::10", "2001:db8:ffff::10", "2001:4860:4860::8888")
UNUSED_PORT = 65535  # the probes' unused port, per protocol: the highest one nothing names
# (protocol, first, last): ports a rule of the configuration being verified names
PortRange = tuple[str, int, int]


def internet_address(declared: Iterable[IpBlock], candidates: Iterable[str] = INTERNET) -> str:
    """The address of `candidates` the fewest `declared` ranges contain (the first on a tie):
    outside every one of them unless they cover them all (0.0.0.0/0, ::/0)."""
    nets = networks(declared)

    def holding(address: str) -> int:
        a = ipaddress.ip_address(address)
        return sum(1 for n in nets if a in n)

    return min(candidates, key=holding)


SOURCES = ("workload", "ingress", "stranger", "cidr", "internet")
# the destinations asked on every probe port: pods and single addresses. An external is
# asked on its own port only: it stands for a range, which one address cannot speak for on
# a port where a rule admits part of it (the internet addresses ask about every address).
PROBED = ("workload", "cluster", "ingress", "stranger", "internet")


def flow_domain(plan: Plan, named: Iterable[PortRange] = ()) -> set[Flow]:
    """Every question the intent answers: sources x destinations x the probe ports."""
    points = endpoints(plan, named).values()
    sources = [p for p in points if p.kind in SOURCES]
    return {
        Flow(s.id, d.id, proto, port)
        for s in sources
        for d in points
        if d.asked and s.id != d.id and (s.kind == "workload" or d.kind == "workload")
        for proto, port in d.asked
    }


def intended_connectivity(plan: Plan, named: Iterable[PortRange] = ()) -> set[Flow]:
    points = endpoints(plan, named)
    ids = {s.name: workload_id(s.namespace, s.name) for s in plan.services}
    cluster = [p for p in points.values() if p.kind == "cluster"]
    flows = {Flow(ids[s.name], p.id, *port)
             for s in plan.services for p in cluster for port in p.serves}
    if plan.env.isolation is Isolation.OPEN:
        flows |= _open_egress(plan, points, ids)
    return flows | _call_flows(plan, points, ids) | _exposure_flows(plan, points, ids)


def _open_egress(plan: Plan, points: dict[str, Endpoint], ids: dict[str, str]) -> set[Flow]:
    """OPEN opens every workload's egress and admits a namespace's own pods on every port: a
    workload reaches the other workloads of its namespace, every address (the externals, the
    internet) and the pods of namespaces netgen leaves alone (the stranger, kube-dns, the
    ingress controllers, the mesh's control plane) on every port they are asked about."""
    outside = [p for p in points.values() if p.kind not in ("workload", "cidr")]
    return {
        Flow(ids[s.name], p.id, *port)
        for s in plan.services
        for p in [*outside, *(points[ids[o.name]] for o in plan.services
                              if o.namespace == s.namespace and o.name != s.name)]
        for port in p.asked
    }


def _call_flows(plan: Plan, points: dict[str, Endpoint], ids: dict[str, str]) -> set[Flow]:
    """A call reaches the callee on its target port. NetworkPolicy names externals by address,
    so a caller of externals reaches whatever addresses its calls on one port cover: other
    externals, and the internet addresses where an external is the internet (0.0.0.0/0, a
    host name)."""
    services = {s.name: s for s in plan.services}
    flows: set[Flow] = set()
    reached: dict[tuple[str, str, int], list[IpBlock]] = {}  # (caller, proto, port) -> blocks
    for call in plan.calls:
        if call.dst_kind == "service":
            d = services[call.dst]
            flows.add(Flow(ids[call.src], ids[d.name], d.port.protocol, d.port.target_port))
        else:
            x = points[f"external:{call.dst}"]
            reached.setdefault((call.src, *x.serves[0]), []).extend(x.addresses)
    addressed = [p for p in points.values() if p.kind in ("external", "internet")]
    for (caller, proto, port), blocks in reached.items():
        flows.update(
            Flow(ids[caller], x.id, proto, port)
            for x in addressed
            if (proto, port) in x.asked and covers(blocks, x.addresses)
        )
    return flows


def _exposure_flows(plan: Plan, points: dict[str, Endpoint], ids: dict[str, str]) -> set[Flow]:
    """An exposure's source reaches the service on its target port and on the ports the load
    balancer health-checks it on; an address range reaches every service port exposed to a
    range that contains it."""
    services = {s.name: s for s in plan.services}
    flows: set[Flow] = set()
    admitted: dict[tuple[str, str, int], list[IpBlock]] = {}  # (service, proto, port) -> blocks
    for src in plan.network.sources:
        s = services[src.service]
        for proto, port in ((s.port.protocol, s.port.target_port), *src.health_ports):
            if src.namespace is not None:
                flows.add(Flow(f"ingress:{src.namespace}", ids[s.name], proto, port))
            admitted.setdefault((s.name, proto, port), []).extend(IpBlock(c) for c in src.cidrs)
    ranges = [p for p in points.values() if p.kind in ("cidr", "internet")]
    for (name, proto, port), blocks in admitted.items():
        flows.update(Flow(p.id, ids[name], proto, port)
                     for p in ranges if covers(blocks, p.addresses))
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
