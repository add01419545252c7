"""The language additions an ECS migration needs: more containers in a pod (`container`),
`node_selector`, and route conditions ALB (and partly Gateway API) express natively —
header wildcards, query parameters, methods, client addresses — plus health-check success
codes and TLS to the pods. Each is printed where its backend reads it, parsed back here,
and is an error naming the backend where it cannot be expressed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from netgen.problems import ProblemError
from netgen.validate import validate_documents
from tests.conftest import build, documents

HEAD = """\
from netgen import *
blueprint("shop")
env("prod", namespace="prod")
"""
ALB = "alb.ingress.kubernetes.io/"


def docs_of(blueprint_file: Callable[[str], Path], body: str) -> list[dict]:
    (compiled,) = build(blueprint_file(HEAD + body))
    return documents(compiled)


def errors_of(blueprint_file: Callable[[str], Path], body: str) -> list[str]:
    with pytest.raises(ProblemError) as raised:
        build(blueprint_file(HEAD + body))
    return [d.message for d in raised.value.problems]


def _one(docs: list[dict], kind: str, name: str) -> dict:
    (doc,) = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    return doc


def test_containers_share_the_pod(blueprint_file) -> None:
    docs = docs_of(blueprint_file, """
service("wordpress", port=80, image="wordpress", node_selector={"kubernetes.io/arch": "arm64"},
        containers=[container("mysql", image="mysql", ports=[3306],
                              env_vars={"MYSQL_DATABASE": "wp"},
                              secrets={"MYSQL_ROOT_PASSWORD": secret_ref("db", "root")},
                              memory="500Mi", liveness=probe(tcp=True),
                              volumes=[volume("data", "/var/lib/mysql", claim="mysql-data")])])
""")
    assert validate_documents(docs) == []
    spec = _one(docs, "Deployment", "wordpress")["spec"]["template"]["spec"]
    assert spec["nodeSelector"] == {"kubernetes.io/arch": "arm64"}
    main, mysql = spec["containers"]
    assert main["name"] == "wordpress" and mysql["name"] == "mysql"
    assert mysql["ports"] == [{"containerPort": 3306, "protocol": "TCP"}]
    assert mysql["env"] == [
        {"name": "MYSQL_DATABASE", "value": "wp"},
        {"name": "MYSQL_ROOT_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db",
                                                                       "key": "root"}}}]
    assert mysql["livenessProbe"]["tcpSocket"] == {"port": 3306}
    assert mysql["volumeMounts"] == [{"name": "data", "mountPath": "/var/lib/mysql"}]
    assert spec["volumes"] == [{"name": "data",
                                "persistentVolumeClaim": {"claimName": "mysql-data"}}]
    # the Service still reaches the main container only
    service = _one(docs, "Service", "wordpress")
    assert [p["targetPort"] for p in service["spec"]["ports"]] in (["http"], [80])


def test_container_mistakes_are_errors(blueprint_file) -> None:
    messages = errors_of(blueprint_file, """
service("web", port=80, image="w", node_selector={"bad key!": "x"},
        containers=[container("web", image="x"), container("helper", ports=[80]), "redis"])
""")
    assert messages == [
        "service('web'): container('helper'): image= is required",
        "service('web'): container('helper'): port 80 is already used by another container "
        "of the pod (they share one network namespace)",
        "service('web'): container('web'): the name is taken (the main container is named "
        "after the service)",
        "service('web'): containers: 'redis' must be container('name', image=...)",
        "service('web'): node_selector: label key 'bad key!' is not a valid Kubernetes label "
        "name",
    ]


def _conditions(doc: dict) -> list[dict]:
    (value,) = [v for k, v in doc["metadata"]["annotations"].items()
                if k.startswith(ALB + "conditions.")]
    return json.loads(value)


def test_alb_carries_wildcards_query_method_and_source_ip(blueprint_file) -> None:
    docs = docs_of(blueprint_file, """
service("api", port=8443, image="a", app_protocol="https")
service("web", port=80, image="w")
expose("api", via=ALB, path="/api", query={"version": "beta"}, methods=["GET"],
       health=health_check("/health", codes="200-299"))
expose("web", via=ALB, path="/x", match=header("User-Agent", "*Chrome*", wildcards=True),
       source_ips=["10.0.0.0/8"])
""")
    api = _one(docs, "Ingress", "api")
    assert _conditions(api) == [
        {"field": "query-string", "queryStringConfig": {"values": [{"key": "version",
                                                                    "value": "beta"}]}},
        {"field": "http-request-method", "httpRequestMethodConfig": {"values": ["GET"]}}]
    annotations = api["metadata"]["annotations"]
    assert annotations[ALB + "backend-protocol"] == "HTTPS"
    assert annotations[ALB + "success-codes"] == "200-299"
    assert _conditions(_one(docs, "Ingress", "web")) == [
        {"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "User-Agent",
                                                      "values": ["*Chrome*"]}},
        {"field": "source-ip", "sourceIpConfig": {"values": ["10.0.0.0/8"]}}]


def test_alb_matches_a_query_value_as_written(blueprint_file) -> None:
    """`*` and `?` are ALB's wildcards in query-string conditions, matched literally only
    when escaped: `query=` is an exact match, as on GATEWAY and ISTIO."""
    docs = docs_of(blueprint_file, """
service("api", port=8080, image="a")
expose("api", via=ALB, path="/api", query={"q*": "a?b"})
""")
    assert _conditions(_one(docs, "Ingress", "api")) == [
        {"field": "query-string", "queryStringConfig": {"values": [{"key": "q\\*",
                                                                    "value": "a\\?b"}]}}]


def test_gateway_carries_query_and_methods(blueprint_file) -> None:
    docs = docs_of(blueprint_file, """
service("api", port=8080, image="a")
expose("api", via=GATEWAY, path="/api", query={"version": "beta"}, methods=["GET", "HEAD"])
""")
    (route,) = [d for d in docs if d["kind"] == "HTTPRoute"]
    matches = route["spec"]["rules"][0]["matches"]
    assert [(m["method"], m["queryParams"]) for m in matches] == [
        ("GET", [{"name": "version", "value": "beta"}]),
        ("HEAD", [{"name": "version", "value": "beta"}])]


@pytest.mark.parametrize(("via", "body", "feature"), [
    ("NGINX", 'match=header("User-Agent", "*Chrome*", wildcards=True)',
     "match header values with wildcards"),
    ("NGINX", 'query={"a": "b"}', "match query parameters"),
    ("ISTIO", 'source_ips=["10.0.0.0/8"]', "match client addresses"),
    ("GATEWAY", 'source_ips=["10.0.0.0/8"]', "match client addresses"),
    ("GATEWAY", 'health=health_check("/h", codes="200")',
     "choose the health check's success codes"),
])
def test_what_a_backend_cannot_express_is_an_error(blueprint_file, via: str, body: str,
                                                   feature: str) -> None:
    messages = errors_of(blueprint_file, f"""
service("web", port=80, image="w")
expose("web", via={via}, path="/x", {body})
""")
    assert any(f"cannot {feature}" in m and f"via={via}" in m for m in messages), messages


def test_tls_to_the_pods_on_alb_and_nginx(blueprint_file) -> None:
    """`app_protocol="https"` was always a valid label: ALB and ingress-nginx now connect
    with TLS; Gateway API output is unchanged (its Service says appProtocol https)."""
    docs = docs_of(blueprint_file, """
service("web", port=8443, image="w", app_protocol="https")
expose("web", via=GATEWAY, path="/x")
""")
    service = _one(docs, "Service", "web")
    assert service["spec"]["ports"][0]["appProtocol"] == "https"
    docs = docs_of(blueprint_file, """
service("web", port=8443, image="w", app_protocol="https")
expose("web", via=NGINX, path="/x")
""")
    ingress = _one(docs, "Ingress", "web")
    assert ingress["metadata"]["annotations"][
        "nginx.ingress.kubernetes.io/backend-protocol"] == "HTTPS"


@pytest.mark.parametrize(("body", "message"), [
    ('query="a=b"', "query='a=b' must map query parameter names to values"),
    ('methods=["get"]', "methods=('get',) must be a list of HTTP methods"),
    ('source_ips=["nowhere"]', "source_ips"),
    ('health=health_check("/h", codes="ok")', "health_check codes='ok' must be HTTP codes"),
])
def test_malformed_conditions_are_errors(blueprint_file, body: str, message: str) -> None:
    messages = errors_of(blueprint_file, f"""
service("web", port=80, image="w")
expose("web", via=ALB, path="/x", {body})
""")
    assert any(message in m for m in messages), messages


def test_a_service_without_a_port_is_a_worker(blueprint_file) -> None:
    docs = docs_of(blueprint_file, """
service("api", port=8080, image="a")
service("worker", image="w", liveness=probe(exec=["true"]))
external("queue", host="sqs.us-east-1.amazonaws.com", port=443)
calls("worker", "api", "queue")
""")
    assert validate_documents(docs) == []
    assert [d["metadata"]["name"] for d in docs if d["kind"] == "Service"] == ["api", "queue"]
    (container,) = _one(docs, "Deployment", "worker")["spec"]["template"]["spec"]["containers"]
    assert "ports" not in container
    egress = _one(docs, "NetworkPolicy", "worker")["spec"]["egress"]
    assert {p["port"] for rule in egress for p in rule.get("ports", [])} == {8080, 443}


def test_what_a_worker_cannot_do_is_an_error(blueprint_file) -> None:
    messages = errors_of(blueprint_file, """
service("api", port=8080, image="a")
service("worker", image="w", health="/h", versions=["v1"], readiness=probe(http="/x"))
calls("api", "worker")
expose("worker", via=ALB)
""")
    assert "service('worker'): health=, versions= need port=" in messages
    assert "service('worker'): readiness=probe(...) needs port= (the service has none)" in messages
    assert "calls('api', 'worker'): 'worker' has no port= (a worker), so nothing can call it" in (
        messages)
    assert ("expose('worker', via=ALB): 'worker' has no port= (a worker), so it cannot be "
            "exposed") in messages
