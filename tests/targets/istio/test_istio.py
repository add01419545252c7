"""The mesh DSL: what `mesh(...)` and `traffic(...)` produce, and every diagnostic with its line."""

from __future__ import annotations

import pytest

from netgen.problems import ProblemError
from tests.conftest import build, documents
from tests.targets.mesh_blueprints import HEAD, Make, compiled, errors


def compile_docs(make: Make, body: str, env: str | None = None) -> dict[tuple[str, str], dict]:
    """(kind, name) -> parsed document of one environment."""
    docs = documents(compiled(make, body, env))
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


# --- what comes out -------------------------------------------------------------------------


def test_mesh_follows_isolation_for_mtls_and_deny_by_default(blueprint_file: Make) -> None:
    source = """\
    env("dev", namespace="dev", isolation=OPEN)
    mesh(ISTIO)
    calls("web", "api")
    """
    prod = compile_docs(blueprint_file, source, "prod")
    dev = compile_docs(blueprint_file, source, "dev")
    assert prod[("PeerAuthentication", "default")]["spec"] == {"mtls": {"mode": "STRICT"}}
    assert dev[("PeerAuthentication", "default")]["spec"] == {"mtls": {"mode": "PERMISSIVE"}}
    assert prod[("AuthorizationPolicy", "allow-nothing")]["spec"] == {}
    assert ("AuthorizationPolicy", "allow-nothing") not in dev
    for docs, ns in ((prod, "prod"), (dev, "dev")):
        assert docs[("Namespace", ns)]["metadata"]["labels"]["istio-injection"] == "enabled"
        assert docs[("AuthorizationPolicy", "api")]["spec"] == {
            "selector": {"matchLabels": {"app": "api"}},
            "action": "ALLOW",
            "rules": [{
                "from": [{"source": {"principals": [f"cluster.local/ns/{ns}/sa/web"]}}],
                "to": [{"operation": {"ports": ["8080"]}}],
            }],
        }


def test_one_service_account_per_service_shared_by_its_versions(blueprint_file: Make) -> None:
    docs = compile_docs(blueprint_file, "mesh(ISTIO)\n")
    accounts = sorted(name for kind, name in docs if kind == "ServiceAccount")
    assert accounts == ["api", "db", "web"]
    assert docs[("ServiceAccount", "api")]["metadata"]["labels"]["app"] == "api"
    for kind, name, account in (("Deployment", "api-v1", "api"), ("Deployment", "api-v2", "api"),
                                ("Deployment", "web", "web"), ("StatefulSet", "db", "db")):
        assert docs[(kind, name)]["spec"]["template"]["spec"]["serviceAccountName"] == account


def test_mesh_none_in_an_environment_switches_it_off(blueprint_file: Make) -> None:
    source = """\
    env("dev", namespace="dev", isolation=OPEN)
    mesh(ISTIO, mtls=STRICT)
    with env("dev"):
        mesh(None)
    """
    dev = compile_docs(blueprint_file, source, "dev")
    assert not [d for d in dev.values() if d["apiVersion"].split("/")[0].endswith("istio.io")]
    assert ("ServiceAccount", "web") not in dev
    assert "serviceAccountName" not in dev[("Deployment", "web")]["spec"]["template"]["spec"]
    assert "istio-injection" not in dev[("Namespace", "dev")]["metadata"]["labels"]
    prod = compile_docs(blueprint_file, source, "prod")
    assert prod[("PeerAuthentication", "default")]["spec"]["mtls"]["mode"] == "STRICT"


def test_scoped_mesh_replaces_the_blueprint_wide_one(blueprint_file: Make) -> None:
    source = """\
    mesh(ISTIO, mtls=PERMISSIVE)
    with env("prod"):
        mesh(ISTIO, mtls="STRICT", revision="1-30")
    """
    docs = compile_docs(blueprint_file, source)
    assert docs[("PeerAuthentication", "default")]["spec"]["mtls"]["mode"] == "STRICT"
    labels = docs[("Namespace", "prod")]["metadata"]["labels"]
    assert labels["istio.io/rev"] == "1-30" and "istio-injection" not in labels


def test_without_mesh_the_service_accounts_setting_still_names_workloads(
    blueprint_file: Make,
) -> None:
    path = blueprint_file(HEAD + 'blueprint("bp", service_accounts=True)\n')
    docs = {(d["kind"], d["metadata"]["name"]): d for d in documents(build(path)[0])}
    assert docs[("Deployment", "api-v1")]["spec"]["template"]["spec"]["serviceAccountName"] == (
        "api-v1")
    assert not [k for k in docs if k[0] == "ServiceAccount"]


def test_traffic_policy_is_the_seed_destination_rule(blueprint_file: Make) -> None:
    source = """\
    mesh(ISTIO)
    traffic("api", lb="LEAST_CONN", max_connections=100, http1_max_pending=50,
            max_requests_per_connection=2, connect_timeout="3s", http2_max_requests=1000,
            outlier=outlier(consecutive_5xx=5, consecutive_gateway_errors=3, interval="30s",
                            ejection="1m30s", max_ejection_percent=50))
    """
    dr = compile_docs(blueprint_file, source)[("DestinationRule", "api")]
    assert dr["apiVersion"] == "networking.istio.io/v1"
    assert dr["spec"] == {
        "host": "api.prod.svc.cluster.local",
        "trafficPolicy": {
            "loadBalancer": {"simple": "LEAST_CONN"},
            "connectionPool": {
                "tcp": {"maxConnections": 100, "connectTimeout": "3s"},
                "http": {"http1MaxPendingRequests": 50, "http2MaxRequests": 1000,
                         "maxRequestsPerConnection": 2},
            },
            "outlierDetection": {"consecutive5xxErrors": 5, "consecutiveGatewayErrors": 3,
                                 "interval": "30s", "baseEjectionTime": "1m30s",
                                 "maxEjectionPercent": 50},
        },
        "subsets": [{"name": "v1", "labels": {"version": "v1"}},
                    {"name": "v2", "labels": {"version": "v2"}}],
    }


def test_destination_rules_and_virtual_services_only_when_they_say_something(
    blueprint_file: Make,
) -> None:
    source = """\
    mesh(ISTIO)
    traffic("web", timeout="2s", retries=retries(2))
    """
    docs = compile_docs(blueprint_file, source)
    assert ("DestinationRule", "web") not in docs  # timeout and retries live in the route
    assert ("DestinationRule", "db") not in docs  # nothing to say
    assert docs[("DestinationRule", "api")]["spec"] == {  # versions: subsets, no policy
        "host": "api.prod.svc.cluster.local",
        "subsets": [{"name": "v1", "labels": {"version": "v1"}},
                    {"name": "v2", "labels": {"version": "v2"}}],
    }
    assert ("VirtualService", "api-mesh") not in docs  # versions, but no exposure asks a split
    assert docs[("VirtualService", "web-mesh")]["spec"] == {
        "hosts": ["web.prod.svc.cluster.local"],
        "http": [{"route": [{"destination": {"host": "web.prod.svc.cluster.local",
                                             "port": {"number": 80}}}],
                  "timeout": "2s", "retries": {"attempts": 2}}],
    }


def test_scoped_traffic_replaces_the_blueprint_wide_one(blueprint_file: Make) -> None:
    source = """\
    mesh(ISTIO)
    traffic("api", lb="ROUND_ROBIN")
    with env("prod"):
        traffic("api", lb="RANDOM")
    """
    dr = compile_docs(blueprint_file, source)[("DestinationRule", "api")]
    assert dr["spec"]["trafficPolicy"] == {"loadBalancer": {"simple": "RANDOM"}}


def test_service_entries_per_kind_of_external(blueprint_file: Make) -> None:
    source = """\
    mesh(ISTIO)
    external("payments", host="api.payments.example", port=443)
    external("legacy", host="legacy.example", port=80)
    external("kafka", host="kafka.example", port=9093, app_protocol="tls")
    external("rds", host="db.example", port=5432, cidr="10.0.0.0/16")
    external("ldap", host="10.1.2.3", port=636, app_protocol="TLS")
    """
    docs = compile_docs(blueprint_file, source)

    def spec(name: str) -> dict:
        return docs[("ServiceEntry", name)]["spec"]

    assert spec("payments") == {
        "hosts": ["api.payments.example"],
        "ports": [{"number": 443, "name": "https", "protocol": "HTTPS"}],
        "location": "MESH_EXTERNAL", "resolution": "DNS"}
    assert spec("legacy")["ports"] == [{"number": 80, "name": "http", "protocol": "HTTP"}]
    assert spec("kafka")["ports"] == [{"number": 9093, "name": "tls-9093", "protocol": "TLS"}]
    assert spec("rds") == {
        "hosts": ["db.example"], "addresses": ["10.0.0.0/16"],
        "ports": [{"number": 5432, "name": "tcp-5432", "protocol": "TCP"}],
        "location": "MESH_EXTERNAL", "resolution": "NONE"}
    assert spec("ldap") == {
        "hosts": ["10.1.2.3"], "addresses": ["10.1.2.3"],
        "ports": [{"number": 636, "name": "tls-636", "protocol": "TLS"}],
        "location": "MESH_EXTERNAL", "resolution": "STATIC",
        "endpoints": [{"address": "10.1.2.3"}]}


def test_exposure_outside_the_mesh_lets_plaintext_in_on_that_port_only(
    blueprint_file: Make,
) -> None:
    source = """\
    mesh(ISTIO)
    calls("api", "web")
    expose("web", via=NLB)
    """
    docs = compile_docs(blueprint_file, source)
    assert docs[("PeerAuthentication", "web")]["spec"] == {
        "selector": {"matchLabels": {"app": "web"}},
        "mtls": {"mode": "STRICT"},
        "portLevelMtls": {"8080": {"mode": "PERMISSIVE"}},
    }
    assert docs[("AuthorizationPolicy", "web")]["spec"]["rules"] == [
        {"from": [{"source": {"principals": ["cluster.local/ns/prod/sa/api"]}}],
         "to": [{"operation": {"ports": ["8080"]}}]},
        {"from": [{"source": {"notPrincipals": ["*"]}}],
         "to": [{"operation": {"ports": ["8080"]}}]},
    ]


def test_istio_exposure_gateway_and_ordered_routes(blueprint_file: Make) -> None:
    source = """\
    mesh(ISTIO, ingress_selector={"istio": "ingress"},
         ingress_principal="cluster.local/ns/istio-ingress/sa/istio-ingress")
    expose("web", via=ISTIO, host="shop.example.com", tls=tls_secret("shop-cert"))
    expose("api", via=ISTIO, host="shop.example.com", path="/api/", rewrite="/v1",
           canary=0.1)
    expose("api", via=ISTIO, host="shop.example.com", path="/api/health", path_type="Exact",
           version="v1")
    expose("api", via=ISTIO, host="shop.example.com", path="/api",
           match=header("X-Canary", "always"), version="v2")
    expose("web", via=ISTIO, host="admin.example.com", redirect_https=False)
    """
    docs = compile_docs(blueprint_file, source)
    gateway = docs[("Gateway", "bp-istio")]["spec"]
    assert gateway == {
        "selector": {"istio": "ingress"},
        "servers": [
            {"port": {"number": 80, "name": "http", "protocol": "HTTP"},
             "hosts": ["admin.example.com"]},
            {"port": {"number": 80, "name": "http-redirect", "protocol": "HTTP"},
             "hosts": ["shop.example.com"], "tls": {"httpsRedirect": True}},
            {"port": {"number": 443, "name": "https", "protocol": "HTTPS"},
             "hosts": ["shop.example.com"],
             "tls": {"mode": "SIMPLE", "credentialName": "shop-cert"}},
        ],
    }
    vs = docs[("VirtualService", "shop.example.com")]["spec"]
    assert vs["gateways"] == ["bp-istio"] and vs["hosts"] == ["shop.example.com"]
    api = "api.prod.svc.cluster.local"
    canary = [{"destination": {"host": api, "subset": "v1", "port": {"number": 8080}},
               "weight": 90},
              {"destination": {"host": api, "subset": "v2", "port": {"number": 8080}},
               "weight": 10}]
    assert vs["http"] == [
        {"match": [{"uri": {"exact": "/api/health"}}],
         "route": [{"destination": {"host": api, "subset": "v1", "port": {"number": 8080}}}]},
        {"match": [{"uri": {"exact": "/api"}, "headers": {"x-canary": {"exact": "always"}}},
                   {"uri": {"prefix": "/api/"}, "headers": {"x-canary": {"exact": "always"}}}],
         "route": [{"destination": {"host": api, "subset": "v2", "port": {"number": 8080}}}]},
        {"match": [{"uri": {"exact": "/api"}}], "rewrite": {"uri": "/v1"}, "route": canary},
        {"match": [{"uri": {"prefix": "/api/"}}], "rewrite": {"uri": "/v1/"}, "route": canary},
        {"route": [{"destination": {"host": "web.prod.svc.cluster.local",
                                    "port": {"number": 80}}}]},
    ]
    ingress = "cluster.local/ns/istio-ingress/sa/istio-ingress"
    for name in ("web", "api"):
        rules = docs[("AuthorizationPolicy", name)]["spec"]["rules"]
        assert rules[0]["from"] == [{"source": {"principals": [ingress]}}]


# --- diagnostics ------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "expected"), [
    ('mesh([])\n',
     ["bp.py:6: error: mesh([]): the mesh must be ISTIO or LINKERD (the meshes netgen lowers), "
      "or None to switch it off"]),
    ('mesh(ALB)\n',
     ["bp.py:6: error: mesh(ALB): the mesh must be ISTIO or LINKERD (the meshes netgen lowers), "
      "or None to switch it off"]),
    ('mesh(ISTIO, mtls=OPEN)\n',
     ["bp.py:6: error: mesh(ISTIO): mtls=OPEN must be STRICT, PERMISSIVE or DISABLE (OPEN is an "
      "isolation level, not an mTLS mode)"]),
    ('mesh(ISTIO, mtls="strict")\n',
     ["bp.py:6: error: mesh(ISTIO): mtls='strict' must be STRICT, PERMISSIVE or DISABLE"]),
    ('mesh(ISTIO)\nmesh(ISTIO, mtls=STRICT)\n',
     ["bp.py:7: error: mesh() is declared twice for the blueprint (first at bp.py:6)"]),
    ('env("dev")\nwith env("dev"):\n    mesh(None, mtls=STRICT)\n',
     ["bp.py:8: error: mesh(None) switches the mesh off; mtls= would have no effect"]),
    ('mesh(ISTIO, ingress_principal="istio-ingressgateway")\n',
     ["bp.py:6: error: mesh(ISTIO): ingress_principal='istio-ingressgateway' must look like "
      "'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'"]),
    ('mesh(ISTIO, trust_domain="Corp_Domain")\n',
     ["bp.py:6: error: mesh(ISTIO): trust_domain: host 'Corp_Domain' is not a valid DNS name "
      "(lowercase, dot-separated labels)"]),
    ('mesh(ISTIO, ingress_selector={})\n',
     ["bp.py:6: error: mesh(ISTIO): ingress_selector={} would select every pod; name the "
      "gateway's labels"]),
    ('mesh(ISTIO, revision="1.30 canary")\n',
     ["bp.py:6: error: mesh(ISTIO): revision='1.30 canary' must be a label value such as "
      "'1-30'"]),
    ('mesh(ISTIO, mtls=DISABLE)\ncalls("web", "api")\n',
     ["bp.py:6: error: mesh(ISTIO, mtls=DISABLE): environment 'prod' has calls between "
      "services, and AuthorizationPolicies can only allow a caller by its mTLS identity; use "
      "PERMISSIVE or STRICT"]),
])
def test_mesh_diagnostics(blueprint_file: Make, body: str, expected: list[str]) -> None:
    assert errors(blueprint_file, body) == expected


@pytest.mark.parametrize(("body", "expected"), [
    ('traffic("api", lb="LEAST_CONNS")\n',
     "bp.py:7: error: traffic('api'): lb='LEAST_CONNS' must be one of ROUND_ROBIN, "
     "LEAST_REQUEST, LEAST_CONN, RANDOM, PASSTHROUGH (did you mean 'LEAST_CONN'?)"),
    ('traffic("api", max_connections=0)\n',
     "bp.py:7: error: traffic('api'): max_connections=0 must be a whole number of at least 1"),
    ('traffic("api", http1_max_pending=2**31)\n',
     "bp.py:7: error: traffic('api'): http1_max_pending=2147483648 must be a whole number of "
     "at least 1"),
    ('traffic("api", timeout="5")\n',
     "bp.py:7: error: traffic('api'): timeout='5' must be a duration such as '5s', '250ms' or "
     "'1m30s'"),
    ('traffic("api", timeout="0s")\n',
     "bp.py:7: error: traffic('api'): timeout='0s' must be at least 1ms"),
    ('traffic("api", connect_timeout=5)\n',
     "bp.py:7: error: traffic('api'): connect_timeout=5 must be a duration such as '5s', "
     "'250ms' or '1m30s'"),
    ('traffic("api", retries=retries(3, on="5xx,bogus"))\n',
     "bp.py:7: error: traffic('api'): retries on='5xx,bogus': 'bogus' is not a retry condition "
     "(5xx, gateway-error, reset, reset-before-request, connect-failure, envoy-ratelimited, "
     "retriable-4xx, refused-stream, retriable-status-codes, retriable-headers, "
     "http3-post-connect-failure, cancelled, deadline-exceeded, internal, resource-exhausted, "
     "unavailable or an HTTP status code)"),
    ('traffic("api", retries=retries(-1))\n',
     "bp.py:7: error: traffic('api'): retries attempts=-1 must be a whole number of at least 0"),
    ('traffic("api", retries=retries(1, per_try="2x"))\n',
     "bp.py:7: error: traffic('api'): retries per_try='2x' must be a duration such as '5s', "
     "'250ms' or '1m30s'"),
    ('traffic("api", retries=3)\n',
     "bp.py:7: error: traffic('api'): retries=3 must be retries(3, per_try='2s', "
     "on='5xx,reset')"),
    ('traffic("api", outlier=outlier(interval="30s"))\n',
     "bp.py:7: error: traffic('api'): outlier() needs consecutive_5xx= or "
     "consecutive_gateway_errors= (what counts as failing)"),
    ('traffic("api", outlier=outlier(consecutive_5xx=5, max_ejection_percent=150))\n',
     "bp.py:7: error: traffic('api'): outlier max_ejection_percent=150 must be a whole number "
     "of at least 0 and at most 100"),
    ('traffic("api")\n',
     "bp.py:7: error: traffic('api'): says nothing; give at least one of lb=, "
     "max_connections=, outlier=, timeout=, retries=, split=, routes=, ..."),
    ('traffic("apii", lb="RANDOM")\n',
     "bp.py:7: error: traffic('apii'): no service named 'apii' (did you mean 'api'?)"),
    ('external("rds", host="db.example", port=5432)\ntraffic("rds", lb="RANDOM")\n',
     "bp.py:8: error: traffic('rds'): 'rds' is an external; traffic policies apply to services"),
    ('traffic("api", lb="RANDOM")\ntraffic("api", lb="ROUND_ROBIN")\n',
     "bp.py:8: error: traffic('api') is declared twice (first at bp.py:7)"),
    ('traffic("db", timeout="5s", retries=retries(2))\n',
     "bp.py:7: error: traffic('db'): timeout=, retries= need an HTTP port, but 'db' port 'tcp' "
     "is not HTTP to Istio (name it 'http' or 'http-...', or set app_protocol='http')"),
])
def test_traffic_diagnostics(blueprint_file: Make, body: str, expected: str) -> None:
    assert errors(blueprint_file, "mesh(ISTIO)\n" + body) == [expected]


def test_traffic_without_any_mesh(blueprint_file: Make) -> None:
    assert errors(blueprint_file, 'traffic("api", lb="RANDOM")\n') == [
        "bp.py:6: error: traffic('api'): no environment has a mesh, so nothing would carry "
        "this policy; add mesh(ISTIO) or mesh(LINKERD)"]


def test_traffic_scoped_to_an_environment_without_mesh(blueprint_file: Make) -> None:
    body = """\
    env("dev", namespace="dev")
    with env("prod"):
        mesh(ISTIO)
    traffic("api", lb="RANDOM")
    with env("dev"):
        traffic("web", lb="RANDOM")
    """
    assert errors(blueprint_file, body) == [
        "bp.py:11: error: traffic('web'): environment 'dev' has no mesh; add mesh(ISTIO) or "
        "mesh(LINKERD) to it or drop this policy"]


@pytest.mark.parametrize(("body", "expected"), [
    ('expose("web", via=ISTIO, host="a.example.com")\n',
     ["bp.py:6: error: expose('web', via=ISTIO): environment 'prod' has no mesh; add "
      "mesh(ISTIO) (blueprint-wide or inside this environment)"]),
    ('mesh(ISTIO)\nexpose("db", via=ISTIO, host="a.example.com")\n',
     ["bp.py:7: error: expose('db', via=ISTIO): the Istio ingress routes HTTP here, but 'db' "
      "port 'tcp' is not HTTP (name it 'http' or set app_protocol='http')"]),
    ('mesh(ISTIO)\nexpose("web", via=ISTIO, rate_limit=rate_limit(100))\n',
     ["bp.py:7: error: expose('web', via=ISTIO): Istio cannot rate-limit requests (use NGINX)"]),
    ('mesh(ISTIO)\nexpose("web", via=ISTIO, auth=basic("htpasswd"))\n',
     ["bp.py:7: error: expose('web', via=ISTIO): Istio cannot require basic auth (use NGINX)"]),
    ('mesh(ISTIO)\nexpose("web", via=ISTIO, tls=acm("arn:aws:acm:eu-west-1:1:certificate/x"))\n',
     ["bp.py:7: error: expose('web', via=ISTIO): Istio cannot terminate TLS with an ACM "
      "certificate (use NLB or ALB)"]),
    ('mesh(ISTIO)\nexpose("web", via=ISTIO, health="/healthz")\n',
     ["bp.py:7: error: expose('web', via=ISTIO): Istio cannot configure load balancer health "
      "checks (use NLB or ALB)"]),
    ('mesh(ISTIO)\nexpose("web", via=ISTIO, path="/x", rewrite="/$1")\n',
     ["bp.py:7: error: expose('web', via=ISTIO): Istio rewrites replace the matched path "
      "prefix; rewrite='/$1' uses regex captures"]),
    ('mesh(ISTIO)\nexpose("web", via=ISTIO, host="a.example.com", tls=tls_secret("one"))\n'
     'expose("api", via=ISTIO, host="a.example.com", path="/api", tls=tls_secret("two"))\n',
     ["bp.py:8: error: expose('api', via=ISTIO): host 'a.example.com' already terminates TLS "
      "with secret 'one'; an Istio Gateway server has one certificate per host"]),
    ('mesh(ISTIO)\nexpose("web", via=ISTIO, host="a.example.com", redirect_https=True)\n',
     ["bp.py:7: error: expose('web', via=ISTIO): redirect_https needs TLS on host "
      "'a.example.com' (tls=tls_secret('...'))"]),
    ('mesh(ISTIO)\nexpose("api", via=ISTIO, host="a.example.com", canary=0.2)\n'
     'expose("api", via=ISTIO, host="b.example.com", canary=0.5)\n',
     ["bp.py:8: error: expose('api', via=ISTIO): inside the mesh 'api' has one split for "
      "requests; this exposure asks for 50% to v1, 50% to v2 but the one at bp.py:7 asks for "
      "80% to v1, 20% to v2"]),
    ('mesh(ISTIO)\nexpose("api", via=ISTIO, host="a.example.com", version="v1",\n'
     '       match=header("X-Beta", "1"))\n'
     'expose("api", via=ISTIO, host="b.example.com", version="v2", match=header("x-beta", "1"))\n',
     ["bp.py:9: error: expose('api', via=ISTIO): inside the mesh 'api' has one split for "
      "requests with x-beta: 1; this exposure asks for 100% to v2 but the one at bp.py:7 asks "
      "for 100% to v1"]),
    ('mesh(ISTIO)\nexternal("dns", host="dns.example", port=53, protocol="UDP")\n',
     ["bp.py:7: error: external('dns'): Istio cannot route UDP to an external (ServiceEntry "
      "ports carry TCP-based protocols only)"]),
    ('external("x", host="x.example", port=9000, app_protocol="quic")\n',
     ["bp.py:6: error: external('x'): app_protocol='quic' must be one of HTTP, HTTPS, HTTP2, "
      "GRPC, TLS, TCP, MONGO"]),
])
def test_exposure_and_external_diagnostics(
    blueprint_file: Make, body: str, expected: list[str]
) -> None:
    assert errors(blueprint_file, body) == expected


def test_env_acm_certificate_is_not_silently_dropped_for_istio(blueprint_file: Make) -> None:
    source = """\
from netgen import *
env("prod", tls=acm("arn:aws:acm:eu-west-1:1:certificate/x"))
service("web", port=80, image="web:1")
mesh(ISTIO)
expose("web", via=ISTIO, host="a.example.com")
"""
    path = blueprint_file(source)
    with pytest.raises(ProblemError) as e:
        build(path)
    assert [d.render().replace(str(path), "bp.py") for d in e.value.problems] == [
        "bp.py:5: error: expose('web', via=ISTIO): Istio cannot terminate TLS with an ACM "
        "certificate (use NLB or ALB)"]


def test_every_problem_at_once(blueprint_file: Make) -> None:
    body = """\
    mesh(ISTIO, mtls="loose")
    traffic("api", lb="FASTEST", timeout="soon")
    expose("db", via=ISTIO)
    """
    assert errors(blueprint_file, body) == [
        "bp.py:6: error: mesh(ISTIO): mtls='loose' must be STRICT, PERMISSIVE or DISABLE",
        "bp.py:7: error: traffic('api'): lb='FASTEST' must be one of ROUND_ROBIN, "
        "LEAST_REQUEST, LEAST_CONN, RANDOM, PASSTHROUGH (did you mean 'LEAST_REQUEST'?)",
        "bp.py:7: error: traffic('api'): timeout='soon' must be a duration such as '5s', "
        "'250ms' or '1m30s'",
        "bp.py:8: error: expose('db', via=ISTIO): the Istio ingress routes HTTP here, but 'db' "
        "port 'tcp' is not HTTP (name it 'http' or set app_protocol='http')",
    ]


def test_unknown_keyword_is_a_located_error(blueprint_file: Make) -> None:
    assert errors(blueprint_file, 'traffic("api", lb_policy="RANDOM")\n') == [
        "bp.py:6: error: TypeError: traffic() got an unexpected keyword argument 'lb_policy'"]
