"""How long a realistic batch takes: printed for the record, not asserted."""

from __future__ import annotations

import time
from typing import Any

import pytest

from netgen.validate import CrdIndex, validate_documents

ROUTES = 1000


def http_route(i: int) -> dict[str, Any]:
    service = f"svc-{i % 37}"
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": f"route-{i}", "namespace": f"team-{i % 13}", "labels": {"i": str(i)}},
        "spec": {
            "parentRefs": [
                {"name": "public", "namespace": "edge", "sectionName": "https"},
                {"name": "internal", "namespace": "edge"},
            ],
            "hostnames": [f"app-{i}.example.com", f"www.app-{i}.example.com"],
            "rules": [
                {
                    "matches": [
                        {
                            "path": {"type": "PathPrefix", "value": f"/api/v{i % 3}"},
                            "headers": [{"name": "x-canary", "value": "true"}],
                        }
                    ],
                    "backendRefs": [
                        {"name": service, "port": 8080, "weight": 90},
                        {"name": f"{service}-canary", "port": 8080, "weight": 10},
                    ],
                },
                {
                    "matches": [{"path": {"type": "Exact", "value": f"/healthz/{i}"}}],
                    "filters": [
                        {
                            "type": "RequestHeaderModifier",
                            "requestHeaderModifier": {
                                "set": [{"name": "x-route", "value": str(i)}]
                            },
                        }
                    ],
                    "backendRefs": [{"name": service, "port": 8080}],
                },
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/old"}}],
                    "filters": [
                        {
                            "type": "RequestRedirect",
                            "requestRedirect": {
                                "scheme": "https",
                                "path": {
                                    "type": "ReplacePrefixMatch",
                                    "replacePrefixMatch": "/new",
                                },
                                "statusCode": 301,
                            },
                        }
                    ],
                },
            ],
        },
    }


def test_thousand_http_routes(standard_crds: CrdIndex, capsys: pytest.CaptureFixture[str]) -> None:
    routes = [http_route(i) for i in range(ROUTES)]
    validate_documents(routes[:1], standard_crds)  # build the validator and compile rules once
    start = time.perf_counter()
    problems = validate_documents(routes, standard_crds)
    elapsed = time.perf_counter() - start
    with capsys.disabled():
        print(
            f"\n[netgen.validate] {ROUTES} HTTPRoutes: {elapsed:.2f}s "
            f"({elapsed / ROUTES * 1000:.2f} ms per route, schema + CEL)"
        )
    assert problems == [], "\n".join(map(str, problems[:5]))
