"""`netgen import ecs --mesh ISTIO` on App Mesh exports built from published material
(fixtures/appmesh-*/SOURCES.md).

For every fixture: import, build and check exit 0; every Istio document passes the CRD
schema; and for a set of probe requests, where App Mesh sends them (evaluated here from
the fixture's JSON by App Mesh's documented rules) equals where the built Istio YAML sends
them (read back by tests/targets/istio/mesh_requests.py), except for requests whose App Mesh
route was left out, and then a warning names that route's file and JSON path.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from tests.conftest import build, documents
from tests.importers.ecs_helpers import assert_ruff_clean
from tests.targets.istio.istio_schema import is_istio, problems
from tests.targets.istio.mesh_requests import Request, timing, where_to

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


# --- App Mesh's routing, from the export alone ----------------------------------------------


def _load(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]


def _string(match: dict[str, Any], value: str | None) -> bool:
    if value is None:
        return False
    if "exact" in match:
        return value == match["exact"]
    if "prefix" in match:
        return value.startswith(match["prefix"])
    if "suffix" in match:
        return value.endswith(match["suffix"])
    if "regex" in match:
        return re.fullmatch(match["regex"], value) is not None
    if "range" in match:
        return value.isdigit() and match["range"]["start"] <= int(value) < match["range"]["end"]
    raise AssertionError(match)


def appmesh_matches(m: dict[str, Any], r: Request) -> bool:
    """App Mesh's HttpRouteMatch: `prefix` is a plain string prefix, `path` exact or a full
    regex, headers case-insensitive by name (`invert` negates), query parameters exact."""
    if "prefix" in m and not r.path.startswith(m["prefix"]):
        return False
    path = m.get("path") or {}
    if "exact" in path and r.path != path["exact"]:
        return False
    if "regex" in path and re.fullmatch(path["regex"], r.path) is None:
        return False
    if "method" in m and r.method != m["method"]:
        return False
    headers = {k.lower(): v for k, v in r.headers.items()}
    for h in m.get("headers", ()):
        value = headers.get(h["name"].lower())
        hit = value is not None if "match" not in h else _string(h["match"], value)
        if hit == bool(h.get("invert")):
            return False
    return all(r.query.get(q["name"]) == q["match"]["exact"]
               for q in m.get("queryParameters", ()))


def appmesh_route(docs: list[dict[str, Any]], router: str, r: Request
                  ) -> tuple[str, dict[str, float]] | None:
    """(route name, {virtual node: percent}) of the first matching route, by priority."""
    routes = [d["route"] for d in docs
              if "route" in d and d["route"]["virtualRouterName"] == router]
    routes.sort(key=lambda x: (x["spec"].get("priority") is None, x["spec"].get("priority", 0)))
    for route in routes:
        spec = route["spec"]
        http = spec.get("httpRoute") or spec.get("http2Route")
        if http is None or not appmesh_matches(http["match"], r):
            continue
        targets = http["action"]["weightedTargets"]
        total = sum(t["weight"] for t in targets)
        return route["routeName"], {t["virtualNode"]: t["weight"] * 100 / total for t in targets}
    return None


# --- the fixtures ------------------------------------------------------------------------------


def imported(tmp_path: Path, fixture: str, *extra: str) -> tuple[Path, str]:
    folder = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, folder)
    out = tmp_path / "blueprint.py"
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(out), *extra)
    assert code == 0, stderr
    return out, stderr


def built(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    docs = {(d["kind"], d["metadata"]["name"]): d for d in documents(build(path)[0])}
    for doc in docs.values():
        if is_istio(doc):
            assert problems(doc) == [], (doc["kind"], doc["metadata"]["name"])
    return docs


def version_of_node(docs: dict[tuple[str, str], dict[str, Any]], service: str,
                    marks: dict[str, tuple[str, str]]) -> dict[str, str]:
    """subset -> virtual node, through each version's Deployment and the env value that
    tells the fixture's versions apart (marks: node -> (env name, value))."""
    out = {}
    for (kind, name), d in docs.items():
        if kind != "Deployment" or not name.startswith(service + "-"):
            continue
        version = d["spec"]["template"]["metadata"]["labels"].get("version")
        if version is None:  # another service whose name starts alike
            continue
        env = {e["name"]: e.get("value") for e in d["spec"]["template"]["spec"]["containers"][0]
               .get("env", ())}
        node = next(n for n, (k, v) in marks.items() if env.get(k) == v)
        out[version] = node
    return out


CASES = {
    "appmesh-colorapp": {
        "router": "colorteller-vr", "service": "colorteller", "vs": "colorteller-mesh",
        "marks": {"colorteller-white-vn": ("COLOR", "white"),
                  "colorteller-blue-vn": ("COLOR", "blue"),
                  "colorteller-red-vn": ("COLOR", "red")},
        "probes": [Request("/color"), Request("/"), Request("/color/clear", "POST")],
    },
    "appmesh-cli-examples": {
        "router": "vrServiceB", "service": "service-b", "vs": "service-b-mesh",
        "marks": {"vnServiceBv1": ("VERSION", "1"), "vnServiceBv2": ("VERSION", "2")},
        "probes": [
            Request("/"), Request("/orders", "POST"),
            Request("/beta/x", "GET", {"x-user-group": "beta", "user-agent": "Chrome"},
                    {"trace": "on"}),
            Request("/beta", "GET", {"X-User-Group": "beta", "User-Agent": "x Chrome"},
                    {"trace": "on"}),
            Request("/beta/x", "GET", {"x-user-group": "beta", "user-agent": "Chrome",
                                       "x-legacy": "17"}, {"trace": "on"}),
            Request("/beta/x", "GET", {"x-user-group": "beta", "user-agent": "Chrome",
                                       "x-legacy": "27"}, {"trace": "on"}),
            Request("/beta/x", "POST", {"x-user-group": "beta", "user-agent": "Chrome"},
                    {"trace": "on"}),
            Request("/beta/x", "GET", {"x-user-group": "beta", "user-agent": "Firefox"},
                    {"trace": "on"}),
            Request("/beta/x", "GET", {"x-user-group": "beta", "user-agent": "Chrome"}),
            Request("/betamax", "GET", {"x-user-group": "beta", "user-agent": "Chrome"},
                    {"trace": "on"}),
            Request("/v2/items"), Request("/v2"), Request("/x/v2/items"),
            Request("/a", headers={"x-build": "150"}),
            Request("/a", "POST", headers={"clientRequestId": "12345"}),
        ],
    },
}

# vrServiceB again, with a tcp listener beside the http one: the HTTP routes (match.port 80)
# route as before, the TCP route of port 9000 is left out (test_appmesh_listeners.py)
CASES["appmesh-router-tcp"] = CASES["appmesh-cli-examples"]



@pytest.mark.parametrize("fixture", sorted(CASES))
def test_import_build_and_check_pass(tmp_path: Path, fixture: str) -> None:
    out, _ = imported(tmp_path, fixture, "--mesh", "ISTIO")
    code, _, stderr = run("build", str(out), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 0, stderr
    code, stdout, stderr = run("check", str(out))
    assert code == 0, stdout + stderr
    from netgen.readback.mesh import verify_mesh

    compiled = build(out)[0]
    report = verify_mesh(compiled.plan, documents(compiled))
    assert report.ok, report.render()


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_routes_equal_the_app_mesh_routes_they_came_from(tmp_path: Path, fixture: str) -> None:
    case = CASES[fixture]
    out, stderr = imported(tmp_path, fixture, "--mesh", "ISTIO")
    docs = built(out)
    export = _load(FIXTURES / fixture)
    vs = docs[("VirtualService", case["vs"])]
    nodes = version_of_node(docs, case["service"], case["marks"])
    for request in case["probes"]:
        expected = appmesh_route(export, case["router"], request)
        got = where_to(vs, request)
        if expected is None:
            assert got is None, request
            continue
        route, weights = expected
        left_out = f"[appmesh-route-left-out] route {route} of {case['router']}"
        if left_out in stderr:
            line = next(x for x in stderr.splitlines() if left_out in x)
            assert f"{route}.json: $.route.spec." in line, line  # file and JSON path
            continue
        assert got is not None, request
        assert {nodes[v]: p for v, p in got.items()} == pytest.approx(weights, abs=1), request


def test_timeouts_and_retries_follow_app_mesh_with_its_default_written_out(
    tmp_path: Path,
) -> None:
    out, _ = imported(tmp_path, "appmesh-cli-examples", "--mesh", "ISTIO")
    text = out.read_text()
    assert "timeout 15s: App Mesh's default per-request timeout" in text
    vs = built(out)[("VirtualService", "service-b-mesh")]
    beta = Request("/beta", "GET", {"x-user-group": "beta", "user-agent": "Chrome"},
                   {"trace": "on"})
    assert timing(vs, beta) == ("5s", {"attempts": 2, "perTryTimeout": "2000ms",
                                       "retryOn": "5xx,retriable-4xx,connect-failure"})
    assert timing(vs, Request("/v2/x")) == ("1500ms", None)
    assert timing(vs, Request("/")) == ("15s", None)  # App Mesh's implicit default


def test_nothing_left_out_without_a_warning_naming_file_and_path(tmp_path: Path) -> None:
    _, stderr = imported(tmp_path, "appmesh-cli-examples", "--mesh", "ISTIO")
    lines = stderr.splitlines()
    for needle in (
        "describe-route-builds.json: $.route.spec.httpRoute.match.headers[0].match.range: "
        "warning: [appmesh-route-left-out]",
        "describe-route-http2Route.json: $.route.spec.http2Route.match.scheme: warning: "
        "[appmesh-route-left-out]",
        "describe-route-beta.json: $.route.spec.httpRoute.timeout.idle: warning: "
        "[appmesh-idle-timeout]",
        "describe-virtual-node-vnServiceBv1.json: $.virtualNode.spec.listeners[0].healthCheck"
        ": warning: [appmesh-listener]",
        "describe-virtual-gateway.json: $.virtualGateway.spec.listeners[0].portMapping.port: "
        "warning: [appmesh-gateway-port]",
    ):
        assert any(needle in line for line in lines), needle


def test_the_envoy_and_xray_containers_are_app_mesh_infrastructure(tmp_path: Path) -> None:
    _, stderr = imported(tmp_path, "appmesh-colorapp", "--mesh", "ISTIO")
    assert "[sidecar]" not in stderr
    proxy = [x for x in stderr.splitlines() if "[appmesh-proxy]" in x]
    assert len(proxy) == 5  # gateway and four colortellers; tcpecho runs no Envoy
    assert all("envoy, xray-daemon and proxyConfiguration APPMESH" in x for x in proxy)


def test_callers_of_the_virtual_service_reach_every_version(tmp_path: Path) -> None:
    out, _ = imported(tmp_path, "appmesh-colorapp", "--mesh", "ISTIO")
    docs = built(out)
    gateway = docs[("Deployment", "colorgateway")]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value") for e in gateway["env"]}
    assert env["COLOR_TELLER_ENDPOINT"] == "colorteller.appmesh-demo.svc.cluster.local:9080"
    assert "version" not in docs[("Service", "colorteller")]["spec"]["selector"]
    assert {("Deployment", f"colorteller-v{i}") for i in (1, 2, 3)} <= set(docs)
    # the virtual node's backends are the calls the mesh allows
    allowed = docs[("AuthorizationPolicy", "colorteller")]["spec"]["rules"][0]["from"]
    assert allowed == [{"source": {"principals": [
        "cluster.local/ns/appmesh-demo/sa/colorgateway"]}}]


def test_the_virtual_gateway_routes_become_istio_exposures(tmp_path: Path) -> None:
    out, _ = imported(tmp_path, "appmesh-cli-examples", "--mesh", "ISTIO")
    docs = built(out)
    a = docs[("VirtualService", "api.example.com")]
    assert a["spec"]["gateways"] == ["app1-istio"]
    assert where_to(a, Request("/a/x")) == {"service-a.app1.svc.cluster.local": 100}
    b = docs[("VirtualService", "app1-istio")]
    # the gateway routes without a hostname match take every host's other requests, in
    # App Mesh as through the host's VirtualService, which repeats them after its own
    assert where_to(a, Request("/b")) == where_to(b, Request("/b")) is not None
    export = _load(FIXTURES / "appmesh-cli-examples")
    nodes = version_of_node(docs, "service-b", CASES["appmesh-cli-examples"]["marks"])
    for request in (Request("/"), Request("/v2/x")):  # through the gateway, still split
        expected = appmesh_route(export, "vrServiceB", request)
        assert expected is not None
        got = where_to(b, request)
        assert got is not None and {nodes[v]: p for v, p in got.items()} == pytest.approx(
            expected[1], abs=1)


def test_without_a_mesh_the_versions_stay_and_a_warning_says_the_split_is_not_enforced(
    tmp_path: Path,
) -> None:
    out, stderr = imported(tmp_path, "appmesh-colorapp")
    assert "[appmesh-no-mesh]" in stderr and "pass --mesh ISTIO" in stderr
    (line,) = [x for x in stderr.splitlines() if "[appmesh-no-mesh]" in x]
    assert re.search(r"/[^/ ]+\.json: \$\.virtualRouter: warning: \[appmesh-no-mesh\]", line)
    text = out.read_text()
    assert "traffic(" not in text and "mesh(" not in text
    assert '"v3": version(' in text


def test_a_wrong_shape_names_file_and_path_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "appmesh-cli-examples", folder)
    doc = json.loads((folder / "describe-route-beta.json").read_text())
    doc["route"]["spec"]["httpRoute"]["action"]["weightedTargets"][0]["weight"] = "1"
    (folder / "describe-route-beta.json").write_text(json.dumps(doc))
    out = tmp_path / "bp.py"
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(out), "--mesh", "ISTIO")
    assert code == 1 and not out.exists()
    assert ("describe-route-beta.json: $.route.spec.httpRoute.action.weightedTargets[0].weight:"
            " error: expected integer") in stderr


def test_grpc_routes_match_the_service_and_method_path(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "appmesh-cli-examples", folder)
    doc = json.loads((folder / "describe-route-v2-path.json").read_text())
    http = doc["route"]["spec"].pop("httpRoute")
    doc["route"]["spec"]["grpcRoute"] = {
        "action": http["action"], "timeout": http["timeout"],
        "match": {"serviceName": "com.amazonaws.services.ColorService", "methodName": "GetColor",
                  "metadata": [{"name": "mymetadata", "invert": False,
                                "match": {"prefix": "123"}}]}}
    (folder / "describe-route-v2-path.json").write_text(json.dumps(doc))
    out = tmp_path / "bp.py"
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(out), "--mesh", "ISTIO")
    assert code == 0, stderr
    vs = built(out)[("VirtualService", "service-b-mesh")]
    call = Request("/com.amazonaws.services.ColorService/GetColor", "POST",
                   {"mymetadata": "12345"})
    assert where_to(vs, call) == {"v2": 100}
    assert where_to(vs, Request("/com.amazonaws.services.ColorService/GetColor", "POST")) == {
        "v1": 90, "v2": 10}


def test_routes_of_a_router_no_virtual_service_uses_are_named(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "appmesh-cli-examples", folder)
    (folder / "describe-virtual-service-serviceB.json").unlink()
    (folder / "list-virtual-services.json").unlink()
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(tmp_path / "bp.py"),
                          "--mesh", "ISTIO")
    assert code == 0
    for route in ("toVnServiceB-weighted", "beta", "builds", "v2-path", "http2Route"):
        assert (f"describe-route-{route}.json: $.route: warning: [appmesh-router-unused] no "
                "exported virtual service is provided by router vrServiceB") in stderr, route


def _edit(folder: Path, name: str, change) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads((folder / name).read_text())
    change(doc)
    (folder / name).write_text(json.dumps(doc))


def test_a_named_port_the_virtual_node_says_is_http_is_routed_as_http(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "appmesh-cli-examples", folder)
    for name in ("describe-task-definition-serviceB-7.json",
                 "describe-task-definition-serviceB-8.json"):
        _edit(folder, name, lambda d: d["taskDefinition"]["containerDefinitions"][0][
            "portMappings"][0].update(name="api"))
    out = tmp_path / "bp.py"
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(out), "--mesh", "ISTIO")
    assert code == 0, stderr
    docs = built(out)
    assert docs[("Service", "service-b")]["spec"]["ports"][0]["name"] == "http-api"
    assert where_to(docs[("VirtualService", "service-b-mesh")], Request("/v2/x")) == {"v2": 100}


def test_a_route_whose_targets_weigh_nothing_is_left_out_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "appmesh-cli-examples", folder)

    def zero(d: dict) -> None:
        for t in d["route"]["spec"]["httpRoute"]["action"]["weightedTargets"]:
            t["weight"] = 0

    _edit(folder, "describe-route-v2-path.json", zero)
    out = tmp_path / "bp.py"
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(out), "--mesh", "ISTIO")
    assert code == 0, stderr
    assert ("describe-route-v2-path.json: $.route.spec.httpRoute.action.weightedTargets: "
            "warning: [appmesh-route-left-out] route v2-path of vrServiceB: its targets carry "
            "no weight") in stderr
    assert 'regex="/v2/.*"' not in out.read_text()


def test_the_last_routes_retries_stay_its_own(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "appmesh-cli-examples", folder)
    _edit(folder, "describe-route-toVnServiceB-weighted.json", lambda d: d["route"]["spec"][
        "httpRoute"].update(retryPolicy={"maxRetries": 4, "perRetryTimeout": {
            "unit": "s", "value": 1}, "httpRetryEvents": ["gateway-error"]}))
    out = tmp_path / "bp.py"
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(out), "--mesh", "ISTIO")
    assert code == 0, stderr
    vs = built(out)[("VirtualService", "service-b-mesh")]
    assert timing(vs, Request("/v2/x")) == ("1500ms", None)
    assert timing(vs, Request("/")) == ("15s", {"attempts": 4, "perTryTimeout": "1s",
                                                "retryOn": "gateway-error,reset"})


def test_only_a_mesh_netgen_lowers_is_a_target_mesh(tmp_path: Path) -> None:
    code, _, stderr = run("import", "ecs", str(FIXTURES / "appmesh-colorapp"), "-o",
                          str(tmp_path / "bp.py"), "--mesh", "CONSUL")
    assert code == 2 and "must be ISTIO or LINKERD" in stderr


def test_listed_but_not_described_objects_are_named(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "appmesh-cli-examples", folder)
    (folder / "describe-route-v2-path.json").unlink()
    out = tmp_path / "bp.py"
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(out), "--mesh", "ISTIO")
    assert code == 0
    assert ("list-routes.json: $.routes[4]: warning: [appmesh-not-described] "
            "arn:aws:appmesh:us-east-1:123456789012:mesh/app1/virtualRouter/vrServiceB/route/"
            "v2-path is listed but not described") in stderr


def generate(fixture: str, mesh: str | None = "ISTIO") -> str:
    """The blueprint text, with a fixed export folder name in its header."""
    from netgen.importers.appmesh import appmesh_stage
    from netgen.importers.ecs import analyse, load_exports
    from netgen.importers.ecs.writer import WriterOptions, write_blueprint

    folder = FIXTURES / fixture
    exports = load_exports(folder)
    index, relabel, extra = appmesh_stage(folder, exports, mesh)
    system = relabel(analyse(exports, index))
    return write_blueprint(system, WriterOptions(source="aws-export/"), exports.source,
                           extra(system)).text


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_golden_blueprint(fixture: str, py_snapshot) -> None:  # type: ignore[no-untyped-def]
    assert generate(fixture) == py_snapshot


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_generated_code_is_formatted_and_lint_clean(fixture: str, tmp_path: Path) -> None:
    assert_ruff_clean(generate(fixture), tmp_path)


def test_sources_are_recorded_for_every_fixture() -> None:
    for fixture in CASES:
        sources = (FIXTURES / fixture / "SOURCES.md").read_text()
        named = re.findall(r"[\w.*-]+\.json", sources)
        for p in (FIXTURES / fixture).glob("*.json"):
            assert any(fnmatch.fnmatch(p.name, n) for n in named), (fixture, p.name)


# --- policies the blueprint cannot say are named, never dropped -------------------------------
# The exports below are the fixture's documents re-pointed or extended with fields of
# botocore's appmesh 2019-01-25 model as the AWS CLI prints them (describe-route:
# HttpRoute.timeout.perRequest, HttpRetryPolicy; describe-virtual-node: Listener.timeout
# (ListenerTimeout.http: HttpTimeout)); values ours.


def _route_to_one_node(folder: Path, name: str, priority: int, prefix: str, per_request: int,
                       retries: int) -> None:
    """describe-route-A-NAME.json: a route of a new router vrServiceA to vnServiceA alone."""
    doc = json.loads((folder / "describe-route-toVnServiceB-weighted.json").read_text())
    route = doc["route"]
    route["routeName"], route["virtualRouterName"] = name, "vrServiceA"
    route["metadata"]["arn"] = ("arn:aws:appmesh:us-east-1:123456789012:mesh/app1/"
                                f"virtualRouter/vrServiceA/route/{name}")
    route["spec"] = {"priority": priority, "httpRoute": {
        "match": {"prefix": prefix},
        "action": {"weightedTargets": [{"virtualNode": "vnServiceA", "weight": 1}]},
        "timeout": {"perRequest": {"unit": "s", "value": per_request}},
        "retryPolicy": {"maxRetries": retries, "perRetryTimeout": {"unit": "s", "value": 1},
                        "httpRetryEvents": ["server-error"]}}}
    (folder / f"describe-route-A-{name}.json").write_text(json.dumps(doc))


def _router_for_service_a(folder: Path) -> None:
    doc = json.loads((folder / "describe-virtual-router.json").read_text())
    doc["virtualRouter"]["virtualRouterName"] = "vrServiceA"
    doc["virtualRouter"]["metadata"]["arn"] = (
        "arn:aws:appmesh:us-east-1:123456789012:mesh/app1/virtualRouter/vrServiceA")
    (folder / "describe-virtual-router-A.json").write_text(json.dumps(doc))
    _edit(folder, "describe-virtual-service-serviceA.json", lambda d: d["virtualService"][
        "spec"].update(provider={"virtualRouter": {"virtualRouterName": "vrServiceA"}}))


def test_one_version_routes_that_time_out_or_retry_differently_are_named(
    tmp_path: Path,
) -> None:
    """A service with one version gets one traffic() policy (a mesh_route must split
    between versions): the last route's. Before, a /reports route of 120 s and no retries
    silently became 5 s with 3 retries; now each policy not carried is a warning."""
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "appmesh-cli-examples", folder)
    _router_for_service_a(folder)
    _route_to_one_node(folder, "slow", 1, "/reports", 120, 0)
    _route_to_one_node(folder, "default", 2, "/", 5, 3)
    out = tmp_path / "bp.py"
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(out), "--mesh", "ISTIO")
    assert code == 0, stderr
    text = out.read_text()
    assert 'timeout="5s"' in text and "retries(3," in text  # the last route's, as before
    assert ("describe-route-A-slow.json: $.route.spec.httpRoute.timeout.perRequest: warning: "
            "[appmesh-route-timeout] route slow of vrServiceA: its per-request timeout 120s "
            "is not carried over") in stderr
    assert "route default's 5s now applies to its calls" in stderr
    assert ("describe-route-A-slow.json: $.route.spec.httpRoute.retryPolicy: warning: "
            "[appmesh-route-retries] route slow of vrServiceA: its retry policy (0 retries) "
            "is not carried over") in stderr
    assert "describe-route-A-default.json: $.route.spec.httpRoute.timeout" not in stderr
    code, _, stderr = run("build", str(out), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 0, stderr


def test_one_version_routes_with_one_policy_say_nothing_more(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "appmesh-cli-examples", folder)
    _router_for_service_a(folder)
    _route_to_one_node(folder, "slow", 1, "/reports", 5, 3)
    _route_to_one_node(folder, "default", 2, "/", 5, 3)
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(tmp_path / "bp.py"),
                          "--mesh", "ISTIO")
    assert code == 0, stderr
    assert "[appmesh-route-timeout]" not in stderr and "[appmesh-route-retries]" not in stderr


def test_a_listener_timeout_is_named_with_its_values(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "appmesh-cli-examples", folder)
    _edit(folder, "describe-virtual-node-vnServiceBv1.json", lambda d: d["virtualNode"][
        "spec"]["listeners"][0].update(timeout={"http": {
            "perRequest": {"unit": "s", "value": 60}, "idle": {"unit": "s", "value": 600}}}))
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(tmp_path / "bp.py"),
                          "--mesh", "ISTIO")
    assert code == 0, stderr
    assert ("describe-virtual-node-vnServiceBv1.json: $.virtualNode.spec.listeners[0].timeout"
            ".http: warning: [appmesh-listener] virtual node vnServiceBv1: listener timeout "
            "(perRequest 60s, idle 600s) is not carried over") in stderr


# --- gateway routes: rewrites, target port and Host ---------------------------------------
# Gateway routes composed from botocore's HttpGatewayRouteAction (rewrite.path.exact,
# rewrite.prefix.value / defaultPrefix, rewrite.hostname.defaultTargetHostname,
# target.port) as describe-gateway-route prints them; values ours. App Mesh's defaults
# (Host rewritten to the target virtual service, matched prefix to '/') are from the App
# Mesh user guide, "Virtual gateways".


def gateway_route(folder: Path, name: str, priority: int | None, match: dict[str, Any],
                  action: dict[str, Any]) -> None:
    """describe-gateway-route-NAME.json, from the fixture's gr-serviceA, to serviceA
    (`priority` None: the key left out, as describe-gateway-route prints a route without)."""
    doc = json.loads((folder / "describe-gateway-route-serviceA.json").read_text())
    route = doc["gatewayRoute"]
    route["gatewayRouteName"] = name
    route["metadata"]["arn"] = route["metadata"]["arn"].replace("gr-serviceA", name)
    action = dict(action)
    target = {"virtualService": {"virtualServiceName": "serviceA.svc.cluster.local"},
              **action.pop("target", {})}
    route["spec"] = {"priority": priority, "httpRoute": {
        "match": match, "action": {"target": target, **action}}}
    if priority is None:
        del route["spec"]["priority"]
    (folder / f"describe-gateway-route-{name}.json").write_text(json.dumps(doc))


def test_gateway_route_rewrites_are_carried_or_named(tmp_path: Path) -> None:
    """Before, an exact-path rewrite, a rewrite of the prefix '/', and a target port were
    dropped without a word (the backend got /login instead of /auth/login)."""
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "appmesh-cli-examples", folder)
    gateway_route(folder, "g1", 1, {"path": {"exact": "/login"}},
                  {"rewrite": {"path": {"exact": "/auth/login"}}})
    gateway_route(folder, "g2", 2, {"prefix": "/", "hostname": {"exact": "v1.example.com"}},
                  {"rewrite": {"prefix": {"value": "/v1/"}}})
    gateway_route(folder, "g3", 3, {"prefix": "/h/", "hostname": {"exact": "h.example.com"}},
                  {"rewrite": {"hostname": {"defaultTargetHostname": "DISABLED"}}})
    gateway_route(folder, "g4", 4, {"prefix": "/p/", "hostname": {"exact": "p.example.com"}},
                  {"target": {"port": 8080}})
    gateway_route(folder, "g5", 5, {"prefix": "/q/", "hostname": {"exact": "q.example.com"}},
                  {"target": {"port": 80}})
    out = tmp_path / "bp.py"
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(out), "--mesh", "ISTIO")
    assert code == 0, stderr
    docs = built(out)
    login = docs[("VirtualService", "app1-istio")]["spec"]["http"]
    rule = next(h for h in login if h["match"][0]["uri"] == {"exact": "/login"})
    assert rule["rewrite"] == {"uri": "/auth/login"}
    v1 = docs[("VirtualService", "v1.example.com")]["spec"]["http"]
    assert [(h["match"][0]["uri"], h["rewrite"]) for h in v1] == [
        ({"prefix": "/"}, {"uri": "/v1/"})]  # '/x' -> '/v1/x', as App Mesh
    assert ("describe-gateway-route-g4.json: $.gatewayRoute.spec.httpRoute.action.target.port:"
            " warning: [appmesh-gateway-route-left-out] gateway route g4 of vgIngress: its "
            "target names port 8080") in stderr
    assert ("VirtualService", "p.example.com") not in docs
    assert ("VirtualService", "q.example.com") in docs  # the service's own port: carried
    # the Host: App Mesh's default rewrite is named, DISABLED is what an exposure does
    assert ("describe-gateway-route-g1.json: $.gatewayRoute.spec.httpRoute.action: warning: "
            "[appmesh-gateway-host] gateway route g1 of vgIngress: App Mesh sent "
            "serviceA.svc.cluster.local as the Host header") in stderr
    assert "gateway route g3 of vgIngress: App Mesh sent" not in stderr


@pytest.mark.parametrize(("match", "rewrite", "where"), [
    ({"prefix": "/r/"}, {"path": {"exact": "/one"}}, "action.rewrite.path"),
    ({"path": {"exact": "/one"}}, {"prefix": {"value": "/two/"}}, "action.rewrite.prefix"),
    ({"prefix": "/r/"}, {"prefix": {"value": "/two"}}, "action.rewrite.prefix.value"),
])
def test_a_rewrite_an_exposure_cannot_say_leaves_the_route_out(
    tmp_path: Path, match: dict[str, Any], rewrite: dict[str, Any], where: str,
) -> None:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "appmesh-cli-examples", folder)
    gateway_route(folder, "odd", 1, {**match, "hostname": {"exact": "odd.example.com"}},
                  {"rewrite": rewrite})
    out = tmp_path / "bp.py"
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(out), "--mesh", "ISTIO")
    assert code == 0, stderr
    assert (f"describe-gateway-route-odd.json: $.gatewayRoute.spec.httpRoute.{where}: warning:"
            " [appmesh-gateway-route-left-out] gateway route odd of vgIngress") in stderr
    assert "odd.example.com" not in out.read_text()


def test_gateway_route_methods_and_query_are_carried_where_the_via_matches_them(
    tmp_path: Path,
) -> None:
    """Before, a gateway route matching a method or query parameters was left out, though
    the Istio ingress gateway matches both; a query parameter matched only by its presence,
    and a via that matches neither (Linkerd's routes through --via NGINX), still leave it
    out, by name."""
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / "appmesh-cli-examples", folder)
    gateway_route(folder, "m1", 1, {"prefix": "/m/", "hostname": {"exact": "m.example.com"},
                                    "method": "POST",
                                    "queryParameters": [{"name": "v", "match": {"exact": "2"}}]},
                  {})
    gateway_route(folder, "m2", 2, {"prefix": "/n/", "hostname": {"exact": "m.example.com"},
                                    "queryParameters": [{"name": "debug"}]}, {})
    out = tmp_path / "bp.py"
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(out), "--mesh", "ISTIO")
    assert code == 0, stderr
    assert ('    host="m.example.com",\n    path="/m",\n    rewrite="/",\n'
            '    methods=["POST"],\n    query={"v": "2"},\n)') in out.read_text()
    assert "gateway route m1 of vgIngress: it matches" not in stderr
    assert ("describe-gateway-route-m2.json: $.gatewayRoute.spec.httpRoute.match."
            "queryParameters[0]: warning: [appmesh-gateway-route-left-out] gateway route m2 of "
            "vgIngress: it matches query parameter debug being present, which an exposure "
            "cannot express (it matches exact values); left out") in stderr
    docs = built(out)
    http = docs[("VirtualService", "m.example.com")]["spec"]["http"]
    narrow = {"method": {"exact": "POST"}, "queryParams": {"v": {"exact": "2"}}}
    assert [(h["match"], h["rewrite"]) for h in http[:2]] == [
        ([{"uri": {"exact": "/m"}, **narrow}], {"uri": "/"}),
        ([{"uri": {"prefix": "/m/"}, **narrow}], {"uri": "/"})]
    # then the routes of every host, which App Mesh's routes without a hostname are
    assert http[2:] == docs[("VirtualService", "app1-istio")]["spec"]["http"]
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(tmp_path / "linkerd.py"),
                          "--mesh", "LINKERD", "--via", "NGINX")
    assert code == 0, stderr
    assert ("describe-gateway-route-m1.json: $.gatewayRoute.spec.httpRoute.match.method: "
            "warning: [appmesh-gateway-route-left-out] gateway route m1 of vgIngress: it "
            "matches method, which the NGINX exposure cannot express; left out") in stderr
