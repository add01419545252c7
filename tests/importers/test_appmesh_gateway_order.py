"""A virtual gateway's routes in App Mesh's priority order, against netgen's most specific
first (`netgen.plan.routes.precedence`).

App Mesh tries gateway routes by `spec.priority` (0 first, 1000 last: botocore's
GatewayRouteSpec, `priority` "The ordering of the gateway routes spec", range 0-1000; a
route without one has "no particular priority", AWS CDK's GatewayRouteSpec docs) and the
first match wins. The routes here are composed from botocore's HttpGatewayRoute /
HttpGatewayRouteMatch shapes (prefix, path.exact, hostname.exact, headers, method) as
describe-gateway-route prints them, from the appmesh-cli-examples fixture's gr-serviceA
(tests/importers/fixtures/appmesh-cli-examples/SOURCES.md); values ours. gRPC gateway
routes are botocore's GrpcGatewayRoute / GrpcGatewayRouteMatch (serviceName, hostname,
`metadata`: GrpcGatewayRouteMetadata name, invert, match exact|regex|range|prefix|suffix;
port), which gRPC sends as HTTP/2 headers.

Before, every route was exposed and netgen's order silently gave requests to other
services: each test here fails on that code.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from netgen.importers.appmesh import order, shapes
from netgen.importers.ecs.convert import CONVERTER
from tests.importers.test_appmesh_import import FIXTURES, built, gateway_route, run

SHOP = {"hostname": {"exact": "shop.example.com"}}
TO_B = {"target": {"virtualService": {"virtualServiceName": "serviceB.svc.cluster.local"}}}
HEADER = "describe-gateway-route-{}.json: $.gatewayRoute.spec{}: warning: [{}]"


def export(tmp_path: Path, *routes: tuple[str, int | None, dict[str, Any], dict[str, Any]]
           ) -> Path:
    """The cli-examples export with these gateway routes added to vgIngress."""
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "appmesh-cli-examples", folder)
    for name, priority, match, action in routes:
        gateway_route(folder, name, priority, match, action)
    return folder


def imported(tmp_path: Path, folder: Path, *options: str) -> tuple[str, str]:
    """The blueprint written to tmp_path/bp.py (replaced), and the warnings."""
    out = tmp_path / "bp.py"
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(out), "--force", *options)
    assert code == 0, stderr
    return out.read_text(), stderr


def answers(docs: dict[tuple[str, str], dict[str, Any]], host: str
            ) -> list[tuple[dict[str, Any], set[str]]]:
    """The host's VirtualService routes in Istio's order: (first match, services sent to)."""
    http = docs[("VirtualService", host)]["spec"]["http"]
    return [((h.get("match") or [{}])[0], {r["destination"]["host"].split(".")[0]
                                          for r in h["route"]}) for h in http]


def test_a_route_a_higher_priority_one_fully_catches_is_left_out(tmp_path: Path) -> None:
    """Priority 1 prefix '/' to service-b catches every request of priority 2 prefix
    '/api/' to service-a: App Mesh never sent it one. Kept, netgen's longer prefix would
    take /api/... from service-b."""
    folder = export(tmp_path, ("web", 1, {"prefix": "/", **SHOP}, TO_B),
                    ("api", 2, {"prefix": "/api/", **SHOP}, {}))
    text, stderr = imported(tmp_path, folder, "--mesh", "ISTIO")
    assert (HEADER.format("api", ".priority", "appmesh-gateway-route-shadowed")
            + " gateway route api of vgIngress (priority 2): gateway route web (priority 1) "
            "matches every request it matches and App Mesh tried it first, so this route "
            "never received traffic; the Istio ingress gateway tries the most specific route "
            "first and would let it answer, so it is left out") in stderr
    assert "gateway route api of virtual gateway" not in text and 'path="/api"' not in text
    assert {s for _, to in answers(built(tmp_path / "bp.py"), "shop.example.com")
            for s in to} == {"service-b"}
    assert "appmesh-gateway-route-order" not in stderr


def test_a_partial_overlap_netgen_would_reorder_is_warned_and_kept(tmp_path: Path) -> None:
    """Priority 1 takes shop's requests with x-version: beta to service-b; priority 2
    prefix '/api/' to service-a is more specific in netgen, so /api/... with the header now
    reaches service-a: a warning at route api naming both, and both are kept."""
    folder = export(tmp_path, ("beta", 1, {"prefix": "/", **SHOP, "headers": [
                        {"name": "x-version", "match": {"exact": "beta"}}]}, TO_B),
                    ("api", 2, {"prefix": "/api/", **SHOP}, {}))
    text, stderr = imported(tmp_path, folder, "--mesh", "ISTIO")
    assert (HEADER.format("api", ".priority", "appmesh-gateway-route-order")
            + " gateway route api of vgIngress: requests to shop.example.com/api/... with "
            "header x-version: beta went to service-b (gateway route beta, priority 1) and "
            "now reach service-a (this route, priority 2): the Istio ingress gateway tries "
            "the most specific route first, not App Mesh's priority order; the route is kept: "
            "to keep App Mesh's answer, add an exposure of service-b for those requests at "
            "least as specific as this route, or narrow this route so it leaves them out"
            ) in stderr
    assert "gateway route api of virtual gateway vgIngress, through" in text
    assert "appmesh-gateway-route-shadowed" not in stderr
    # what the warning says the cluster does: /api/ is tried before the header route
    assert answers(built(tmp_path / "bp.py"), "shop.example.com")[:2] == [
        ({"uri": {"exact": "/api"}}, {"service-a"}), ({"uri": {"prefix": "/api/"}}, {"service-a"})]
    # the same through Linkerd and --via GATEWAY: it is the exposures' order
    _, stderr = imported(tmp_path, folder, "--mesh", "LINKERD", "--via", "GATEWAY")
    assert (HEADER.format("api", ".priority", "appmesh-gateway-route-order")
            + " gateway route api of vgIngress: requests to shop.example.com/api/... with "
            "header x-version: beta went to service-b") in stderr
    assert "the GATEWAY exposure tries the most specific route first" in stderr


def test_routes_whose_order_cannot_matter_are_quiet(tmp_path: Path) -> None:
    """Disjoint routes (an exact path outside the prefix, different exact header values,
    different methods, different hosts), a narrower route of higher priority, and a
    broader later one to the same service unchanged keep their answers in any order: no
    warning, every route exposed. Beside them one route the POST route catches whole
    ('late') is the only one named."""
    other = {"hostname": {"exact": "other.example.com"}}
    folder = export(
        tmp_path,
        ("login", 1, {"path": {"exact": "/login"}, **SHOP}, TO_B),
        ("api", 2, {"prefix": "/api/", **SHOP}, {}),
        ("beta", 3, {"prefix": "/", **SHOP, "headers": [
            {"name": "x-version", "match": {"exact": "beta"}}]}, TO_B),
        ("alpha", 4, {"prefix": "/", **SHOP, "headers": [
            {"name": "X-Version", "match": {"exact": "alpha"}}]}, {}),
        ("reads", 5, {"prefix": "/", **other, "method": "GET"}, {}),
        ("writes", 6, {"prefix": "/x/", **other, "method": "POST"}, TO_B),
        ("rest", 7, {"prefix": "/", **other}, {}),
        ("late", 8, {"prefix": "/x/y/", **other, "method": "POST"}, {}),
        # a regex may or may not take every 'admin': not claimed, so 'admin' stays
        ("anyadm", 0, {"prefix": "/", "hostname": {"exact": "adm.example.com"}, "headers": [
            {"name": "x-user", "match": {"regex": "adm.*"}}]}, TO_B),
        ("admin", 9, {"prefix": "/", "hostname": {"exact": "adm.example.com"}, "headers": [
            {"name": "x-user", "match": {"exact": "admin"}}]}, {}))
    text, stderr = imported(tmp_path, folder, "--mesh", "ISTIO")
    assert re.findall(r"describe-gateway-route-(\w+)\.json: \S+ warning: "
                      r"\[(appmesh-gateway-route-(?:order|shadowed))\]", stderr) == [
        ("late", "appmesh-gateway-route-shadowed")]
    for name in ("login", "api", "beta", "alpha", "reads", "writes", "rest", "admin"):
        assert f"gateway route {name} of virtual gateway vgIngress, through" in text


def test_routes_app_mesh_ordered_itself_are_warned_not_judged(tmp_path: Path) -> None:
    """Without a priority App Mesh's order is its own: a route that another catches is not
    claimed shadowed (it is kept), and who answers the overlap now is said."""
    folder = export(tmp_path, ("web", None, {"prefix": "/", **SHOP}, TO_B),
                    ("api", None, {"prefix": "/api/", **SHOP}, {}))
    text, stderr = imported(tmp_path, folder, "--mesh", "ISTIO")
    assert (HEADER.format("web", "", "appmesh-gateway-route-order")
            + " gateway route web of vgIngress: it and gateway route api can both match "
            "requests to shop.example.com/api/..., and App Mesh tried them in an order of its "
            "own (neither has a priority); the Istio ingress gateway tries the most specific "
            "route first and gives them to service-a (gateway route api); the route is kept: "
            "check which one App Mesh answered with, and give the routes conditions that do "
            "not overlap if it matters") in stderr
    assert "appmesh-gateway-route-shadowed" not in stderr
    assert "gateway route api of virtual gateway vgIngress, through" in text


def test_routes_as_specific_keep_app_mesh_answer_by_declaration_order(
        tmp_path: Path) -> None:
    """Two routes netgen ranks alike (one header each, on one host and path) that a request
    can match both: every via gives it to the first declared, and the importer writes them
    in App Mesh's priority order, so nothing changes hands and nothing is warned (it said
    the requests "may now reach" the later route). Without priorities, it says the first
    declared answers (it said "either")."""
    beta = {"prefix": "/", **SHOP, "headers": [{"name": "x-version", "match": {"exact": "b"}}]}
    west = {"prefix": "/", **SHOP, "headers": [{"name": "x-region", "match": {"exact": "w"}}]}
    folder = export(tmp_path, ("beta", 1, beta, TO_B), ("west", 2, west, {}))
    _, stderr = imported(tmp_path, folder, "--mesh", "ISTIO")
    assert "appmesh-gateway-route-order" not in stderr
    http = [(m.get("headers", {}), to) for m, to in
            answers(built(tmp_path / "bp.py"), "shop.example.com")]
    beta_rows = [i for i, (h, to) in enumerate(http) if "x-version" in h and to == {"service-b"}]
    (west_row,) = [i for i, (h, to) in enumerate(http) if "x-region" in h]
    assert beta_rows and max(beta_rows) < west_row and http[west_row][1] == {"service-a"}
    folder = export(tmp_path / "unordered", ("beta", None, beta, TO_B), ("west", None, west, {}))
    _, stderr = imported(tmp_path, folder, "--mesh", "ISTIO")
    assert ("and App Mesh tried them in an order of its own (neither has a priority); the "
            "Istio ingress gateway tries the most specific route first and gives them to "
            "service-b (gateway route beta); the route is kept") in stderr


@pytest.mark.parametrize(("catcher", "caught"), [
    # App Mesh's prefix is a string prefix: '/ap' takes '/api/...' (and is itself left
    # out, as an exposure's path is whole segments); a route left out still caught
    ({"prefix": "/ap", **SHOP}, {"prefix": "/api/", **SHOP}),
    ({"prefix": "/", "hostname": {"suffix": ".example.com"}}, {"prefix": "/api/", **SHOP}),
    ({"prefix": "/", **SHOP, "headers": [{"name": "x-user", "match": {"prefix": "adm"}}]},
     {"path": {"exact": "/login"}, **SHOP, "method": "POST",
      "headers": [{"name": "X-User", "match": {"exact": "admin"}}]}),
])
def test_app_mesh_matching_decides_what_a_route_catches(
    tmp_path: Path, catcher: dict[str, Any], caught: dict[str, Any],
) -> None:
    # 9: before the fixture's gr-serviceB (priority 10, every request)
    folder = export(tmp_path, ("first", 0, catcher, TO_B), ("second", 9, caught, {}))
    text, stderr = imported(tmp_path, folder, "--mesh", "ISTIO")
    assert (HEADER.format("second", ".priority", "appmesh-gateway-route-shadowed")
            + " gateway route second of vgIngress (priority 9): gateway route first "
            "(priority 0) matches every request it matches") in stderr
    assert "gateway route second of virtual gateway" not in text


def _match(**fields: Any) -> order.Requests:
    """A gateway route's match from describe-gateway-route's keys."""
    match = CONVERTER.structure(fields, shapes.GatewayRouteMatch)
    return order.match_requests("httpRoute", match)


@pytest.mark.parametrize(("a", "b", "catches", "overlap"), [
    ({"prefix": "/"}, {"path": {"regex": "/x.*"}}, True, True),
    ({"path": {"regex": "/x.*"}}, {"path": {"exact": "/x"}}, False, True),
    ({"port": 8080}, {"port": 9080}, False, False),
    ({"port": 8080}, {}, False, True),
    ({"hostname": {"suffix": ".example.com"}}, {"hostname": {"suffix": ".a.example.com"}},
     True, True),
    ({"hostname": {"suffix": ".example.com"}}, {"hostname": {"exact": "example.com"}},
     False, False),
    ({"queryParameters": [{"name": "v"}]},
     {"queryParameters": [{"name": "v", "match": {"exact": "2"}}]}, True, True),
    ({"queryParameters": [{"name": "v", "match": {"exact": "1"}}]},
     {"queryParameters": [{"name": "v", "match": {"exact": "2"}}]}, False, False),
    ({"headers": [{"name": "x-legacy"}]}, {"headers": [{"name": "X-Legacy", "invert": True}]},
     False, False),
    ({"headers": [{"name": "x-v", "match": {"suffix": "-beta"}}]},
     {"headers": [{"name": "x-v", "match": {"exact": "2-beta"}}]}, True, True),
    ({"headers": [{"name": "x-v", "match": {"range": {"start": 1, "end": 5}}}]},
     {"headers": [{"name": "x-v", "match": {"exact": "2"}}]}, False, True),
    ({"path": {"exact": "/a"}}, {"prefix": "/a/"}, False, False),
    ({"method": "GET"}, {"method": "POST", "prefix": "/x/"}, False, False),
])
def test_app_mesh_match_sets(a: dict[str, Any], b: dict[str, Any], catches: bool,
                             overlap: bool) -> None:
    """What App Mesh's matches mean for `catches` (certain only) and `overlap` (unless
    surely apart), case by case."""
    assert order.catches(_match(**a), _match(**b)) is catches
    assert order.overlap(_match(**a), _match(**b)) is overlap
    assert order.overlap(_match(**b), _match(**a)) is overlap



# --- a prefix ending in '/' carried as the path without it ---------------------------------


def test_a_prefix_path_now_also_takes_the_bare_path_and_says_so(tmp_path: Path) -> None:
    """The fixture's gr-serviceA matches prefix '/a/' on api.example.com: App Mesh's prefix
    is a string prefix, so the path '/a' itself went to gr-serviceB's service-b. The
    exposure's path '/a' matches whole segments (Gateway API's PathPrefix ignores a
    trailing '/'; Istio gets exact '/a' and prefix '/a/'), so '/a' now reaches service-a:
    carried, with a warning at the prefix. Before, nothing was said."""
    folder = export(tmp_path)
    text, stderr = imported(tmp_path, folder, "--mesh", "ISTIO")
    assert (HEADER.format("serviceA", ".httpRoute.match.prefix", "appmesh-gateway-bare-prefix")
            + " gateway route gr-serviceA of vgIngress: App Mesh's prefix '/a/' does not "
            "match the path '/a' itself, and the exposure's path '/a' matches whole path "
            "segments, so requests to api.example.com/a now also reach service-a (rewritten "
            "to '/'); the route is kept: to keep them elsewhere, add an exposure of "
            "path='/a', path_type='Exact' for them") in stderr
    assert 'expose("service-a", via=ISTIO, host="api.example.com", path="/a", rewrite="/")' \
        in text
    # what the warning says the cluster does
    assert answers(built(tmp_path / "bp.py"), "api.example.com")[0] == (
        {"uri": {"exact": "/a"}}, {"service-a"})


@pytest.mark.parametrize("other", [
    # an exact route for the bare path: netgen tries it first, as it is more specific
    ("bare", 1, {"path": {"exact": "/a"}, "hostname": {"exact": "api.example.com"}}, TO_B),
    # a route taking every path of the host to the same service, unchanged
    ("all", 7, {"prefix": "/", "hostname": {"exact": "api.example.com"}}, {}),
])
def test_a_bare_path_another_route_keeps_is_quiet(
    tmp_path: Path, other: tuple[str, int, dict[str, Any], dict[str, Any]],
) -> None:
    folder = export(tmp_path, other)
    if other[0] == "all":  # gr-serviceA keeps its prefix: '/a' reaches service-a unchanged
        doc = json.loads((folder / "describe-gateway-route-serviceA.json").read_text())
        doc["gatewayRoute"]["spec"]["httpRoute"]["action"]["rewrite"]["prefix"] = {
            "defaultPrefix": "DISABLED"}
        (folder / "describe-gateway-route-serviceA.json").write_text(json.dumps(doc))
    text, stderr = imported(tmp_path, folder, "--mesh", "ISTIO")
    assert "gateway route gr-serviceA of virtual gateway vgIngress, through" in text
    assert "appmesh-gateway-bare-prefix" not in stderr

# --- routes of several virtual gateways ------------------------------------------------------


def on_gateway(folder: Path, name: str, gateway: str) -> None:
    """Move gateway route `name` to virtual gateway `gateway`, described like vgIngress
    (botocore's VirtualGatewayData / GatewayRouteData: the gateway's name in both)."""
    doc = json.loads((folder / "describe-virtual-gateway.json").read_text())
    vg = doc["virtualGateway"]
    vg["virtualGatewayName"] = gateway
    vg["metadata"]["arn"] = vg["metadata"]["arn"].replace("vgIngress", gateway)
    (folder / f"describe-virtual-gateway-{gateway}.json").write_text(json.dumps(doc))
    path = folder / f"describe-gateway-route-{name}.json"
    doc = json.loads(path.read_text())
    route = doc["gatewayRoute"]
    route["virtualGatewayName"] = gateway
    route["metadata"]["arn"] = route["metadata"]["arn"].replace("vgIngress", gateway)
    path.write_text(json.dumps(doc))


def test_two_gateways_routes_for_the_same_requests_keep_one_and_say_so(
    tmp_path: Path,
) -> None:
    """vgOther's route takes every request to service-a, as vgIngress's gr-serviceB takes
    them to service-b: two entry points in App Mesh, one in the cluster, where one exposure
    can answer them. Before, both were written and the blueprint failed to build
    ("already exposed"); now the later one is left out, naming both JSON paths."""
    folder = export(tmp_path, ("other", 1, {"prefix": "/"}, {}))
    on_gateway(folder, "other", "vgOther")
    text, stderr = imported(tmp_path, folder, "--mesh", "ISTIO")
    assert (HEADER.format("other", ".httpRoute.match", "appmesh-gateway-route-duplicate")
            + " gateway route other of vgOther: it matches the same requests as gateway "
            "route gr-serviceB of vgIngress (describe-gateway-route-serviceB.json: "
            "$.gatewayRoute), which went to service-b; App Mesh's virtual gateways were "
            "separate entry points, the Istio ingress gateway is one, and one exposure "
            "answers those requests for the clients of both: service-b; left out: give each "
            "gateway's routes the host its clients use (hostname.exact) to keep them apart"
            ) in stderr
    assert "gateway route other of virtual gateway" not in text
    assert {s for _, to in answers(built(tmp_path / "bp.py"), "app1-istio") for s in to} == {
        "service-b"}


def test_routes_app_mesh_ordered_itself_for_the_same_requests_keep_one(tmp_path: Path) -> None:
    """Two routes without a priority for the same requests: App Mesh picked one its own
    way, and one exposure can take them. Before, both were written and the build refused
    the blueprint ("already exposed")."""
    beta = {"prefix": "/", **SHOP, "headers": [{"name": "x-version", "match": {"exact": "b"}}]}
    folder = export(tmp_path, ("one", None, beta, TO_B), ("two", None, beta, {}))
    text, stderr = imported(tmp_path, folder, "--mesh", "ISTIO")
    assert (HEADER.format("two", ".httpRoute.match", "appmesh-gateway-route-duplicate")
            + " gateway route two of vgIngress: it matches the same requests as gateway route "
            "one of vgIngress (describe-gateway-route-one.json: $.gatewayRoute), which went "
            "to service-b; App Mesh tried them in an order of its own (no priority, or the "
            "same), and one exposure answers those requests: service-b; left out: check which "
            "one App Mesh answered with") in stderr
    assert "gateway route two of virtual gateway" not in text
    assert {s for _, to in answers(built(tmp_path / "bp.py"), "shop.example.com")
            for s in to} == {"service-b"}


def test_two_gateways_routes_that_overlap_are_named(tmp_path: Path) -> None:
    """vgOther's '/b/' to service-a and vgIngress's '/' to service-b: the clients of
    vgIngress got /b/... from service-b, and now, through one ingress gateway, from
    service-a. Before, the gateways were never compared."""
    folder = export(tmp_path, ("other", 1, {"prefix": "/b/"}, {}))
    on_gateway(folder, "other", "vgOther")
    text, stderr = imported(tmp_path, folder, "--mesh", "ISTIO")
    assert (HEADER.format("other", ".httpRoute.match", "appmesh-gateways-merged")
            + " gateway route other of vgOther: it and gateway route gr-serviceB of vgIngress "
            "(describe-gateway-route-serviceB.json: $.gatewayRoute) can both match requests "
            "to /b/..., which went to service-a from vgOther and to service-b from "
            "vgIngress; App Mesh's virtual gateways were separate entry points, the Istio "
            "ingress gateway is one and gives them to service-a (this route) from either; "
            "the route is kept: give each gateway's routes the host its clients use "
            "(hostname.exact) to keep them apart") in stderr
    assert "gateway route other of virtual gateway vgOther, through" in text
    # two routes of different gateways on different hosts are apart: nothing said
    folder = export(tmp_path / "apart", ("other", 1, {"prefix": "/b/", **SHOP}, {}),
                    ("web", 2, {"prefix": "/", "hostname": {"exact": "other.example.com"}},
                     TO_B))
    on_gateway(folder, "other", "vgOther")
    (folder / "describe-gateway-route-serviceB.json").unlink()
    _, stderr = imported(tmp_path, folder, "--mesh", "ISTIO")
    assert "appmesh-gateways-merged" not in stderr


# --- gRPC metadata -----------------------------------------------------------------------------


def grpc_route(folder: Path, name: str, priority: int, match: dict[str, Any],
               action: dict[str, Any]) -> None:
    """A gRPC gateway route (botocore's GrpcGatewayRoute: match serviceName, hostname,
    metadata [{name, invert, match: exact|regex|range|prefix|suffix}], port)."""
    gateway_route(folder, name, priority, match, action)
    path = folder / f"describe-gateway-route-{name}.json"
    doc = json.loads(path.read_text())
    spec = doc["gatewayRoute"]["spec"]
    spec["grpcRoute"] = spec.pop("httpRoute")
    path.write_text(json.dumps(doc))


TENANT = [{"name": "x-tenant", "match": {"exact": "a"}}]


def test_grpc_metadata_narrows_a_gateway_route(tmp_path: Path) -> None:
    """Priority 1 takes shop's calls with metadata x-tenant: a to service-b; priority 2
    every other call to service-a. Before, the metadata was not read: route 1 was exposed
    for every call and claimed to shadow route 2, which was left out."""
    folder = export(tmp_path)
    grpc_route(folder, "tenant", 1, {**SHOP, "metadata": TENANT}, TO_B)
    grpc_route(folder, "rest", 2, SHOP, {})
    text, stderr = imported(tmp_path, folder, "--mesh", "ISTIO")
    assert ('expose("service-b", via=ISTIO, host="shop.example.com", '
            'match=header("x-tenant", "a"))') in text
    assert "gateway route rest of virtual gateway vgIngress, through" in text
    assert "appmesh-gateway-route-shadowed" not in stderr
    assert "appmesh-gateway-route-order" not in stderr
    # service-b's own routes (its split) are tried for those calls, then service-a
    found = answers(built(tmp_path / "bp.py"), "shop.example.com")
    assert found[-2:] == [({"headers": {"x-tenant": {"exact": "a"}}}, {"service-b"}),
                          ({}, {"service-a"})]
    assert all(m["headers"]["x-tenant"] == {"exact": "a"} for m, _ in found[:-1])


def test_a_grpc_route_without_metadata_catches_one_with_it(tmp_path: Path) -> None:
    folder = export(tmp_path)
    grpc_route(folder, "rest", 1, SHOP, TO_B)
    grpc_route(folder, "tenant", 2, {**SHOP, "metadata": TENANT}, {})
    text, stderr = imported(tmp_path, folder, "--mesh", "ISTIO")
    assert (HEADER.format("tenant", ".priority", "appmesh-gateway-route-shadowed")
            + " gateway route tenant of vgIngress (priority 2): gateway route rest "
            "(priority 1) matches every request it matches") in stderr
    assert "gateway route tenant of virtual gateway" not in text


def test_grpc_metadata_an_exposure_cannot_match_leaves_the_route_out(tmp_path: Path) -> None:
    """A metadata regex cannot be an exposure's match: the route is left out, not widened
    to every call (before, it was exposed without it)."""
    folder = export(tmp_path)
    grpc_route(folder, "tenant", 1, {**SHOP, "metadata": [
        {"name": "x-tenant", "match": {"regex": "a.*"}}]}, {})
    text, stderr = imported(tmp_path, folder, "--mesh", "ISTIO")
    assert (HEADER.format("tenant", ".grpcRoute.match.metadata[0]",
                          "appmesh-gateway-route-left-out")
            + " gateway route tenant of vgIngress: metadata x-tenant is matched other than "
            "exactly, which an exposure cannot express; left out") in stderr
    assert "gateway route tenant of virtual gateway" not in text


def _grpc(**fields: Any) -> order.Requests:
    return order.match_requests("grpcRoute", CONVERTER.structure(fields, shapes.GatewayRouteMatch))


def test_grpc_metadata_counts_in_app_mesh_match_sets() -> None:
    bare, tenant = _grpc(serviceName="shop.Cart"), _grpc(serviceName="shop.Cart", metadata=TENANT)
    other = _grpc(metadata=[{"name": "X-Tenant", "match": {"exact": "b"}}])
    assert order.catches(bare, tenant) and not order.catches(tenant, bare)
    assert order.overlap(tenant, bare) and not order.overlap(tenant, other)
