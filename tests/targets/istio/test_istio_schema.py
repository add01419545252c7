"""Every generated Istio document passes the official CRDs (istio 1.30.3), and the check bites."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.conftest import EXAMPLES, build, documents, parse
from tests.targets.istio.istio_schema import is_istio, problems

ISTIO_DOCS = [
    pytest.param(d, id=f"{example.stem}-{c.plan.env.name}-{d['kind']}-{d['metadata']['name']}")
    for example in EXAMPLES for c in build(example) for d in documents(c) if is_istio(d)
]


def test_examples_have_istio_documents() -> None:
    kinds = {p.values[0]["kind"] for p in ISTIO_DOCS}  # type: ignore[index]
    assert kinds == {"AuthorizationPolicy", "DestinationRule", "Gateway", "PeerAuthentication",
                     "ServiceEntry", "VirtualService"}


@pytest.mark.parametrize("doc", ISTIO_DOCS)
def test_generated_document_passes_the_crd(doc: dict) -> None:
    assert problems(doc) == []
    assert doc["apiVersion"] in ("networking.istio.io/v1", "security.istio.io/v1")


SEED = parse("""
apiVersion: networking.istio.io/v1beta1
kind: ServiceEntry
metadata:
  name: external-api
  namespace: production
spec:
  hosts:
  - external-api.example.com
  ports:
  - number: 443
    name: https
    protocol: HTTPS
  location: MESH_EXTERNAL
  resolution: DNS
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: web-app-destination
  namespace: production
spec:
  host: web-app-service
  trafficPolicy:
    loadBalancer:
      simple: LEAST_CONN
    connectionPool:
      tcp:
        maxConnections: 100
      http:
        http1MaxPendingRequests: 50
        maxRequestsPerConnection: 2
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
""")


@pytest.mark.parametrize("doc", SEED, ids=lambda d: d["kind"])
def test_the_seed_examples_pass_too(doc: dict) -> None:
    """The seed's v1beta1 is still served (v1 is the storage version netgen emits)."""
    assert problems(doc) == []


def _dr() -> dict:
    return copy.deepcopy(SEED[1])


def _with(doc: dict, path: str, value: Any) -> dict:
    """Set (or with value=... delete) a dotted path such as 'spec.ports.0.name'."""
    doc = copy.deepcopy(doc)
    *parents, last = path.split(".")
    node: Any = doc
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
    if value is ...:
        del node[int(last) if isinstance(node, list) else last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return doc


VS = {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
      "metadata": {"name": "api", "namespace": "prod"},
      "spec": {"hosts": ["api"], "http": [{"route": [{"destination": {"host": "api"}}],
                                           "timeout": "5s"}]}}
GW = {"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
      "metadata": {"name": "gw", "namespace": "prod"},
      "spec": {"selector": {"istio": "ingressgateway"},
               "servers": [{"port": {"number": 443, "name": "https", "protocol": "HTTPS"},
                            "hosts": ["a.example.com"],
                            "tls": {"mode": "SIMPLE", "credentialName": "cert"}}]}}
PA = {"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
      "metadata": {"name": "web", "namespace": "prod"},
      "spec": {"selector": {"matchLabels": {"app": "web"}}, "mtls": {"mode": "STRICT"},
               "portLevelMtls": {"8080": {"mode": "PERMISSIVE"}}}}
AP = {"apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
      "metadata": {"name": "api", "namespace": "prod"},
      "spec": {"selector": {"matchLabels": {"app": "api"}}, "action": "ALLOW",
               "rules": [{"from": [{"source": {"principals": ["cluster.local/ns/prod/sa/web"]}}],
                          "to": [{"operation": {"ports": ["8080"]}}]}]}}
SE = SEED[0]


@pytest.mark.parametrize(("doc", "expected"), [
    (_with(_dr(), "spec.trafficPolicy.loadBalancer.simple", "LEAST_CONNECTION"),
     "spec.trafficPolicy.loadBalancer.simple: 'LEAST_CONNECTION' is not one of"),
    (_with(_dr(), "spec.trafficPolicy.connectionPool.tcp.maxConnection", 100),
     "Additional properties are not allowed ('maxConnection' was unexpected)"),
    (_with(_dr(), "spec.trafficPolicy.connectionPool.tcp.maxConnections", "100"),
     "spec.trafficPolicy.connectionPool.tcp.maxConnections: '100' is not of type 'integer'"),
    (_with(_dr(), "spec.trafficPolicy.outlierDetection.interval", "0s"),
     "spec.trafficPolicy.outlierDetection.interval: must be a valid duration greater than 1ms"),
    (_with(_dr(), "spec.lb", "RANDOM"),
     "Additional properties are not allowed ('lb' was unexpected)"),
    (_with(_dr(), "spec.host", ...), "'host' is a required property"),
    (_with(VS, "spec.http.0.timeout", "five seconds"),
     "spec.http[0].timeout: must be a valid duration greater than 1ms"),
    (_with(VS, "spec.http.0.match", [{"headers": {"x-v": {"exactly": "v2"}}}]),
     "Additional properties are not allowed ('exactly' was unexpected)"),
    (_with(GW, "spec.servers.0.tls.credentialNames", ["a", "b"]),
     "only one of credentialName or credentialNames can be set"),
    (_with(GW, "spec.servers.0.port.name", ...), "'name' is a required property"),
    (_with(PA, "spec.selector", ...), "spec: portLevelMtls requires selector"),
    (_with(PA, "spec.portLevelMtls", {"70000": {"mode": "PERMISSIVE"}}),
     "spec.portLevelMtls: port must be between 1-65535"),
    (_with(PA, "spec.mtls.mode", "ON"), "spec.mtls.mode: 'ON' is not one of"),
    (_with(AP, "spec.rules.0.to.0.operation.ports", [8080]),
     "spec.rules.0.to.0.operation.ports.0: 8080 is not of type 'string'"),
    (_with(AP, "spec.targetRef", {"kind": "Gateway", "group": "gateway.networking.k8s.io",
                                  "name": "gw"}),
     "spec: only one of targetRefs or selector can be set"),
    (_with(AP, "spec.rules.0.from.0.source.serviceAccounts", ["prod/web"]),
     "Cannot set serviceAccounts with namespaces or principals"),
    (_with(SE, "spec.hosts", ["*"]), "spec.hosts[0]: hostname cannot be wildcard"),
    (_with(SE, "spec.addresses", ["10.0.0.0/16"]),
     "CIDR addresses are allowed only for NONE/STATIC resolution types"),
    (_with(SE, "spec.ports.0.name", ...), "'name' is a required property"),
    (_with(SE, "spec.ports", [{"number": 443, "name": "a"}, {"number": 443, "name": "b"}]),
     "spec.ports: port number cannot be duplicated"),
    (_with(SE, "apiVersion", "networking.istio.io/v2"),
     "no served CRD version for apiVersion='networking.istio.io/v2' kind='ServiceEntry'"),
    (_with(SE, "metadata.name", "External_API"),
     "metadata.name: 'External_API' is not a DNS subdomain name"),
])
def test_the_check_bites(doc: dict, expected: str) -> None:
    found = problems(doc)
    assert any(expected in p for p in found), found


@pytest.mark.parametrize("doc", [VS, GW, PA, AP, SE], ids=lambda d: d["kind"])
def test_the_unbroken_fixtures_pass(doc: dict) -> None:
    assert problems(doc) == []
