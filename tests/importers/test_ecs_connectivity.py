"""The imported system's NetworkPolicies allow exactly the flows its security groups allowed,
as IBM's network-config-analyzer computes them from the generated YAML."""

from __future__ import annotations

from pathlib import Path

from netgen.importers.ecs.model import Endpoint
from netgen.intent import flow_domain
from netgen.targets.networkpolicy.readback.against_intent import answers, peer_model
from tests.conftest import build, documents
from tests.importers.blueprint_helpers import generate, nca_with_outsiders, shop_system
from tests.verify.nca_harness import nca_connectivity
from tests.verify.test_verify_oracle import check


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


def test_the_load_balancer_is_admitted_from_its_subnets_only(tmp_path: Path) -> None:
    """STRICT admits the ALB from the subnets its nodes live in, on the ports its security
    group flows reach, and nothing else in the VPC (or any private range) reaches the pods;
    the database is reached in its subnet group's subnets."""
    path = tmp_path / "blueprint.py"
    path.write_text(generate(via="ALB").text)
    (compiled,) = build(path)
    plan, docs = compiled.plan, documents(compiled)
    system = shop_system()
    (alb,) = system.ingresses
    assert {s.cidrs for s in plan.network.sources} == {alb.source_ranges}

    seen, ids = nca_with_outsiders(
        plan, docs, ("10.20.10.9", "10.20.2.9", "172.16.0.9", "192.168.1.9"))
    ns = plan.env.namespace
    from_outside = {
        (a.src, ids.get(a.dst, a.dst), a.port) for a in seen.allows
        if not a.src.startswith(f"{ns}/") and ids.get(a.dst, a.dst).startswith(f"{ns}/")
    }
    expected = {
        (peer, f"{ns}/{f.destination.name}", f.port_from)
        for f in system.flows
        if f.source == Endpoint("ingress", alb.name) and f.destination.kind == "service"
        for peer, intent in ids.items() if intent in {f"cidr:{r}" for r in alb.source_ranges}
    }
    assert from_outside == expected and len(expected) == 2 * 3

    (db,) = system.externals
    assert plan.externals[0].cidr == db.ranges == ("10.20.10.0/24", "10.20.11.0/24")
