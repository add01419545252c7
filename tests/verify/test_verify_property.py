"""Random small systems: netgen's analyzer and nca must agree on every one.

The generator covers label selectors (matchLabels and every matchExpressions operator),
namespace selectors, combined peers, ipBlocks with excepts, numeric/named/ranged ports over
TCP/UDP/SCTP, explicit and implied policyTypes, and empty rules. It stays clear of the two
places nca is known to be wrong (KNOWN_NCA_DIVERGENCES 4 and 5): Exists/DoesNotExist in a
podSelector that sits next to a namespaceSelector, and empty label values.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netgen.targets.networkpolicy.readback import (
    KUBE_DNS,
    ExternalPeer,
    PeerModel,
    PortKey,
    compute_connectivity,
    diff,
)

from .builders import namespace, netpol, workload
from .nca_harness import nca_connectivity

NAMESPACES = ["alpha", "beta", "gamma"]
NS_LABELS = {"team": ["red", "blue"], "env": ["dev", "prod"]}
POD_LABELS = {"app": ["web", "api", "db"], "tier": ["front", "back"]}
PROTOCOLS = ["TCP", "UDP", "SCTP"]
PORTS = [53, 80, 443, 8080]  # few, so rules and listeners meet often
PORT_NAMES = ["http", "metrics", "dns"]
CIDRS = {
    "0.0.0.0/0": ["10.0.0.0/8", "192.168.0.0/16", "203.0.113.0/24"],
    "10.0.0.0/8": ["10.0.5.0/24"],
    "203.0.113.0/24": ["203.0.113.10/32"],
    "203.0.113.10/32": [],
}
PEERS = PeerModel(
    cluster=(KUBE_DNS,),
    external=(
        ExternalPeer("internet", "203.0.113.10", [PortKey("TCP", 443), PortKey("TCP", 80)]),
        ExternalPeer("vpc", "10.0.5.5", [PortKey("TCP", 5432), PortKey("UDP", 53)]),
    ),
)


def _requirement(keys: dict[str, list[str]], existence: bool) -> st.SearchStrategy[dict]:
    ops = ["In", "NotIn", "Exists", "DoesNotExist"] if existence else ["In", "NotIn"]

    def build(key: str, op: str, values: list[str]) -> dict[str, Any]:
        req: dict[str, Any] = {"key": key, "operator": op}
        if op in ("In", "NotIn"):
            req["values"] = values
        return req

    return st.sampled_from(sorted(keys)).flatmap(
        lambda key: st.builds(
            build,
            st.just(key),
            st.sampled_from(ops),
            st.lists(st.sampled_from(keys[key]), min_size=1, max_size=2, unique=True),
        )
    )


def selectors(keys: dict[str, list[str]], existence: bool = True) -> st.SearchStrategy[dict]:
    """Mostly simple selectors (they are what match something), sometimes compound ones."""
    match_labels = st.dictionaries(
        st.sampled_from(sorted(keys)), st.none(), min_size=1, max_size=2
    ).flatmap(lambda d: st.fixed_dictionaries({k: st.sampled_from(keys[k]) for k in d}))
    expressions = st.lists(_requirement(keys, existence), min_size=1, max_size=2)
    return st.one_of(
        st.just({}),
        match_labels.map(lambda m: {"matchLabels": m}),
        expressions.map(lambda e: {"matchExpressions": e}),
        st.builds(
            lambda m, e: {"matchLabels": m, "matchExpressions": e}, match_labels, expressions
        ),
    )


POD_KEYS = {**POD_LABELS, "k8s-app": ["kube-dns"]}
NS_KEYS = {**NS_LABELS, "kubernetes.io/metadata.name": [*NAMESPACES, "kube-system"]}


def ip_blocks() -> st.SearchStrategy[dict]:
    return st.sampled_from(sorted(CIDRS)).flatmap(
        lambda cidr: st.lists(st.sampled_from(CIDRS[cidr] or ["x"]), max_size=2, unique=True).map(
            lambda ex: {"cidr": cidr, **({"except": ex} if ex and ex != ["x"] else {})}
        )
    )


rule_peers = st.one_of(
    st.builds(lambda s: {"podSelector": s}, selectors(POD_KEYS)),
    st.builds(lambda s: {"namespaceSelector": s}, selectors(NS_KEYS)),
    st.builds(
        lambda n, p: {"namespaceSelector": n, "podSelector": p},
        selectors(NS_KEYS),
        selectors(POD_KEYS, existence=False),
    ),
    st.builds(lambda b: {"ipBlock": b}, ip_blocks()),
)


def _port_entry(protocol: str | None, number: int | str | None, span: int | None) -> dict:
    out: dict[str, Any] = {}
    if protocol:
        out["protocol"] = protocol
    if number is not None:
        out["port"] = number
        if isinstance(number, int) and span is not None:
            out["endPort"] = number + span
    return out


rule_ports = st.builds(
    _port_entry,
    st.sampled_from([None, "TCP", "UDP", "SCTP"]),
    st.one_of(
        st.none(), st.sampled_from(PORTS), st.sampled_from(PORTS), st.sampled_from(PORT_NAMES)
    ),
    st.sampled_from([None, 0, 400, 8000]),
)


def rules(peer_key: str) -> st.SearchStrategy[dict]:
    def build(peers: list | None, ports: list | None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if peers is not None:
            out[peer_key] = peers
        if ports is not None:
            out["ports"] = ports
        return out

    # absent/empty lists mean "everything" and hide the rest of the rule: keep them rare
    return st.builds(
        build,
        _weighted({None: 2, "[]": 1, "some": 13}, st.lists(rule_peers, min_size=1, max_size=2)),
        _weighted({None: 4, "[]": 1, "some": 11}, st.lists(rule_ports, min_size=1, max_size=2)),
    )


def _weighted(weights: dict[str | None, int], some: st.SearchStrategy[list]) -> st.SearchStrategy:
    """Absent (None), empty ([]) or a drawn non-empty list, in the given proportions."""
    choices = [k for k, w in weights.items() for _ in range(w)]
    options: dict[str | None, st.SearchStrategy] = {
        None: st.none(),
        "[]": st.just([]),
        "some": some,
    }
    return st.sampled_from(choices).flatmap(lambda k: options[k])


@st.composite
def policies(draw: st.DrawFn, index: int, mode: str) -> dict:
    """`mode` ingress/egress keeps one side open so the other side's rules decide outcomes."""
    # half the policies select every pod in their namespace, or few would select anything
    spec: dict[str, Any] = {"podSelector": draw(st.just({}) | selectors(POD_LABELS))}
    types = {
        "ingress": [None, ["Ingress"]],
        "egress": [["Egress"]],
        "both": [None, ["Ingress"], ["Egress"], ["Ingress", "Egress"]],
    }[mode]
    chosen = draw(st.sampled_from(types))
    if chosen is not None:
        spec["policyTypes"] = chosen
    for direction, peer_key in (("ingress", "from"), ("egress", "to")):
        if mode in (direction, "both") and draw(st.booleans() if mode == "both" else st.just(True)):
            spec[direction] = draw(st.lists(rules(peer_key), max_size=3))
    return netpol(draw(st.sampled_from(NAMESPACES)), f"p{index}", **spec)


@st.composite
def workloads(draw: st.DrawFn, index: int) -> dict:
    labels = draw(
        st.dictionaries(st.sampled_from(sorted(POD_LABELS)), st.none(), max_size=2).flatmap(
            lambda d: st.fixed_dictionaries({k: st.sampled_from(POD_LABELS[k]) for k in d})
        )
    )
    ports = draw(
        st.lists(
            st.tuples(
                st.sampled_from(PORTS),
                st.sampled_from(["TCP", "TCP", "UDP", "SCTP"]),
                st.sampled_from([None, *PORT_NAMES]),
            ),
            min_size=1,
            max_size=3,
            unique_by=(lambda p: (p[0], p[1]), lambda p: p[2] or object()),
        )
    )
    container_ports = [
        {"containerPort": n, "protocol": proto, **({"name": name} if name else {})}
        for n, proto, name in ports
    ]
    return workload(draw(st.sampled_from(NAMESPACES)), f"w{index}", labels, container_ports)


@st.composite
def systems(draw: st.DrawFn) -> list[dict]:
    docs = []
    for ns in NAMESPACES[: draw(st.integers(1, len(NAMESPACES)))]:
        labels = draw(
            st.dictionaries(st.sampled_from(sorted(NS_LABELS)), st.none(), max_size=2).flatmap(
                lambda d: st.fixed_dictionaries({k: st.sampled_from(NS_LABELS[k]) for k in d})
            )
        )
        docs.append(namespace(ns, **labels))
    used = [d["metadata"]["name"] for d in docs]
    for i in range(draw(st.integers(2, 6))):
        w = draw(workloads(i))
        w["metadata"]["namespace"] = used[i % len(used)]
        docs.append(w)
    mode = draw(st.sampled_from(["ingress", "egress", "both"]))
    for i in range(draw(st.integers(1, 6))):
        p = draw(policies(i, mode))
        p["metadata"]["namespace"] = draw(st.sampled_from(used))
        docs.append(p)
    return docs


def _agree(docs: list[dict]) -> None:
    ours = compute_connectivity(docs, PEERS)
    theirs = nca_connectivity(docs, PEERS)
    assert theirs.endpoints == ours.endpoints
    delta = diff(theirs, ours)
    assert delta.ok, "missing = nca allows, analyzer does not\n" + delta.render()


COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@settings(max_examples=25, **COMMON)
@given(systems())
def test_analyzer_agrees_with_nca(docs: list[dict]) -> None:
    _agree(docs)


@pytest.mark.slow
@settings(max_examples=10_000, **COMMON)
@given(systems())
def test_analyzer_agrees_with_nca_long(docs: list[dict]) -> None:
    _agree(docs)
