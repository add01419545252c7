"""NetworkPolicies: what they let through (judged by a small evaluator against the intent),
what they look like, the settings that say where exposures' traffic comes from, and the
diagnostics for policies that cannot be written."""

from __future__ import annotations

from pathlib import Path

import pytest

from netgen.backends.networkpolicy import NAMESPACE_WIDE
from netgen.diagnostics import BlueprintError
from netgen.intent import DNS, Flow, flow_domain, intended_connectivity
from netgen.model import Isolation, Via
from netgen.resolve.network import FROM_CIDR, FROM_NAMESPACE, PRIVATE_RANGES
from tests.conftest import EXAMPLES, build, documents
from tests.netpol_eval import allowed_flows, describe, probe_outside
from tests.netpol_support import lowered, netpols, resolve, validate

HEAD = "from netgen import *\n"


def check_meaning(plan, docs) -> None:  # type: ignore[no-untyped-def]
    intended = intended_connectivity(plan)
    assert intended <= flow_domain(plan)
    allowed = allowed_flows(plan, docs)
    assert allowed == intended, (
        f"allowed but not intended:\n{describe(allowed - intended)}\n"
        f"intended but not allowed:\n{describe(intended - allowed)}"
    )
    assert probe_outside(plan, docs, plan.env.isolation is Isolation.OPEN) == []


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_examples_allow_exactly_what_they_intend(example: Path) -> None:
    for compiled in build(example):
        docs = documents(compiled)
        check_meaning(compiled.plan, docs)
        for policy in netpols(docs).values():
            validate(policy)


def errors(blueprint_file, source: str) -> list[str]:  # type: ignore[no-untyped-def]
    path = blueprint_file(HEAD + source)
    with pytest.raises(BlueprintError) as e:
        resolve(path)
    return [d.render().replace(str(path), "bp.py") for d in e.value.diagnostics]


def one_env(blueprint_file, source: str):  # type: ignore[no-untyped-def]
    (plan,) = resolve(blueprint_file(HEAD + source))
    docs = lowered(plan)
    check_meaning(plan, docs)
    return plan, netpols(docs)


def ports(*pairs: tuple[str, int]) -> list[dict]:
    return [{"protocol": proto, "port": port} for proto, port in pairs]


def pods(app: str, namespace: str | None = None) -> dict:
    peer: dict = {}
    if namespace:
        peer["namespaceSelector"] = {"matchLabels": {"kubernetes.io/metadata.name": namespace}}
    peer["podSelector"] = {"matchLabels": {"app": app}}
    return peer


# --- the shop example, read as a platform engineer would -----------------------------------


def test_shop_production_is_default_deny_with_dns_and_one_policy_per_service() -> None:
    (production,) = build("blueprints/shop.py", ("production",))
    pols = netpols(documents(production))
    assert sorted(name for _, name in pols) == ["allow-dns", "api", "default-deny", "postgres",
                                                "web"]
    assert pols["production", "default-deny"]["spec"] == {
        "podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    assert pols["production", "allow-dns"]["spec"] == {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [{"to": [pods("kube-dns", "kube-system") | {
                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                    "ports": ports(("UDP", 53), ("TCP", 53))}],
    }
    api = pols["production", "api"]["spec"]
    assert api["podSelector"] == {"matchLabels": {"app": "api"}}  # v1 and v2 alike
    assert api["ingress"] == [{"from": [pods("web")], "ports": ports(("TCP", 8080))}]
    internet = {"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE_RANGES)}}
    assert api["egress"] == [
        {"to": [internet, {"ipBlock": {"cidr": "10.0.0.0/16"}}], "ports": ports(("TCP", 443))},
        {"to": [pods("postgres"), {"ipBlock": {"cidr": "10.0.64.0/20"}}],
         "ports": ports(("TCP", 5432))},
    ]
    web = pols["production", "web"]["spec"]
    # the NLB targets pod IPs on the target port 3000, from the VPC's addresses
    assert web["ingress"] == [{"from": [{"ipBlock": {"cidr": "10.0.0.0/16"}}],
                               "ports": ports(("TCP", 3000))}]
    assert web["egress"] == [{"to": [pods("api")], "ports": ports(("TCP", 8080))}]
    assert pols["production", "postgres"]["spec"]["policyTypes"] == ["Ingress"]


def test_shop_intent_in_the_shared_vocabulary() -> None:
    plans = {p.env.name: p for p in resolve("blueprints/shop.py")}
    dns = {("UDP", 53), ("TCP", 53)}
    expected = {
        Flow("cidr:10.0.0.0/16", "production/web", "TCP", 3000),
        Flow("production/web", "production/api", "TCP", 8080),
        Flow("production/api", "production/postgres", "TCP", 5432),
        Flow("production/api", "external:rds", "TCP", 5432),
        Flow("production/api", "external:payments", "TCP", 443),
        *(Flow(f"production/{s}", DNS, *p) for s in ("web", "api", "postgres") for p in dns),
    }
    assert intended_connectivity(plans["production"]) == expected


def test_shop_development_is_open_inside_its_namespace() -> None:
    (dev,) = build("blueprints/shop.py", ("development",))
    pols = netpols(documents(dev))
    assert sorted(pols) == [("shop-dev", "allow-same-namespace"), ("shop-dev", "web")]
    assert pols["shop-dev", "allow-same-namespace"]["spec"] == {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [{"from": [{"namespaceSelector": {
            "matchLabels": {"kubernetes.io/metadata.name": "shop-dev"}}}]}],
        "egress": [{}],
    }
    # the NodePort must stay reachable; an OPEN environment without nodeport_cidr admits all
    assert pols["shop-dev", "web"]["spec"]["ingress"] == [
        {"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": ports(("TCP", 3000))}]


def test_microservices_cross_namespace_calls_get_both_sides() -> None:
    (prod,) = build("blueprints/microservices.py")
    pols = netpols(documents(prod))
    assert {ns for ns, name in pols if name == "default-deny"} == {"web", "api", "services"}
    gateway = pols["api", "api-gateway"]["spec"]
    assert gateway["ingress"] == [{"from": [pods("frontend", "web")],
                                   "ports": ports(("TCP", 8080))}]
    assert gateway["egress"] == [
        {"to": [pods("user-service", "services")], "ports": ports(("TCP", 8081))},
        {"to": [pods("order-service", "services")], "ports": ports(("TCP", 8082))},
    ]
    users = pols["services", "user-service"]["spec"]
    assert users["ingress"] == [{"from": [pods("order-service"), pods("api-gateway", "api")],
                                 "ports": ports(("TCP", 8081))}]


# --- where exposures' traffic comes from -----------------------------------------------


def test_every_via_has_a_traffic_source() -> None:
    assert set(FROM_NAMESPACE) | set(FROM_CIDR) | {Via.CLUSTER} == set(Via)


@pytest.mark.parametrize(
    ("via", "settings", "peer"),
    [
        ("NGINX", "", {"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": "ingress-nginx"}}}),
        ("NGINX", ", ingress_namespace='edge'", {"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": "edge"}}}),
        ("GATEWAY", "", {"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": "gateway-system"}}}),
        ("TCP", ", gateway_namespace='gw'", {"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": "gw"}}}),
        ("ISTIO", "", {"namespaceSelector": {"matchLabels": {
            "kubernetes.io/metadata.name": "istio-system"}}}),
        ("ISTIO", ", istio_ingress_namespace='mesh-edge'", {"namespaceSelector": {
            "matchLabels": {"kubernetes.io/metadata.name": "mesh-edge"}}}),
        ("ALB", ", vpc_cidr='10.1.0.0/16'", {"ipBlock": {"cidr": "10.1.0.0/16"}}),
        ("NLB", ", vpc_cidr='10.1.0.0/16'", {"ipBlock": {"cidr": "10.1.0.0/16"}}),
        ("NODEPORT", ", vpc_cidr='10.1.0.0/16'", {"ipBlock": {"cidr": "10.1.0.0/16"}}),
        ("NODEPORT", ", vpc_cidr='10.1.0.0/16', nodeport_cidr='10.1.8.0/22'",
         {"ipBlock": {"cidr": "10.1.8.0/22"}}),
    ],
)
def test_exposure_admits_its_real_source_on_the_target_port(
    blueprint_file, via: str, settings: str, peer: dict  # type: ignore[no-untyped-def]
) -> None:
    _, pols = one_env(blueprint_file, (
        f"env('prod', isolation=STRICT{settings})\n"
        "service('web', image='i', port=80, target_port=3000)\n"
        f"expose('web', via={via}, path='/')\n"
    ))
    assert pols["prod", "web"]["spec"] == {
        "podSelector": {"matchLabels": {"app": "web"}},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [peer], "ports": ports(("TCP", 3000))}],
    }


def test_several_vpc_cidrs_and_exposures_merge_into_one_rule(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    plan, pols = one_env(blueprint_file, (
        "env('prod', vpc_cidr=['10.0.0.0/16', '100.64.0.0/16'])\n"
        "service('web', image='i', port=80, target_port=3000)\n"
        "service('bff', image='i', port=81, target_port=3000)\n"
        "calls('bff', 'web')\n"
        "expose('web', via=NGINX, path='/')\n"
        "expose('web', via=NLB)\n"
    ))
    assert pols["prod", "web"]["spec"]["ingress"] == [{
        "from": [pods("bff"),
                 {"namespaceSelector": {"matchLabels": {
                     "kubernetes.io/metadata.name": "ingress-nginx"}}},
                 {"ipBlock": {"cidr": "10.0.0.0/16"}},
                 {"ipBlock": {"cidr": "100.64.0.0/16"}}],
        "ports": ports(("TCP", 3000)),
    }]
    assert {f.src for f in intended_connectivity(plan) if f.dst == "prod/web"} == {
        "prod/bff", "ingress:ingress-nginx", "cidr:10.0.0.0/16", "cidr:100.64.0.0/16"}


def test_open_env_admits_cross_namespace_callers_and_exposure_sources(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    plan, pols = one_env(blueprint_file, (
        "env('dev', isolation=OPEN)\n"
        "service('web', image='i', port=80, target_port=3000, namespace='front')\n"
        "service('api', image='i', port=8080)\n"
        "service('worker', image='i', port=9000)\n"
        "calls('web', 'api')\n"
        "calls('worker', 'api')\n"
        "expose('api', via=GATEWAY, path='/api')\n"
    ))
    assert sorted(pols) == [("dev", "allow-same-namespace"), ("dev", "api"),
                            ("front", "allow-same-namespace")]
    assert pols["dev", "api"]["spec"] == {
        "podSelector": {"matchLabels": {"app": "api"}},
        "policyTypes": ["Ingress"],
        # worker is in the same namespace: allow-same-namespace admits it already
        "ingress": [{"from": [pods("web", "front"),
                              {"namespaceSelector": {"matchLabels": {
                                  "kubernetes.io/metadata.name": "gateway-system"}}}],
                     "ports": ports(("TCP", 8080))}],
    }
    flows = intended_connectivity(plan)
    assert Flow("front/web", "dev/api", "TCP", 8080) in flows
    assert Flow("front/web", "dev/worker", "TCP", 9000) not in flows
    assert Flow("dev/worker", "dev/api", "TCP", 8080) in flows
    assert Flow("dev/api", "dev/worker", "TCP", 9000) in flows


def test_udp_services_and_externals_keep_their_protocol(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    _, pols = one_env(blueprint_file, (
        "service('agent', image='i', port=8125, protocol='UDP')\n"
        "service('app', image='i', port=80)\n"
        "external('ntp', host='time.example.com', port=123, protocol='UDP', cidr='192.0.2.0/24')\n"
        "calls('app', 'agent', 'ntp')\n"
    ))
    assert pols["bp", "app"]["spec"]["egress"] == [
        {"to": [{"ipBlock": {"cidr": "192.0.2.0/24"}}], "ports": ports(("UDP", 123))},
        {"to": [pods("agent")], "ports": ports(("UDP", 8125))},
    ]


# --- externals ----------------------------------------------------------------------------


def test_external_addresses(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    plan, pols = one_env(blueprint_file, (
        "env('prod', vpc_cidr='10.0.0.0/16')\n"
        "service('app', image='i', port=80)\n"
        "external('db', host='db.internal.example', port=5432, cidr='10.0.64.0/20')\n"
        "external('legacy', host='10.20.0.7', port=5432)\n"
        "external('stripe', host='api.stripe.com', port=443)\n"
        "external('github', host='api.github.com', port=443)\n"
        "calls('app', 'db', 'legacy', 'stripe')\n"
    ))
    internet = {"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE_RANGES)}}
    assert pols["prod", "app"]["spec"]["egress"] == [
        {"to": [internet, {"ipBlock": {"cidr": "10.0.0.0/16"}}], "ports": ports(("TCP", 443))},
        {"to": [{"ipBlock": {"cidr": "10.0.64.0/20"}}, {"ipBlock": {"cidr": "10.20.0.7/32"}}],
         "ports": ports(("TCP", 5432))},
    ]
    # NetworkPolicy knows addresses, not names: github sits where stripe does, on its port
    flows = intended_connectivity(plan)
    assert Flow("prod/app", "external:github", "TCP", 443) in flows


def test_external_cidr_is_normalised(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    _, pols = one_env(blueprint_file, (
        "service('app', image='i', port=80)\n"
        "external('db', host='db.example', port=5432, cidr='10.0.0.5')\n"
        "calls('app', 'db')\n"
    ))
    assert pols["bp", "app"]["spec"]["egress"][0]["to"] == [{"ipBlock": {"cidr": "10.0.0.5/32"}}]


# --- diagnostics --------------------------------------------------------------------------


def test_strict_load_balancer_needs_the_vpc_cidr(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    assert errors(blueprint_file, (
        "env('prod', isolation=STRICT)\n"
        "service('web', image='i', port=80)\n"
        "expose('web', via=NLB)\n"
        "expose('web', via=ALB, path='/')\n"
    )) == [
        "bp.py:4: error: expose('web', via=NLB): environment 'prod' is STRICT, so its "
        "NetworkPolicies must admit the load balancer, which connects from the VPC's "
        "addresses: give env('prod', vpc_cidr='...') (at bp.py:2)",
        "bp.py:5: error: expose('web', via=ALB): environment 'prod' is STRICT, so its "
        "NetworkPolicies must admit the load balancer, which connects from the VPC's "
        "addresses: give env('prod', vpc_cidr='...') (at bp.py:2)",
    ]


def test_strict_nodeport_needs_a_source_cidr_and_hints_at_typos(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    assert errors(blueprint_file, (
        "env('prod', vpc_cdir='10.0.0.0/16')\n"
        "service('web', image='i', port=80)\n"
        "expose('web', via=NODEPORT)\n"
    )) == [
        "bp.py:4: error: expose('web', via=NODEPORT): environment 'prod' is STRICT, so its "
        "NetworkPolicies must admit NodePort traffic, which kube-proxy forwards from the nodes' "
        "addresses: give env('prod', nodeport_cidr= or vpc_cidr='...') (at bp.py:2); "
        "is 'vpc_cdir' a misspelling of 'vpc_cidr'?",
    ]


def test_implicit_default_env_is_strict_too(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    source = "service('web', image='i', port=80)\nexpose('web', via=NLB)\n"
    assert errors(blueprint_file, source) == [
        "bp.py:3: error: expose('web', via=NLB): environment 'default' is STRICT, so its "
        "NetworkPolicies must admit the load balancer, which connects from the VPC's "
        "addresses: give env('default', vpc_cidr='...')",
    ]


def test_bad_settings_are_reported_at_the_env(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    assert errors(blueprint_file, (
        "env('a', vpc_cidr='10.0.0.0/33', ingress_namespace='Ingress_Nginx')\n"
        "env('b', vpc_cidr=['10.0.0.0/16', '10.0.0.1/16'], nodeport_cidr=16)\n"
        "env('c', gateway_namespace='', istio_ingress_namespace=7, vpc_cidr=[])\n"
        "service('web', image='i', port=80)\n"
        "expose('web', via=NLB)\n"
    )) == [
        "bp.py:2: error: env('a'): ingress_namespace 'Ingress_Nginx' is not a valid DNS-1123 "
        "label (lowercase letters, digits and '-', at most 63 characters)",
        "bp.py:2: error: env('a'): vpc_cidr='10.0.0.0/33' is not a valid network such as "
        "'10.0.0.0/16'",
        "bp.py:3: error: env('b'): nodeport_cidr=16 must be a CIDR such as '10.0.0.0/16' or a "
        "list of them",
        "bp.py:3: error: env('b'): vpc_cidr='10.0.0.1/16' is not a valid network such as "
        "'10.0.0.0/16'",
        "bp.py:4: error: env('c'): gateway_namespace '' is not a valid DNS-1123 label "
        "(lowercase letters, digits and '-', at most 63 characters)",
        "bp.py:4: error: env('c'): istio_ingress_namespace 7 is not a valid DNS-1123 label "
        "(lowercase letters, digits and '-', at most 63 characters)",
        "bp.py:4: error: env('c'): vpc_cidr=[] must be a CIDR such as '10.0.0.0/16' or a list "
        "of them",
    ]


def test_proxy_in_a_managed_namespace_is_an_error(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    assert errors(blueprint_file, (
        "env('prod', isolation=OPEN, gateway_namespace='prod')\n"
        "service('web', image='i', port=80)\n"
        "service('nginx', image='i', port=80, namespace='ingress-nginx')\n"
        "expose('web', via=GATEWAY, path='/')\n"
        "expose('web', via=NGINX, path='/x')\n"
    )) == [
        "bp.py:5: error: expose('web', via=GATEWAY): the Gateway runs in namespace 'prod' "
        "(gateway_namespace), which netgen manages: its NetworkPolicies would cut the Gateway "
        "off and let every pod there reach 'web'; run the Gateway in its own namespace and set "
        "env('prod', gateway_namespace=...)",
        "bp.py:6: error: expose('web', via=NGINX): the ingress controller runs in namespace "
        "'ingress-nginx' (ingress_namespace), which netgen manages: its NetworkPolicies would "
        "cut the ingress controller off and let every pod there reach 'web'; run the ingress "
        "controller in its own namespace and set env('prod', ingress_namespace=...)",
    ]


@pytest.mark.parametrize("name", NAMESPACE_WIDE)
def test_service_named_like_a_namespace_wide_policy(blueprint_file, name: str) -> None:  # type: ignore[no-untyped-def]
    assert errors(blueprint_file, f"service({name!r}, image='i', port=80)\n") == [
        f"bp.py:2: error: service({name!r}): its NetworkPolicy would replace the "
        f"namespace-wide policy '{name}'; rename the service",
    ]


def test_kube_system_is_not_managed(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    assert errors(blueprint_file, (
        "env('prod', namespace='kube-system')\n"
        "service('web', image='i', port=80, namespace='kube-system')\n"
        "service('api', image='i', port=80, namespace='apps')\n"
    )) == [
        "bp.py:2: error: env('prod'): namespace 'kube-system' holds the cluster DNS; netgen's "
        "NetworkPolicies there would cut every pod off from it",
        "bp.py:3: error: service('web'): namespace 'kube-system' holds the cluster DNS; "
        "netgen's NetworkPolicies there would cut every pod off from it",
    ]


def test_unwritable_externals_and_absent_callees(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    assert errors(blueprint_file, (
        "env('dev')\n"
        "env('prod')\n"
        "service('app', image='i', port=80)\n"
        "external('db', host='db.example', port=5432, cidr='10.0.0.0/33')\n"
        "with env('dev'):\n"
        "    service('debug', image='i', port=80)\n"
        "calls('app', 'db', 'debug')\n"
    )) == [
        "bp.py:5: error: external('db'): cidr='10.0.0.0/33' is not a valid network such as "
        "'10.0.0.0/16'",
        "bp.py:8: error: calls('app', 'db', 'debug'): 'debug' does not exist in environment "
        "'prod' (declared only for dev)",
    ]


def test_policies_do_not_depend_on_declaration_order(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    body = [
        "blueprint('same')", "env('e', namespace='ns')",
        "service('a', image='i', port=80)", "service('b', image='i', port=81)",
        "service('c', image='i', port=82)",
        "external('x', host='x.example', port=443)",
        "calls('a', 'c', 'x')", "calls('b', 'c')", "calls('a', 'b')",
    ]
    first = blueprint_file(HEAD + "\n".join(body) + "\n", "one.py")
    second = blueprint_file(HEAD + "\n".join([*body[:6], *reversed(body[6:])]) + "\n", "two.py")
    texts = [
        [d.text for d in c.documents if d.kind == "NetworkPolicy"]
        for c in (build(first)[0], build(second)[0])
    ]
    assert texts[0] == texts[1]
