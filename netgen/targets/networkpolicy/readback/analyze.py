"""Kubernetes NetworkPolicy semantics, evaluated per (source, destination, port).

A connection is allowed iff the source's egress side allows it and the destination's ingress
side allows it. A side allows everything when no policy of that direction selects the pod, and
otherwise exactly what the union of the selecting policies' rules allows. Endpoints outside the
cluster have no side of their own: only the in-cluster end's policies decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from netgen.targets.networkpolicy.readback.model import Allow, Connectivity
from netgen.targets.networkpolicy.readback.peers import ContainerPort, PeerModel, default_peers
from netgen.targets.networkpolicy.readback.policy import IpBlockPeer, Policy, PortMatch, Rule
from netgen.targets.networkpolicy.readback.topology import Endpoint, build_topology


def compute_connectivity(
    docs: Iterable[Mapping[str, Any] | None], peers: PeerModel | None = None
) -> Connectivity:
    """Every allowed (source, destination, protocol, port) among the build's workloads and `peers`.

    Ports considered are the destination's listening ports (container ports for pods, the
    declared ports for external peers). Traffic between two external peers is not the cluster's
    business and never appears.
    """
    topo = build_topology(docs, peers if peers is not None else default_peers())
    ingress_of = {e.id: _selecting(topo.policies, e, "ingress") for e in topo.endpoints}
    egress_of = {e.id: _selecting(topo.policies, e, "egress") for e in topo.endpoints}
    allows: set[Allow] = set()
    for src in topo.endpoints:
        for dst in topo.endpoints:
            if not (src.in_cluster or dst.in_cluster):
                continue
            # which rules admit the pair is settled once; only their ports differ per port
            out = _admitting(egress_of[src.id], "egress", dst)
            into = _admitting(ingress_of[dst.id], "ingress", src) if out != [] else []
            if into == []:
                continue
            allows.update(
                Allow(src.id, dst.id, port.protocol, port.port)
                for port in dst.ports
                if _ports_allow(out, dst, port) and _ports_allow(into, dst, port)
            )
    return Connectivity(tuple(e.id for e in topo.endpoints), frozenset(allows))


def _selecting(policies: Iterable[Policy], ep: Endpoint, direction: str) -> list[Policy] | None:
    """The policies of `direction` that select `ep`; None if the side is unrestricted."""
    if not ep.in_cluster:
        return None
    chosen = [
        p
        for p in policies
        if getattr(p, direction) is not None
        and p.namespace == ep.namespace
        and p.pod_selector.matches(ep.labels)
    ]
    return chosen or None


def _admitting(
    policies: list[Policy] | None, direction: str, remote: Endpoint
) -> list[Rule] | None:
    """The rules of `direction` whose peers hold `remote`; None if the side is unrestricted."""
    if policies is None:
        return None
    return [rule for policy in policies for rule in getattr(policy, direction)
            if _peers_match(rule, policy, remote)]


def _ports_allow(rules: list[Rule] | None, dst: Endpoint, port: ContainerPort) -> bool:
    return rules is None or any(_ports_match(rule, dst, port) for rule in rules)


def _peers_match(rule: Rule, policy: Policy, remote: Endpoint) -> bool:
    if rule.peers is None:
        return True
    for peer in rule.peers:
        if isinstance(peer, IpBlockPeer):
            # ipBlock describes addresses outside the cluster; pod IPs are not matched by it
            if remote.ip is not None and remote.ip.version == peer.cidr.version:
                inside = remote.ip in peer.cidr
                if inside and not any(remote.ip in e for e in peer.excepts):
                    return True
            continue
        if not remote.in_cluster:
            continue
        if peer.namespace_selector is None:
            ns_ok = remote.namespace == policy.namespace
        else:
            ns_ok = peer.namespace_selector.matches(remote.namespace_labels)
        if ns_ok and (peer.pod_selector is None or peer.pod_selector.matches(remote.labels)):
            return True
    return False


def _ports_match(rule: Rule, dst: Endpoint, port: ContainerPort) -> bool:
    if rule.ports is None:
        return True
    return any(_port_matches(m, dst, port) for m in rule.ports)


def _port_matches(match: PortMatch, dst: Endpoint, port: ContainerPort) -> bool:
    if match.protocol != port.protocol:
        return False
    if match.port is None:
        return True
    if isinstance(match.port, str):
        # a named port means "whatever the destination pod calls that name, for this protocol"
        return any(
            p.name == match.port and p.protocol == port.protocol and p.port == port.port
            for p in dst.ports
        )
    end = match.end_port if match.end_port is not None else match.port
    return match.port <= port.port <= end
