"""NetworkPolicy (networking.k8s.io/v1) from declared calls, exposures and externals.

Every namespace netgen manages gets namespace-wide policies that set its isolation:

- STRICT: `default-deny` (no pod sends or receives anything), `allow-dns` (every pod may
  ask kube-dns, UDP and TCP 53) and, when a mesh injects its proxies, `allow-<control plane>`
  (egress to the pods `MeshHooks.control_plane` names: `allow-istiod`, `allow-linkerd`), so
  that only what the workload policies allow gets through.
- OPEN: `allow-same-namespace` (pods receive from their own namespace and send anywhere).

On top of that, one policy per service, named after it and selecting all its versions by
the `app` label, holds the rules that service needs: ingress from its callers and from
where its exposures' traffic comes from, on the pods' target port (Services DNAT to it
before any policy sees the packet), and, under STRICT, egress to what it calls. Rules are
merged: one rule per set of peers and ports, never one object per call.

Everything here is arrangement; which peers exist was decided in `resolve`
(`Plan.network`), so this module only turns a Plan into policy structures.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from attrs import frozen

from netgen.model import Isolation
from netgen.plan import IpBlock, Labels, Plan, ServicePlan
from netgen.render import Document, Renderer
from netgen.targets.base import Backend, Reading, object_labels

API_VERSION = "networking.k8s.io/v1"
TEMPLATE = "networkpolicy/networkpolicy.yaml.j2"
NAMESPACE_LABEL = "kubernetes.io/metadata.name"  # set by the API server on every namespace

DEFAULT_DENY = "default-deny"
ALLOW_DNS = "allow-dns"
ALLOW_SAME_NAMESPACE = "allow-same-namespace"
# A mesh's `allow-<control plane>` is reserved by its own backend.
NAMESPACE_WIDE = (DEFAULT_DENY, ALLOW_DNS, ALLOW_SAME_NAMESPACE)

# A peer as a hashable, sortable key: ("pods", namespace or "", labels), ("namespace", name)
# or ("ip", cidr, excluded). Pods come first, then namespaces, then addresses.
Peer = tuple[Any, ...]
Port = tuple[str, int]  # (protocol, port)


@frozen
class Rule:
    peers: tuple[Peer, ...]
    ports: tuple[Port, ...]


@frozen
class Policy:
    name: str
    namespace: str
    selector: Labels  # empty: every pod of the namespace
    types: tuple[str, ...]
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()
    allow_all_egress: bool = False


def pods(s: ServicePlan, seen_from: str) -> Peer:
    """The pods of `s`, as a peer of a policy in namespace `seen_from`."""
    return ("pods", "" if s.namespace == seen_from else s.namespace, s.selector)


def namespace(name: str) -> Peer:
    return ("namespace", name)


def addresses(block: IpBlock) -> Peer:
    return ("ip", block.cidr, block.excluded)


def merge(pairs: Iterable[tuple[Peer, Port]]) -> tuple[Rule, ...]:
    """Peers that share a port share a rule, and rules with the same peers share one rule:
    each merge keeps the rule's meaning (every peer on every port) exactly."""
    by_port: dict[Port, set[Peer]] = {}
    for peer, port in pairs:
        by_port.setdefault(port, set()).add(peer)
    by_peers: dict[tuple[Peer, ...], list[Port]] = {}
    for port in sorted(by_port, key=lambda p: (p[1], p[0])):
        by_peers.setdefault(tuple(sorted(by_port[port], key=_peer_order)), []).append(port)
    return tuple(
        Rule(peers, tuple(ports))
        for peers, ports in sorted(by_peers.items(), key=lambda kv: (kv[1][0][1], kv[1][0][0]))
    )


_KIND_ORDER = {"pods": 0, "namespace": 1, "ip": 2}


def _peer_order(peer: Peer) -> tuple[Any, ...]:
    return (_KIND_ORDER[peer[0]], *peer[1:])


def policies(plan: Plan) -> list[Policy]:
    """Every policy of the environment, namespace by namespace, namespace-wide ones first."""
    strict = plan.env.isolation is Isolation.STRICT
    inbound, outbound = _traffic(plan, strict)
    out: list[Policy] = []
    for ns in plan.namespaces:
        out.extend(_namespace_wide(plan, ns, strict))
        for s in sorted((s for s in plan.services if s.namespace == ns), key=lambda s: s.name):
            ins, outs = inbound.get(s.name, []), outbound.get(s.name, [])
            if ins or outs:
                types = tuple(t for t, rules in (("Ingress", ins), ("Egress", outs)) if rules)
                out.append(Policy(s.name, ns, s.selector, types, merge(ins), merge(outs)))
    return out


def _traffic(
    plan: Plan, strict: bool
) -> tuple[dict[str, list[tuple[Peer, Port]]], dict[str, list[tuple[Peer, Port]]]]:
    """service -> (peer, port) it must receive from, and (under STRICT) send to."""
    services = {s.name: s for s in plan.services}
    externals = {x.name: x for x in plan.externals}
    inbound: dict[str, list[tuple[Peer, Port]]] = {}
    outbound: dict[str, list[tuple[Peer, Port]]] = {}
    for call in plan.calls:
        caller = services[call.src]
        if call.dst_kind == "service":
            callee = services[call.dst]
            target = (callee.port.protocol, callee.port.target_port)
            if strict or caller.namespace != callee.namespace:  # OPEN admits its namespace
                inbound.setdefault(callee.name, []).append((pods(caller, callee.namespace),
                                                            target))
            if strict:
                outbound.setdefault(caller.name, []).append((pods(callee, caller.namespace),
                                                             target))
        elif strict:
            x = externals[call.dst]
            outbound.setdefault(caller.name, []).extend(
                (addresses(b), (x.protocol, x.port)) for b in plan.network.external(x.name).blocks
            )
    for source in plan.network.sources:
        s = services[source.service]
        rules = inbound.setdefault(s.name, [])
        for target in ((s.port.protocol, s.port.target_port), *source.health_ports):
            if source.namespace is not None:
                rules.append((namespace(source.namespace), target))
            rules.extend((addresses(IpBlock(c)), target) for c in source.cidrs)
    return inbound, outbound


def _namespace_wide(plan: Plan, ns: str, strict: bool) -> list[Policy]:
    if not strict:
        same = Rule((namespace(ns),), ())
        return [Policy(ALLOW_SAME_NAMESPACE, ns, (), ("Ingress", "Egress"), ingress=(same,),
                       allow_all_egress=True)]
    out = [Policy(DEFAULT_DENY, ns, (), ("Ingress", "Egress"))]
    reach = [(ALLOW_DNS, plan.network.dns)]
    if control := plan.network.control_plane:  # a mesh's: allow-istiod, allow-linkerd
        reach.append((f"allow-{control.name}", control))
    for name, target in reach:
        if target is not None:
            peer = ("pods", target.namespace, target.labels)
            out.append(Policy(name, ns, (), ("Egress",), egress=(Rule((peer,), target.ports),)))
    return out


def _peer(peer: Peer) -> dict[str, Any]:
    kind = peer[0]
    if kind == "pods":
        out: dict[str, Any] = {}
        if peer[1]:
            out["namespaceSelector"] = {"matchLabels": {NAMESPACE_LABEL: peer[1]}}
        out["podSelector"] = {"matchLabels": dict(peer[2])}
        return out
    if kind == "namespace":
        return {"namespaceSelector": {"matchLabels": {NAMESPACE_LABEL: peer[1]}}}
    block: dict[str, Any] = {"cidr": peer[1]}
    if peer[2]:
        block["except"] = list(peer[2])
    return {"ipBlock": block}


def _rules(rules: tuple[Rule, ...], direction: str) -> list[dict[str, Any]]:
    out = []
    for rule in rules:
        item: dict[str, Any] = {direction: [_peer(p) for p in rule.peers]}
        if rule.ports:
            item["ports"] = [{"protocol": proto, "port": port} for proto, port in rule.ports]
        out.append(item)
    return out


def lower(plan: Plan, r: Renderer) -> Iterator[Document]:
    labels = object_labels((), plan.blueprint)
    for p in policies(plan):
        yield r.document(
            TEMPLATE, api_version=API_VERSION, kind="NetworkPolicy", name=p.name,
            namespace=p.namespace, labels=labels, pod_selector=dict(p.selector),
            policy_types=list(p.types), ingress=_rules(p.ingress, "from"),
            egress=[{}] if p.allow_all_egress else _rules(p.egress, "to"),
        )


def readback(plan: Plan, docs: list[Any]) -> Reading:
    """`netgen verify`: the connectivity the policies allow against the declared one. The
    evaluator (readback/) is imported only when asked, so a build does not load it."""
    from netgen.targets.networkpolicy.readback.against_intent import verify_policies

    return verify_policies(plan, docs)


BACKEND = Backend(name="NetworkPolicy", lower=lower, reserved_names=NAMESPACE_WIDE,
                  readback=readback)
