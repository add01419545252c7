"""Network Load Balancer listeners: TCP and TLS listeners become `expose(..., via=NLB)` on
the listener's port, whatever `--via` the HTTP rules take, and the manifests give an NLB
that listens there, terminates TLS with the ACM certificate and reaches only the pods the
security groups let it reach."""

from __future__ import annotations

from pathlib import Path

import pytest

from netgen import NLB
from netgen.importers.ecs import EcsSystem, analyse
from netgen.importers.ecs.load import parse_exports
from netgen.model import AcmCert
from netgen.pipeline import compile_blueprint
from netgen.validate import validate_documents
from tests.conftest import documents
from tests.importers.blueprint_helpers import generate, nca_with_outsiders, plan_of
from tests.importers.ecs_helpers import SHOP_CERT, encode, shop_documents, with_nlb
from tests.verify.test_verify_oracle import check

LISTENERS = (("TCP", 9090), ("TLS", 9443), ("TLS", 9444))
NLB_SUBNETS = ("10.20.10.0/24", "10.20.11.0/24")  # shop-private-a and -b
ALB_SUBNETS = ("10.20.0.0/24", "10.20.1.0/24")


def system(listeners: tuple[tuple[str, int], ...] = LISTENERS) -> EcsSystem:
    return analyse(parse_exports(encode(with_nlb(shop_documents(), listeners))))


def test_the_nlb_is_read_with_its_subnets() -> None:
    (alb, nlb) = system().ingresses
    assert (alb.network, nlb.network, nlb.internet_facing) == (False, True, False)
    assert [(li.protocol, li.port) for li in nlb.listeners] == sorted(
        LISTENERS, key=lambda li: li[1])
    assert nlb.source_ranges == NLB_SUBNETS


@pytest.mark.parametrize("via", ["ALB", "NGINX", "GATEWAY"])
def test_listeners_become_nlb_exposures_whatever_the_http_backend(
    via: str, tmp_path: Path, http_backends
) -> None:
    generated = generate(system(), via=via)
    plan = plan_of(generated.text, tmp_path)
    nlb = [(r.service, r.ports, r.scheme, r.tls) for r in plan.routes if r.via is NLB]
    # one NLB per certificate: the plain listener, and both TLS listeners on one Service
    assert nlb == [("orders", (9090,), "internal", None),
                   ("orders", (9443, 9444), "internal", AcmCert(SHOP_CERT))]
    assert [r.via.name for r in plan.routes if r.via is not NLB] == [via] * 5
    codes = [w.code for w in generated.warnings]
    assert codes.count("nlb-split") == 1
    # ACM keeps the key, which only matters where the certificate must leave ACM
    assert ("acm-certificate" in codes) is (via != "ALB")
    # the load balancers' subnets admit them: the NLB's always, the ALB's when it is used
    expected = (*ALB_SUBNETS, *NLB_SUBNETS) if via == "ALB" else NLB_SUBNETS
    assert {s.cidrs for s in plan.network.sources if s.setting} == {expected}


def test_manifests_listen_on_the_listener_ports(tmp_path: Path) -> None:
    path = tmp_path / "blueprint.py"
    path.write_text(generate(system(), via="ALB").text)
    (compiled,) = compile_blueprint(path)
    docs = documents(compiled)
    assert validate_documents(docs) == []
    lbs = [d for d in docs if d["kind"] == "Service" and d["spec"].get("type") == "LoadBalancer"]
    prefix = "service.beta.kubernetes.io/aws-load-balancer-"
    seen = []
    for lb in lbs:
        a = lb["metadata"]["annotations"]
        assert a[prefix + "scheme"] == "internal" and a[prefix + "nlb-target-type"] == "ip"
        assert lb["spec"]["loadBalancerClass"] == "service.k8s.aws/nlb"
        assert lb["spec"]["selector"] == {"app": "orders"}
        seen.append(([(p["port"], p["targetPort"]) for p in lb["spec"]["ports"]],
                     a.get(prefix + "ssl-cert"), a.get(prefix + "ssl-ports")))
    assert sorted(seen, key=str) == sorted([
        ([(9090, 9090)], None, None),
        ([(9443, 9090), (9444, 9090)], SHOP_CERT, "9443,9444"),
    ], key=str)


def test_only_the_load_balancers_subnets_reach_the_pods(tmp_path: Path) -> None:
    """nca on the generated policies: orders is reached from the NLB's subnets on 9090 (its
    security group admits the NLB's), and from nowhere else outside the cluster but the
    other load balancer's subnets (vpc_cidr is one list per environment)."""
    path = tmp_path / "blueprint.py"
    path.write_text(generate(system(listeners=(("TCP", 9090),)), via="ALB").text)
    (compiled,) = compile_blueprint(path)
    plan, docs = compiled.plan, documents(compiled)
    check(plan, docs)  # nca == intent, and netgen verify == nca
    seen, ids = nca_with_outsiders(plan, docs, ("10.20.2.9", "10.20.12.9", "192.168.1.9"))
    into_orders = {ids.get(a.src, a.src) for a in seen.allows
                   if ids.get(a.dst) == "shop/orders" and a.port == 9090}
    # (the database's stand-in lives in the NLB's subnets here, so it is left out)
    assert {s for s in into_orders if not s.startswith(("shop/", "external:"))} == {
        f"cidr:{c}" for c in (*ALB_SUBNETS, *NLB_SUBNETS)}
