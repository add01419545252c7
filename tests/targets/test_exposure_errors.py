"""Every combination a backend cannot express is an error naming the backend, the feature
and the blueprint line: from the capability table, and from the checks that span routes
(one ALB, one host's canary Ingress, one Gateway listener)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from netgen.problems import ProblemError
from tests.conftest import build

HEADER = """\
from netgen import *
blueprint("shop", domain="shop.example.com")
env("prod", namespace="prod")
service("api", port=8080, image="a:1", versions=["v1", "v2"])
service("web", port=80, image="w:1")
service("db", port=5432, image="pg:16")
service("grpc", port=50051, image="g:1", app_protocol="grpc")
"""
FIRST = HEADER.count("\n") + 1  # the line of the first test-specific declaration

MakeBlueprint = Callable[[str], Path]


def diagnostics(blueprint_file: MakeBlueprint, body: str, header: str = HEADER) -> list[str]:
    path = blueprint_file(header + body)
    with pytest.raises(ProblemError) as raised:
        build(path)
    return [d.render().replace(str(path), "bp.py") for d in raised.value.problems]


def at(offset: int, message: str) -> str:
    return f"bp.py:{FIRST + offset}: error: {message}"


# --- the capability table ------------------------------------------------------------------

CAPABILITY = [
    ('expose("api", via=ALB, canary=0.2, match=header("X-Canary"))',
     "expose('api', via=ALB): ALB cannot switch to the canary by a header's always/never "
     "(a header without a value) (use NGINX)"),
    ('expose("api", via=GATEWAY, canary=0.2, match=header("X-Canary"))',
     "expose('api', via=GATEWAY): GATEWAY cannot switch to the canary by a header's "
     "always/never (a header without a value) (use NGINX)"),
    ('expose("api", via=ALB, path="/api", rewrite="/")',
     "expose('api', via=ALB): ALB cannot rewrite paths (use NGINX, GATEWAY or ISTIO)"),
    ('expose("web", via=ALB, rate_limit=rate_limit(rpm=60))',
     "expose('web', via=ALB): ALB cannot rate-limit requests (use NGINX)"),
    ('expose("web", via=ALB, auth=basic("htpasswd"))',
     "expose('web', via=ALB): ALB cannot require basic auth (use NGINX)"),
    ('expose("web", via=ALB, tls=tls_secret("web-tls"))',
     "expose('web', via=ALB): ALB cannot terminate TLS with a Secret "
     "(use NGINX, GATEWAY or ISTIO)"),
    ('expose("web", via=ALB, path="/a(.*)", path_type="Regex")',
     "expose('web', via=ALB): ALB cannot match regular-expression paths (use NGINX)"),
    ('expose("web", via=NGINX, tls=acm("arn:aws:acm:us-east-1:1:certificate/x"))',
     "expose('web', via=NGINX): NGINX cannot terminate TLS with an ACM certificate "
     "(use NLB or ALB)"),
    ('expose("web", via=NGINX, health=health_check("/healthz"))',
     "expose('web', via=NGINX): NGINX cannot configure load balancer health checks "
     "(use NLB or ALB)"),
    ('expose("web", via=NGINX, group="public")',
     "expose('web', via=NGINX): NGINX cannot share a load balancer through a group (use ALB)"),
    ('expose("web", via=NGINX, scheme="internal")',
     "expose('web', via=NGINX): NGINX cannot choose internal or internet-facing "
     "(use NLB or ALB)"),
    ('expose("web", via=GATEWAY, rate_limit=rate_limit(connections=10))',
     "expose('web', via=GATEWAY): GATEWAY cannot rate-limit requests (use NGINX)"),
    ('expose("web", via=GATEWAY, auth=basic("htpasswd"))',
     "expose('web', via=GATEWAY): GATEWAY cannot require basic auth (use NGINX)"),
    ('expose("web", via=GATEWAY, path="/a(.*)", path_type="Regex")',
     "expose('web', via=GATEWAY): GATEWAY cannot match regular-expression paths (use NGINX)"),
    ('expose("web", via=GATEWAY, health=health_check("/healthz"))',
     "expose('web', via=GATEWAY): GATEWAY cannot configure load balancer health checks "
     "(use NLB or ALB)"),
    ('expose("db", via=TCP, host="db.example.com")',
     "expose('db', via=TCP): TCP cannot route by host name (use ALB, NGINX, GATEWAY or ISTIO)"),
    ('expose("db", via=TCP, match=header("X-A", "1"))',
     "expose('db', via=TCP): TCP cannot match headers (use ALB, NGINX, GATEWAY or ISTIO)"),
]


@pytest.mark.parametrize(("body", "message"), CAPABILITY, ids=[m for _, m in CAPABILITY])
def test_capability_errors(blueprint_file: MakeBlueprint, body: str, message: str) -> None:
    assert diagnostics(blueprint_file, body + "\n") == [at(0, message)]


def test_every_missing_feature_is_reported_at_once(blueprint_file: MakeBlueprint) -> None:
    body = ('service("x", port=80, image="x:1")\n'
            'expose("x", via=ALB, rewrite="/", rate_limit=rate_limit(rpm=1), auth=basic("s"))\n')
    assert diagnostics(blueprint_file, body) == [
        at(1, "expose('x', via=ALB): ALB cannot rate-limit requests (use NGINX)"),
        at(1, "expose('x', via=ALB): ALB cannot require basic auth (use NGINX)"),
        at(1, "expose('x', via=ALB): ALB cannot rewrite paths (use NGINX, GATEWAY or ISTIO)"),
    ]


def test_a_wildcard_header_without_a_value_is_one_error(blueprint_file: MakeBlueprint) -> None:
    """It asked for a wildcard match and forgot the value: not also the canary switch that
    ALB cannot make."""
    body = 'expose("api", via=ALB, canary=0.2, match=header("X-A", wildcards=True))\n'
    assert diagnostics(blueprint_file, body) == [
        at(0, "expose('api'): header 'X-A': wildcards=True needs a value")]


def test_gateway_cannot_silently_drop_the_environments_acm_certificate(
    blueprint_file: MakeBlueprint,
) -> None:
    """The environment's ACM certificate applies to every exposure that terminates TLS; a
    backend that cannot use ACM is an error, not a host served without TLS."""
    cert = 'tls=acm("arn:aws:acm:x:1:certificate/c")'
    header = HEADER.replace('env("prod", namespace="prod")',
                            f'env("prod", namespace="prod", {cert})')
    source = header + 'expose("web", via=GATEWAY)\nexpose("api", via=ALB, path="/api")\n'
    path = blueprint_file(source)
    with pytest.raises(ProblemError) as caught:
        build(path)
    (d,) = caught.value.problems
    assert d.message == ("expose('web', via=GATEWAY): GATEWAY cannot terminate TLS with an "
                         "ACM certificate (use NLB or ALB)")


# --- what spans routes: ingress-nginx ---------------------------------------------------------

def test_nginx_needs_a_main_route_for_a_header_route(blueprint_file: MakeBlueprint) -> None:
    assert diagnostics(blueprint_file, 'expose("web", via=NGINX, match=header("X-A", "1"))\n') \
        == [at(0, "expose('web', via=NGINX): NGINX can route by header only through a canary "
                  "Ingress, which needs a route without match= on the same host and path")]


def test_nginx_cannot_do_the_seeds_region_routing(blueprint_file: MakeBlueprint) -> None:
    body = ('service("api-west", port=8080, image="a:1")\n'
            'expose("api", via=NGINX, match=header("X-User-Type", "beta"), version="v2")\n'
            'expose("api-west", via=NGINX, match=header("X-Region", "us-west"))\n'
            'expose("api", via=NGINX, canary=0.2)\n')
    assert diagnostics(blueprint_file, body) == [
        at(2, "expose('api-west', via=NGINX): NGINX allows one canary Ingress per host and "
              f"path, and 'api' at bp.py:{FIRST + 1} already routes by header here"),
    ]


def test_nginx_header_route_limits(blueprint_file: MakeBlueprint) -> None:
    body = ('expose("api", via=NGINX, path="/a", canary=0.2, '
            'match=[header("X-A", "1"), header("X-B", "2")])\n'
            'expose("api", via=NGINX, path="/b", canary=0.2)\n'
            'expose("web", via=NGINX, path="/b", match=header("X-C", "3"))\n'
            'expose("web", via=NGINX, path="/c")\n'
            'expose("web", via=NGINX, path="/c", match=header("X-D", "4"))\n')
    assert diagnostics(blueprint_file, body) == [
        at(0, "expose('api', via=NGINX): NGINX can match one header per canary Ingress "
              "(canary-by-header); this route matches 2"),
        at(2, "expose('web', via=NGINX): NGINX sends header-matched requests to the canary "
              "Ingress's Service 'api-v2' (the canary of "
              f"'api' at bp.py:{FIRST + 1}); this route goes to 'web'"),
        at(4, "expose('web', via=NGINX): goes to 'web' like the route without match= ('web' "
              f"at bp.py:{FIRST + 3}), and a canary Ingress cannot share the main Ingress's "
              "Service"),
    ]


def test_nginx_canary_service_cannot_also_be_a_main_backend(
    blueprint_file: MakeBlueprint,
) -> None:
    body = ('expose("api", via=NGINX, path="/api", canary=0.1)\n'
            'expose("api", via=NGINX, path="/v2", version="v2")\n')
    assert diagnostics(blueprint_file, body) == [
        at(1, "expose('api', via=NGINX): ingress-nginx marks Service 'api-v2' as a canary (for "
              f"'api' at bp.py:{FIRST}), so it cannot also be the main backend of another "
              "Ingress"),
    ]


def test_nginx_regex_hosts_and_strict_paths(blueprint_file: MakeBlueprint) -> None:
    body = ('expose("api", via=NGINX, path="/api", rewrite="/")\n'
            'expose("web", via=NGINX, path="/about", path_type="Exact")\n'
            'expose("web", via=NGINX, host="other.example.com", path="/v1.0")\n')
    assert diagnostics(blueprint_file, body) == [
        at(1, "expose('web', via=NGINX): NGINX matches every path of host 'shop.example.com' "
              "as a regex because one of them rewrites or uses a regex (use-regex is per "
              "host), so the Exact path '/about' would match as a prefix; use another host or "
              "GATEWAY"),
        at(2, "expose('web', via=NGINX): ingress-nginx (strict-validate-path-type, on since "
              "1.12) accepts only letters, digits, '/', '_' and '-' in path '/v1.0'"),
    ]


# --- what spans routes: one ALB ----------------------------------------------------------------

def test_alb_group_shares_scheme_and_redirect(blueprint_file: MakeBlueprint) -> None:
    acm = 'tls=acm("arn:aws:acm:us-east-1:1:certificate/x")'
    body = (f'expose("web", via=ALB, {acm})\n'
            f'expose("api", via=ALB, path="/api", scheme="internal", {acm})\n'
            f'expose("api", via=ALB, path="/v2", version="v2", {acm}, redirect_https=False)\n'
            f'expose("db", via=ALB, path="/db", scheme="internal", group="private")\n')
    where = f"ALB group 'shop-prod' (one load balancer, first exposed by 'web' at bp.py:{FIRST})"
    assert diagnostics(blueprint_file, body) == [
        at(1, f"expose('api', via=ALB): scheme='internal' differs from the {where}, which is "
              "internet-facing; use group= to get another ALB"),
        at(2, f"expose('api', via=ALB): ssl-redirect applies to every rule of the {where}; give "
              "all its exposures the same TLS and redirect_https, or use group= to get another "
              "ALB"),
    ]


def test_alb_rule_limits(blueprint_file: MakeBlueprint) -> None:
    body = ('expose("web", via=ALB, path="/a", match=[header("X-A", "1"), header("X-B", "2"), '
            'header("X-C", "3")])\n'
            'expose("web", via=ALB, path="/b", match=header("X-Tier", "gold*"))\n'
            'expose("web", via=ALB, path="/c", redirect_https=True)\n'
            'expose("web", via=ALB, path="/d", match=header("X-Tier", "gold*", wildcards=True))\n')
    assert diagnostics(blueprint_file, body) == [
        at(0, "expose('web', via=ALB): ALB allows 5 match values per rule (host, path patterns "
              "and headers); this route needs 6"),
        at(1, "expose('web', via=ALB): ALB reads '*' and '?' in header values as wildcards; "
              "header 'X-Tier' value 'gold*' cannot match literally (header(..., "
              "wildcards=True) if they are meant as wildcards)"),
        at(2, "expose('web', via=ALB): ALB can only redirect to HTTPS from a listener with a "
              "certificate; set tls=acm('arn:...')"),
    ]


def test_alb_annotation_names_must_fit(blueprint_file: MakeBlueprint) -> None:
    body = (f'service("{"a" * 50}", port=80, image="x:1", versions=["v1", "v2"])\n'
            f'expose("{"a" * 50}", via=ALB, canary=0.5, match=header("X-A", "1"))\n')
    keys = [(f"actions.{'a' * 50}-canary", "the service's name or route="),
            (f"conditions.{'a' * 50}-v2",
             "the service's (or version's) name; route= does not name it")]
    assert diagnostics(blueprint_file, body) == [
        at(1, f"expose('{'a' * 50}', via=ALB): the annotation name '{key}' is longer than 63 "
              f"characters; shorten {hint}") for key, hint in keys
    ]


def test_alb_conditions_named_after_the_service_do_not_ask_for_route(
        blueprint_file: MakeBlueprint) -> None:
    """Without a canary `conditions.<name>` is named after the Service: route= cannot help."""
    body = (f'service("{"a" * 53}", port=80, image="x:1")\n'
            f'expose("{"a" * 53}", via=ALB, match=header("X-A", "1"), route="front")\n')
    assert diagnostics(blueprint_file, body) == [
        at(1, f"expose('{'a' * 53}', via=ALB): the annotation name 'conditions.{'a' * 53}' is "
              "longer than 63 characters; shorten the service's (or version's) name; route= "
              "does not name it"),
    ]


def test_alb_default_group_name_must_fit(blueprint_file: MakeBlueprint) -> None:
    header = HEADER.replace('blueprint("shop", ', f'blueprint("{"s" * 40}", ').replace(
        'env("prod", ', f'env("{"p" * 30}", ')
    group = f"{'s' * 40}-{'p' * 30}"
    assert diagnostics(blueprint_file, 'expose("web", via=ALB)\n', header) == [
        at(0, f"expose('web', via=ALB): the default ALB group '{group}' is longer than 63 "
              "characters; name one with group="),
    ]


def test_ingress_names_cannot_repeat(blueprint_file: MakeBlueprint) -> None:
    body = ('expose("web", via=ALB, path="/a", route="public")\n'
            'expose("api", via=ALB, path="/b", route="public")\n'
            'expose("api", via=ALB, path="/c", route="public-2")\n')
    assert diagnostics(blueprint_file, body) == [
        at(2, "expose('api', via=ALB): the Ingress name 'public-2' is already used by 'api' at "
              f"bp.py:{FIRST + 1}; each ALB exposure is its own Ingress"),
    ]


# --- what spans routes: one Gateway ------------------------------------------------------------

def test_gateway_grpc_limits(blueprint_file: MakeBlueprint) -> None:
    body = ('expose("grpc", via=GATEWAY, host="grpc.example.com", path="/pkg.Svc")\n'
            'expose("grpc", via=GATEWAY)\n'
            'expose("web", via=GATEWAY, path="/web")\n'
            'expose("grpc", via=GATEWAY, host="m.example.com", methods=["GET"])\n')
    assert diagnostics(blueprint_file, body) == [
        at(0, "expose('grpc', via=GATEWAY): a GRPCRoute matches gRPC services and methods, not "
              "paths; drop path='/pkg.Svc'"),
        at(1, "expose('grpc', via=GATEWAY): a listener accepts either a GRPCRoute or an "
              f"HTTPRoute for a host name, and 'web' at bp.py:{FIRST + 2} has an HTTPRoute for "
              "shop.example.com; give the gRPC service its own host"),
        at(3, "expose('grpc', via=GATEWAY): 'grpc' speaks gRPC, whose calls are all POSTs: "
              "methods=['GET'] selects all or none of them; drop methods="),
    ]


@pytest.mark.parametrize("via", ["ALB", "GATEWAY", "ISTIO"])
def test_methods_and_query_cannot_select_grpc_calls(blueprint_file: MakeBlueprint,
                                                    via: str) -> None:
    """Every gRPC call is a POST to a path without a query string: a method or query match
    took all of them or none (methods=["GET"] built a route no call reaches; GATEWAY wrote
    the query into a GRPCRoute, which has no queryParams, and dropped the methods)."""
    header = HEADER + ("mesh(ISTIO)\n" if via == "ISTIO" else "")
    body = (f'expose("grpc", via={via}, host="g.example.com", methods=["GET"])\n'
            f'expose("grpc", via={via}, host="h.example.com", query={{"v": "2"}})\n')
    first = FIRST + 1 if via == "ISTIO" else FIRST
    assert diagnostics(blueprint_file, body, header) == [
        f"bp.py:{first}: error: expose('grpc', via={via}): 'grpc' speaks gRPC, whose calls "
        "are all POSTs: methods=['GET'] selects all or none of them; drop methods=",
        f"bp.py:{first + 1}: error: expose('grpc', via={via}): 'grpc' speaks gRPC, whose "
        "calls carry no query string: query={'v': '2'} matches none of them; drop query=",
    ]


@pytest.mark.parametrize("mesh", ["ISTIO", "LINKERD"])
def test_mesh_routes_cannot_select_grpc_calls_by_method_or_query(
        blueprint_file: MakeBlueprint, mesh: str) -> None:
    """The same holds inside the mesh: a mesh_route's method= or query= to a gRPC service (by
    appProtocol or by a port named grpc-*, as the meshes read it) took all calls or none and
    built with exit 0; a path prefix still selects gRPC services."""
    header = HEADER.replace('port=50051, image="g:1", app_protocol="grpc"',
                            'port=50051, image="g:1", versions=["v1", "v2"], '
                            'port_name="grpc-api"')
    body = (f"mesh({mesh})\n"
            'traffic("grpc", split={"v1": 100}, routes=[\n'
            '    mesh_route(exact="/a.A/M", method="GET", split={"v2": 100}),\n'
            '    mesh_route(exact="/b.B/M", query={"v": "2"}, split={"v2": 100}),\n'
            '    mesh_route(prefix="/pkg.Svc/", split={"v2": 100}),\n'
            '])\n')
    assert diagnostics(blueprint_file, body, header) == [
        at(2, "traffic('grpc'): 'grpc' speaks gRPC, whose calls are all POSTs: mesh_route "
              "method='GET' selects all or none of them; drop method="),
        at(3, "traffic('grpc'): 'grpc' speaks gRPC, whose calls carry no query string: "
              "mesh_route query={'v': '2'} matches none of them; drop query="),
    ]


def test_gateway_prefix_rewrite_takes_one_method(blueprint_file: MakeBlueprint) -> None:
    """ReplacePrefixMatch needs exactly one PathPrefix match in its rule (a CEL rule of the
    HTTPRoute CRD), and each method is a match: built with exit 0, refused by the API
    server. An Exact path (ReplaceFullPath) and one method still build."""
    body = ('expose("web", via=GATEWAY, path="/a", rewrite="/", methods=["GET", "HEAD"])\n'
            'expose("web", via=GATEWAY, path="/b", rewrite="/", methods=["GET"])\n'
            'expose("web", via=GATEWAY, path="/c", path_type="Exact", rewrite="/", '
            'methods=["GET", "HEAD"])\n')
    assert diagnostics(blueprint_file, body) == [
        at(0, "expose('web', via=GATEWAY): Gateway API rewrites a path prefix only in a rule "
              "of one match, and methods=['GET', 'HEAD'] makes one match per method; give one "
              "method per exposure"),
    ]


def test_gateway_route_sharing_and_tls(blueprint_file: MakeBlueprint) -> None:
    body = ('expose("web", via=GATEWAY, path="/", tls=tls_secret("t"), route="site")\n'
            'expose("api", via=GATEWAY, path="/api", route="site")\n'
            'expose("api", via=GATEWAY, host="api.example.com", route="site")\n'
            'expose("web", via=GATEWAY, host="plain.example.com", redirect_https=True)\n')
    assert diagnostics(blueprint_file, body) == [
        at(1, "expose('api', via=GATEWAY): shares the HTTPRoute 'site' with 'web' at "
              f"bp.py:{FIRST} but not its TLS and redirect_https; give it the same, or another "
              "route="),
        at(2, "expose('api', via=GATEWAY): the HTTPRoute 'site' in namespace 'prod' already "
              "holds the routes of shop.example.com; use another route="),
        at(3, "expose('web', via=GATEWAY): GATEWAY can redirect to HTTPS only from routes with "
              "a certificate; set tls=tls_secret('name')"),
    ]


def test_tcp_listener_ports(blueprint_file: MakeBlueprint) -> None:
    body = ('service("db2", port=5432, image="pg:16")\n'
            'expose("db", via=TCP)\n'
            'expose("db2", via=TCP)\n'
            'expose("web", via=TCP, ports=[80])\n'
            'expose("api", via=GATEWAY)\n')
    assert diagnostics(blueprint_file, body) == [
        at(2, "expose('db2', via=TCP): TCP port 5432 already goes to 'db' at "
              f"bp.py:{FIRST + 1}; a TCP listener serves one route"),
        at(3, "expose('web', via=TCP): port 80 is the Gateway's http listener; choose another "
              "with ports="),
    ]


def test_gateway_settings(blueprint_file: MakeBlueprint) -> None:
    header = HEADER.replace('env("prod", namespace="prod")',
                            'env("prod", namespace="prod", gateway_api="v2", '
                            'gateway="Infra/GW")')
    assert diagnostics(blueprint_file, 'expose("web", via=GATEWAY)\n', header) == [
        "bp.py:3: error: gateway='Infra/GW': must name an existing Gateway as 'namespace/name' "
        "or 'name'",
        "bp.py:3: error: gateway_api='v2': the TCPRoute version: 'v1' (Gateway API standard "
        "channel v1.6+) or 'v1alpha2' (experimental channel only)",
    ]


# --- values every backend needs ------------------------------------------------------------------

def test_exposure_values(blueprint_file: MakeBlueprint) -> None:
    body = ('expose("web", via=GATEWAY, path="/a", path_type="Glob")\n'
            'expose("web", via=ALB, path="/a//b", group="Public_LB", route="web.public")\n'
            'expose("web", via=NGINX, path="/c", match=[header("X-A", "1"), header("x-a", "2")],'
            ' rate_limit=rate_limit(), rewrite="x")\n'
            'expose("web", via=GATEWAY, path="/d", match=header("X-A", ""))\n')
    assert diagnostics(blueprint_file, body) == [
        at(0, "expose('web'): path_type='Glob' must be 'Prefix', 'Exact' or 'Regex'"),
        at(1, "expose('web'): group='Public_LB' must be at most 63 lowercase letters, digits, "
              "'-' and '.', starting and ending with a letter or digit"),
        at(1, "expose('web'): path='/a//b' must not contain '//', '/./', '/../' or an encoded "
              "'/'"),
        at(1, "expose('web'): route 'web.public' is not a valid DNS-1123 label (lowercase "
              "letters, digits and '-', at most 63 characters)"),
        at(2, "expose('web'): match= names the same header twice"),
        at(2, "expose('web'): rate_limit() needs rpm=, rps= or connections="),
        at(2, "expose('web'): rewrite='x' must start with '/'"),
        at(2, "expose('web', via=NGINX): NGINX can route by header only through a canary "
              "Ingress, which needs a route without match= on the same host and path"),
        at(3, "expose('web'): header 'X-A' value '' must be a non-empty string of at most 4096 "
              "characters"),
    ]


def test_same_requests_cannot_go_to_two_routes(blueprint_file: MakeBlueprint) -> None:
    body = ('expose("web", via=GATEWAY, path="/api")\n'
            'expose("api", via=GATEWAY, path="/api/", canary=0.5, match=header("X-A", "1"))\n')
    assert diagnostics(blueprint_file, body) == [
        at(1, "expose('api'): host 'shop.example.com' and path '/api/' are already exposed by "
              f"'web' at bp.py:{FIRST}"),
    ]
