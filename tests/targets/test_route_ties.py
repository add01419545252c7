"""Routes that rank alike: Gateway API's precedence (an Exact path, the longest prefix, a
method match, most headers, most query parameters, each before the next) on every via, and
of two a request both takes and that answer differently, the first declared answers on
every via (an HTTPRoute's rule order, an Istio VirtualService's route order, ALB's
`group.order`); across two HTTPRoutes, where Gateway API would pick the older one, an
error naming both lines and the request."""

from __future__ import annotations

from typing import Any

import pytest

from netgen.model import HeaderMatch, SourceLoc
from netgen.plan import RoutePlan, WeightedBackend
from netgen.plan.routes import precedence, request_key, tie
from netgen.targets.aws_alb.tokens import ALB
from tests.conftest import documents
from tests.targets.mesh_blueprints import Make, compiled, errors

ORDER = "alb.ingress.kubernetes.io/group.order"
# Declared least specific first: the query route, the headers route, the method route.
NARROWED = """\
mesh(ISTIO)
expose("db-web", via={via}, host="a.example.com", path="/x", query={{"q": "1", "r": "2"}})
expose("api", via={via}, host="a.example.com", path="/x", match=[header("a", "1"),
       header("b", "2")])
expose("web", via={via}, host="a.example.com", path="/x", methods=["GET"])
"""
HEAD = """\
from netgen import *
env("prod", namespace="prod")
service("web", port=80, target_port=8080, image="web:1")
service("api", port=8080, image="api:1", versions=["v1", "v2"])
service("db-web", port=80, image="d:1")
"""  # lines 1-5


def _docs(make: Make, body: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(d["kind"], d["metadata"]["name"]): d
            for d in documents(compiled(make, body, head=HEAD))}


def _orders(docs: dict[tuple[str, str], dict[str, Any]]) -> dict[str, int]:
    """Ingress name -> its ALB group.order."""
    return {name: int(d["metadata"]["annotations"][ORDER])
            for (kind, name), d in docs.items() if kind == "Ingress"}


def test_precedence_ranks_a_method_then_headers_then_query() -> None:
    """Gateway API ranks each before the next, not their sum: one method beats two headers,
    one header two query parameters."""
    method = request_key("h", "/x", "Prefix", methods=["GET"])
    headers = request_key("h", "/x", "Prefix", [("a", "1"), ("b", "2")])
    header = request_key("h", "/x", "Prefix", [("a", "1")])
    query = request_key("h", "/x", "Prefix", query=[("q", "1"), ("r", "2")])
    assert sorted([query, headers, header, method], key=precedence) == [
        method, headers, header, query]


def test_alb_orders_by_method_then_headers_then_query(blueprint_file: Make) -> None:
    assert _orders(_docs(blueprint_file, NARROWED.format(via="ALB"))) == {
        "web": 1, "api": 2, "db-web": 3}


def test_gateway_rules_by_method_then_headers_then_query(blueprint_file: Make) -> None:
    docs = _docs(blueprint_file, NARROWED.format(via="GATEWAY"))
    rules = docs[("HTTPRoute", "a.example.com")]["spec"]["rules"]
    assert [r["name"] for r in rules] == ["web", "api", "db-web"]


def test_istio_routes_by_method_then_headers_then_query(blueprint_file: Make) -> None:
    http = _docs(blueprint_file, NARROWED.format(via="ISTIO"))[
        ("VirtualService", "a.example.com")]["spec"]["http"]
    hosts = [route["route"][0]["destination"]["host"].split(".")[0] for route in http]
    assert hosts == ["web", "api", "db-web"]


TIED = """\
expose("{first}", via={via}, host="a.example.com", path="/x", methods=["GET"])
expose("{second}", via={via}, host="a.example.com", path="/x", methods=["GET", "POST"])
"""


@pytest.mark.parametrize(("first", "second"), [("web", "api"), ("api", "web")])
def test_alb_ranks_a_tie_as_declared(blueprint_file: Make, first: str, second: str) -> None:
    """`[GET]` and `[GET, POST]` rank alike: the first declared takes `GET /x` (the
    controller would order one group.order by Ingress name)."""
    orders = _orders(_docs(blueprint_file, TIED.format(via="ALB", first=first, second=second)))
    assert orders == {first: 1, second: 2}


def test_alb_ties_header_values_that_differ_in_case_only(blueprint_file: Make) -> None:
    """ALB compares header condition values without case (HttpHeaderConfig: "The
    comparison strings are case insensitive"), so `a: beta` is taken by both: the first
    declared ranks first (both had order 1, and the Ingress name decided)."""
    body = ('expose("web", via=ALB, host="a.example.com", path="/x", match=header("a", "Beta"))\n'
            'expose("api", via=ALB, host="a.example.com", path="/x", match=header("a", "beta"))\n')
    assert _orders(_docs(blueprint_file, body)) == {"web": 1, "api": 2}


def test_alb_ranks_alike_what_no_request_takes_twice(blueprint_file: Make) -> None:
    """No tie, no extra rank: other methods, other header values, the same answer."""
    body = """\
    expose("web", via=ALB, host="a.example.com", path="/x", methods=["GET"])
    expose("api", via=ALB, host="a.example.com", path="/x", methods=["POST"])
    expose("web", via=ALB, host="a.example.com", path="/y", match=header("a", "1"))
    expose("api", via=ALB, host="a.example.com", path="/y", match=header("a", "2"))
    expose("web", via=ALB, host="a.example.com", path="/z", methods=["GET", "PUT"])
    expose("web", via=ALB, host="a.example.com", path="/z", methods=["GET"])
    expose("web", via=ALB, host="a.example.com", path="/w", match=header("a", "x*",
           wildcards=True))
    expose("api", via=ALB, host="a.example.com", path="/w", match=header("A", "y?",
           wildcards=True))
    """
    assert _orders(_docs(blueprint_file, body)) == {
        "web": 1, "api": 1, "web-3": 1, "web-4": 1,  # each has a method: ranked first
        "web-2": 2, "api-2": 2, "web-5": 2, "api-3": 2}


def test_gateway_keeps_a_tie_in_one_httproute_as_declared(blueprint_file: Make) -> None:
    docs = _docs(blueprint_file, TIED.format(via="GATEWAY", first="api", second="web"))
    rules = docs[("HTTPRoute", "a.example.com")]["spec"]["rules"]
    assert [r["name"] for r in rules] == ["api", "web"]


def test_a_tie_across_two_httproutes_is_an_error(blueprint_file: Make) -> None:
    """Across Routes Gateway API takes the older one: a re-created Route would flip it."""
    body = """\
    expose("web", via=GATEWAY, host="a.example.com", path="/x", match=header("a", "1"),
           route="one")
    expose("api", via=GATEWAY, host="a.example.com", path="/x", match=header("B", "2"),
           route="two")
    expose("db-web", via=GATEWAY, host="a.example.com", path="/x", match=header("a", "2"),
           route="three")
    """
    assert errors(blueprint_file, body, head=HEAD) == [
        "bp.py:8: error: expose('api', via=GATEWAY): /x with a: 1, b: 2 is taken by this "
        "exposure (HTTPRoute 'two') and by 'web' at bp.py:6 (HTTPRoute 'one'), which rank "
        "alike; across two HTTPRoutes Gateway API gives it to the older one, not to the "
        "first declared; put both in one (the same route= and namespace) or narrow one of "
        "them",
        "bp.py:10: error: expose('db-web', via=GATEWAY): /x with a: 2, b: 2 is taken by this "
        "exposure (HTTPRoute 'three') and by 'api' at bp.py:8 (HTTPRoute 'two'), which rank "
        "alike; across two HTTPRoutes Gateway API gives it to the older one, not to the "
        "first declared; put both in one (the same route= and namespace) or narrow one of "
        "them",
    ]


def test_a_tie_split_across_chunks_of_one_route_is_an_error(blueprint_file: Make) -> None:
    """Past 16 rules an HTTPRoute continues in `<name>-2`: another Route."""
    body = "".join(f'expose("web", via=GATEWAY, host="a.example.com", path="/p{i:02}")\n'
                   for i in range(15))
    body += TIED.format(via="GATEWAY", first="web", second="api")
    assert errors(blueprint_file, body, head=HEAD) == [
        "bp.py:22: error: expose('api', via=GATEWAY): GET /x is taken by this exposure "
        "(HTTPRoute 'a.example.com-2') and by 'web' at bp.py:21 (HTTPRoute 'a.example.com'), "
        "which rank alike; across two HTTPRoutes Gateway API gives it to the older one, not "
        "to the first declared; put both in one (the same route= and namespace) or narrow "
        "one of them",
    ]


def test_istio_keeps_a_tie_as_declared(blueprint_file: Make) -> None:
    body = "mesh(ISTIO)\n" + TIED.format(via="ISTIO", first="api", second="web")
    http = _docs(blueprint_file, body)[("VirtualService", "a.example.com")]["spec"]["http"]
    hosts = [route["route"][0]["destination"]["host"].split(".")[0] for route in http]
    assert hosts == ["api", "web"]


def _route(**kw: Any) -> RoutePlan:
    """A RoutePlan of host h, path /x, to `to`, with the given matches."""
    headers = tuple(HeaderMatch(n, v, w) for n, v, w in kw.pop("headers", ()))
    to = kw.pop("to", "web")
    return RoutePlan(layer="l7", name=to, service=to, namespace="prod", via=ALB, host="h",
                     path="/x", path_type=kw.pop("path_type", "Prefix"), matches=headers,
                     backends=(WeightedBackend(to, 80, 100),), tls=None, redirect_https=False,
                     node_port=None, ports=(), scheme="internet-facing", health=None,
                     rewrite=None, rate_limit=None, auth=None, group=None, grpc=False,
                     target_port=80, loc=SourceLoc("bp.py", 1), **kw)


@pytest.mark.parametrize(("a", "b", "request_"), [
    ({"methods": ("GET",)}, {"methods": ("POST", "GET")}, "GET /x"),
    ({"methods": ("GET",)}, {"methods": ("POST",)}, None),
    ({"headers": [("a", "1", False)]}, {"headers": [("B", "2", False)]}, "/x with a: 1, b: 2"),
    ({"headers": [("a", "1", False)]}, {"headers": [("A", "2", False)]}, None),
    ({"query": (("q", "1"),)}, {"query": (("r", "2"),)}, "/x?q=1&r=2"),
    ({"query": (("q", "1"),)}, {"query": (("q", "2"),)}, None),
    ({"headers": [("a", "v*2", True)]}, {"headers": [("a", "v12", False)]}, "/x with a: v12"),
    ({"headers": [("a", "v*2", True)]}, {"headers": [("a", "v13", False)]}, None),
    ({"headers": [("a", "*x", True)]}, {"headers": [("a", "y?z", True)]}, None),
    ({"headers": [("a", "*x*", True)]}, {"headers": [("a", "y*", True)]}, "/x with a: y*"),
    ({"source_ips": ("10.0.0.0/8",)}, {"source_ips": ("10.1.0.0/16",)}, "/x from 10.1.0.0/16"),
    ({"source_ips": ("10.0.0.0/8",)}, {"source_ips": ("192.168.0.0/16",)}, None),
    ({"methods": ("GET",)}, {"headers": [("a", "1", False)]}, None),  # the method ranks first
    ({"path_type": "Exact"}, {}, None),
])
def test_tie(a: dict, b: dict, request_: str | None) -> None:
    assert tie(_route(**a), _route(to="api", **b)) == request_


def test_no_tie_when_both_answer_alike() -> None:
    assert tie(_route(methods=("GET",)), _route(methods=("GET", "POST"))) is None
