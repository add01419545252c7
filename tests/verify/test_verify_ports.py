"""`netgen verify` asks every destination pod and internet address about every port a rule
of the policies names, not only the blueprint's ports plus 65535: an allow limited to a port
nothing in the blueprint uses (egress to 0.0.0.0/0 on TCP 9999, every namespace in on TCP
9090, a `port`-`endPort` range, a named port) is an extra allow. No policy netgen writes
selects the pods of an ingress controller's namespace, so what reaches them is never
netgen's to decide; a workload's egress into that namespace is asked about."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from netgen.intent import endpoints, probe_ports
from netgen.model import Blueprint
from netgen.targets.networkpolicy.readback.against_intent import policy_ports, verify_policies
from tests.conftest import EXAMPLES, build, documents
from tests.targets.networkpolicy.netpol_support import lowered, resolve
from tests.targets.networkpolicy.test_networkpolicy_props import systems

BP = """from netgen import *
env("production", namespace="prod", isolation=STRICT, vpc_cidr="10.0.0.0/16")
service("web", port=80, target_port=3000, image="web:1")
service("api", port=8080, image="api:1")
calls("web", "api")
expose("web", via=NGINX, host="shop.example.com")
"""


def _compiled(tmp_path: Path):  # type: ignore[no-untyped-def]
    bp = tmp_path / "bp.py"
    bp.write_text(BP)
    [compiled] = build(bp)
    return compiled


def _policy(name: str, app: str, spec: dict[str, Any]) -> dict[str, Any]:
    """One more NetworkPolicy in prod selecting `app` (a template override's, say)."""
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": "prod"},
            "spec": {"podSelector": {"matchLabels": {"app": app}}, **spec}}


EGRESS_9999 = _policy("leak", "web", {"policyTypes": ["Egress"], "egress": [
    {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 9999}]}]})
INGRESS_9090 = _policy("leak", "api", {"policyTypes": ["Ingress"], "ingress": [
    {"from": [{"namespaceSelector": {}}], "ports": [{"protocol": "TCP", "port": 9090}]}]})
RANGE_V6 = _policy("leak", "web", {"policyTypes": ["Egress"], "egress": [
    {"to": [{"ipBlock": {"cidr": "::/0"}}],
     "ports": [{"protocol": "TCP", "port": 20000, "endPort": 30000}]}]})
INTO_INGRESS = _policy("leak", "api", {"policyTypes": ["Egress"], "egress": [
    {"to": [{"namespaceSelector": {"matchLabels": {
        "kubernetes.io/metadata.name": "ingress-nginx"}}}],
     "ports": [{"protocol": "TCP", "port": 10254}]}]})


@pytest.mark.parametrize(("leak", "extra"), [
    (EGRESS_9999, ["prod/web -> internet:203.0.113.10 TCP/9999"]),
    (INGRESS_9090, ["ingress:ingress-nginx -> prod/api TCP/9090",
                    "unmanaged/stranger -> prod/api TCP/9090"]),
    (RANGE_V6, ["prod/web -> internet:2001:db8::10 TCP/20000"]),
    (INTO_INGRESS, ["prod/api -> ingress:ingress-nginx TCP/10254"]),
], ids=["egress-0.0.0.0/0-9999", "ingress-every-namespace-9090", "egress-::/0-range",
        "egress-into-the-ingress-namespace"])
def test_an_allow_on_a_port_the_blueprint_never_uses_is_an_extra_allow(
        tmp_path: Path, leak: dict[str, Any], extra: list[str]) -> None:
    compiled = _compiled(tmp_path)
    report = verify_policies(compiled.plan, [*documents(compiled), leak])
    assert report.missing == ()
    assert report.render().splitlines() == [f"extra allow: {flow}" for flow in extra]


def test_a_named_port_is_resolved_against_the_pods(tmp_path: Path) -> None:
    """`port: metrics` is whatever number the destination's container gives that name: a
    sidecar's 9100, which no service of the blueprint serves."""
    compiled = _compiled(tmp_path)
    docs = copy.deepcopy(documents(compiled))
    [api] = [d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "api"]
    api["spec"]["template"]["spec"]["containers"][0]["ports"].append(
        {"name": "metrics", "containerPort": 9100, "protocol": "TCP"})
    leak = _policy("leak", "api", {"policyTypes": ["Ingress"], "ingress": [
        {"from": [{"namespaceSelector": {}}], "ports": [{"port": "metrics"}]}]})
    assert ("TCP", 9100, 9100) in policy_ports([*docs, leak])
    report = verify_policies(compiled.plan, [*docs, leak])
    assert report.render().splitlines() == [
        "extra allow: ingress:ingress-nginx -> prod/api TCP/9100",
        "extra allow: unmanaged/stranger -> prod/api TCP/9100",
    ]


def test_the_probe_ports_take_one_port_of_every_class_and_one_nothing_names(
        tmp_path: Path) -> None:
    points = [e for e in endpoints(_compiled(tmp_path).plan).values()
              if e.kind not in ("stranger", "internet")]  # these serve the probe ports
    used = [("TCP", 3000), ("TCP", 8080), ("UDP", 53), ("TCP", 53)]
    assert probe_ports(points) == (*used, ("TCP", 65535), ("UDP", 65535))
    # a range, a range inside it (the rest of the outer one after it is a class of its own),
    # a port-less SCTP rule (every SCTP port) and 65535 named: the unused TCP port moves down
    named = [("TCP", 9000, 9100), ("TCP", 9050, 9060), ("SCTP", 1, 65535), ("TCP", 65535, 65535)]
    assert probe_ports(points, named) == (
        *used, ("SCTP", 1), ("TCP", 9000), ("TCP", 9050), ("TCP", 9061), ("TCP", 65535),
        ("TCP", 65534), ("UDP", 65535))


def test_netgens_own_policies_name_only_ports_the_blueprint_uses() -> None:
    """So the probe ports of an untouched build are the blueprint's plus the unused ones."""
    for example in EXAMPLES:
        for compiled in build(example):
            points = endpoints(compiled.plan).values()
            used = {p for e in points for p in e.serves}
            named = policy_ports(documents(compiled))
            assert {(proto, lo) for proto, lo, _ in named} <= used, compiled.plan.env.name
            assert all(lo == hi for _, lo, hi in named)


def _ingress_namespaces_unselected(plan: Any, docs: list[Any]) -> None:
    """No policy lives in the namespace of an exposure's source pods (ingress controller,
    Gateway proxies, a mesh's ingress gateway), so none selects them: what reaches them is
    their operators' business, and verify asks them as destinations of workloads only."""
    sources = {src.namespace for src in plan.network.sources if src.namespace is not None}
    policies = [d for d in docs if d and d.get("kind") == "NetworkPolicy"]
    assert not [p["metadata"]["name"] for p in policies
                if p["metadata"].get("namespace") in sources]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_no_policy_selects_the_ingress_controllers_pods(example: Path) -> None:
    for compiled in build(example):
        _ingress_namespaces_unselected(compiled.plan, documents(compiled))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(systems())
def test_no_policy_selects_the_ingress_controllers_pods_in_generated_systems(
        bp: Blueprint) -> None:
    for plan in resolve(bp):
        _ingress_namespaces_unselected(plan, lowered(plan))
