"""A small NetworkPolicy evaluator for the tests: just enough of the API's semantics to judge
netgen's own output, written from the Kubernetes documentation rather than from netgen.

Understood: podSelector/namespaceSelector `matchLabels` (alone or together in one peer),
ipBlock with `except`, ports by number and protocol, policyTypes, empty `from`/`to`/`ports`.
Anything else in a policy fails the test loudly instead of being misjudged.

The world it judges: pods (namespace + labels; a namespace carries only the
`kubernetes.io/metadata.name` label the API server sets) and address sets outside the
cluster (ipBlocks match only those, never pods). A connection is allowed when the source's
egress and the destination's ingress both allow it; an address set is allowed only when
every address in it is.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from attrs import frozen

from netgen.intent import Flow, endpoints, flow_domain
from netgen.plan import IpBlock, Plan

NS_LABEL = "kubernetes.io/metadata.name"


@frozen
class Pod:
    namespace: str
    labels: tuple[tuple[str, str], ...]


Target = Pod | tuple[IpBlock, ...]  # a pod, or every address of some ipBlocks
Interval = tuple[int, int, int]  # (IP version, first address, last address)


def _intervals(blocks: Iterable[IpBlock]) -> list[Interval]:
    """(version, first, last) address intervals of ipBlocks, `except` cut out."""
    out: list[Interval] = []
    for b in blocks:
        net = ipaddress.ip_network(b.cidr)
        pieces = [(net.version, int(net[0]), int(net[-1]))]
        for text in b.excluded:
            ex = ipaddress.ip_network(text)
            pieces = _cut(pieces, (ex.version, int(ex[0]), int(ex[-1])))
        out.extend(pieces)
    return out


def _cut(pieces: list[Interval], hole: Interval) -> list[Interval]:
    out = []
    for v, lo, hi in pieces:
        if v != hole[0] or hole[2] < lo or hole[1] > hi:
            out.append((v, lo, hi))
            continue
        if lo < hole[1]:
            out.append((v, lo, hole[1] - 1))
        if hole[2] < hi:
            out.append((v, hole[2] + 1, hi))
    return out


def covered(outer: Iterable[IpBlock], inner: Iterable[IpBlock]) -> bool:
    """Every address of `inner` lies in `outer`."""
    rest = _intervals(inner)
    for hole in _intervals(outer):
        rest = _cut(rest, hole)
    return not rest


def _selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    if selector is None:
        return True
    assert set(selector) <= {"matchLabels"}, f"unsupported selector {selector}"
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


class Policies:
    def __init__(self, docs: Iterable[dict[str, Any]]) -> None:
        self.items = [d for d in docs if d.get("kind") == "NetworkPolicy"]
        self._cache: dict[tuple[Pod, str], list[dict[str, Any]]] = {}
        for p in self.items:
            assert p["apiVersion"] == "networking.k8s.io/v1"
            spec = p["spec"]
            assert set(spec) <= {"podSelector", "policyTypes", "ingress", "egress"}, spec
            for direction, key in (("ingress", "from"), ("egress", "to")):
                for rule in spec.get(direction) or []:
                    assert set(rule) <= {key, "ports"}, rule
                    for peer in rule.get(key) or []:
                        assert set(peer) <= {"podSelector", "namespaceSelector", "ipBlock"}
                        assert "ipBlock" not in peer or len(peer) == 1, peer
                    for port in rule.get("ports") or []:
                        assert set(port) <= {"protocol", "port"}, port
                        assert isinstance(port.get("port", 0), int), "named ports unsupported"

    def _types(self, p: dict[str, Any]) -> list[str]:
        spec = p["spec"]
        return spec.get("policyTypes") or ["Ingress", *(["Egress"] if "egress" in spec else [])]

    def _applying(self, pod: Pod, direction: str) -> list[dict[str, Any]]:
        found = self._cache.get((pod, direction))
        if found is None:
            found = self._cache[pod, direction] = self._select(pod, direction)
        return found

    def _select(self, pod: Pod, direction: str) -> list[dict[str, Any]]:
        labels = dict(pod.labels)
        return [
            p for p in self.items
            if p["metadata"]["namespace"] == pod.namespace
            and _selects(p["spec"]["podSelector"], labels)
            and direction.capitalize() in self._types(p)
        ]

    def _rules(self, pod: Pod, direction: str, proto: str, port: int) -> Iterable[tuple[dict, Any]]:
        key = "from" if direction == "ingress" else "to"
        for p in self._applying(pod, direction):
            for rule in p["spec"].get(direction) or []:
                ports = rule.get("ports")
                if ports and not any(
                    x.get("protocol", "TCP") == proto and x.get("port") in (None, port)
                    for x in ports
                ):
                    continue
                yield p, rule.get(key)

    def _side(self, pod: Pod, other: Target, direction: str, proto: str, port: int) -> bool:
        """May `pod` send to (egress) / receive from (ingress) `other` on proto/port?"""
        if not self._applying(pod, direction):
            return True  # not isolated in this direction
        blocks: list[IpBlock] = []
        for policy, peers in self._rules(pod, direction, proto, port):
            if not peers:
                return True  # from/to omitted or empty: everyone
            for peer in peers:
                if "ipBlock" in peer:
                    b = peer["ipBlock"]
                    blocks.append(IpBlock(b["cidr"], tuple(b.get("except") or ())))
                elif isinstance(other, Pod) and self._peer_selects(policy, peer, other):
                    return True
        return not isinstance(other, Pod) and covered(blocks, other)

    @staticmethod
    def _peer_selects(policy: dict[str, Any], peer: dict[str, Any], pod: Pod) -> bool:
        if "namespaceSelector" in peer:
            if not _selects(peer["namespaceSelector"], {NS_LABEL: pod.namespace}):
                return False
        elif pod.namespace != policy["metadata"]["namespace"]:
            return False
        return _selects(peer.get("podSelector"), dict(pod.labels))

    def allowed(self, src: Target, dst: Target, proto: str, port: int) -> bool:
        assert isinstance(src, Pod) or isinstance(dst, Pod)
        egress = self._side(src, dst, "egress", proto, port) if isinstance(src, Pod) else True
        ingress = self._side(dst, src, "ingress", proto, port) if isinstance(dst, Pod) else True
        return egress and ingress


def world(plan: Plan, docs: list[dict[str, Any]]) -> dict[str, list[Target]]:
    """Each endpoint of the intent vocabulary as the pods or addresses it stands for; a
    service's pods are read from the generated Deployments and StatefulSets (every version)."""
    out: dict[str, list[Target]] = {}
    for d in docs:
        if d["kind"] in ("Deployment", "StatefulSet"):
            labels = d["spec"]["template"]["metadata"]["labels"]
            key = f"{d['metadata']['namespace']}/{labels['app']}"
            out.setdefault(key, []).append(Pod(d["metadata"]["namespace"],
                                               tuple(sorted(labels.items()))))
    for e in endpoints(plan).values():
        if e.kind == "workload":
            assert e.id in out, f"no pods generated for {e.id}"
        elif e.is_pods:
            labels = e.labels or (("app.kubernetes.io/name", "controller"),)
            out[e.id] = [Pod(e.namespace or "", tuple(labels))]
        else:
            out[e.id] = [e.addresses]
    return out


def allowed_flows(plan: Plan, docs: list[dict[str, Any]]) -> set[Flow]:
    """The flows of the intent's domain the policies allow (for every pod of a service)."""
    policies = Policies(docs)
    targets = world(plan, docs)
    allowed = set()
    for f in flow_domain(plan):
        verdicts = {policies.allowed(s, d, f.protocol, f.port)
                    for s in targets[f.src] for d in targets[f.dst]}
        assert len(verdicts) == 1, f"{f} is allowed for some versions only"
        if verdicts.pop():
            allowed.add(f)
    return allowed


OUTSIDER = Pod("outsider", (("app", "outsider"),))
PUBLIC = (IpBlock("203.0.113.7/32"),)


def probe_outside(plan: Plan, docs: list[dict[str, Any]], open_: bool) -> list[str]:
    """Traffic outside the intent's vocabulary: a stranger pod, a stranger address, and every
    port of the system a destination does not serve. Returns what went against the
    isolation mode: OPEN opens all egress and its own namespace, STRICT nothing undeclared."""
    policies = Policies(docs)
    targets = world(plan, docs)
    points = endpoints(plan)
    known = {p for e in points.values() for p in e.serves} | {("TCP", 1)}
    workloads = [e for e in points.values() if e.kind == "workload"]
    externals = [e for e in points.values() if e.kind == "external"]
    called: dict[str, list[str]] = {}
    for call in plan.calls:
        called.setdefault(call.src, []).append(call.dst)
    wrong = []
    for w in workloads:
        service = w.id.split("/", 1)[1]
        for pod in targets[w.id]:
            assert isinstance(pod, Pod)
            if policies.allowed(OUTSIDER, pod, *w.serves[0]):
                wrong.append(f"outsider pod -> {w.id}")
            if policies.allowed(pod, OUTSIDER, "TCP", 80) != open_:
                wrong.append(f"{w.id} -> outsider pod")
            if policies.allowed(pod, PUBLIC, "TCP", 1) != open_:
                wrong.append(f"{w.id} -> 203.0.113.7:1")
            for other in [*workloads, *(e for e in points.values() if e.kind == "cluster")]:
                expected = open_ and (other.kind == "cluster" or other.namespace == w.namespace)
                for proto, port in known - set(other.serves):
                    for dst in targets[other.id] if other is not w else ():
                        if policies.allowed(pod, dst, proto, port) != expected:
                            wrong.append(f"{w.id} -> {other.id} on unserved {proto}/{port}")
            for x in externals:
                for proto, port in known - set(x.serves):
                    reached = [b for y in externals if y.serves[0] == (proto, port)
                               and y.id.split(":", 1)[1] in called.get(service, ())
                               for b in y.addresses]
                    expected = open_ or covered(reached, x.addresses)
                    if policies.allowed(pod, x.addresses, proto, port) != expected:
                        wrong.append(f"{w.id} -> {x.id} on unserved {proto}/{port}")
    return wrong


def describe(flows: Iterable[Flow]) -> str:
    return "\n".join(f"  {f.src} -> {f.dst} {f.protocol}/{f.port}" for f in sorted(flows))

