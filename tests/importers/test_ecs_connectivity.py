"""The imported system's NetworkPolicies allow exactly the flows its security groups allowed,
as IBM's network-config-analyzer computes them from the generated YAML."""

from __future__ import annotations

from pathlib import Path

from netgen.intent import flow_domain
from netgen.verify.against_intent import answers, peer_model
from tests.conftest import build, documents
from tests.importers.blueprint_helpers import generate, shop_system
from tests.test_verify_oracle import check
from tests.verify.nca_harness import nca_connectivity


def test_nca_allows_exactly_the_security_group_flows(tmp_path: Path) -> None:
    path = tmp_path / "blueprint.py"
    path.write_text(generate(via="ALB").text)
    (compiled,) = build(path)
    plan, docs = compiled.plan, documents(compiled)
    check(plan, docs)  # nca == intent, and netgen verify == nca

    peers, ids = peer_model(plan)
    allowed, _ = answers(nca_connectivity(docs, peers), ids, flow_domain(plan))
    ns = plan.env.namespace
    workloads = {f"{ns}/{s.name}" for s in plan.services}
    between_services = {
        (f.src, f.dst) for f in allowed
        if f.src in workloads and (f.dst in workloads or f.dst.startswith("external:"))
    }
    flows = {
        (f"{ns}/{f.source.name}",
         f"{ns}/{f.destination.name}" if f.destination.kind == "service"
         else f"external:{f.destination.name}")
        for f in shop_system().flows
        if f.source.kind == "service" and f.destination.kind in ("service", "external")
    }
    assert between_services == flows
