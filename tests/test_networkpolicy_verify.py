"""The intent vocabulary read by the other analyzer: `netgen.verify` (written apart from the
policies, from the Kubernetes semantics alone) computes the connectivity of every example's
generated YAML, and on the questions the intent asks it agrees with `intended_connectivity`.

`netgen.verify` places one representative address per address range; the exact "every
address" checks are the evaluator's job (tests/test_networkpolicy.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from netgen.intent import Endpoint, endpoints, flow_domain, intended_connectivity, networks
from netgen.plan import Plan
from netgen.verify import (
    ClusterPeer,
    ContainerPort,
    ExternalPeer,
    PeerModel,
    PortKey,
    compute_connectivity,
)
from tests.conftest import EXAMPLES, build, documents
from tests.netpol_eval import describe


def representative(e: Endpoint) -> str:
    """An address of the range, away from its edges where that is possible."""
    net = networks(e.addresses)[0]
    return str(net[1] if net.num_addresses > 2 else net[0])


def peer_model(plan: Plan) -> tuple[PeerModel, dict[str, str]]:
    """netgen.verify's stand-ins for the intent's endpoints, and their ids -> intent ids."""
    cluster, external, ids = [], [], {}
    for i, e in enumerate(endpoints(plan).values()):
        if e.kind in ("cluster", "ingress"):
            name = (e.id.split("/", 1)[1] if e.kind == "cluster" else "proxy")
            ports = [ContainerPort(port, proto) for proto, port in e.serves]
            cluster.append(ClusterPeer(e.namespace or "", name, dict(e.labels), ports))
            ids[f"{e.namespace}/{name}"] = e.id
        elif e.kind in ("cidr", "external"):
            name = f"peer-{i}"  # their names may not hold a '/'
            ports = [PortKey(proto, port) for proto, port in e.serves]
            external.append(ExternalPeer(name, representative(e), ports))
            ids[name] = e.id
    for w in plan.workloads:
        ids[f"{w.namespace}/{w.name}"] = f"{w.namespace}/{w.service}"
    return PeerModel(cluster=cluster, external=external), ids


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_netgen_verify_agrees_with_the_intent(example: Path) -> None:
    for compiled in build(example):
        plan = compiled.plan
        peers, ids = peer_model(plan)
        seen = compute_connectivity(documents(compiled), peers)
        verdicts: dict[tuple[str, str, str, int], set[bool]] = {}
        allowed = {(a.src, a.dst, a.protocol, a.port) for a in seen.allows}
        domain = flow_domain(plan)
        for src in seen.endpoints:
            for dst in seen.endpoints:
                for flow in domain:
                    if (flow.src, flow.dst) == (ids.get(src), ids.get(dst)):
                        key = (src, dst, flow.protocol, flow.port)
                        verdicts.setdefault(tuple(flow), set()).add(key in allowed)
        assert set(verdicts) == {tuple(f) for f in domain}, "an endpoint went missing"
        assert [f for f, v in verdicts.items() if len(v) > 1] == [], "versions disagree"
        theirs = {f for f in domain if verdicts[tuple(f)] == {True}}
        ours = intended_connectivity(plan)
        assert theirs == ours, (
            f"{plan.blueprint}/{plan.env.name}: netgen.verify allows, not intended:\n"
            f"{describe(theirs - ours)}\nintended, netgen.verify denies:\n"
            f"{describe(ours - theirs)}"
        )
