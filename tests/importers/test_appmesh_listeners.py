"""App Mesh routers with several listeners (fixtures/appmesh-router-tcp/SOURCES.md): a route
names its listener with `match.port`, and netgen gives a service one port. The routes of the
listener on the service's port are carried; every other route (another listener's, a TCP
route where the mesh cannot split connections, a route naming no port or a port the router
does not listen on) is a warning at its file and JSON path, never applied to the wrong
port's calls."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.importers.test_appmesh_import import FIXTURES, built, run
from tests.targets.istio.mesh_requests import Request, where_to

FIXTURE = "appmesh-router-tcp"
TCP_ROUTE = "describe-route-tcp-serviceB.json"


def export(tmp_path: Path, fixture: str = FIXTURE) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES / fixture, folder)
    return folder


def edit(folder: Path, name: str, change) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads((folder / name).read_text())
    change(doc)
    (folder / name).write_text(json.dumps(doc))


def imported(folder: Path, tmp_path: Path, mesh: str = "ISTIO") -> tuple[Path, str]:
    out = tmp_path / "bp.py"
    code, _, stderr = run("import", "ecs", str(folder), "-o", str(out), "--mesh", mesh)
    assert code == 0, stderr
    return out, stderr


def warning(stderr: str, file: str, path: str) -> str:
    """The one warning at `file`'s JSON `path`, without its location."""
    (line,) = [x for x in stderr.splitlines() if f"{file}: $.route{path}: warning: " in x]
    return line.split(": warning: ", 1)[1]


def tcp_first(doc: dict[str, Any]) -> None:
    """The task's main port (the one netgen carries) is the tcp 9000 one."""
    ports = doc["taskDefinition"]["containerDefinitions"][0]["portMappings"]
    ports.reverse()


def test_the_http_routes_are_carried_and_the_tcp_route_is_named(tmp_path: Path) -> None:
    out, stderr = imported(export(tmp_path), tmp_path)
    assert warning(stderr, TCP_ROUTE, ".spec.tcpRoute.match.port") == (
        "[appmesh-route-left-out] route tcp-serviceB of vrServiceB: it routes the calls of port "
        "9000 (tcp) to vnServiceBv1 50, vnServiceBv2 50, and netgen gives service-b one port, "
        "80, whose routes are carried; the route is left out")
    vs = built(out)[("VirtualService", "service-b-mesh")]
    assert where_to(vs, Request("/")) == {"v1": 90, "v2": 10}  # not the TCP route's 50/50
    assert where_to(vs, Request("/v2/items")) == {"v2": 100}
    assert "tcp" not in vs["spec"]


def test_on_a_tcp_main_port_the_tcp_route_is_the_split_and_http_routes_are_named(
    tmp_path: Path,
) -> None:
    folder = export(tmp_path)
    for name in ("describe-task-definition-serviceB-7.json",
                 "describe-task-definition-serviceB-8.json"):
        edit(folder, name, tcp_first)
    out, stderr = imported(folder, tmp_path)
    assert warning(stderr, "describe-route-v2-path.json", ".spec.httpRoute.match.port") == (
        "[appmesh-route-left-out] route v2-path of vrServiceB: it routes the calls of port 80 "
        "(http) to vnServiceBv2 100, and netgen gives service-b one port, 9000, whose routes "
        "are carried; the route is left out")
    spec = built(out)[("VirtualService", "service-b-mesh")]["spec"]
    assert "http" not in spec
    host = "service-b.app1.svc.cluster.local"
    assert spec["tcp"] == [{"route": [
        {"destination": {"host": host, "subset": v, "port": {"number": 9000}}, "weight": 50}
        for v in ("v1", "v2")]}]
    # the virtual gateway's HTTP route to service-b cannot reach a TCP port either
    assert ("describe-gateway-route-serviceB.json: $.gatewayRoute.spec.httpRoute.action.target"
            ": warning: [appmesh-gateway-route-left-out] gateway route gr-serviceB of vgIngress:"
            " service-b's port 9000 (tcp-9000) is not HTTP, and an exposure routes HTTP "
            "requests; left out") in stderr


def test_linkerd_cannot_split_a_tcp_port_and_says_what_is_left_out(tmp_path: Path) -> None:
    folder = export(tmp_path)
    for name in ("describe-task-definition-serviceB-7.json",
                 "describe-task-definition-serviceB-8.json"):
        edit(folder, name, tcp_first)
    out, stderr = imported(folder, tmp_path, "LINKERD")
    assert warning(stderr, TCP_ROUTE, ".spec.tcpRoute.action.weightedTargets") == (
        "[appmesh-route-left-out] route tcp-serviceB of vrServiceB: Linkerd splits calls "
        "through an HTTPRoute only, not a TCP port's connections: its split (vnServiceBv1 50, "
        "vnServiceBv2 50) is not carried, and connections reach every version of service-b in "
        "proportion to its pods; the route is left out")
    assert re.search(r"^traffic\(", out.read_text(), re.MULTILINE) is None
    code, stdout, stderr = run("build", str(out), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 0, stdout + stderr


@pytest.mark.parametrize(("file", "change", "path", "said"), [
    (TCP_ROUTE, lambda d: d["route"]["spec"]["tcpRoute"].pop("match"), ".spec.tcpRoute",
     "router vrServiceB listens on 80 (http), 9000 (tcp) and the route names none of them "
     "(match.port), so which calls it routes is ambiguous"),
    ("describe-route-v2-path.json",
     lambda d: d["route"]["spec"]["httpRoute"]["match"].pop("port"), ".spec.httpRoute.match",
     "router vrServiceB listens on 80 (http), 9000 (tcp) and the route names none of them "
     "(match.port), so which calls it routes is ambiguous"),
    ("describe-route-v2-path.json",
     lambda d: d["route"]["spec"]["httpRoute"]["match"].update(port=8080),
     ".spec.httpRoute.match.port",
     "it matches port 8080, and router vrServiceB listens on 80 (http), 9000 (tcp) only"),
    ("describe-route-v2-path.json",
     lambda d: d["route"]["spec"]["httpRoute"]["match"].update(port=9000),
     ".spec.httpRoute.match.port",
     "its httpRoute cannot route the calls of the tcp listener 9000"),
])
def test_a_route_whose_listener_is_unclear_or_wrong_is_named(
    tmp_path: Path, file: str, change, path: str, said: str,  # type: ignore[no-untyped-def]
) -> None:
    folder = export(tmp_path)
    edit(folder, file, change)
    out, stderr = imported(folder, tmp_path)
    route = json.loads((folder / file).read_text())["route"]["routeName"]
    assert warning(stderr, file, path) == (
        f"[appmesh-route-left-out] route {route} of vrServiceB: {said}; the route is left out")
    vs = built(out)[("VirtualService", "service-b-mesh")]
    assert where_to(vs, Request("/")) == {"v1": 90, "v2": 10}


def test_a_port_match_on_a_one_listener_router_is_carried(tmp_path: Path) -> None:
    """`match.port` naming the router's only listener restricts nothing netgen carries."""
    folder = export(tmp_path, "appmesh-cli-examples")
    edit(folder, "describe-route-v2-path.json",
         lambda d: d["route"]["spec"]["httpRoute"]["match"].update(port=80))
    out, stderr = imported(folder, tmp_path)
    assert "route v2-path of vrServiceB" not in stderr
    vs = built(out)[("VirtualService", "service-b-mesh")]
    assert where_to(vs, Request("/v2/items")) == {"v2": 100}


def test_a_second_tcp_route_of_the_listener_is_named(tmp_path: Path) -> None:
    """The first TCP route takes every connection; a split cannot say a second."""
    folder = export(tmp_path)
    for name in ("describe-task-definition-serviceB-7.json",
                 "describe-task-definition-serviceB-8.json"):
        edit(folder, name, tcp_first)
    second = json.loads((folder / TCP_ROUTE).read_text())
    second["route"]["routeName"] = "tcp-later"
    second["route"]["spec"]["priority"] = 450
    second["route"]["metadata"]["arn"] += "-later"
    (folder / "describe-route-tcp-later.json").write_text(json.dumps(second))
    out, stderr = imported(folder, tmp_path)
    assert warning(stderr, "describe-route-tcp-later.json", ".spec.tcpRoute") == (
        "[appmesh-route-left-out] route tcp-later of vrServiceB: route tcp-serviceB, tried "
        "first, takes every connection of its listener, so this one never matched; the route "
        "is left out")
    assert len(built(out)[("VirtualService", "service-b-mesh")]["spec"]["tcp"]) == 1


def test_a_tcp_route_on_an_http_listener_is_not_applied_to_http_calls(tmp_path: Path) -> None:
    """Before, the TCP route's split became a mesh_route matching every HTTP request."""
    folder = export(tmp_path, "appmesh-cli-examples")
    shutil.copy(FIXTURES / FIXTURE / TCP_ROUTE, folder / TCP_ROUTE)
    edit(folder, TCP_ROUTE, lambda d: d["route"]["spec"]["tcpRoute"].pop("match"))
    out, stderr = imported(folder, tmp_path)
    assert warning(stderr, TCP_ROUTE, ".spec.tcpRoute") == (
        "[appmesh-route-left-out] route tcp-serviceB of vrServiceB: its tcpRoute cannot route "
        "the calls of the http listener 80; the route is left out")
    vs = built(out)[("VirtualService", "service-b-mesh")]
    assert where_to(vs, Request("/")) == {"v1": 90, "v2": 10}


def grpc_on_80(folder: Path) -> None:
    """Router and nodes serve gRPC on 80 (botocore's PortProtocol `grpc`)."""
    def listeners(kind: str) -> Any:
        def change(doc: dict[str, Any]) -> None:
            for li in doc[kind]["spec"]["listeners"]:
                if li["portMapping"]["port"] == 80:
                    li["portMapping"]["protocol"] = "grpc"
        return change
    edit(folder, "describe-virtual-router.json", listeners("virtualRouter"))
    for node in ("vnServiceBv1", "vnServiceBv2"):
        edit(folder, f"describe-virtual-node-{node}.json", listeners("virtualNode"))


def test_method_and_query_conditions_to_a_grpc_service(tmp_path: Path) -> None:
    """HTTP routes to a service App Mesh serves as gRPC: every call is a POST without a query
    string, so a GET or query condition never matched (the route is named and left out) and
    POST holds for every call (dropped). The imported blueprint failed to build: a
    mesh_route's method=/query= and an exposure's methods= to a gRPC service are errors."""
    folder = export(tmp_path)
    grpc_on_80(folder)
    edit(folder, "describe-route-v2-path.json",
         lambda d: d["route"]["spec"]["httpRoute"]["match"].update(method="GET"))
    edit(folder, "describe-gateway-route-serviceB.json",
         lambda d: d["gatewayRoute"]["spec"]["httpRoute"]["match"].update(method="POST"))
    out, stderr = imported(folder, tmp_path)
    assert warning(stderr, "describe-route-v2-path.json", ".spec.httpRoute.match.method") == (
        "[appmesh-route-left-out] route v2-path of vrServiceB: its method condition (GET) takes "
        "no call of service-b, which speaks gRPC (every call a POST), so it never matched; the "
        "route is left out")
    assert warning(stderr, "describe-route-beta.json",
                   ".spec.httpRoute.match.queryParameters") == (
        "[appmesh-route-left-out] route beta of vrServiceB: its query condition takes no call "
        "of service-b, which speaks gRPC (no call has a query string), so it never matched; "
        "the route is left out")
    assert 'expose("service-b", via=ISTIO)\n' in out.read_text()
    vs = built(out)[("VirtualService", "service-b-mesh")]
    assert where_to(vs, Request("/v2/items")) == {"v1": 90, "v2": 10}
