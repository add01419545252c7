"""A realistic batch of varied HTTPRoutes validates clean (bench/validate.py times it)."""

from __future__ import annotations

from typing import Any

from netgen.validate import CrdIndex, validate_documents

ROUTES = 60


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


def test_a_batch_of_http_routes_is_valid(standard_crds: CrdIndex) -> None:
    problems = validate_documents([http_route(i) for i in range(ROUTES)], standard_crds)
    assert problems == [], "\n".join(map(str, problems[:5]))
