"""Check an environment's generated NetworkPolicies against what its blueprint declares.

The policies are read by `compute_connectivity`, which knows Kubernetes semantics and nothing
of netgen; the Plan supplies only what surrounds the policies (which pods stand for which
service, where kube-dns and the ingress controller run, one address per outside range) and
the questions to ask (`netgen.intent.flow_domain`). The answers, translated back into the
intent's endpoint ids, are compared with `intended_connectivity` in both directions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from attrs import frozen

from netgen.intent import (
    SOURCES,
    Endpoint,
    Flow,
    PortRange,
    endpoints,
    flow_domain,
    intended_connectivity,
    networks,
)
from netgen.plan import Plan
from netgen.targets.networkpolicy.readback.analyze import compute_connectivity
from netgen.targets.networkpolicy.readback.model import Allow, Connectivity, PortKey
from netgen.targets.networkpolicy.readback.peers import (
    ClusterPeer,
    ContainerPort,
    ExternalPeer,
    PeerModel,
)
from netgen.targets.networkpolicy.readback.policy import PortMatch, parse_policy
from netgen.targets.networkpolicy.readback.render import render_matrix
from netgen.targets.networkpolicy.readback.topology import (
    WORKLOAD_KINDS,
    container_ports,
    iter_documents,
    pod_template,
)


def representative(e: Endpoint, others: Iterable[Endpoint] = ()) -> str:
    """An address of the range, away from its edges where that is possible, and outside
    every smaller range nested in it: one address must stand for the whole range, so it
    must not be one a narrower endpoint (and its rules) also covers."""
    net = networks(e.addresses)[0]
    nested = [
        n for o in others if o is not e for n in networks(o.addresses)
        if n.version == net.version and n != net and n.subnet_of(net)  # type: ignore[arg-type]
    ]
    size = net.num_addresses
    candidates = [net[1], net[-2], net[size // 2]] if size > 2 else [net[0]]
    for address in candidates:
        if not any(address in n for n in nested):
            return str(address)
    return str(candidates[0])


def peer_model(
    plan: Plan, named: Iterable[PortRange] = ()
) -> tuple[PeerModel, dict[str, str]]:
    """The analyzer's stand-ins for the intent's endpoints, and analyzer ids -> intent ids.

    Every workload (one per version) maps to its service's id, so a service whose versions
    are treated differently by the policies shows up as a difference. Every stand-in listens
    on every probe port (`named`: what `policy_ports` read from the policies), since a
    policy admits a port whether or not a container declares it.
    """
    cluster, external, ids = [], [], {}
    points = endpoints(plan, named)
    ranges = [e for e in points.values() if e.kind in ADDRESSES]
    for i, e in enumerate(points.values()):
        if e.kind in ("cluster", "ingress", "stranger"):
            name = e.id.split("/", 1)[1] if e.kind != "ingress" else "proxy"
            ports = [ContainerPort(port, proto) for proto, port in e.asked]
            cluster.append(ClusterPeer(e.namespace or "", name, dict(e.labels), ports))
            ids[f"{e.namespace}/{name}"] = e.id
        elif e.kind in ADDRESSES:
            name = f"peer-{i}"  # external peer names may not hold a '/'
            ports = [PortKey(proto, port) for proto, port in e.asked]
            external.append(ExternalPeer(name, representative(e, ranges), ports))
            ids[name] = e.id
    workload_ports = {}
    for w in plan.workloads:
        ids[f"{w.namespace}/{w.name}"] = key = f"{w.namespace}/{w.service}"
        # every probe port besides its containerPorts (the analyzer skips those): a load
        # balancer's TCP health check of a UDP port, any port a rule may admit
        workload_ports[f"{w.namespace}/{w.name}"] = tuple(
            ContainerPort(port, proto) for proto, port in points[key].asked)
    return PeerModel(cluster=cluster, external=external, workload_ports=workload_ports), ids


ADDRESSES = ("cidr", "internet", "external")  # the endpoints that are address ranges


def answers(
    seen: Connectivity, ids: Mapping[str, str], domain: Iterable[Flow]
) -> tuple[set[Flow], set[Flow]]:
    """(flows every stand-in of the source and destination allows, flows some stand-in allows).

    A flow whose endpoint has no stand-in at all (its workload was not emitted) is denied.
    """
    allowed = {(a.src, a.dst, a.protocol, a.port) for a in seen.allows}
    stand_ins: dict[str, list[str]] = {}
    for analyzer_id in seen.endpoints:
        if analyzer_id in ids:
            stand_ins.setdefault(ids[analyzer_id], []).append(analyzer_id)
    every, some = set(), set()
    for f in domain:
        verdicts = [
            (s, d, f.protocol, f.port) in allowed
            for s in stand_ins.get(f.src, ())
            for d in stand_ins.get(f.dst, ())
        ]
        if verdicts and all(verdicts):
            every.add(f)
        if any(verdicts):
            some.add(f)
    return every, some


@frozen
class Report:
    """One environment's verdict: `missing` were declared but are blocked, `extra` are let
    through but never declared; `allowed` is what the policies let through (for the matrix)."""

    env: str
    points: tuple[Endpoint, ...]
    domain: frozenset[Flow]
    allowed: frozenset[Flow]
    missing: tuple[Flow, ...]
    extra: tuple[Flow, ...]
    # Flows to or from host-network pods: NetworkPolicies do not apply to them, so they are
    # reported, neither proved nor counted as differences.
    unenforceable: tuple[Flow, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.missing and not self.extra

    def render(self) -> str:
        """Every difference, one line each; empty when there is none."""
        return "\n".join(
            [f"missing allow: {flow_text(f)}" for f in self.missing]
            + [f"extra allow: {flow_text(f)}" for f in self.extra]
            + [f"not enforceable (host network): {flow_text(f)}" for f in self.unenforceable]
        )

    def verdict(self) -> str:
        unenforced = (f"; {len(self.unenforceable)} flows of host-network pods are not "
                      "enforceable by NetworkPolicies" if self.unenforceable else "")
        if self.ok:
            checked, allowed = len(self.domain), len(self.allowed)
            return (f"NetworkPolicies allow exactly the declared traffic ({checked} "
                    f"source-destination-port flows checked: {allowed} allowed and "
                    f"{checked - allowed} denied, each as declared){unenforced}")
        return (f"NetworkPolicies differ from the declared traffic: {len(self.missing)} "
                f"missing, {len(self.extra)} extra")

    def matrix(self) -> str:
        """Rows are sources, columns destinations, cells the ports allowed; `-` means asked and
        denied, a blank cell was never asked (an address range to kube-dns, say)."""
        sources = [p.id for p in self.points if p.kind in SOURCES]
        dests = [p.id for p in self.points if p.asked]
        asked = {(f.src, f.dst) for f in self.domain}
        conn = Connectivity(
            tuple(p.id for p in self.points),
            frozenset(Allow(f.src, f.dst, f.protocol, f.port) for f in self.allowed),
        )
        return render_matrix(conn, sources, dests, asked=lambda s, d: (s, d) in asked)


def flow_text(f: Flow) -> str:
    return f"{f.src} -> {f.dst} {f.protocol}/{f.port}"


def host_network_endpoints(plan: Plan) -> set[str]:
    """The intent ids of services whose pods use the node's network: NetworkPolicies do not
    select them, so nothing about their flows can be proved from the policies."""
    return {f"{w.namespace}/{w.service}" for w in plan.workloads
            if w.security is not None and w.security.host_network}


def policy_ports(docs: Iterable[Mapping[str, Any] | None]) -> tuple[PortRange, ...]:
    """Every port range a rule of the NetworkPolicies in `docs` names: a `port` alone, a
    `port`-`endPort` range, a named port as every number a container of `docs` gives that
    name, and every port of a protocol a rule names without a port. The probe ports take
    one port of each, so an allow limited to a port the blueprint never uses is asked
    about too."""
    docs = list(iter_documents(docs))
    names: dict[tuple[str, str], set[int]] = {}
    for d in docs:
        if d.get("kind") in WORKLOAD_KINDS:
            for p in container_ports(pod_template(d)[1]):
                names.setdefault((p.name or "", p.protocol), set()).add(p.port)
    ranges: set[PortRange] = set()
    for doc in docs:
        if doc.get("kind") == "NetworkPolicy":
            policy = parse_policy(doc)
            for rule in (*(policy.ingress or ()), *(policy.egress or ())):
                for match in rule.ports or ():
                    ranges.update(_named(match, names))
    return tuple(sorted(ranges))


def _named(match: PortMatch, names: Mapping[tuple[str, str], set[int]]) -> list[PortRange]:
    """The ports one `ports` entry names (none: a name no container of the build carries)."""
    if match.port is None:
        return [(match.protocol, 1, 65535)]
    if isinstance(match.port, str):
        return [(match.protocol, n, n) for n in names.get((match.port, match.protocol), ())]
    return [(match.protocol, match.port, match.end_port or match.port)]


def verify_policies(plan: Plan, docs: Iterable[Mapping[str, Any] | None]) -> Report:
    """`docs` are the parsed documents of `plan`'s environment, policies and workloads."""
    docs = list(docs)
    named = policy_ports(docs)
    peers, ids = peer_model(plan, named)
    seen = compute_connectivity(docs, peers)
    host = host_network_endpoints(plan)
    everything = set(flow_domain(plan, named))
    unenforceable = {f for f in everything if f.src in host or f.dst in host}
    domain = everything - unenforceable
    every, some = answers(seen, ids, domain)
    intended_all = intended_connectivity(plan, named)
    intended = intended_all - unenforceable
    return Report(
        env=plan.env.name,
        points=tuple(endpoints(plan, named).values()),
        domain=frozenset(domain),
        allowed=frozenset(every),
        missing=tuple(sorted(intended - every)),
        extra=tuple(sorted(some - intended)),
        unenforceable=tuple(sorted(unenforceable & intended_all)),
    )
