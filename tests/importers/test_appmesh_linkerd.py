"""`netgen import ecs --mesh LINKERD`: App Mesh routing carried into Linkerd (routes and
splits become `traffic(...)`, which Linkerd lowers through GAMMA HTTPRoutes). What Linkerd
cannot say (a header's absence, routes whose order matters, retry events that are not
response statuses) is left out with a warning; virtual gateway routes, which have no Linkerd
gateway, are exposed through `--via` when it can say them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app

FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def imported(tmp_path: Path, folder: Path, *extra: str) -> tuple[Path, str]:
    out = tmp_path / "bp.py"
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(out), "--mesh", "LINKERD",
                          *extra)
    assert code == 0, stderr
    return out, stderr


def copy(tmp_path: Path, fixture: str) -> Path:
    folder = tmp_path / fixture
    shutil.copytree(FIXTURES / fixture, folder)
    return folder


def edit(folder: Path, name: str, change) -> None:  # type: ignore[no-untyped-def]
    path = folder / name
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("via", ["ALB", "GATEWAY"])
@pytest.mark.parametrize("fixture", ["appmesh-cli-examples", "appmesh-colorapp"])
def test_import_build_check_and_verify_pass(tmp_path: Path, fixture: str, via: str) -> None:
    out, _ = imported(tmp_path, copy(tmp_path, fixture), "--via", via)
    text = out.read_text()
    assert "mesh(LINKERD)" in text and "via=ISTIO" not in text and "Istio" not in text
    for command in (("build", str(out), "--out", str(tmp_path / "out"), "--quiet"),
                    ("check", str(out)), ("verify", str(out))):
        code, stdout, stderr = run(*command)
        assert code == 0, (command, stdout, stderr)


def test_what_linkerd_cannot_say_is_a_warning(tmp_path: Path) -> None:
    out, stderr = imported(tmp_path, copy(tmp_path, "appmesh-cli-examples"))
    assert ("[appmesh-route-left-out] route beta of vrServiceB: header x-legacy must not "
            "match, which Linkerd (Gateway API) cannot express") in stderr
    # no Linkerd gateway: through --via, unless it cannot rewrite (ALB)
    assert ("gateway route gr-serviceA of vgIngress: Linkerd has no ingress gateway and "
            "--via ALB cannot rewrite paths; left out") in stderr
    assert 'expose("service-b", via=ALB)' in out.read_text()


def test_routes_whose_order_matters_are_left_out(tmp_path: Path) -> None:
    """Linkerd tries the most specific route first: with beta's absent header gone, beta
    (prefix /beta) and v2-path (a regex) may match the same call, so the later one goes."""
    folder = copy(tmp_path, "appmesh-cli-examples")
    edit(folder, "describe-route-beta.json", lambda d: d["route"]["spec"]["httpRoute"][
        "match"]["headers"].pop())
    out, stderr = imported(tmp_path, folder)
    assert ("route v2-path of vrServiceB: it can match calls route beta matches, and "
            "Linkerd tries routes most specific first") in stderr
    assert 'regex="/v2/.*"' not in out.read_text()
    assert run("check", str(out))[0] == 0


def test_retry_events_become_statuses(tmp_path: Path) -> None:
    folder = copy(tmp_path, "appmesh-cli-examples")
    edit(folder, "describe-route-toVnServiceB-weighted.json", lambda d: d["route"]["spec"][
        "httpRoute"].update(retryPolicy={"maxRetries": 4, "perRetryTimeout": {
            "unit": "s", "value": 1}, "httpRetryEvents": ["gateway-error", "client-error"],
            "tcpRetryEvents": ["connection-error"]}))
    out, stderr = imported(tmp_path, folder)
    assert 'on="gateway-error,409"' in out.read_text()
    assert ("[appmesh-retry-events] retry events connection-error have no Linkerd "
            "equivalent; they are not carried") in stderr
    assert run("check", str(out))[0] == 0


def test_an_exact_path_rewrite_is_carried_where_the_via_can_say_it(tmp_path: Path) -> None:
    """Gateway API rewrites an exact path (ReplaceFullPath); ingress-nginx rewrites only
    through regex paths, which make an exact path a prefix: that route is left out."""
    from tests.importers.test_appmesh_import import built, gateway_route

    folder = copy(tmp_path, "appmesh-cli-examples")
    gateway_route(folder, "g1", 1, {"path": {"exact": "/login"},
                                    "hostname": {"exact": "login.example.com"}},
                  {"rewrite": {"path": {"exact": "/auth/login"}}})
    out, stderr = imported(tmp_path, folder, "--via", "GATEWAY")
    route = built(out)[("HTTPRoute", "login.example.com")]["spec"]["rules"][0]
    assert route["matches"][0]["path"] == {"type": "Exact", "value": "/login"}
    assert route["filters"][0]["urlRewrite"]["path"] == {
        "type": "ReplaceFullPath", "replaceFullPath": "/auth/login"}
    out, stderr = imported(tmp_path, folder, "--via", "NGINX", "--force")
    assert ("describe-gateway-route-g1.json: $.gatewayRoute.spec.httpRoute.action.rewrite.path"
            ": warning: [appmesh-gateway-route-left-out] gateway route g1 of vgIngress: Linkerd "
            "has no ingress gateway and --via NGINX rewrites through regex paths") in stderr
    assert "login.example.com" not in out.read_text()
    code, _, stderr = run("build", str(out), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 0, stderr


def test_an_exact_path_beside_a_rewrite_on_its_host_is_left_out_for_nginx(
        tmp_path: Path) -> None:
    """A rewrite makes every path of its host a regex prefix in ingress-nginx: an exact
    path on that host was imported and then failed `netgen build`."""
    from tests.importers.test_appmesh_import import gateway_route

    folder = copy(tmp_path, "appmesh-cli-examples")
    gateway_route(folder, "g1", 1, {"path": {"exact": "/login"},
                                    "hostname": {"exact": "shop.example.com"}}, {})
    gateway_route(folder, "g2", 2, {"prefix": "/api/", "hostname": {"exact": "shop.example.com"}},
                  {"rewrite": {"prefix": {"value": "/"}}})
    out, stderr = imported(tmp_path, folder, "--via", "NGINX")
    assert ("describe-gateway-route-g1.json: $.gatewayRoute.spec: warning: "
            "[appmesh-gateway-route-left-out] gateway route g1 of vgIngress: --via NGINX "
            "rewrites another route of its host through regex paths") in stderr
    assert 'path="/login"' not in out.read_text()
    code, _, stderr = run("build", str(out), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 0, stderr
