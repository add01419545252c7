"""Defects an outside review of the mesh targets found (each test failed before its fix):

- Istio's own Gateway API gateway is an Istio proxy with a mesh identity, so the services it
  exposes must admit that principal, not only clients without one (and `netgen verify` must
  tell the two apart);
"""

from __future__ import annotations

import copy
from typing import Any

from netgen.readback.mesh import verify_mesh
from tests.conftest import documents
from tests.targets.istio.istio_schema import is_istio
from tests.targets.istio.istio_schema import problems as istio_problems
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
