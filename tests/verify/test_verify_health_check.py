"""An NLB health-checks a UDP service over TCP on its port (AWS has no UDP health check), so
the service's NetworkPolicy admits TCP there from the load balancer's range too. verify asks
that port, though no containerPort declares it: a policy that loses the allow (the NLB then
marks every target unhealthy) is a missing allow, and only the load balancer is let in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from netgen.intent import Flow, endpoints, intended_connectivity
from netgen.targets.networkpolicy.readback.against_intent import verify_policies
from tests.conftest import build, documents

BP = """from netgen import *
env("production", namespace="prod", isolation=STRICT, vpc_cidr="10.0.0.0/16")
service("dns", port=53, image="dns:1", protocol="UDP")
service("client", port=8080, image="client:1")
calls("client", "dns")
expose("dns", via=NLB)
"""


def _compiled(tmp_path: Path):  # type: ignore[no-untyped-def]
    bp = tmp_path / "bp.py"
    bp.write_text(BP)
    [compiled] = build(bp)
    return compiled


def _without_health_check(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """dns's policy as a hand edit leaves it: without its rule for the TCP port."""
    [policy] = [d for d in docs if d["kind"] == "NetworkPolicy" and d["metadata"]["name"] == "dns"]
    health, calls = policy["spec"]["ingress"]
    assert health == {"from": [{"ipBlock": {"cidr": "10.0.0.0/16"}}],
                      "ports": [{"protocol": "TCP", "port": 53}]}
    policy["spec"]["ingress"] = [calls]
    return docs


def test_the_load_balancer_range_is_intended_to_reach_the_health_check_port(
        tmp_path: Path) -> None:
    plan = _compiled(tmp_path).plan
    assert endpoints(plan)["prod/dns"].serves == (("UDP", 53), ("TCP", 53))
    to_dns = {f for f in intended_connectivity(plan) if f.dst == "prod/dns"}
    # the health check is the load balancer's, not the callers'
    assert to_dns == {Flow("cidr:10.0.0.0/16", "prod/dns", "UDP", 53),
                      Flow("cidr:10.0.0.0/16", "prod/dns", "TCP", 53),
                      Flow("prod/client", "prod/dns", "UDP", 53)}


def test_verify_proves_the_health_check_allow(tmp_path: Path) -> None:
    compiled = _compiled(tmp_path)
    report = verify_policies(compiled.plan, documents(compiled))
    assert report.ok, report.render()
    assert Flow("cidr:10.0.0.0/16", "prod/dns", "TCP", 53) in report.allowed
    assert Flow("prod/client", "prod/dns", "TCP", 53) in report.domain - report.allowed


def test_a_policy_without_the_health_check_allow_is_a_missing_allow(tmp_path: Path) -> None:
    compiled = _compiled(tmp_path)
    report = verify_policies(compiled.plan, _without_health_check(documents(compiled)))
    assert report.render().splitlines() == [
        "missing allow: cidr:10.0.0.0/16 -> prod/dns TCP/53"]
