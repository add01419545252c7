"""`netgen routes` says what the generated routes do, where a backend does more than the
exposure says: Istio's ingress gateway takes a service's in-mesh split (`traffic(split=,
routes=)`) for a route to the whole service, so the table lists those routes, in order."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from netgen.cli import app
from tests.conftest import build, documents

MESH_SPLIT = """\
from netgen import *
blueprint("t", domain="example.com")
mesh(ISTIO)
service("api", port=8080, image="a:1", versions=["v1", "v2"])
service("web", port=8080, image="w:1")
traffic("api", split={"v1": 90, "v2": 10}, routes=[
    mesh_route(headers=[mesh_header("x-beta", exact="1")], split={"v2": 100}),
    mesh_route(prefix="/admin", method="GET", split={"v1": 100})])
expose("api", via=ISTIO, host="api.example.com", path="/")
expose("api", via=ISTIO, host="x.example.com", path="/api", rewrite="/")
expose("web", via=ISTIO, host="x.example.com", path="/web")
"""


def routes(path: Path) -> list[str]:
    result = CliRunner().invoke(app, ["routes", str(path)])
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def cells(lines: list[str]) -> list[list[str]]:
    """The table's columns (two spaces or more between them)."""
    return [re.split(r"\s{2,}", line.strip()) for line in lines]


def _gateway_http(path: Path, name: str) -> list[tuple[list[dict], list[tuple[str, int]]]]:
    """A VirtualService's routes: (matches, [(subset or host, weight)])."""
    (compiled,) = build(path)
    (vs,) = [d for d in documents(compiled)
             if d["kind"] == "VirtualService" and d["metadata"]["name"] == name]
    return [(h.get("match", []),
             [(r["destination"].get("subset") or r["destination"]["host"], r.get("weight", 100))
              for r in h["route"]]) for h in vs["spec"]["http"]]


def test_an_istio_route_through_a_mesh_split_lists_the_mesh_routes(
        blueprint_file: Callable[[str], Path]) -> None:
    """The table said `api 100%` for api.example.com/ while the gateway sent x-beta: 1 to v2,
    GET /admin... to v1 and the rest 90/10."""
    path = blueprint_file(MESH_SPLIT)
    loc = f"{path}:6"
    assert routes(path)[0] == "environment default (namespace t)"
    assert cells(routes(path)[1:]) == [
        ["HOST", "PATH", "MATCH", "BACKENDS", "VIA", "ROUTE"],
        ["api.example.com", "/", "x-beta=1", "api-v2 100%", "ISTIO",
         f"api + mesh_route at {path}:7"],
        ["api.example.com", "/", "path^=/admin :method=GET", "api-v1 100%", "ISTIO",
         f"api + mesh_route at {path}:8"],
        ["api.example.com", "/", "-", "api-v1 90%, api-v2 10%", "ISTIO",
         f"api + traffic split at {loc}"],
        ["x.example.com", "/api", "x-beta=1", "api-v2 100%", "ISTIO",
         f"api-2 + mesh_route at {path}:7"],
        ["x.example.com", "/api", "path-after-rewrite^=/admin :method=GET", "api-v1 100%",
         "ISTIO", f"api-2 + mesh_route at {path}:8"],
        ["x.example.com", "/api", "-", "api-v1 90%, api-v2 10%", "ISTIO",
         f"api-2 + traffic split at {loc}"],
        ["x.example.com", "/web", "-", "web 100%", "ISTIO", "web"],
    ]
    # the gateway's own routes, in that order
    assert [to for _, to in _gateway_http(path, "api.example.com")] == [
        [("v2", 100)], [("v1", 100)], [("v1", 90), ("v2", 10)]]


def test_a_mesh_route_no_request_of_the_route_meets_is_not_listed(
        blueprint_file: Callable[[str], Path]) -> None:
    """Under the gateway path /api a mesh prefix /admin never holds: the gateway has no such
    route, and with no split= a request no mesh route takes goes on to the host's next route
    (here every host's); the table listed `api 100%` for it."""
    path = blueprint_file(
        "from netgen import *\nblueprint('t', domain='example.com')\nmesh(ISTIO)\n"
        "service('api', port=8080, image='a:1', versions=['v1', 'v2'])\n"
        "service('web', port=8080, image='w:1')\n"
        "traffic('api', routes=[mesh_route(prefix='/admin', split={'v1': 100})])\n"
        "expose('api', via=ISTIO, host='api.example.com', path='/api')\n"
        "expose('web', via=ISTIO, host='*', path='/')\n")
    assert cells(routes(path)[1:]) == [
        ["HOST", "PATH", "MATCH", "BACKENDS", "VIA", "ROUTE"],
        ["*", "/", "-", "web 100%", "ISTIO", "web"],
    ]
    assert _gateway_http(path, "api.example.com") == [([], [("web.t.svc.cluster.local", 100)])]
