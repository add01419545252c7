"""Defects an outside review found in blueprints outside the examples: what the controllers
refuse or do with the output, and what netgen now refuses or writes instead."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from netgen.problems import ProblemError
from tests.conftest import build, documents
from tests.targets.test_exposure_schemas import crd_errors, ingress_errors

MakeBlueprint = Callable[[str], Path]


def errors(blueprint_file: MakeBlueprint, source: str) -> list[str]:
    path = blueprint_file(source)
    with pytest.raises(ProblemError) as raised:
        build(path)
    return [d.render().replace(str(path), "bp.py") for d in raised.value.problems]


def objects(blueprint_file: MakeBlueprint, source: str, env: str = "prod"
            ) -> dict[tuple[str, str], dict[str, Any]]:
    compiled = {c.plan.env.name: c for c in build(blueprint_file(source))}
    return {(d["kind"], d["metadata"]["name"]): d for d in documents(compiled[env])}


def valid(docs: dict[tuple[str, str], dict[str, Any]]) -> None:
    for d in docs.values():
        group = d["apiVersion"].partition("/")[0]
        problems = crd_errors(d) if group == "gateway.networking.k8s.io" else ingress_errors(d)
        assert not problems, (d["kind"], d["metadata"]["name"], problems)


# --- F1: one ALB (IngressGroup) redirects to one HTTPS port, one protocol per listener ----

ALB = """\
from netgen import *
blueprint("albp", domain="p.example.com")
env("prod", namespace="albp", tls=acm("arn:aws:acm:us-east-1:1:certificate/x"))
service("web", port=80, image="o/web:1")
service("adm", port=80, image="o/adm:1")
"""


def test_alb_group_with_two_ssl_redirect_ports_is_refused(blueprint_file: MakeBlueprint) -> None:
    """The AWS Load Balancer Controller collects `ssl-redirect` over the group and fails the
    group's model build on two values ("conflicting sslRedirect port"): no Ingress of the
    group is reconciled. netgen wrote 8443 on one Ingress and 443 on the other (exit 0)."""
    found = errors(blueprint_file, ALB + 'expose("web", via=ALB, ports=[8443])\n'
                                         'expose("adm", via=ALB, host="adm.p.example.com")\n')
    assert found == [
        "bp.py:7: error: expose('adm', via=ALB): redirects HTTP to HTTPS port 443, but 'web' "
        "at bp.py:6 redirects to port 8443 on the same ALB (group 'albp-prod'); the "
        "controller takes one ssl-redirect port per group and refuses the whole group "
        "otherwise (conflicting sslRedirect port); give both the same first port in ports=, "
        "or use group= to get another ALB"]


def test_alb_redirect_ports_agree_or_groups_differ(blueprint_file: MakeBlueprint) -> None:
    same = objects(blueprint_file, ALB + 'expose("web", via=ALB, ports=[8443])\n'
                                         'expose("adm", via=ALB, host="adm.p.example.com", '
                                         'ports=[8443, 443])\n')
    valid(same)
    key = "alb.ingress.kubernetes.io/ssl-redirect"
    assert {d["metadata"]["annotations"][key] for d in same.values()
            if d["kind"] == "Ingress"} == {"8443"}
    split = objects(blueprint_file, ALB + 'expose("web", via=ALB, ports=[8443])\n'
                                          'expose("adm", via=ALB, host="adm.p.example.com", '
                                          'group="admin")\n')
    assert split[("Ingress", "web")]["metadata"]["annotations"][key] == "8443"
    assert split[("Ingress", "adm")]["metadata"]["annotations"][key] == "443"


def test_alb_http_and_https_on_one_listener_port_is_refused(
        blueprint_file: MakeBlueprint) -> None:
    """The controller merges each listener port over the group and fails it when one
    Ingress says HTTP and another HTTPS for the same port ("conflicting protocol")."""
    source = """\
from netgen import *
blueprint("albp", domain="p.example.com")
env("prod", namespace="albp")
service("web", port=80, image="o/web:1")
service("adm", port=80, image="o/adm:1")
expose("web", via=ALB, ports=[8443], tls=acm("arn:aws:acm:us-east-1:1:certificate/x"),
       redirect_https=False)
expose("adm", via=ALB, host="adm.p.example.com", ports=[8443])
"""
    assert errors(blueprint_file, source) == [
        "bp.py:8: error: expose('adm', via=ALB): listens with HTTP on port 8443, but 'web' at "
        "bp.py:6 listens with HTTPS on it on the same ALB (group 'albp-prod'); one listener "
        "has one protocol and the controller refuses the whole group otherwise (conflicting "
        "protocol); choose other ports=, or use group= to get another ALB"]


# --- F5: a Gateway API redirect route takes only the TLS routes' own requests -----------

GATEWAY = """\
from netgen import *
blueprint("gr", domain="gr.example.com")
env("prod", namespace="gr")
service("web", port=80, target_port=8080, image="o/web:1")
service("api", port=8080, image="o/api:1")
"""
REDIRECT = [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https",
                                                            "statusCode": 301}}]


@pytest.mark.parametrize("names", [("secure", "plain"), ("a-secure", "plain")])
def test_gateway_redirect_matches_only_the_tls_routes(
        blueprint_file: MakeBlueprint, names: tuple[str, str]) -> None:
    """The redirect HTTPRoute matched every path; beside a plain route's `/` on the same
    host and `http` listener the two tied (Gateway API: most specific hostname, path,
    method, headers, query; then the oldest Route, then `{namespace}/{name}`), so either
    `http://host/api` reached 'web' in plain text or every request was redirected and
    'web' (redirect_https=False, on `http` only) was unreachable, by the routes' names."""
    secure, plain = names
    docs = objects(blueprint_file, GATEWAY + (
        f'expose("api", via=GATEWAY, path="/api", tls=tls_secret("gr-tls"), route="{secure}")\n'
        f'expose("web", via=GATEWAY, path="/", redirect_https=False, route="{plain}")\n'))
    valid(docs)
    redirect = docs[("HTTPRoute", f"{secure}-redirect")]["spec"]
    assert redirect["parentRefs"] == [{"name": "gr-prod", "sectionName": "http"}]
    assert redirect["rules"] == [{"name": "api", "filters": REDIRECT, "matches": [
        {"path": {"type": "PathPrefix", "value": "/api"}}]}]
    served = docs[("HTTPRoute", plain)]["spec"]
    assert served["rules"][0]["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    assert {p["sectionName"] for p in served["parentRefs"]} == {"http"}


def test_gateway_redirect_keeps_headers_methods_and_query(
        blueprint_file: MakeBlueprint) -> None:
    """A TLS route matched by a header beside a plain route on its path: the redirect must
    be as specific as the TLS route (more headers win), or it ties with the plain one."""
    docs = objects(blueprint_file, GATEWAY + (
        'expose("api", via=GATEWAY, path="/api", tls=tls_secret("gr-tls"), route="secure",\n'
        '       match=header("X-Beta", "1"), methods=["GET", "HEAD"], query={"v": "2"})\n'
        'expose("web", via=GATEWAY, path="/api", redirect_https=False, route="plain")\n'))
    valid(docs)
    rules = docs[("HTTPRoute", "secure-redirect")]["spec"]["rules"]
    match = {"path": {"type": "PathPrefix", "value": "/api"},
             "headers": [{"name": "X-Beta", "value": "1"}],
             "queryParams": [{"name": "v", "value": "2"}]}
    assert rules == [{"name": "api", "filters": REDIRECT,
                      "matches": [{**match, "method": "GET"}, {**match, "method": "HEAD"}]}]


# --- F6: an NLB in front of a UDP service --------------------------------------------------

NLB = """\
from netgen import *
blueprint("nlbt", domain="nlb.example.com")
env("prod", namespace="nlbt", vpc_cidr="10.8.0.0/16",
    tls=acm("arn:aws:acm:us-east-1:1:certificate/x"))
service("dns", port=53, image="o/dns:1", protocol="UDP")
"""
SVC = "service.beta.kubernetes.io/aws-load-balancer-"


def test_udp_nlb_takes_no_certificate(blueprint_file: MakeBlueprint) -> None:
    """TLS runs over TCP: `ssl-ports: "53"` on a UDP-only port was a certificate the NLB
    cannot apply, silently (the environment's); an explicit one is an error."""
    docs = objects(blueprint_file, NLB + 'expose("dns", via=NLB)\n')
    valid(docs)
    annotations = docs[("Service", "dns-lb")]["metadata"]["annotations"]
    assert not any(k.startswith(SVC + "ssl-") for k in annotations), annotations
    assert errors(blueprint_file, NLB + 'expose("dns", via=NLB, '
                                        'tls=acm("arn:aws:acm:us-east-1:1:certificate/y"))\n') == [
        "bp.py:6: error: expose('dns', via=NLB): TLS runs over TCP, and 'dns' serves UDP port "
        "53: NLB cannot terminate TLS for it; drop tls="]


def test_udp_nlb_health_check_is_tcp_and_admitted(blueprint_file: MakeBlueprint) -> None:
    """The controller health-checks a target group over TCP on the traffic port by default
    (HTTP/HTTPS/TCP only, no UDP); the policy admitted only UDP 53, so every target was
    unhealthy and the NLB failed open."""
    docs = objects(blueprint_file, NLB + 'expose("dns", via=NLB)\n')
    annotations = docs[("Service", "dns-lb")]["metadata"]["annotations"]
    assert annotations[SVC + "healthcheck-protocol"] == "tcp"
    assert annotations[SVC + "healthcheck-port"] == "traffic-port"
    [rule] = docs[("NetworkPolicy", "dns")]["spec"]["ingress"]
    assert rule["from"] == [{"ipBlock": {"cidr": "10.8.0.0/16"}}]
    assert sorted((p["protocol"], p["port"]) for p in rule["ports"]) == [("TCP", 53),
                                                                         ("UDP", 53)]
    tcp = objects(blueprint_file, NLB.replace('protocol="UDP"', 'protocol="TCP"') +
                  'expose("dns", via=NLB)\n')
    assert SVC + "healthcheck-port" not in tcp[("Service", "dns-lb")]["metadata"]["annotations"]
    [rule] = tcp[("NetworkPolicy", "dns")]["spec"]["ingress"]
    assert rule["ports"] == [{"protocol": "TCP", "port": 53}]


def test_udp_service_port_is_named_udp(blueprint_file: MakeBlueprint) -> None:
    docs = objects(blueprint_file, NLB + 'expose("dns", via=NLB)\n')
    assert docs[("Service", "dns")]["spec"]["ports"][0]["name"] == "udp"
    container = docs[("Deployment", "dns")]["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"] == [{"name": "udp", "containerPort": 53, "protocol": "UDP"}]


def test_udp_external_port_is_named_udp(blueprint_file: MakeBlueprint) -> None:
    """Also on 80 or 443 (it was `tcp`, or `http` on 80, beside protocol UDP)."""
    for port in (53, 443):
        docs = objects(blueprint_file, NLB + f'external("ntp", host="ntp.example.com", '
                                             f'port={port}, protocol="UDP")\n')
        (entry,) = docs[("Service", "ntp")]["spec"]["ports"]
        assert (entry["name"], entry["protocol"]) == ("udp", "UDP")


# --- F8: a clash of generated object names names the declarations' lines ------------------

NAMES = """\
from netgen import *
blueprint("names", domain="n.example.com")
env("prod", namespace="names")
"""


@pytest.mark.parametrize(("body", "message"), [
    ('service("api", port=8080, image="a/api:1", versions=["v1", "v2"])\n'
     'service("api-canary", port=8080, image="a/apic:1")\n'
     'expose("api", via=NGINX, path="/api", canary=0.2)\n'
     'expose("api-canary", via=NGINX, host="c.n.example.com")\n',
     "bp.py:7: error: environment 'prod': two objects Ingress 'api-canary' in namespace "
     "'names', one for this declaration and one for the one at bp.py:6; rename one of the "
     "services or exposures"),
    ('service("web", port=80, image="a/w:1")\n'
     'service("web-lb", port=80, image="a/w:1")\n'
     'expose("web", via=NLB)\n',
     "bp.py:6: error: environment 'prod': two objects Service 'web-lb' in namespace "
     "'names', one for this declaration and one for the one at bp.py:5; rename one of the "
     "services or exposures"),
    ('service("web", port=80, image="a/w:1")\n'
     'service("api", port=80, image="a/a:1")\n'
     'expose("web", via=GATEWAY, host="a.n.example.com", tls=tls_secret("t"), route="web")\n'
     'expose("api", via=GATEWAY, host="b.n.example.com", route="web-redirect")\n',
     "bp.py:7: error: environment 'prod': two objects HTTPRoute 'web-redirect' in namespace "
     "'names', one for this declaration and one for the one at bp.py:6; rename one of the "
     "services or exposures"),    ('mesh(LINKERD)\n'
     'service("web", port=80, image="a/w:1")\n'
     'service("api", port=80, image="a/a:1", versions=["v1", "v2"])\n'
     'traffic("api", split={"v1": 90, "v2": 10})\n'
     'expose("web", via=GATEWAY, host="a.n.example.com", route="api-mesh")\n',
     "bp.py:8: error: environment 'prod': two objects HTTPRoute 'api-mesh' in namespace "
     "'names', one for this declaration and one for the one at bp.py:7; rename one of the "
     "services or exposures"),
])
def test_object_name_clash_names_both_lines(
        blueprint_file: MakeBlueprint, body: str, message: str) -> None:
    """These were `error: environment 'prod': two objects ...` without a file or line."""
    assert errors(blueprint_file, NAMES + body) == [message]
