"""Every Ingress is valid against the Kubernetes schema (strict, offline) and every Gateway
API document against the v1.6.1 CRDs: openAPIV3Schema with unknown fields rejected, after
the API server's defaulting, plus the CEL `x-kubernetes-validations` rules (evaluated with
cel-expr-python where it knows the functions). The CRDs are the ones shipped in
netgen/schemas. Failing fixtures prove the checks reject."""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
from kubernetes_validate.utils import latest_version

from netgen.validate.cel import CelError, compile_cel
from netgen.validate.shipped import bundle_folder
from tests.conftest import EXAMPLES, build, documents

CRDS = "gateway-api-v1.6.1-{channel}"  # the shipped bundle of each channel
GROUP = "gateway.networking.k8s.io"


# --- a small CRD validator (the lead will switch this to netgen/validate) ------------------


def _strict(schema: Any) -> Any:
    """openAPIV3Schema -> JSON Schema that rejects fields the CRD does not declare."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _strict(v) for k, v in schema.items() if k != "x-kubernetes-validations"}
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if (out.get("type") == "object" and "properties" in out
            and not out.get("x-kubernetes-preserve-unknown-fields")):
        out.setdefault("additionalProperties", False)
    return out


@functools.cache
def _crd_versions(kind: str, channel: str) -> dict[str, dict[str, Any]]:
    for path in sorted(bundle_folder(CRDS.format(channel=channel)).glob("*.json")):
        crd = json.loads(path.read_text())
        if crd["kind"] == kind and crd["group"] == GROUP:  # served versions only
            return {name: {"served": True, "schema": {"openAPIV3Schema": schema}}
                    for name, schema in crd["versions"].items()}
    raise KeyError(kind)


@functools.cache
def _validator(kind: str, channel: str, version: str) -> jsonschema.Draft7Validator:
    schema = _crd_versions(kind, channel)[version]["schema"]["openAPIV3Schema"]
    return jsonschema.Draft7Validator(_strict(schema))


def _default(schema: dict[str, Any], value: Any) -> Any:
    """What the API server stores: schema defaults filled in, recursively."""
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name, sub in props.items():
            if name not in value and "default" in sub:
                value[name] = copy.deepcopy(sub["default"])
        for name, item in value.items():
            if name in props:
                value[name] = _default(props[name], item)
    elif isinstance(value, list) and "items" in schema:
        return [_default(schema["items"], item) for item in value]
    return value


def _cel(schema: dict[str, Any], value: Any, where: str, out: list[str], ran: list[str]) -> None:
    for v in schema.get("x-kubernetes-validations", ()):
        if "oldSelf" in v["rule"]:
            continue  # transition rules only apply to updates
        try:
            result = compile_cel(v["rule"]).evaluate({"self": value})
        except CelError:  # reading an absent field: not what these tests judge
            continue
        ran.append(v["rule"])
        if result is not True:
            out.append(f"{where}: {v.get('message', v['rule'])}")
    if isinstance(value, dict):
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                _cel(sub, value[name], f"{where}.{name}", out, ran)
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            _cel(schema["items"], item, f"{where}[{i}]", out, ran)


def crd_errors(doc: dict[str, Any], ran: list[str] | None = None) -> list[str]:
    """Why the API server would reject `doc`: schema errors, then failed CEL rules."""
    group, _, version = doc["apiVersion"].partition("/")
    assert group == GROUP, doc["apiVersion"]
    standard = _crd_versions(doc["kind"], "standard")
    channel = "standard" if standard.get(version, {}).get("served") else "experimental"
    served = _crd_versions(doc["kind"], channel).get(version)
    if not served or not served["served"]:
        return [f"{doc['kind']} {version} is not served by Gateway API v1.6.1"]
    schema = served["schema"]["openAPIV3Schema"]
    doc = _default(schema, copy.deepcopy(doc))
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
              for e in _validator(doc["kind"], channel, version).iter_errors(doc)]
    _cel(schema, doc, doc["kind"], errors, ran if ran is not None else [])
    return errors


def ingress_errors(doc: dict[str, Any]) -> list[str]:
    try:
        kubernetes_validate.validate(doc, latest_version(), strict=True)
    except kubernetes_validate.ValidationError as e:
        return [str(e).splitlines()[0]]
    return []


# --- the documents -------------------------------------------------------------------------

EXTRA = '''
from netgen import *
blueprint("extra", domain="shop.example.com")
env("production", namespace="shop", tls=tls_secret("shop-tls"), gateway_namespace="edge")
env("legacy", namespace="legacy", gateway_api="v1alpha2")
service("api", port=8080, image="a:1", versions=["v1", "v2", "v3"])
service("web", port=80, image="w:1")
service("grpc", port=50051, image="g:1", app_protocol="grpc")
service("db", port=5432, image="pg:16", stateful=True, namespace="data")
expose("api", via=GATEWAY, path="/api", rewrite="/", canary=0.25,
       match=[header("X-Version", "v3"), header("X-Beta", "yes")])
expose("api", via=GATEWAY, path="/v1/login", path_type="Exact", rewrite="/login",
       version="v1")
expose("web", via=GATEWAY, host="*.shop.example.com", redirect_https=False)
expose("grpc", via=GATEWAY, host="grpc.example.org", match=header("x-tenant", "a"))
expose("db", via=TCP, ports=[5432, 15432])
expose("api", via=NGINX, host="n.example.com", path="/api", rewrite="/v2/", canary=0.5,
       match=header("X-Canary", "always"))
expose("web", via=NGINX, host="n.example.com", path="/static/", rate_limit=rate_limit(rps=5))
expose("web", via=NGINX, host="m.example.com", path="/x", path_type="Exact",
       auth=basic("htpasswd"), redirect_https=False)
expose("grpc", via=NGINX, host="grpc.example.com")
expose("api", via=ALB, host="alb.example.com", path="/v2", version="v2", scheme="internal",
       tls=acm("arn:aws:acm:eu-west-1:123456789012:certificate/x"))
expose("web", via=ALB, host="alb.example.com", scheme="internal",
       tls=acm("arn:aws:acm:eu-west-1:123456789012:certificate/x"),
       health=health_check("/ready", interval=10, timeout=5, healthy=2, unhealthy=4))
expose("grpc", via=ALB, host="grpc-alb.example.com", group="grpc", ports=[8443],
       tls=acm("arn:aws:acm:eu-west-1:123456789012:certificate/x"))
with env("legacy"):
    expose("web", via=GATEWAY, host="*")
    expose("db", via=TCP)
    expose("grpc", via=CLUSTER)
'''


@functools.cache
def all_documents() -> list[dict[str, Any]]:
    docs = []
    for example in EXAMPLES:
        for compiled in build(example):
            docs.extend(documents(compiled))
    return docs


@pytest.fixture(scope="module")
def extra_documents(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    path = Path(tmp_path_factory.mktemp("extra")) / "extra.py"
    path.write_text(EXTRA)
    return [d for c in build(path) for d in documents(c)]


def _routing(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == "Ingress" or d["apiVersion"].startswith(GROUP)]


def test_every_example_document_is_valid() -> None:
    docs = _routing(all_documents())
    assert {d["kind"] for d in docs} >= {"Ingress", "HTTPRoute", "TCPRoute", "Gateway",
                                        "GatewayClass"}
    ran: list[str] = []
    for d in docs:
        errors = ingress_errors(d) if d["kind"] == "Ingress" else crd_errors(d, ran)
        assert errors == [], f"{d['kind']}/{d['metadata']['name']}"
    assert len(set(ran)) >= 10, "the CEL rules were not evaluated"


def test_every_feature_document_is_valid(extra_documents: list[dict[str, Any]]) -> None:
    docs = _routing(extra_documents)
    kinds = {(d["kind"], d["apiVersion"]) for d in docs}
    assert ("GRPCRoute", f"{GROUP}/v1") in kinds
    assert ("TCPRoute", f"{GROUP}/v1alpha2") in kinds
    for d in docs:
        errors = ingress_errors(d) if d["kind"] == "Ingress" else crd_errors(d)
        assert errors == [], f"{d['kind']}/{d['metadata']['name']}: {errors}"


# --- the validator rejects what the API server rejects ----------------------------------------

def _route(**spec: Any) -> dict[str, Any]:
    base = {"parentRefs": [{"name": "gw"}], "rules": [{"backendRefs": [
        {"name": "api", "port": 80}]}]}
    return {"apiVersion": f"{GROUP}/v1", "kind": "HTTPRoute",
            "metadata": {"name": "r", "namespace": "ns"}, "spec": {**base, **spec}}


@pytest.mark.parametrize(("spec", "problem"), [
    ({"bogus": 1}, "'bogus' was unexpected"),
    ({"rules": [{"backendRefs": [{"name": "a", "port": 80}]}] * 17}, "is too long"),
    ({"rules": [{"matches": [{"path": {"type": "Prefix", "value": "/"}}]}]}, "'Prefix' is not"),
    ({"hostnames": ["Upper.example.com"]}, "does not match"),
    ({"rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/a//b"}}]}]},
     "must not contain '//'"),
    ({"rules": [{"filters": [{"type": "RequestRedirect",
                              "requestRedirect": {"scheme": "https"}}],
                 "backendRefs": [{"name": "a", "port": 80}]}]},
     "RequestRedirect filter must not be used together with backendRefs"),
    ({"rules": [{"matches": [{"path": {"value": "/a"}}, {"path": {"value": "/b"}}],
                 "filters": [{"type": "URLRewrite", "urlRewrite": {"path": {
                     "type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}}}]}]},
     "When using URLRewrite filter with path.replacePrefixMatch"),
    ({"rules": [{"backendRefs": [{"name": "a"}]}]}, "Must have port for Service reference"),
])
def test_validator_rejects_bad_http_routes(spec: dict[str, Any], problem: str) -> None:
    errors = crd_errors(_route(**spec))
    assert any(problem in e for e in errors), errors


def test_validator_rejects_bad_gateway_and_tcp_route() -> None:
    gateway = {"apiVersion": f"{GROUP}/v1", "kind": "Gateway",
               "metadata": {"name": "gw", "namespace": "ns"},
               "spec": {"gatewayClassName": "c", "listeners": [
                   {"name": "tcp", "protocol": "TCP", "port": 5432, "hostname": "a.example.com"},
               ]}}
    assert any("hostname must not be specified" in e for e in crd_errors(gateway))
    tcp = {"apiVersion": f"{GROUP}/v1alpha2", "kind": "TCPRoute",
           "metadata": {"name": "t", "namespace": "ns"},
           "spec": {"rules": [{"backendRefs": [{"name": "db", "port": 5432}]}]}}
    assert crd_errors(tcp) == []  # served by the experimental channel
    tcp["apiVersion"] = f"{GROUP}/v1"
    tcp["spec"]["rules"] *= 2
    assert any("is too long" in e for e in crd_errors(tcp))


def test_kubernetes_schema_rejects_a_bad_ingress() -> None:
    ingress = next(d for d in all_documents() if d["kind"] == "Ingress")
    bad = copy.deepcopy(ingress)
    bad["spec"]["rules"][0]["http"]["paths"][0]["pathType"] = None
    bad["spec"]["ingressClass"] = "alb"
    assert ingress_errors(ingress) == []
    assert ingress_errors(bad) != []
