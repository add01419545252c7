"""`traffic(service, split=..., routes=[mesh_route(...)])`: in-mesh version splits.

The built YAML is parsed back, checked against Istio's CRD schemas, and asked where
requests go by an independent reader (tests/targets/istio/mesh_requests.py) that knows
Istio's matching rules and nothing of netgen's planning.
"""

from __future__ import annotations

import textwrap

import pytest

from tests.conftest import build, documents
from tests.targets.istio.istio_schema import is_istio, problems
from tests.targets.istio.mesh_requests import Request, timing, where_to
from tests.targets.mesh_blueprints import Make, compiled
from tests.targets.mesh_blueprints import errors as blueprint_errors

HEAD = """\
from netgen import *
env("prod", namespace="prod", isolation=STRICT)
service("web", port=80, image="web:1")
service("api", port=8080, image="api:1", versions=["v1", "v2", "v3"])
service("db", port=5432, image="postgres:16", protocol="TCP", port_name="tcp",
        versions=["a", "b"])
calls("web", "api", "db")
"""  # lines 1-7; a test's own lines start at 8

API = "api.prod.svc.cluster.local"


def docs_of(make: Make, body: str) -> dict[tuple[str, str], dict]:
    docs = {(d["kind"], d["metadata"]["name"]): d
            for d in documents(compiled(make, body, head=HEAD))}
    for doc in docs.values():
        if is_istio(doc):
            assert problems(doc) == [], (doc["kind"], doc["metadata"]["name"])
    return docs


def errors(make: Make, body: str) -> list[str]:
    return blueprint_errors(make, body, HEAD)


ROUTED = """\
mesh(ISTIO)
traffic("api", timeout="15s", split={"v1": 80, "v2": 20}, routes=[
    mesh_route(prefix="/beta", method="GET",
               headers=[header("X-Canary", "yes"), mesh_header("User-Agent", suffix="Chrome")],
               split={"v3": 100}, retries=retries(3, per_try="2s", on="5xx")),
    mesh_route(regex="/v[0-9]+/.*", query={"debug": "1"}, split={"v2": 50, "v3": 50},
               timeout="3s"),
    mesh_route(exact="/old", headers=mesh_header("x-user", prefix="qa-", invert=True),
               split={"v1": 100}),
])
"""

CASES = [
    # (request, where it goes)
    (Request("/beta/x", "GET", {"X-Canary": "yes", "User-Agent": "Mozilla Chrome"}), {"v3": 100}),
    (Request("/betamax", "GET", {"x-canary": "yes", "user-agent": "Chrome"}), {"v3": 100}),
    (Request("/beta/x", "POST", {"X-Canary": "yes", "User-Agent": "Chrome"}), {"v1": 80, "v2": 20}),
    (Request("/beta/x", "GET", {"X-Canary": "yes", "User-Agent": "Chrome/1"}),
     {"v1": 80, "v2": 20}),
    (Request("/beta/x", "GET", {"User-Agent": "Chrome"}), {"v1": 80, "v2": 20}),
    (Request("/v2/orders", query={"debug": "1"}), {"v2": 50, "v3": 50}),
    (Request("/v2/orders", query={"debug": "0"}), {"v1": 80, "v2": 20}),
    (Request("/vx/orders", query={"debug": "1"}), {"v1": 80, "v2": 20}),
    (Request("/old"), {"v1": 100}),
    (Request("/old", headers={"x-user": "qa-anna"}), {"v1": 80, "v2": 20}),
    (Request("/old/x"), {"v1": 80, "v2": 20}),
    (Request("/"), {"v1": 80, "v2": 20}),
]


@pytest.mark.parametrize(("request_", "expected"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_mesh_callers_reach_the_versions_the_routes_name(
    blueprint_file: Make, request_: Request, expected: dict[str, int]
) -> None:
    docs = docs_of(blueprint_file, ROUTED)
    vs = docs[("VirtualService", "api-mesh")]
    assert vs["spec"]["hosts"] == [API] and "gateways" not in vs["spec"]
    assert where_to(vs, request_) == expected
    subsets = {s["name"]: s["labels"] for s in docs[("DestinationRule", "api")]["spec"]["subsets"]}
    assert all(subsets[v] == {"version": v} for v in expected)


def test_route_timeouts_and_retries_replace_the_policys(blueprint_file: Make) -> None:
    vs = docs_of(blueprint_file, ROUTED)[("VirtualService", "api-mesh")]
    beta = Request("/beta", "GET", {"x-canary": "yes", "user-agent": "Chrome"})
    assert timing(vs, beta) == ("15s", {"attempts": 3, "perTryTimeout": "2s", "retryOn": "5xx"})
    assert timing(vs, Request("/v1/a", query={"debug": "1"})) == ("3s", None)
    assert timing(vs, Request("/")) == ("15s", None)


def test_routes_without_a_split_answer_404_for_other_calls(blueprint_file: Make) -> None:
    vs = docs_of(blueprint_file, """\
    mesh(ISTIO)
    traffic("api", routes=[mesh_route(prefix="/", headers=header("x-v", "3"), split={"v3": 100})])
    """)[("VirtualService", "api-mesh")]
    assert where_to(vs, Request("/a", headers={"x-v": "3"})) == {"v3": 100}
    assert where_to(vs, Request("/a")) is None


def test_a_split_alone_shares_every_call_and_a_tcp_service_gets_tcp_weights(
    blueprint_file: Make,
) -> None:
    docs = docs_of(blueprint_file, """\
    mesh(ISTIO)
    traffic("api", split={"v1": 90, "v3": 10})
    traffic("db", split={"a": 75, "b": 25})
    """)
    assert where_to(docs[("VirtualService", "api-mesh")], Request("/anything")) == {
        "v1": 90, "v3": 10}
    tcp = docs[("VirtualService", "db-mesh")]["spec"]
    assert "http" not in tcp
    assert {d["destination"]["subset"]: d["weight"] for d in tcp["tcp"][0]["route"]} == {
        "a": 75, "b": 25}


def test_the_ingress_gateway_applies_the_split_to_exposures_of_the_whole_service(
    blueprint_file: Make,
) -> None:
    docs = docs_of(blueprint_file, ROUTED + 'expose("api", via=ISTIO, host="api.example.com")\n')
    gw = docs[("VirtualService", "api.example.com")]
    (gateway,) = gw["spec"]["gateways"]
    assert ("Gateway", gateway) in docs
    for request_, expected in CASES:
        assert where_to(gw, request_) == expected, request_


def test_a_gateway_path_combines_with_routes_that_match_any_path(blueprint_file: Make) -> None:
    docs = docs_of(blueprint_file, """\
    mesh(ISTIO)
    traffic("api", split={"v1": 70, "v2": 30},
            routes=[mesh_route(headers=header("x-v", "3"), split={"v3": 100})])
    expose("api", via=ISTIO, host="shop.example.com", path="/api")
    """)
    gw = docs[("VirtualService", "shop.example.com")]
    assert where_to(gw, Request("/api/x", headers={"x-v": "3"})) == {"v3": 100}
    assert where_to(gw, Request("/api", headers={"x-v": "3"})) == {"v3": 100}
    assert where_to(gw, Request("/api/x")) == {"v1": 70, "v2": 30}
    assert where_to(gw, Request("/apiary", headers={"x-v": "3"})) is None


# --- errors, each with its line ----------------------------------------------------------------


@pytest.mark.parametrize(("body", "expected"), [
    ('mesh(ISTIO)\ntraffic("api", split={"v1": 80, "v9": 20})\n',
     "bp.py:9: error: traffic('api'): split names version 'v9', but its versions are v1, v2, v3"),
    ('mesh(ISTIO)\ntraffic("web", split={"v1": 100})\n',
     "bp.py:9: error: traffic('web'): split names version 'v1', but 'web' has no versions"),
    ('mesh(ISTIO)\ntraffic("api", split={"v1": 80, "v2": 30})\n',
     "the weights add up to 110, not 100"),
    ('mesh(ISTIO)\ntraffic("api", split={"v1": 0.8, "v2": 0.2})\n',
     "the weight of 'v1' must be a whole percentage from 0 to 100"),
    ('mesh(ISTIO)\ntraffic("api", routes=[\n    mesh_route(prefix="/a", exact="/b", '
     'split={"v1": 100})])\n',
     "bp.py:9: error: traffic('api'): mesh_route at bp.py:10: give at most one of prefix=, "
     "exact=, regex= (got prefix, exact)"),
    ('mesh(ISTIO)\ntraffic("api", routes=[mesh_route(method="FETCH", split={"v1": 100})])\n',
     "method='FETCH' must be one of GET"),
    ('mesh(ISTIO)\ntraffic("api", routes=[mesh_route(regex="(", split={"v1": 100})])\n',
     "regex='(': not a regular expression"),
    ('mesh(ISTIO)\ntraffic("api", routes=[mesh_route(prefix="a", split={"v1": 100})])\n',
     "prefix='a' must start with '/'"),
    ('mesh(ISTIO)\ntraffic("api", routes=[mesh_route(headers=mesh_header("x"), '
     'split={"v1": 100})])\n',
     "mesh_header('x') needs exactly one of exact=, prefix=, suffix=, regex="),
    ('mesh(ISTIO)\nexpose("api", via=NGINX, canary=0.2, match=header("X-Canary"))\n',
     "bp.py:9: error: expose('api', via=NGINX): inside the mesh, calls to 'api' follow its "
     "exposures' versions, and header('X-Canary') without a value (ingress-nginx's switch) "
     "has no Istio form"),
    ('mesh(ISTIO)\ntraffic("api", routes=[mesh_route(headers=header("X-Canary"), '
     'split={"v1": 100})])\n',
     "header('X-Canary') without a value is ingress-nginx's canary switch; a mesh split "
     "matches a value"),
    ('mesh(ISTIO)\ntraffic("db", routes=[mesh_route(prefix="/x", split={"a": 100})])\n',
     "bp.py:9: error: traffic('db'): mesh_route matches need an HTTP port"),
    ('traffic("api", split={"v1": 50, "v2": 50})\n',
     "bp.py:8: error: traffic('api'): no environment has a mesh"),
    ('env("dev", namespace="dev")\nwith env("dev"):\n    traffic("api", split={"v1": 100})\n',
     "bp.py:10: error: traffic('api'): environment 'dev' has no mesh"),
    ('mesh(ISTIO)\ntraffic("api", split={"v1": 50, "v2": 50})\n'
     'expose("api", via=ALB, path="/api", canary=0.2)\n',
     "bp.py:10: error: expose('api'): its versions (80% to v1, 20% to v3) would also split "
     "calls inside the mesh, which traffic('api', split=/routes=) at bp.py:9 decides"),
])
def test_mistakes_are_errors_with_their_line(blueprint_file: Make, body: str,
                                             expected: str) -> None:
    found = errors(blueprint_file, body)
    assert any(expected in e for e in found), found


def test_gateway_and_route_conditions_no_request_meets_together_drop_that_route(
    blueprint_file: Make,
) -> None:
    docs = docs_of(blueprint_file, """\
    mesh(ISTIO)
    traffic("api", split={"v1": 100}, routes=[
        mesh_route(headers=header("x-v", "3"), split={"v3": 100}),
        mesh_route(prefix="/api/beta", split={"v2": 100}),
        mesh_route(prefix="/other", split={"v3": 100}),
    ])
    expose("api", via=ISTIO, host="a.example.com", path="/api", match=header("X-V", "2"))
    """)
    gw = docs[("VirtualService", "a.example.com")]
    assert where_to(gw, Request("/api/x", headers={"x-v": "2"})) == {"v1": 100}
    assert where_to(gw, Request("/api/beta/x", headers={"x-v": "2"})) == {"v2": 100}
    assert where_to(gw, Request("/api/x", headers={"x-v": "3"})) is None
    assert where_to(gw, Request("/other", headers={"x-v": "2"})) is None
    assert len(gw["spec"]["http"]) == 2  # the x-v=3 and /other routes cannot match here


@pytest.mark.parametrize(("body", "expected"), [
    ('mesh(ISTIO)\ntraffic("api", routes=[mesh_route(regex="/a.*", split={"v1": 100})])\n'
     'expose("api", via=ISTIO, host="a.example.com", path="/api")\n',
     "bp.py:10: error: expose('api', via=ISTIO): the gateway route (path exact '/api') and a "
     "mesh route of traffic('api') (path regex '/a.*') ask for two path patterns"),
    ('mesh(ISTIO)\ntraffic("api", routes=[mesh_route(headers=[header("x", "1"), '
     'mesh_header("X", prefix="2")], split={"v1": 100})])\n',
     "header 'x' is matched twice"),
])
def test_inexpressible_combinations_are_errors(blueprint_file: Make, body: str,
                                               expected: str) -> None:
    found = errors(blueprint_file, body)
    assert any(expected in e for e in found), found


@pytest.mark.parametrize("body", [
    ROUTED,
    ROUTED + 'expose("api", via=ISTIO, host="api.example.com")\n',
    """\
    mesh(ISTIO)
    traffic("api", split={"v1": 100}, routes=[
        mesh_route(headers=header("x-v", "3"), split={"v3": 100}),
        mesh_route(prefix="/api/beta", split={"v2": 100}),
        mesh_route(prefix="/a", method="POST", split={"v2": 50, "v3": 50}),
    ])
    expose("api", via=ISTIO, host="a.example.com", path="/api", match=header("X-V", "2"))
    expose("api", via=ISTIO, host="b.example.com")
    traffic("db", split={"a": 75, "b": 25})
    """,
], ids=["mesh", "gateway", "combined"])
def test_verify_reads_back_what_the_plan_says(blueprint_file: Make, body: str) -> None:
    from netgen.readback.mesh import verify_mesh

    compiled = build(blueprint_file(HEAD + textwrap.dedent(body)))[0]
    report = verify_mesh(compiled.plan, documents(compiled))
    assert report.ok, report.render()
