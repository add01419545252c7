"""Defects an outside review of the mesh targets found (each test failed before its fix):

- Istio's own Gateway API gateway is an Istio proxy with a mesh identity, so the services it
  exposes must admit that principal, not only clients without one (and `netgen verify` must
  tell the two apart);
- an Istio exposure with `rewrite=` that takes the service's `traffic(routes=)` must apply
  each mesh route to the path the service receives, after the rewrite;
- under mesh(LINKERD) a broker's port netgen named `http` gets a split Linkerd never applies
  (lint NG302, sharing NG201's port list), and a Server without `proxyProtocol` makes
  Linkerd detect the protocol on a port it would otherwise treat as opaque.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from netgen.check import run_check
from netgen.readback.mesh import verify_mesh
from netgen.validate.shipped import problems_against, serving
from tests.conftest import documents
from tests.targets.istio.istio_schema import is_istio
from tests.targets.istio.istio_schema import problems as istio_problems
from tests.targets.istio.mesh_requests import Request, matches, where_to
from tests.targets.mesh_blueprints import Make, compiled, errors


def _docs(make: Make, body: str, head: str | None = None) -> tuple[Any, list[dict]]:
    chosen = compiled(make, body) if head is None else compiled(make, body, head=head)
    return chosen.plan, documents(chosen)


def _by_key(docs: list[dict]) -> dict[tuple[str, str], dict]:
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


# --- F2: Istio's Gateway API gateway has a mesh identity ------------------------------------

ISTIO_GATEWAY = """\
from netgen import *
env("prod", namespace="prod", isolation=STRICT,
    gateway_controller="istio.io/gateway-controller", gateway_namespace="edge")
service("web", port=80, target_port=8080, image="web:1")
service("api", port=8080, image="api:1", versions=["v1", "v2"])
"""  # lines 1-5


def _sources(policy: dict) -> list[dict]:
    return [f["source"] for rule in policy["spec"]["rules"] for f in rule["from"]]


def test_istio_gateway_api_gateway_is_admitted_by_its_identity(blueprint_file: Make) -> None:
    """The Deployment istiod makes for a Gateway runs as `<gateway>-<gatewayClassName>` in the
    Gateway's namespace; netgen's GatewayClass is `<blueprint>-<env>` like its Gateway."""
    _, docs = _docs(blueprint_file, """\
        mesh(ISTIO, mtls=STRICT)
        calls("web", "api")
        expose("web", via=GATEWAY, path="/")
        expose("api", via=GATEWAY, path="/api", canary=0.5)
        """, head=ISTIO_GATEWAY)
    d = _by_key(docs)
    assert d[("GatewayClass", "bp-prod")]["spec"]["controllerName"] == "istio.io/gateway-controller"
    assert d[("Gateway", "bp-prod")]["metadata"]["namespace"] == "edge"
    gateway = "cluster.local/ns/edge/sa/bp-prod-bp-prod"
    assert _sources(d[("AuthorizationPolicy", "web")]) == [{"principals": [gateway]}]
    assert _sources(d[("AuthorizationPolicy", "api")]) == [
        {"principals": [gateway, "cluster.local/ns/prod/sa/web"]}]
    # the gateway speaks mTLS: no port is opened to plaintext
    assert not [k for k in d if k[0] == "PeerAuthentication" and k[1] != "default"]
    for doc in docs:
        if is_istio(doc):
            assert istio_problems(doc) == [], doc["metadata"]["name"]


def test_the_class_istio_and_a_declared_principal(blueprint_file: Make) -> None:
    """`gateway_class="istio"` (the class istiod installs) names the account `<gw>-istio`; an
    existing Gateway's identity is unknown to netgen unless `gateway_principal=` says it."""
    head = ISTIO_GATEWAY.replace(
        'gateway_controller="istio.io/gateway-controller"', 'gateway_class="istio"')
    _, docs = _docs(blueprint_file, 'mesh(ISTIO)\nexpose("web", via=GATEWAY)\n', head=head)
    assert _sources(_by_key(docs)[("AuthorizationPolicy", "web")]) == [
        {"principals": ["cluster.local/ns/edge/sa/bp-prod-istio"]}]
    head = ISTIO_GATEWAY.replace(
        'gateway_controller="istio.io/gateway-controller", gateway_namespace="edge"',
        'gateway="infra/shared", gateway_principal="cluster.local/ns/infra/sa/shared-istio"')
    _, docs = _docs(blueprint_file, 'mesh(ISTIO)\nexpose("web", via=GATEWAY)\n', head=head)
    assert _sources(_by_key(docs)[("AuthorizationPolicy", "web")]) == [
        {"principals": ["cluster.local/ns/infra/sa/shared-istio"]}]


def test_other_gateways_stay_clients_without_an_identity(blueprint_file: Make) -> None:
    """Envoy Gateway (the default), an existing Gateway with no declared identity, and a
    service also exposed outside the mesh keep the plaintext rule."""
    head = ISTIO_GATEWAY.replace(
        'gateway_controller="istio.io/gateway-controller", ', "")
    _, docs = _docs(blueprint_file, 'mesh(ISTIO)\nexpose("web", via=GATEWAY)\n', head=head)
    assert _sources(_by_key(docs)[("AuthorizationPolicy", "web")]) == [{"notPrincipals": ["*"]}]
    _, docs = _docs(blueprint_file, """\
        mesh(ISTIO)
        expose("web", via=GATEWAY)
        expose("web", via=NODEPORT, node_port=30080)
        """, head=ISTIO_GATEWAY)
    d = _by_key(docs)
    assert _sources(d[("AuthorizationPolicy", "web")]) == [
        {"principals": ["cluster.local/ns/edge/sa/bp-prod-bp-prod"]}, {"notPrincipals": ["*"]}]
    assert ("PeerAuthentication", "web") in d


def test_gateway_principal_is_checked(blueprint_file: Make) -> None:
    head = ISTIO_GATEWAY.replace(
        'gateway_controller="istio.io/gateway-controller", gateway_namespace="edge"',
        'gateway_principal="edge/web"')
    assert errors(blueprint_file, 'mesh(ISTIO)\nexpose("web", via=GATEWAY)\n', head=head) == [
        "bp.py:2: error: gateway_principal='edge/web': must be the mesh identity of the "
        "Gateway's proxies, such as 'cluster.local/ns/infra/sa/shared-gw-istio'"]
    head = ISTIO_GATEWAY.replace(
        'gateway_controller="istio.io/gateway-controller", gateway_namespace="edge"',
        'gateway_principal="cluster.local/ns/edge/sa/gw"')
    assert errors(blueprint_file, 'mesh(LINKERD)\nexpose("web", via=GATEWAY)\n', head=head) == [
        "bp.py:2: error: gateway_principal='cluster.local/ns/edge/sa/gw': environment 'prod' "
        "has no mesh(ISTIO), and only its AuthorizationPolicies admit the Gateway's proxies by "
        "identity; drop it"]


def test_verify_refuses_the_plaintext_only_policy(blueprint_file: Make) -> None:
    """The output before the fix (the gateway's service allowed only `notPrincipals: ["*"]`,
    its port PERMISSIVE) passed `netgen verify`; read back now, every request is refused."""
    plan, docs = _docs(blueprint_file, 'mesh(ISTIO)\nexpose("web", via=GATEWAY)\n',
                       head=ISTIO_GATEWAY)
    assert verify_mesh(plan, docs).ok
    old = copy.deepcopy(docs)
    for doc in old:
        if doc["kind"] == "AuthorizationPolicy" and doc["metadata"]["name"] == "web":
            doc["spec"]["rules"][0]["from"] = [{"source": {"notPrincipals": ["*"]}}]
    old.append({"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
                "metadata": {"name": "web", "namespace": "prod"},
                "spec": {"selector": {"matchLabels": {"app": "web"}}, "mtls": {"mode": "STRICT"},
                         "portLevelMtls": {"8080": {"mode": "PERMISSIVE"}}}})
    report = verify_mesh(plan, old)
    assert not report.ok
    assert "cluster.local/ns/edge/sa/bp-prod-bp-prod -> prod/web:8080" in report.render()


# --- F4: mesh routes through a gateway that rewrites -----------------------------------------

REWRITE = """\
from netgen import *
env("prod", namespace="prod", isolation=STRICT)
mesh(ISTIO)
service("api", port=8080, image="api:1", versions=["v1", "v2"])
"""  # lines 1-4


def _through_the_gateway(vs: dict, path: str) -> tuple[str, dict[str, int] | None]:
    """Istio's reading, from the YAML alone: the first gateway entry whose match holds, its
    rewrite replacing the matched prefix (the whole path under an exact match); the path the
    service receives and the entry's destinations."""
    for entry in vs["spec"]["http"]:
        hit = next((m for m in entry.get("match") or [{}] if matches(m, Request(path))), None)
        if hit is None:
            continue
        goes = where_to({"spec": {"http": [entry]}}, Request(path))
        to = (entry.get("rewrite") or {}).get("uri")
        if to is None:
            return path, goes
        (kind, value), = hit["uri"].items()
        return (to if kind == "exact" else to + path[len(value):]), goes
    return path, None


CASES = [
    # gateway /api rewritten to /, mesh route prefix /beta (the review's blueprint)
    ('expose("api", via=ISTIO, host="a.example.com", path="/api", rewrite="/")',
     'routes=[mesh_route(prefix="/beta", split={"v2": 100})]',
     {"/api": "/", "/api/": "/", "/api/beta": "/beta", "/api/beta/x": "/beta/x",
      "/api/betamax": "/betamax", "/api/x": "/x", "/api/api/beta": "/api/beta"}),
    # rewritten to /v1: exact and prefix mesh routes under it, and one on the pre-rewrite
    # path that no request through this gateway route can reach
    ('expose("api", via=ISTIO, host="a.example.com", path="/api", rewrite="/v1")',
     'routes=[mesh_route(exact="/v1", split={"v2": 100}), '
     'mesh_route(prefix="/v1/beta", split={"v2": 100}), '
     'mesh_route(prefix="/api/x", split={"v2": 100})]',
     {"/api": "/v1", "/api/": "/v1/", "/api/beta": "/v1/beta", "/api/beta/y": "/v1/beta/y",
      "/api/x": "/v1/x", "/api/x/y": "/v1/x/y", "/api/api/x": "/v1/api/x"}),
    # an exact gateway path rewritten to a path a mesh prefix takes
    ('expose("api", via=ISTIO, host="a.example.com", path="/old", path_type="Exact", '
     'rewrite="/beta/new")',
     'routes=[mesh_route(prefix="/beta", split={"v2": 100})]',
     {"/old": "/beta/new", "/old/x": None}),
]


@pytest.mark.parametrize(("exposure", "routes", "paths"), CASES)
def test_mesh_routes_apply_after_the_gateway_rewrite(
    blueprint_file: Make, exposure: str, routes: str, paths: dict[str, str | None]
) -> None:
    """Every request through the gateway reaches the service at the rewritten path and goes
    where the service's own VirtualService sends that path."""
    _, docs = _docs(blueprint_file, f'traffic("api", split={{"v1": 90, "v2": 10}}, {routes})\n'
                    f"{exposure}\n", head=REWRITE)
    d = _by_key(docs)
    gateway, mesh = d[("VirtualService", "a.example.com")], d[("VirtualService", "api-mesh")]
    for path, received in paths.items():
        at, goes = _through_the_gateway(gateway, path)
        if received is None:
            assert goes is None, path
            continue
        assert at == received, path
        assert goes == where_to(mesh, Request(received)), path
    for doc in docs:
        if is_istio(doc):
            assert istio_problems(doc) == [], doc["metadata"]["name"]


def test_verify_reports_the_route_the_old_output_dropped(blueprint_file: Make) -> None:
    plan, docs = _docs(blueprint_file, 'traffic("api", split={"v1": 90, "v2": 10}, '
                       + CASES[0][1] + ")\n" + CASES[0][0] + "\n", head=REWRITE)
    assert verify_mesh(plan, docs).ok
    old = copy.deepcopy(docs)
    for doc in old:
        if doc["kind"] == "VirtualService" and doc["metadata"]["name"] == "a.example.com":
            doc["spec"]["http"] = [e for e in doc["spec"]["http"]
                                   if e.get("rewrite", {}).get("uri") != "/beta"]
    report = verify_mesh(plan, old)
    assert not report.ok
    assert "ingress a.example.com/api/beta (StringPrefix)" in report.render()


def test_a_regex_mesh_route_is_not_carried_across_a_rewrite(blueprint_file: Make) -> None:
    assert errors(blueprint_file, """\
        traffic("api", split={"v1": 90, "v2": 10},
                routes=[mesh_route(regex="/beta/.*", split={"v2": 100})])
        expose("api", via=ISTIO, host="a.example.com", path="/api", rewrite="/")
        """, head=REWRITE) == [
        "bp.py:7: error: expose('api', via=ISTIO): a mesh route of traffic('api') (path regex "
        "'/beta/.*') applies to the path after this exposure's rewrite='/', and netgen does not "
        "map a regex back to the gateway's path; use prefix= or exact= in that mesh_route, or "
        "drop rewrite="]


# --- F7: Linkerd and non-HTTP ports -----------------------------------------------------------

LINKERD = """\
from netgen import *
env("prod", namespace="prod", isolation=STRICT)
mesh(LINKERD)
service("queue", port=5672, image="q:1", versions=["a", "b"])
service("db", port=5432, image="pg:16", stateful=True, storage=storage("1Gi", "/d"))
service("cache", port=6379, image="c:1", app_protocol="tcp")
service("search", port=9200, image="es:8", stateful=True, storage=storage("1Gi", "/d"))
service("web", port=80, target_port=8080, image="web:1")
calls("web", "queue", "db", "cache", "search")
"""  # lines 1-9


def test_ng302_a_broker_port_taken_for_http_under_linkerd(blueprint_file: Make) -> None:
    path = blueprint_file(LINKERD + 'traffic("queue", split={"a": 50, "b": 50})\n')
    found = [f for f in run_check(path).findings if f.code == "NG302"]
    assert [(f.loc.line, f.message) for f in found] == [(4, (
        "service('queue'): port 5672 is AMQP's, but its Service port is named 'http', so "
        "netgen takes it for HTTP: traffic('queue') becomes an HTTPRoute that Linkerd never "
        "applies to it, and its Server is left to Linkerd's protocol detection instead of "
        "proxyProtocol: opaque; set app_protocol='tcp' (or stateful=True for a database)"))]


def test_ng201_and_ng302_share_one_port_list() -> None:
    from netgen.plan import mesh
    from netgen.targets.istio import lint as istio_lint
    from netgen.targets.linkerd import lint as linkerd_lint

    assert istio_lint.NOT_HTTP is mesh.NOT_HTTP is linkerd_lint.NOT_HTTP


def test_servers_of_non_http_ports_are_opaque(blueprint_file: Make) -> None:
    """A Server's proxyProtocol replaces the pod's opaque ports (default `unknown`, which the
    policy controller reads as protocol detection): the known database/broker ports and a
    declared non-HTTP appProtocol say `opaque`; HTTP and unknown ports stay undeclared."""
    _, docs = _docs(blueprint_file, "", head=LINKERD)
    servers = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Server"}
    assert {n: s["spec"].get("proxyProtocol") for n, s in servers.items()} == {
        "queue": None,  # named http: NG302 says so
        "db": "opaque", "cache": "opaque", "search": None, "web": None}
    for server in servers.values():
        bundles = serving(server["apiVersion"], "Server")
        version = bundles[0].index.lookup(server["apiVersion"], "Server")
        assert version is not None
        assert list(problems_against(server, version)) == []
