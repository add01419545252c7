"""NetworkPolicies: what they let through (judged by a small evaluator against the intent),
what they look like, the settings that say where exposures' traffic comes from, and the
diagnostics for policies that cannot be written."""

from __future__ import annotations

from pathlib import Path

import pytest

from netgen.intent import DNS, Flow, flow_domain, intended_connectivity
from netgen.model import Isolation
from netgen.problems import ProblemError
from netgen.resolve.network import PRIVATE_RANGES
from netgen.targets.base import Layer
from netgen.targets.networkpolicy.lower import NAMESPACE_WIDE
from netgen.targets.registry import REGISTRY
from tests.conftest import EXAMPLES, REPO, build, documents
from tests.targets.networkpolicy.netpol_eval import allowed_flows, describe, probe_outside
from tests.targets.networkpolicy.netpol_support import lowered, netpols, resolve, validate

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
    with pytest.raises(ProblemError) as e:
        resolve(path)
    return [d.render().replace(str(path), "bp.py") for d in e.value.problems]


def one_env(blueprint_file, source: str):  # type: ignore[no-untyped-def]
    (plan,) = resolve(blueprint_file(HEAD + source))
    docs = lowered(plan)
    check_meaning(plan, docs)
    return plan, netpols(docs)


def ports(*pairs: tuple[str, int]) -> list[dict]:
    return [{"protocol": proto, "port": port} for proto, port in pairs]


VPC = {"ipBlock": {"cidr": "10.0.0.0/16"}}
INTERNET = {"ipBlock": {"cidr": "0.0.0.0/0", "except": list(PRIVATE_RANGES)}}
INGRESS_NGINX = {"namespaceSelector": {"matchLabels": {
    "kubernetes.io/metadata.name": "ingress-nginx"}}}


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
    # web calls it; the ALB (target type ip) connects from the VPC
    assert api["ingress"] == [{"from": [pods("web"), VPC], "ports": ports(("TCP", 8080))}]
    # postgres, and rds: no cidr given, so the internet outside the private ranges + the VPC
    assert api["egress"] == [{"to": [pods("postgres"), INTERNET, VPC],
                              "ports": ports(("TCP", 5432))}]
    web = pols["production", "web"]["spec"]
    assert web["ingress"] == [{"from": [VPC], "ports": ports(("TCP", 3000))}]  # target port
    assert web["egress"] == [{"to": [pods("api")], "ports": ports(("TCP", 8080))}]
    assert pols["production", "postgres"]["spec"] == {
        "podSelector": {"matchLabels": {"app": "postgres"}},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [pods("api")], "ports": ports(("TCP", 5432))}],
    }


def test_shop_intent_in_the_shared_vocabulary() -> None:
    plans = {p.env.name: p for p in resolve("blueprints/shop.py")}
    dns = {("UDP", 53), ("TCP", 53)}
    expected = {
        Flow("cidr:10.0.0.0/16", "production/web", "TCP", 3000),
        Flow("cidr:10.0.0.0/16", "production/api", "TCP", 8080),
        Flow("production/web", "production/api", "TCP", 8080),
        Flow("production/api", "production/postgres", "TCP", 5432),
        Flow("production/api", "external:rds", "TCP", 5432),
        # rds is a host name: its addresses are the internet's, which api reaches on its port
        Flow("production/api", "internet:203.0.113.10", "TCP", 5432),
        *(Flow(f"production/{s}", DNS, *p) for s in ("web", "api", "postgres") for p in dns),
    }
    assert intended_connectivity(plans["production"]) == expected


def test_shop_development_is_open_inside_its_namespace() -> None:
    (dev,) = build("blueprints/shop.py", ("development",))
    pols = netpols(documents(dev))
    assert sorted(pols) == [("shop-dev", "allow-same-namespace"), ("shop-dev", "api"),
                            ("shop-dev", "web")]
    assert pols["shop-dev", "allow-same-namespace"]["spec"] == {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [{"from": [{"namespaceSelector": {
            "matchLabels": {"kubernetes.io/metadata.name": "shop-dev"}}}]}],
        "egress": [{}],
    }
    # the NodePort and the ALB must stay reachable; OPEN without vpc_cidr admits any address
    anywhere = {"ipBlock": {"cidr": "0.0.0.0/0"}}
    assert pols["shop-dev", "web"]["spec"]["ingress"] == [
        {"from": [anywhere], "ports": ports(("TCP", 3000))}]
    assert pols["shop-dev", "api"]["spec"]["ingress"] == [
        {"from": [anywhere], "ports": ports(("TCP", 8080))}]


def test_cross_namespace_calls_get_both_halves() -> None:
    (prod,) = build("blueprints/network_isolation.py", ("production",))
    pols = netpols(documents(prod))
    assert {ns for ns, name in pols if name == "default-deny"} == {"production", "database"}
    assert pols["database", "database"]["spec"]["ingress"] == [
        {"from": [pods("api", "production"), pods("web", "production")],
         "ports": ports(("TCP", 5432))}]
    web = pols["production", "web"]["spec"]
    assert web["ingress"] == [{"from": [INGRESS_NGINX], "ports": ports(("TCP", 8080))}]
    assert web["egress"] == [
        {"to": [INTERNET, VPC], "ports": ports(("TCP", 443))},
        {"to": [pods("database", "database")], "ports": ports(("TCP", 5432))},
        {"to": [pods("api")], "ports": ports(("TCP", 8080))},
    ]


def test_open_cross_namespace_calls_and_ingress_controller() -> None:
    (prod,) = build("blueprints/microservices.py")
    pols = netpols(documents(prod))
    assert pols["services", "user-service"]["spec"] == {
        "podSelector": {"matchLabels": {"app": "user-service"}},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": [pods("api-gateway-service", "api")],
                     "ports": ports(("TCP", 8081))}],
    }
    assert pols["api", "api-gateway-service"]["spec"]["ingress"] == [
        {"from": [pods("frontend-service", "web"), INGRESS_NGINX], "ports": ports(("TCP", 8080))}]
    assert ("production", "frontend-service") not in pols  # the env namespace runs nothing


def test_meshed_pods_reach_istiod_and_the_ingress_gateway_reaches_exposed_ones() -> None:
    (prod,) = build("blueprints/mesh.py", ("production",))
    pols = netpols(documents(prod))
    assert pols["production", "allow-istiod"]["spec"] == {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [{"to": [pods("istiod", "istio-system") | {
                        "podSelector": {"matchLabels": {"app": "istiod"}}}],
                    "ports": ports(("TCP", 15012))}],
    }
    istio = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-system"}}}
    assert pols["production", "web-app"]["spec"]["ingress"] == [
        {"from": [istio], "ports": ports(("TCP", 8080))}]
    assert Flow("production/api", "istio-system/istiod", "TCP", 15012) in intended_connectivity(
        prod.plan)


# --- where exposures' traffic comes from -----------------------------------------------


def test_every_via_has_a_traffic_source() -> None:
    """Each via but the in-cluster one says where its traffic is from."""
    specs = REGISTRY.specs()
    assert all((s.traffic_from is None) == (s.layer is Layer.CLUSTER) for s in specs)


def ns_peer(name: str) -> dict:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def ip_peers(*cidrs: str) -> list[dict]:
    return [{"ipBlock": {"cidr": c}} for c in cidrs]


MESH = "mesh(ISTIO)\n"


@pytest.mark.parametrize(
    ("via", "settings", "extra", "peers"),
    [
        ("NGINX", "", "", [INGRESS_NGINX]),
        ("NGINX", ", ingress_namespace='edge'", "", [ns_peer("edge")]),
        # Envoy Gateway, netgen's default GatewayClass, runs the proxies in its own namespace
        ("GATEWAY", "", "", [ns_peer("envoy-gateway-system")]),
        ("GATEWAY", ", gateway_namespace='gw'", "", [ns_peer("envoy-gateway-system")]),
        ("GATEWAY", ", gateway='shared-gw/edge'", "", [ns_peer("shared-gw")]),
        ("TCP", ", gateway_controller='istio.io/gateway-controller', gateway_namespace='gw'", "",
         [ns_peer("gw")]),
        ("GATEWAY", ", gateway_proxy_namespace='proxies'", "", [ns_peer("proxies")]),
        ("ISTIO", "", MESH, [ns_peer("istio-system")]),
        ("ISTIO", ", istio_ingress_namespace='mesh-edge'", MESH, [ns_peer("mesh-edge")]),
        ("ISTIO", "", "mesh(ISTIO, ingress_principal='cluster.local/ns/gw-ns/sa/gw')\n",
         [ns_peer("gw-ns")]),
        ("ALB", ", vpc_cidr='10.1.0.0/16'", "", ip_peers("10.1.0.0/16")),
        ("NLB", ", vpc_cidr='10.1.0.0/16'", "", ip_peers("10.1.0.0/16")),
        ("NODEPORT", ", vpc_cidr='10.1.0.0/16'", "", ip_peers("10.1.0.0/16")),
        ("NODEPORT", ", vpc_cidr='10.1.0.0/16', nodeport_cidr='10.1.8.0/22'", "",
         ip_peers("10.1.8.0/22")),
        # without a CIDR: the private ranges, where every VPC and node address lives
        ("ALB", "", "", ip_peers(*PRIVATE_RANGES)),
        ("NLB", "", "", ip_peers(*PRIVATE_RANGES)),
        ("NODEPORT", "", "", ip_peers(*PRIVATE_RANGES)),
        ("NODEPORT", "", "blueprint('bp', vpc_cidr='10.2.0.0/16')\n", ip_peers("10.2.0.0/16")),
    ],
)
def test_exposure_admits_its_real_source_on_the_target_port(
    blueprint_file, via: str, settings: str, extra: str, peers: list  # type: ignore[no-untyped-def]
) -> None:
    path = ", path='/'" if via in ("ALB", "NGINX", "GATEWAY", "ISTIO") else ""
    _, pols = one_env(blueprint_file, (
        f"{extra}env('prod', isolation=STRICT{settings})\n"
        "service('web', image='i', port=80, target_port=3000)\n"
        f"expose('web', via={via}{path})\n"
    ))
    assert pols["prod", "web"]["spec"] == {
        "podSelector": {"matchLabels": {"app": "web"}},
        "policyTypes": ["Ingress"],
        "ingress": [{"from": peers, "ports": ports(("TCP", 3000))}],
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
                              ns_peer("envoy-gateway-system")],
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


def test_external_in_several_subnets(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """A database subnet group spans a subnet per zone; the policy names each, nothing
    between them."""
    _, pols = one_env(blueprint_file, (
        "service('app', image='i', port=80)\n"
        "external('db', host='db.example', port=5432, cidr=['10.0.20.0/24', '10.0.21.0/24'])\n"
        "calls('app', 'db')\n"
    ))
    assert pols["bp", "app"]["spec"]["egress"][0]["to"] == [
        {"ipBlock": {"cidr": "10.0.20.0/24"}}, {"ipBlock": {"cidr": "10.0.21.0/24"}}]


def test_bad_external_cidrs(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    assert errors(blueprint_file, (
        "external('a', host='a.example', port=1, cidr=[])\n"
        "external('b', host='b.example', port=1, cidr=['10.0.0.0/24', '10.1.0.0/33'])\n"
        "external('c', host='c.example', port=1, cidr=7)\n"
    )) == [
        "bp.py:2: error: external('a'): cidr=[] must be a CIDR such as '10.0.0.0/16' or a "
        "list of them",
        "bp.py:3: error: external('b'): cidr='10.1.0.0/33' is not a valid network such as "
        "'10.0.0.0/16'",
        "bp.py:4: error: external('c'): cidr=7 must be a CIDR such as '10.0.0.0/16' or a "
        "list of them",
    ]


# --- diagnostics --------------------------------------------------------------------------


def test_implicit_default_env_is_strict_too(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    plan, pols = one_env(blueprint_file, (
        "service('web', image='i', port=80)\nexpose('web', via=NLB)\n"))
    assert plan.env.name == "default"
    assert sorted(pols) == [("bp", "allow-dns"), ("bp", "default-deny"), ("bp", "web")]
    assert pols["bp", "web"]["spec"]["ingress"] == [
        {"from": ip_peers(*PRIVATE_RANGES), "ports": ports(("TCP", 80))}]
    assert [s.setting for s in plan.network.sources] == [None]  # a default, for lint and docs


def test_bad_settings_are_reported_where_they_were_given(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    assert errors(blueprint_file, (
        "blueprint('bp', nodeport_cidr='10.0.0.0/8x')\n"
        "env('a', vpc_cidr='10.0.0.0/33', ingress_namespace='Ingress_Nginx')\n"
        "env('b', vpc_cidr=['10.0.0.0/16', '10.0.0.1/16'], nodeport_cidr=16)\n"
        "env('c', gateway_proxy_namespace='', istio_ingress_namespace=7, vpc_cidr=[])\n"
        "service('web', image='i', port=80)\n"
        "expose('web', via=NLB)\n"
    )) == [
        "bp.py:2: error: blueprint('bp'): nodeport_cidr='10.0.0.0/8x' is not a valid network "
        "such as '10.0.0.0/16'",
        "bp.py:3: error: env('a'): ingress_namespace 'Ingress_Nginx' is not a valid DNS-1123 "
        "label (lowercase letters, digits and '-', at most 63 characters)",
        "bp.py:3: error: env('a'): vpc_cidr='10.0.0.0/33' is not a valid network such as "
        "'10.0.0.0/16'",
        "bp.py:4: error: env('b'): nodeport_cidr=16 must be a CIDR such as '10.0.0.0/16' or a "
        "list of them",
        "bp.py:4: error: env('b'): vpc_cidr='10.0.0.1/16' is not a valid network such as "
        "'10.0.0.0/16'",
        "bp.py:5: error: env('c'): gateway_proxy_namespace '' is not a valid DNS-1123 label "
        "(lowercase letters, digits and '-', at most 63 characters)",
        "bp.py:5: error: env('c'): istio_ingress_namespace 7 is not a valid DNS-1123 label "
        "(lowercase letters, digits and '-', at most 63 characters)",
        "bp.py:5: error: env('c'): vpc_cidr=[] must be a CIDR such as '10.0.0.0/16' or a list "
        "of them",
    ]


def test_proxies_in_a_managed_namespace_are_an_error(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    assert errors(blueprint_file, (
        "env('prod', isolation=OPEN, gateway_proxy_namespace='prod')\n"
        "service('web', image='i', port=80)\n"
        "service('nginx', image='i', port=80, namespace='ingress-nginx')\n"
        "expose('web', via=GATEWAY, path='/')\n"
        "expose('web', via=NGINX, path='/x')\n"
    )) == [
        "bp.py:5: error: expose('web', via=GATEWAY): the Gateway's proxy pods run in namespace "
        "'prod', which netgen manages: its NetworkPolicies would cut them off and let every pod "
        "there reach 'web'; run them in a namespace of their own and set "
        "env('prod', gateway_proxy_namespace=...)",
        "bp.py:6: error: expose('web', via=NGINX): the ingress controller's pods run in "
        "namespace 'ingress-nginx', which netgen manages: its NetworkPolicies would cut them "
        "off and let every pod there reach 'web'; run them in a namespace of their own and set "
        "env('prod', ingress_namespace=...)",
    ]


def test_a_mesh_control_plane_namespace_is_not_managed(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    assert errors(blueprint_file, (
        "mesh(ISTIO)\n"
        "env('prod', istio_namespace='mesh')\n"
        "service('web', image='i', port=80, namespace='mesh')\n"
    )) == [
        "bp.py:4: error: service('web'): namespace 'mesh' holds the mesh's control plane; "
        "netgen's NetworkPolicies there would cut every pod off from it",
    ]


# the mesh targets reserve their control planes' policies themselves
@pytest.mark.parametrize("name", (*NAMESPACE_WIDE, "allow-istiod", "allow-linkerd"))
def test_service_named_like_a_namespace_wide_policy(blueprint_file, name: str) -> None:  # type: ignore[no-untyped-def]
    assert errors(blueprint_file, f"service({name!r}, image='i', port=80)\n") == [
        f"bp.py:2: error: service({name!r}): its NetworkPolicy would replace the "
        f"namespace-wide policy '{name}'; rename the service",
    ]


def test_kube_system_is_not_managed(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    assert errors(blueprint_file, (
        "env('prod', namespace='kube-system')\n"
        "env('dev')\n"
        "service('web', image='i', port=80)\n"  # said once, at the env: not here too
        "with env('dev'):\n"
        "    service('web', image='i', port=80, namespace='kube-system')\n"
        "service('api', image='i', port=80, namespace='apps')\n"
    )) == [
        "bp.py:2: error: env('prod'): namespace 'kube-system' holds the cluster DNS; netgen's "
        "NetworkPolicies there would cut every pod off from it",
        "bp.py:6: error: service('web'): namespace 'kube-system' holds the cluster DNS; "
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


def test_the_documented_example_is_the_shipped_one() -> None:
    doc = (REPO / "docs" / "networkpolicy.md").read_text()
    example = doc.split("```python\n", 1)[1].split("```", 1)[0]
    shipped = (REPO / "blueprints" / "network_isolation.py").read_text()
    assert example.strip() == shipped.split('"""', 2)[2].strip()
