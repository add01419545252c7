"""`netgen verify` asks about endpoints the blueprint does not declare too: a pod of a
namespace netgen does not manage and two public addresses (IPv4 and IPv6) outside every
declared range, as sources and as destinations. A policy admitting every namespace or the
whole internet is an extra allow, and so is an egress rule open to them; what the intent
exposes to a range holding that address (an internet-facing NLB) is not, nor what a call of
an external that is the internet (a host name, 0.0.0.0/0) reaches, nor OPEN's open egress.
Ports the policies name beyond the blueprint's: tests/verify/test_verify_ports.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from netgen.intent import (
    INTERNET6,
    Flow,
    endpoints,
    flow_domain,
    intended_connectivity,
    internet_address,
)
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


def _opened(docs: list[dict], *cidrs: str) -> list[dict]:
    """One more NetworkPolicy (a template override's, say) admitting `cidrs` and every
    namespace to api's port."""
    leak = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "leak", "namespace": "prod"},
            "spec": {"podSelector": {"matchLabels": {"app": "api"}}, "policyTypes": ["Ingress"],
                     "ingress": [{"from": [*({"ipBlock": {"cidr": c}} for c in cidrs),
                                           {"namespaceSelector": {}}],
                                  "ports": [{"protocol": "TCP", "port": 8080}]}]}}
    return [*docs, leak]


V4, V6 = "internet:203.0.113.10", "internet:2001:db8::10"
# what the stranger and the internet serve: every port of the blueprint, DNS's, one unused
# per protocol
PROBES = {("TCP", 3000), ("TCP", 8080), ("UDP", 53), ("TCP", 53), ("TCP", 65535), ("UDP", 65535)}


@pytest.mark.parametrize("isolation", ["STRICT", "OPEN"])
def test_intent_admits_strangers_nowhere_and_the_internet_where_exposed(
        tmp_path: Path, isolation: str) -> None:
    compiled = _compiled(tmp_path, isolation)
    plan = compiled.plan
    points = endpoints(plan)
    assert points["unmanaged/stranger"].kind == "stranger"
    internet = [p for p in points if p.startswith("internet:")]
    assert internet == [V4, V6]
    for p in ("unmanaged/stranger", *internet):
        assert set(points[p].serves) == PROBES
    intended = intended_connectivity(plan)
    assert not {f for f in intended if f.src == "unmanaged/stranger"}
    # the NLB admits what no vpc_cidr names: the private ranges under STRICT, 0.0.0.0/0
    # (so the IPv4 address too, never the IPv6 one) under OPEN
    assert {f for f in intended if f.src in internet} == (
        {Flow(V4, "prod/web", "TCP", 3000)} if isolation == "OPEN" else set())
    report = verify_policies(plan, documents(compiled))
    assert report.ok, report.render()
    asked = {f.src for f in report.domain}
    assert {"unmanaged/stranger", *internet} <= asked


@pytest.mark.parametrize("isolation", ["STRICT", "OPEN"])
def test_the_stranger_and_the_internet_are_reached_only_under_open(
        tmp_path: Path, isolation: str) -> None:
    compiled = _compiled(tmp_path, isolation)
    plan = compiled.plan
    outside = {"unmanaged/stranger", V4, V6}
    asked = {f for f in flow_domain(plan) if f.dst in outside}
    assert asked == {Flow(w, d, *port) for w in ("prod/web", "prod/api") for d in outside
                     for port in PROBES}
    # OPEN opens all egress: every workload reaches them on every port; STRICT nothing
    reached = {f for f in intended_connectivity(plan) if f.dst in outside}
    assert reached == (asked if isolation == "OPEN" else set())
    report = verify_policies(plan, documents(compiled))
    assert report.ok, report.render()
    assert {f for f in report.allowed if f.dst in outside} == reached


EXTERNALS = """from netgen import *
env("production", namespace="prod", isolation=STRICT, vpc_cidr="10.0.0.0/16")
service("web", port=80, target_port=3000, image="web:1")
service("api", port=8080, image="api:1")
external("payments", host="api.payments.example", port=443)
external("anywhere", host="any.example", cidr="0.0.0.0/0", port=8443)
external("v6", host="v6.example", cidr="::/0", port=9443)
external("partner", host="partner.example", cidr="198.51.100.0/24", port=443)
calls("web", "payments", "api")
calls("api", "anywhere", "v6", "partner")
"""


def test_a_caller_of_an_external_that_is_the_internet_reaches_the_internet_address(
        tmp_path: Path) -> None:
    """An external with a host name (the internet outside the private ranges) or a range that
    holds the internet address: its callers reach that address on its port, nothing else."""
    bp = tmp_path / "bp.py"
    bp.write_text(EXTERNALS)
    [compiled] = build(bp)
    plan = compiled.plan
    outside = {"unmanaged/stranger", V4, V6}
    assert {f for f in intended_connectivity(plan) if f.dst in outside} == {
        Flow("prod/web", V4, "TCP", 443),
        Flow("prod/api", V4, "TCP", 8443),
        Flow("prod/api", V6, "TCP", 9443),
    }
    report = verify_policies(plan, documents(compiled))
    assert report.ok, report.render()


@pytest.mark.parametrize("isolation", ["STRICT", "OPEN"])
def test_a_policy_open_to_every_namespace_and_the_internet_is_an_extra_allow(
        tmp_path: Path, isolation: str) -> None:
    compiled = _compiled(tmp_path, isolation)
    report = verify_policies(compiled.plan, _opened(documents(compiled), "0.0.0.0/0"))
    assert not report.ok
    assert report.missing == ()
    lines = report.render().splitlines()
    assert "extra allow: internet:203.0.113.10 -> prod/api TCP/8080" in lines
    assert "extra allow: unmanaged/stranger -> prod/api TCP/8080" in lines
    # the ranges the blueprint declares (the NLB's) are extra too; nothing else is
    assert all(line.startswith("extra allow: cidr:") for line in lines
               if "internet:" not in line and "unmanaged/" not in line)


@pytest.mark.parametrize(("cidr", "admitted"), [
    ("::/0", True),
    ("2001:db8::/32", True),  # wider than anything declared (nothing IPv6 is)
    ("2001:db8:1::/48", False),
    ("0.0.0.0/0", False),
])
def test_an_ipv6_range_holding_the_ipv6_address_is_an_extra_allow(
        tmp_path: Path, cidr: str, admitted: bool) -> None:
    """INTERNET held IPv4 addresses only: a policy admitting ::/0 was never asked about."""
    compiled = _compiled(tmp_path, "STRICT")
    report = verify_policies(compiled.plan, _opened(documents(compiled), cidr))
    assert (f"extra allow: {V6} -> prod/api TCP/8080" in report.render().splitlines()) == admitted


def test_the_internet_address_avoids_declared_ranges() -> None:
    assert internet_address([]) == "203.0.113.10"
    assert internet_address([IpBlock("203.0.113.0/24")]) == "198.51.100.10"
    assert internet_address([IpBlock("0.0.0.0/0")]) == "203.0.113.10"
    assert internet_address([IpBlock("0.0.0.0/0")], INTERNET6) == "2001:db8::10"
    assert internet_address([IpBlock("2001:db8::/48")], INTERNET6) == "2001:db8:ffff::10"
    assert internet_address([IpBlock("2001:db8::/32")], INTERNET6) == "2001:4860:4860::8888"


def test_the_stranger_namespace_is_one_netgen_does_not_manage(tmp_path: Path) -> None:
    bp = tmp_path / "bp.py"
    bp.write_text(BP.format(isolation="STRICT").replace('"prod"', '"unmanaged"'))
    [compiled] = build(bp)
    assert "unmanaged-2/stranger" in endpoints(compiled.plan)
