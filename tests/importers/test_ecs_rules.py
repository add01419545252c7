"""The individual translation rules, each on the smallest input that shows it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from netgen.importers.ecs import EcsSystem, analyse, parse_exports
from netgen.importers.ecs.discovery import hosts_in
from netgen.importers.ecs.model import Backend, DnsName, Forward, PathMatch, Redirect
from netgen.importers.ecs.naming import dns_label, port_name, readable_names
from netgen.importers.ecs.paths import translate_path
from netgen.importers.ecs.probes import liveness, readiness
from netgen.importers.ecs.problems import Source
from netgen.importers.ecs.shapes.ecs import HealthCheck
from netgen.importers.ecs.shapes.elbv2 import Matcher, TargetGroup
from netgen.importers.ecs.workloads import secret_ref
from netgen.importers.ecs.writer import write_blueprint
from tests.importers.ecs_helpers import encode, shop_documents


def analysed(docs: dict[str, Any]) -> EcsSystem:
    return analyse(parse_exports(encode(docs)))


def codes(system: EcsSystem) -> list[str]:
    return [w.code for w in system.warnings]


# --- paths and names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "kind", "value", "warning"),
    [
        ("/api/*", "prefix", "/api", None),
        ("/*", "prefix", "/", None),
        ("*", "prefix", "/", None),
        ("/healthz", "exact", "/healthz", None),
        ("/img/*.png", "prefix", "/img", "path-widened"),
        ("/api/v?/*", "prefix", "/api", "path-widened"),
        ("/static*", "prefix", "/static", "path-narrowed"),
    ],
)
def test_translate_path(pattern: str, kind: str, value: str, warning: str | None):
    match, code = translate_path(pattern)
    assert (match.kind, match.value, match.pattern, code) == (kind, value, pattern, warning)
    assert match.exact_translation is (warning is None)


@pytest.mark.parametrize(
    ("raw", "label"),
    [
        ("web", "web"),
        ("Shop_API__Canary", "shop-api-canary"),
        ("9lives", "svc-9lives"),
        ("--", "svc"),
    ],
)
def test_dns_label(raw: str, label: str):
    assert dns_label(raw) == label


def test_long_names_stay_distinct_and_valid():
    a, b = dns_label("x" * 70 + "a"), dns_label("x" * 70 + "b")
    assert a != b and len(a) <= 63 and len(b) <= 63 and not a.endswith("-")


def test_port_names_are_iana_service_names():
    assert port_name("api-http", 8080, "http") == "api-http"
    assert port_name(None, 8080, "grpc") == "grpc"
    assert port_name(None, 5000, None) == "tcp-5000"
    long = port_name("Orders_Public_HTTP_Port", 9090, None)
    assert len(long) <= 15 and long.startswith("orders-")
    assert port_name("8080", 8080, None) == "p-8080"


# --- secrets, probes ---------------------------------------------------------------------------


def test_secret_refs_never_carry_values():
    arn = "arn:aws:secretsmanager:us-west-2:123456789012:secret:shop/db-Xy7Pq2"
    assert secret_ref("A", arn).ref == arn
    full = secret_ref("B", f"{arn}:password:AWSPREVIOUS:")
    assert (full.store, full.ref, full.json_key, full.version_stage, full.version_id) == (
        "secretsmanager",
        arn,
        "password",
        "AWSPREVIOUS",
        None,
    )
    assert secret_ref("C", "shop-api-key").store == "ssm"  # bare parameter name
    assert secret_ref("D", "arn:aws:s3:::bucket/key").store == "unknown"


def test_liveness_command_forms():
    at = Source("td.json", "$.hc")
    shell = liveness(HealthCheck(("CMD-SHELL", "curl -f localhost || exit 1")), at, [])
    assert shell is not None and shell.command == ("sh", "-c", "curl -f localhost || exit 1")
    assert (shell.period_seconds, shell.timeout_seconds, shell.failure_threshold) == (30, 5, 3)
    plain = liveness(HealthCheck(("CMD", "/bin/check", "--fast")), at, [])
    assert plain is not None and plain.command == ("/bin/check", "--fast")
    assert liveness(HealthCheck(("NONE",)), at, []) is None


def test_readiness_matcher_outside_kubernetes_range_is_warned():
    findings: list = []
    group = TargetGroup(
        "arn:tg",
        "tg",
        Protocol="HTTP",
        HealthCheckPort="8081",
        Matcher=Matcher(HttpCode="200-499"),
    )
    probe = readiness(group, 8080, Source("tg.json", "$.TargetGroups[0]"), findings)
    assert probe is not None and probe.port == 8081 and probe.matcher == "200-499"
    assert [(f.code, f.loc.json_path) for f in findings] == [
        ("health-matcher", "$.TargetGroups[0].Matcher")
    ]


def test_tcp_target_group_gives_tcp_probe():
    group = TargetGroup("arn:tg", "tg", Protocol="TCP", HealthCheckProtocol="TCP")
    probe = readiness(group, 9000, Source("f", "$"), [])
    assert probe is not None and (probe.kind, probe.port, probe.path) == ("tcp", 9000, None)


def test_hosts_in_env_values():
    names = (
        DnsName("orders.shop.local", "cloud-map", "orders"),
        DnsName("orders", "service-connect", "orders", 9090),
    )
    assert hosts_in("http://ORDERS.shop.local:9090/x", names) == ("orders.shop.local",)
    assert hosts_in("orders.shop.local.evil.com", names) == ()
    assert hosts_in("/var/lib/orders", names) == ()
    assert hosts_in("http://orders:9090", names) == ("orders",)


# --- grouping and routes --------------------------------------------------------------------------


def test_versions_follow_weight_not_file_order():
    docs = shop_documents()
    services = docs["ecs-services.json"]["services"]
    services[1], services[2] = services[2], services[1]
    versions = analysed(docs).service("api").versions
    assert [(v.name, v.ecs_service) for v in versions] == [("v1", "api"), ("v2", "api-canary")]


def test_weighted_forward_alone_groups_services():
    docs = shop_documents()
    for service in docs["ecs-services.json"]["services"]:
        service["serviceRegistries"] = []
    system = analysed(docs)
    assert [s.name for s in system.services] == ["admin", "api", "orders", "web"]
    assert [v.ecs_service for v in system.service("api").versions] == ["api", "api-canary"]


def test_cloud_map_alone_groups_services_and_names_the_group():
    docs = shop_documents()
    services = docs["ecs-services.json"]["services"]
    services[1]["serviceName"] = "checkout-stable"
    services[2]["serviceName"] = "canary"
    rules = docs["rules-https-443.json"]["Rules"]
    rules[3]["Actions"][0]["ForwardConfig"]["TargetGroups"].pop()  # no weighted forward left
    system = analysed(docs)
    (api,) = [s for s in system.services if len(s.versions) == 2]
    assert api.name == "api"  # the Cloud Map service name
    # Without weights, the oldest ECS service is primary.
    assert [(v.name, v.ecs_service) for v in api.versions] == [
        ("v1", "checkout-stable"),
        ("v2", "canary"),
    ]


def test_shared_target_group_splits_weight_by_replicas():
    docs = shop_documents()
    canary = docs["ecs-services.json"]["services"][2]
    elb = "arn:aws:elasticloadbalancing:us-west-2:123456789012"
    v1 = f"{elb}:targetgroup/shop-api-v1/1f2e3d4c5b6a7980"
    canary["loadBalancers"][0]["targetGroupArn"] = v1
    forward = docs["rules-https-443.json"]["Rules"][3]["Actions"][0]["ForwardConfig"]
    forward["TargetGroups"] = forward["TargetGroups"][:1]
    system = analysed(docs)
    route = system.ingresses[0].listeners[1].routes[2]
    # api (4 replicas) and api-canary (1 replica) both in shop-api-v1: the group's
    # weight 80 is split 4:1 and covers all versions, so it stays one backend.
    assert route.action == Forward((Backend("api", None, 8080, 80, "shop-api-v1"),))


def test_redirect_that_changes_the_path_is_a_route_not_a_flag():
    docs = shop_documents()
    redirect = docs["rules-http-80.json"]["Rules"][0]["Actions"][0]["RedirectConfig"]
    redirect["Path"] = "/shop/#{path}"
    redirect["StatusCode"] = "HTTP_302"
    http = analysed(docs).ingresses[0].listeners[0]
    assert not http.https_redirect
    (route,) = http.routes
    assert route.action == Redirect(302, "HTTPS", None, 443, "/shop/#{path}", None)


def test_listener_without_exported_rules_uses_its_default_action():
    docs = shop_documents()
    del docs["rules-https-443.json"]
    system = analysed(docs)
    https = system.ingresses[0].listeners[1]
    assert [r.priority for r in https.routes] == [None]
    assert https.routes[0].action == Forward((Backend("web", None, 3000, 1, "shop-web"),))
    assert "rules-not-exported" in codes(system)


def test_dropped_conditions_and_actions_are_warned():
    docs = shop_documents()
    rule = docs["rules-https-443.json"]["Rules"][0]
    rule["Conditions"].append({"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/8"]}})
    rule["Actions"].insert(
        0, {"Type": "authenticate-oidc", "Order": 0, "AuthenticateOidcConfig": {}}
    )
    system = analysed(docs)
    found = [(w.code, w.loc.json_path) for w in system.warnings if w.loc.file.startswith("rules")]
    assert ("action-dropped", "$.Rules[0].Actions[0]") in found
    # a source-ip condition is read; whether it is carried depends on --via (exposures)
    routes = [r for i in system.ingresses for li in i.listeners for r in li.routes]
    assert ("10.0.0.0/8",) in [r.source_ips for r in routes]


def test_path_pattern_from_legacy_values_only():
    docs = shop_documents()
    condition = docs["rules-https-443.json"]["Rules"][3]["Conditions"][0]
    del condition["PathPatternConfig"]
    route = analysed(docs).ingresses[0].listeners[1].routes[2]
    assert route.paths == (PathMatch("prefix", "/api", "/api/*"),)


# --- flows ----------------------------------------------------------------------------------


def test_cidr_rule_covering_subnets_and_unknown_peer_group():
    docs = shop_documents()
    web = docs["security-groups.json"]["SecurityGroups"][3]
    web["IpPermissions"][0]["IpRanges"].append({"CidrIp": "10.20.10.0/23"})
    web["IpPermissions"][0]["UserIdGroupPairs"].append(
        {"UserId": "210987654321", "GroupId": "sg-0999999999999999a"}
    )
    system = analysed(docs)
    by_code = {w.code: w for w in system.warnings}
    assert by_code["cidr-rule"].loc.json_path == "$.SecurityGroups[3].IpPermissions[0].IpRanges[0]"
    assert "shop-private-a, shop-private-b" in by_code["cidr-rule"].message
    assert by_code["unknown-peer-group"].loc.json_path.endswith(".UserIdGroupPairs[1]")


def test_all_traffic_rule_means_all_ports():
    docs = shop_documents()
    orders = docs["security-groups.json"]["SecurityGroups"][5]
    orders["IpPermissions"] = [
        {
            "IpProtocol": "-1",
            "UserIdGroupPairs": [{"UserId": "123456789012", "GroupId": "sg-0b71e4d2a9c36f518"}],
        }
    ]
    flows = [f for f in analysed(docs).flows if f.destination.name == "orders"]
    assert [(f.source.name, f.protocol, f.port_from, f.port_to) for f in flows] == [
        ("web", "ANY", None, None)
    ]


def test_inactive_services_are_skipped():
    docs = shop_documents()
    docs["ecs-services.json"]["services"][3]["status"] = "DRAINING"
    system = analysed(docs)
    assert "orders" not in [s.name for s in system.services]
    assert "inactive-service" in codes(system)


def test_service_connect_default_alias_name():
    docs = shop_documents()
    deployment = docs["ecs-services.json"]["services"][3]["deployments"][0]
    del deployment["serviceConnectConfiguration"]["services"][0]["clientAliases"][0]["dnsName"]
    assert analysed(docs).dns_name("orders.shop.local") == DnsName(
        "orders.shop.local", "service-connect", "orders", 9090
    )


def test_fixture_is_valid_json_as_the_cli_prints_it():
    for name, doc in shop_documents().items():
        assert json.loads(json.dumps(doc, indent=4)) == doc, name


def test_every_service_connect_entry_is_carried_or_warned():
    """A 4-entry configuration (the shape of the ECS Service Connect tutorial's): the
    first entry's names are rewritten; every other entry, the ingress port override, the
    timeouts and TLS are each a warning at their own JSON path."""
    docs = shop_documents()
    orders = docs["ecs-services.json"]["services"][3]
    config = orders["deployments"][0]["serviceConnectConfiguration"]
    config["services"][0]["timeout"] = {"perRequestTimeoutSeconds": 30, "idleTimeoutSeconds": 60}
    config["services"] += [
        {"portName": "orders-admin", "discoveryName": "orders-admin",
         "clientAliases": [{"port": 9091, "dnsName": "orders-admin.shop.local"}]},
        {"portName": "orders-grpc", "clientAliases": [{"port": 50051}],
         "ingressPortOverride": 15051},
        {"portName": "orders-metrics", "clientAliases": [{"port": 9102}],
         "tls": {"issuerCertificateAuthority": {"awsPcaAuthorityArn": "arn:aws:acm-pca:x"},
                 "kmsKey": "alias/sc"}},
    ]
    system = analysed(docs)
    where = "$.services[3].deployments[0].serviceConnectConfiguration.services"
    found = [(w.code, w.loc.json_path) for w in system.warnings
             if w.loc.file == "ecs-services.json"]
    assert found == [
        ("service-connect-timeout", f"{where}[0].timeout"),
        ("service-connect-endpoint", f"{where}[1]"),
        ("service-connect-timeout", f"{where}[1]"),
        ("service-connect-endpoint", f"{where}[2]"),
        ("service-connect-ingress-port", f"{where}[2].ingressPortOverride"),
        ("service-connect-timeout", f"{where}[2]"),
        ("service-connect-endpoint", f"{where}[3]"),
        ("service-connect-timeout", f"{where}[3]"),
        ("service-connect-tls", f"{where}[3].tls"),
    ]
    assert "a per-request timeout of 30 s and an idle timeout of 60 s" in system.warnings[1].message
    # every entry's client alias still resolves, to the one Service
    assert {d.host for d in system.dns_names if d.target == "orders"} >= {
        "orders.shop.local", "orders-admin.shop.local"}


@pytest.mark.parametrize(("raw", "readable"), [
    (["shop-prod-OrderService-1ABC2DEF3GH4", "shop-prod-WebService-9ZYX8WVU7TS6"],
     ["order-service", "web-service"]),
    (["Stack-ServiceName-1ABC2DEF3"], ["service-name"]),
    (["shop-prod-api-1ABC2DEF3GH4", "shop-prod-web-9ZYX8WVU7TS6"], ["api", "web"]),
    (["shop-api", "shop-web"], ["shop-api", "shop-web"]),  # not generated: kept
    # the same logical id in two stacks: shortening would merge them, so nothing is shortened
    (["a-Web-1ABC2DEF3GH4", "b-Web-9ZYX8WVU7TS6"], ["a-web-1abc2def3gh4", "b-web-9zyx8wvu7ts6"]),
])
def test_cloudformation_names_become_readable(raw: list[str], readable: list[str]):
    assert [readable_names(raw)[n] for n in raw] == readable


def test_generated_service_names_are_shortened_and_listed(tmp_path):
    docs = shop_documents()
    for i, s in enumerate(docs["ecs-services.json"]["services"]):
        logical = "".join(w.capitalize() for w in s["serviceName"].split("-"))
        s["serviceName"] = f"shop-prod-{logical}Service-1ABC2DEF3GH{i}"
    system = analysed(docs)
    assert [s.name for s in system.services] == ["admin-service", "api", "orders-service",
                                                 "web-service"]
    text = write_blueprint(system).text
    assert "#     shop-prod-ApiCanaryService-1ABC2DEF3GH2 -> api v2\n" in text


def test_urls_through_the_old_load_balancer_call_the_service_directly():
    """A URL with the ALB's DNS name, or a host its rules route, went through one of its
    rules to a migrated service: the value names the service now, and the call is declared;
    any other host is an external with the call."""
    docs = shop_documents()
    web = docs["td-shop-web-7.json"]["taskDefinition"]["containerDefinitions"][0]
    dns = docs["alb.json"]["LoadBalancers"][0]["DNSName"]
    web["environment"] += [
        {"name": "API_PUBLIC", "value": f"http://{dns}/api/v1/products"},
        {"name": "ADMIN_URL", "value": "https://admin.shop.example.com/dashboard"},
        {"name": "PAYMENTS_API", "value": "https://api.stripe.com"},
    ]
    system = analysed(docs)
    web_env = system.service("web").versions[0].container.env
    env = next(e for e in web_env if e.name == "API_PUBLIC")
    assert [(link.text, link.service) for link in env.links] == [(f"http://{dns}", "api")]
    text = write_blueprint(system).text
    assert '"API_PUBLIC": "http://api.shop.svc.cluster.local:8080/api/v1/products"' in text
    assert '"ADMIN_URL": "http://admin.shop.svc.cluster.local' in text
    assert 'external("api-stripe", host="api.stripe.com", port=443, alias=False)' in text
    assert {(e.source, e.target) for e in system.egress} >= {
        ("web", "api"), ("web", "admin"), ("web", "api-stripe")}
