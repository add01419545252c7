"""What each backend writes for the seed guide's examples, read as data: the current
annotation names and API versions, in the places the controllers read them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from netgen.cli import app
from tests.conftest import BLUEPRINTS, build, documents

ALB = "alb.ingress.kubernetes.io/"
NGINX = "nginx.ingress.kubernetes.io/"


def objects(example: str, env: str | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for compiled in build(BLUEPRINTS / f"{example}.py"):
        if env is None or compiled.plan.env.name == env:
            for d in documents(compiled):
                out[(d["kind"], d["metadata"]["name"])] = d
    return out


def annotations(doc: dict[str, Any]) -> dict[str, str]:
    return doc["metadata"].get("annotations", {})


def test_alb_ingress_seed() -> None:
    docs = objects("alb_ingress")
    ingresses = {name: d for (kind, name), d in docs.items() if kind == "Ingress"}
    assert set(ingresses) == {"web-frontend", "api-backend", "admin-frontend"}
    for d in ingresses.values():
        a = annotations(d)
        assert d["spec"]["ingressClassName"] == "alb"
        assert "kubernetes.io/ingress.class" not in a
        assert a[ALB + "scheme"] == "internet-facing"
        assert a[ALB + "target-type"] == "ip"
        assert a[ALB + "group.name"] == "myapp-production"
        assert a[ALB + "certificate-arn"].startswith("arn:aws:acm:")
        assert json.loads(a[ALB + "listen-ports"]) == [{"HTTP": 80}, {"HTTPS": 443}]
        assert a[ALB + "ssl-redirect"] == "443"
        assert ALB + "redirect-to-https" not in a
        assert {k.removeprefix(ALB): v for k, v in a.items() if "health" in k} == {
            "healthcheck-path": "/health", "healthcheck-interval-seconds": "30",
            "healthcheck-timeout-seconds": "5", "healthy-threshold-count": "2",
            "unhealthy-threshold-count": "3"}
        assert "tls" not in d["spec"]  # the ALB takes the ACM certificate, not a Secret
    orders = {n: int(annotations(d)[ALB + "group.order"]) for n, d in ingresses.items()}
    assert orders["api-backend"] < orders["web-frontend"]  # /api before / on one host
    assert ingresses["admin-frontend"]["spec"]["rules"][0]["host"] == "admin.myapp.example.com"
    assert ingresses["web-frontend"]["spec"]["rules"][0]["host"] == "myapp.example.com"


def test_alb_canary_action_and_header_condition(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(
        'from netgen import *\nblueprint("shop", domain="shop.example.com")\n'
        'service("api", port=8080, image="a:1", versions=["v1", "v2"])\n'
        'expose("api", via=ALB, path="/api", canary=0.2, match=header("X-Version", "v2"), '
        'group="public")\n')
    (compiled,) = build(path)
    docs = {d["metadata"]["name"]: d for d in documents(compiled) if d["kind"] == "Ingress"}
    weighted, by_header = docs["api"], docs["api-match"]
    backend = weighted["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "api-canary", "port": {"name": "use-annotation"}}
    assert json.loads(annotations(weighted)[ALB + "actions.api-canary"]) == {
        "type": "forward", "forwardConfig": {"targetGroups": [
            {"serviceName": "api-v1", "servicePort": 8080, "weight": 80},
            {"serviceName": "api-v2", "servicePort": 8080, "weight": 20}]}}
    assert json.loads(annotations(by_header)[ALB + "conditions.api-v2"]) == [
        {"field": "http-header",
         "httpHeaderConfig": {"httpHeaderName": "X-Version", "values": ["v2"]}}]
    assert annotations(by_header)[ALB + "group.name"] == "public"
    assert int(annotations(by_header)[ALB + "group.order"]) < int(
        annotations(weighted)[ALB + "group.order"])


def test_nginx_canary_seed() -> None:
    """The seed guide's annotations exactly: `header("X-Canary")` without a value is
    ingress-nginx's switch (`always` to the canary, `never` to the stable version), which a
    `canary-by-header-value` would take away."""
    docs = objects("nginx_canary")
    main, canary = docs[("Ingress", "web-app")], docs[("Ingress", "web-app-canary")]
    assert main["spec"]["ingressClassName"] == canary["spec"]["ingressClassName"] == "nginx"
    assert {k.removeprefix(NGINX): v for k, v in annotations(canary).items()} == {
        "canary": "true", "canary-weight": "10", "canary-by-header": "X-Canary"}
    assert not any(k.startswith(NGINX + "canary") for k in annotations(main))
    assert main["spec"]["rules"][0]["host"] == canary["spec"]["rules"][0]["host"]
    assert (main["spec"]["rules"][0]["http"]["paths"][0]["path"]
            == canary["spec"]["rules"][0]["http"]["paths"][0]["path"] == "/")
    service = main["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"]
    assert service == "web-app-v1"


def test_nginx_rate_limit_seed() -> None:
    (d,) = [d for (kind, _), d in objects("nginx_rate_limit").items() if kind == "Ingress"]
    assert {k.removeprefix(NGINX): v for k, v in annotations(d).items()} == {
        "limit-connections": "10", "limit-rpm": "60", "auth-type": "basic",
        "auth-secret": "api-auth", "auth-realm": "Authentication Required"}


def test_microservices_seed_rewrite() -> None:
    docs = objects("microservices")
    api, front = docs[("Ingress", "api-gateway-service")], docs[("Ingress", "frontend-service")]
    path = api["spec"]["rules"][0]["http"]["paths"][0]
    assert (path["path"], path["pathType"]) == ("/api(/|$)(.*)", "ImplementationSpecific")
    assert annotations(api)[NGINX + "rewrite-target"] == "/$2"
    assert annotations(api)[NGINX + "use-regex"] == "true"
    assert api["metadata"]["namespace"] == "api" and front["metadata"]["namespace"] == "web"
    # The seed puts both paths in one Ingress, so its rewrite-target also rewrote every
    # front-end request to "/"; here the front end's Ingress has no rewrite.
    assert NGINX + "rewrite-target" not in annotations(front)
    assert front["spec"]["tls"] == [{"hosts": ["myapp.example.com"], "secretName": "myapp-tls"}]


def test_gateway_api_seed() -> None:
    docs = objects("gateway_api", "production")
    gateway = docs[("Gateway", "production-gateway")]
    assert gateway["metadata"]["namespace"] == "gateway-system"
    listeners = {x["name"]: x for x in gateway["spec"]["listeners"]}
    assert set(listeners) == {"http", "https", "tcp-5432"}
    assert listeners["https"]["tls"] == {"mode": "Terminate", "certificateRefs": [
        {"kind": "Secret", "name": "myapp-tls-cert"}]}
    assert listeners["tcp-5432"]["protocol"] == "TCP"
    assert listeners["http"]["allowedRoutes"]["namespaces"]["selector"]["matchExpressions"] \
        == [{"key": "kubernetes.io/metadata.name", "operator": "In", "values": ["production"]}]
    cls = docs[("GatewayClass", gateway["spec"]["gatewayClassName"])]
    assert cls["spec"]["controllerName"] == "gateway.envoyproxy.io/gatewayclass-controller"

    route = docs[("HTTPRoute", "web-app-route")]
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    assert route["spec"]["parentRefs"] == [
        {"name": "production-gateway", "namespace": "gateway-system", "sectionName": "https"}]
    rules = route["spec"]["rules"]
    assert [r["matches"][0]["path"]["value"] for r in rules] == ["/static", "/api", "/api", "/"]
    header_rule = rules[1]["matches"]
    assert header_rule == [{"path": {"type": "PathPrefix", "value": "/api"},
                            "headers": [{"name": "X-Version", "value": "v2"}]}]
    assert rules[2]["backendRefs"] == [{"name": "api-v1", "port": 8080, "weight": 10},
                                       {"name": "api-v2", "port": 8080, "weight": 90}]

    redirect = docs[("HTTPRoute", "web-app-route-redirect")]
    assert redirect["spec"]["parentRefs"][0]["sectionName"] == "http"
    # the TLS routes' own matches, in the same order: nothing else on the http listener
    assert [r["matches"] for r in redirect["spec"]["rules"]] == [
        r["matches"] for r in rules]
    assert all(r["filters"] == [{"type": "RequestRedirect",
                                 "requestRedirect": {"scheme": "https", "statusCode": 301}}]
               and "backendRefs" not in r for r in redirect["spec"]["rules"])
    tcp = docs[("TCPRoute", "postgres-service")]
    assert tcp["apiVersion"] == "gateway.networking.k8s.io/v1"
    assert tcp["spec"]["parentRefs"][0]["sectionName"] == "tcp-5432"


def test_existing_gateway_and_older_tcproute() -> None:
    docs = objects("gateway_api", "staging")
    assert not any(kind in ("Gateway", "GatewayClass") for kind, _ in docs)
    route = docs[("HTTPRoute", "web-app-route")]
    assert route["spec"]["parentRefs"] == [
        {"name": "shared-gateway", "namespace": "gateway-system", "sectionName": "http"}]
    assert docs[("TCPRoute", "postgres-service")]["apiVersion"] == \
        "gateway.networking.k8s.io/v1alpha2"


def test_gateway_splits_routes_over_sixteen_rules(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    lines = ['from netgen import *', 'blueprint("many", domain="many.example.com")',
             'service("web", port=80, image="w:1")']
    lines += [f'expose("web", via=GATEWAY, path="/p{i:02}")' for i in range(20)]
    (compiled,) = build(blueprint_file("\n".join(lines) + "\n"))
    routes = [d for d in documents(compiled) if d["kind"] == "HTTPRoute"]
    assert [(r["metadata"]["name"], len(r["spec"]["rules"])) for r in routes] == [
        ("many.example.com", 16), ("many.example.com-2", 4)]


def test_grpc_on_every_backend(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(
        'from netgen import *\nblueprint("g")\n'
        'env("prod", tls=tls_secret("g-tls"))\n'
        'service("greeter", port=50051, image="g:1", app_protocol="grpc")\n'
        'expose("greeter", via=GATEWAY, host="a.example.com", match=header("x-tenant", "t1"))\n'
        'expose("greeter", via=NGINX, host="b.example.com")\n'
        'expose("greeter", via=ALB, host="c.example.com", '
        'tls=acm("arn:aws:acm:x:1:certificate/c"))\n')
    (compiled,) = build(path)
    docs = {(d["kind"], d["metadata"]["name"]): d for d in documents(compiled)}
    grpc = docs[("GRPCRoute", "a.example.com")]
    assert grpc["spec"]["rules"][0]["matches"] == [
        {"headers": [{"name": "x-tenant", "value": "t1"}]}]
    ingresses = [d for (kind, _), d in docs.items() if kind == "Ingress"]
    by_class = {d["spec"]["ingressClassName"]: annotations(d) for d in ingresses}
    assert by_class["nginx"][NGINX + "backend-protocol"] == "GRPC"
    assert by_class["alb"][ALB + "backend-protocol-version"] == "GRPC"


def test_routes_command(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["routes", str(BLUEPRINTS / "canary_deployment.py")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "environment production (namespace production)",
        "  HOST               PATH  MATCH             BACKENDS                VIA      ROUTE",
        "  myapp.example.com  /     x-user-type=beta  app-v2 100%             GATEWAY  app",
        "  myapp.example.com  /     x-region=us-west  app-west 100%           GATEWAY  app-west",
        "  myapp.example.com  /     -                 app-v1 80%, app-v2 20%  GATEWAY  app-2",
    ]
    shop = CliRunner().invoke(app, ["routes", str(BLUEPRINTS / "shop.py"), "--env",
                                    "development"])
    assert shop.exit_code == 0
    assert "  *                 :30080  -      web 100%                NODEPORT  web" in \
        shop.output.splitlines()
    missing = CliRunner().invoke(app, ["routes", str(BLUEPRINTS / "shop.py"), "--env", "qa"])
    assert missing.exit_code == 1
    assert "no environment named 'qa'" in missing.output


def test_builds_are_deterministic() -> None:
    for example in sorted(BLUEPRINTS.glob("*.py")):
        first = [c.files() for c in build(example)]
        assert first == [c.files() for c in build(example)]
