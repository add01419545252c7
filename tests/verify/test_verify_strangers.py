"""`netgen verify` asks about sources the blueprint does not declare too: a pod of a
namespace netgen does not manage and a public address outside every declared range. A
policy admitting every namespace or the whole internet is an extra allow; what the intent
exposes to a range holding that address (an internet-facing NLB) is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from netgen.intent import Flow, endpoints, intended_connectivity, internet_address
from netgen.plan import IpBlock
from netgen.targets.networkpolicy.readback.against_intent import verify_policies
from tests.conftest import build, documents

BP = """from netgen import *
env("production", namespace="prod", isolation={isolation})
service("web", port=80, target_port=3000, image="web:1")
service("api", port=8080, image="api:1")
calls("web", "api")
expose("web", via=NLB, scheme="internet-facing")
"""


def _compiled(tmp_path: Path, isolation: str):  # type: ignore[no-untyped-def]
    bp = tmp_path / "bp.py"
    bp.write_text(BP.format(isolation=isolation))
    [compiled] = build(bp)
    return compiled


def _opened(docs: list[dict]) -> list[dict]:
    """One more NetworkPolicy (a template override's, say) admitting 0.0.0.0/0 and every
    namespace to api's port."""
    leak = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "leak", "namespace": "prod"},
            "spec": {"podSelector": {"matchLabels": {"app": "api"}}, "policyTypes": ["Ingress"],
                     "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}},
                                           {"namespaceSelector": {}}],
                                  "ports": [{"protocol": "TCP", "port": 8080}]}]}}
    return [*docs, leak]


@pytest.mark.parametrize("isolation", ["STRICT", "OPEN"])
def test_intent_admits_strangers_nowhere_and_the_internet_where_exposed(
        tmp_path: Path, isolation: str) -> None:
    compiled = _compiled(tmp_path, isolation)
    plan = compiled.plan
    points = endpoints(plan)
    assert points["unmanaged/stranger"].kind == "stranger"
    internet = [p for p in points if p.startswith("internet:")]
    assert internet == ["internet:203.0.113.10"]
    intended = intended_connectivity(plan)
    assert not {f for f in intended if f.src == "unmanaged/stranger"}
    # the NLB admits what no vpc_cidr names: the private ranges under STRICT, 0.0.0.0/0
    # (so this address too) under OPEN
    assert {f for f in intended if f.src == internet[0]} == (
        {Flow(internet[0], "prod/web", "TCP", 3000)} if isolation == "OPEN" else set())
    report = verify_policies(plan, documents(compiled))
    assert report.ok, report.render()
    asked = {f.src for f in report.domain}
    assert {"unmanaged/stranger", internet[0]} <= asked


@pytest.mark.parametrize("isolation", ["STRICT", "OPEN"])
def test_a_policy_open_to_every_namespace_and_the_internet_is_an_extra_allow(
        tmp_path: Path, isolation: str) -> None:
    compiled = _compiled(tmp_path, isolation)
    report = verify_policies(compiled.plan, _opened(documents(compiled)))
    assert not report.ok
    assert report.missing == ()
    lines = report.render().splitlines()
    assert "extra allow: internet:203.0.113.10 -> prod/api TCP/8080" in lines
    assert "extra allow: unmanaged/stranger -> prod/api TCP/8080" in lines
    # the ranges the blueprint declares (the NLB's) are extra too; nothing else is
    assert all(line.startswith("extra allow: cidr:") for line in lines
               if "internet:" not in line and "unmanaged/" not in line)


def test_the_internet_address_avoids_declared_ranges() -> None:
    assert internet_address([]) == "203.0.113.10"
    assert internet_address([IpBlock("203.0.113.0/24")]) == "198.51.100.10"
    assert internet_address([IpBlock("0.0.0.0/0")]) == "203.0.113.10"


def test_the_stranger_namespace_is_one_netgen_does_not_manage(tmp_path: Path) -> None:
    bp = tmp_path / "bp.py"
    bp.write_text(BP.format(isolation="STRICT").replace('"prod"', '"unmanaged"'))
    [compiled] = build(bp)
    assert "unmanaged-2/stranger" in endpoints(compiled.plan)
