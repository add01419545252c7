"""`netgen graph`: the neutral graph model built from a Plan, its Mermaid and DOT
renderings (pinned as snapshots), escaping, and SVG/PNG through Graphviz."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from attrs import evolve
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode
from typer.testing import CliRunner

from netgen.cli import app
from netgen.graph import dot, mermaid
from netgen.graph.model import CALLS, SELECTS, TRAFFIC, build_graph
from netgen.pipeline import resolve_blueprint
from netgen.plan import WeightedBackend
from tests.conftest import BLUEPRINTS

HAS_DOT = shutil.which("dot") is not None


class MermaidSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "mmd"


class DotSnapshot(SingleFileSnapshotExtension):
    _write_mode = WriteMode.TEXT
    file_extension = "dot"


def plan(path: Path, env: str | None = None):  # type: ignore[no-untyped-def]
    return resolve_blueprint(path, [env] if env else [])[0]


def netgen(*args: str | Path) -> tuple[int, bytes, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout_bytes, result.stderr


@pytest.mark.parametrize(("example", "env"), [("shop", "development"), ("shop", "production"),
                                              ("dns", None)])
def test_snapshots(example: str, env: str | None, snapshot) -> None:  # type: ignore[no-untyped-def]
    graph = build_graph(plan(BLUEPRINTS / f"{example}.py", env))
    name = f"{example}-{env or 'default'}"
    assert mermaid.render(graph) == snapshot(name=name).use_extension(MermaidSnapshot)
    assert dot.render(graph) == snapshot(name=name).use_extension(DotSnapshot)


def edges(graph) -> set[tuple[str, str, str, str | None]]:  # type: ignore[no-untyped-def]
    return {(e.src, e.dst, e.kind, e.label) for e in graph.edges}


def test_shop_model() -> None:
    g = build_graph(plan(BLUEPRINTS / "shop.py", "development"))
    assert g.title == "shop (development)"
    assert [(c.id, c.label) for c in g.clusters] == [("ns_shop_dev", "namespace shop-dev")]
    kinds = {n.id: (n.kind, n.cluster) for n in g.nodes}
    assert kinds["clients"] == ("client", None)
    assert kinds["entry_nodeport"] == ("entry", None)
    assert kinds["ext_rds"] == ("external", None)
    assert kinds["svc_shop_dev_api"] == ("service", "ns_shop_dev")
    assert kinds["pods_shop_dev_api_v2"] == ("workload", "ns_shop_dev")
    assert edges(g) == {
        ("clients", "entry_nodeport", TRAFFIC, None),
        ("entry_nodeport", "svc_shop_dev_web", TRAFFIC, ":30080"),
        ("svc_shop_dev_web", "pods_shop_dev_web", SELECTS, None),
        ("svc_shop_dev_api", "pods_shop_dev_api_v1", SELECTS, None),
        ("svc_shop_dev_api", "pods_shop_dev_api_v2", SELECTS, None),
        ("svc_shop_dev_postgres", "pods_shop_dev_postgres", SELECTS, None),
        ("svc_shop_dev_web", "svc_shop_dev_api", CALLS, None),
        ("svc_shop_dev_api", "svc_shop_dev_postgres", CALLS, None),
        ("svc_shop_dev_api", "ext_rds", CALLS, None),
        ("clients", "entry_alb", TRAFFIC, None),
        ("entry_alb", "pods_shop_dev_api_v1", TRAFFIC, "shop.example.com/api 80%"),
        ("entry_alb", "pods_shop_dev_api_v2", TRAFFIC, "shop.example.com/api 20%"),
    }


def test_without_exposures_there_are_no_clients() -> None:
    g = build_graph(plan(BLUEPRINTS / "seed_services.py", "production"))
    assert any(n.kind == "entry" for n in g.nodes)
    g = build_graph(plan(BLUEPRINTS / "dns.py"))
    assert not any(n.kind in ("client", "entry") for n in g.nodes)


def test_namespaces_are_clusters() -> None:
    g = build_graph(plan(BLUEPRINTS / "dns.py"))
    assert [c.label for c in g.clusters] == ["namespace cache", "namespace database"]
    by_id = {n.id: n for n in g.nodes}
    assert by_id["svc_cache_redis_service"].cluster == "ns_cache"
    assert by_id["pods_database_postgres"].lines == ("postgres", "StatefulSet, 3 pods")


def canary_plan(blueprint_file):  # type: ignore[no-untyped-def]
    """A route split 80/20 between versions; no backend in this tree expresses a canary
    yet, so the resolved route's backends are set the way `resolve` sets them for ALB."""
    p = plan(blueprint_file(
        "from netgen import *\nblueprint('s')\n"
        "service('api', port=8080, image='a', versions=['v1', 'v2'])\n"
        "expose('api', via=NLB, ports=[443])\n"))
    (route,) = p.routes
    split = (WeightedBackend("api-v1", 8080, 80, "v1"), WeightedBackend("api-v2", 8080, 20, "v2"))
    return evolve(p, routes=(evolve(route, backends=split, path="/api", host="shop.example.com"),))


def test_canary_weights_on_edges(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    g = build_graph(canary_plan(blueprint_file))
    routes = {(e.dst, e.label) for e in g.edges if e.src == "entry_nlb"}
    assert routes == {("pods_s_api_v1", "shop.example.com/api :443 80%"),
                      ("pods_s_api_v2", "shop.example.com/api :443 20%")}
    assert '-->|"shop.example.com/api :443 80%"| pods_s_api_v1' in mermaid.render(g)
    assert '"entry_nlb" -> "pods_s_api_v2" [label="shop.example.com/api :443 20%"];' \
        in dot.render(g)


def test_pinned_version_points_at_its_pods(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    p = canary_plan(blueprint_file)
    (route,) = p.routes
    pinned = evolve(route, backends=(WeightedBackend("api-v2", 8080, 100, "v2"),), path=None,
                    host=None, ports=())
    g = build_graph(evolve(p, routes=(pinned,)))
    assert ("entry_nlb", "pods_s_api_v2", TRAFFIC, "v2") in edges(g)


def test_labels_cannot_break_the_syntax(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    p = canary_plan(blueprint_file)
    (route,) = p.routes
    nasty = '/a"b]|#`<x>\\l\n'
    g = build_graph(evolve(p, routes=(evolve(route, path=nasty, host=None, ports=()),)))
    m = mermaid.render(g)
    assert '|"/a#quot;b]|#35;#96;#lt;x#gt;\\l\n 80%"|' in m
    d = dot.render(g)
    assert '[label="/a\\"b]|#`<x>\\\\l\\n 80%"]' in d


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz `dot` is not installed")
def test_dot_output_is_valid_graphviz(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    p = canary_plan(blueprint_file)
    (route,) = p.routes
    g = build_graph(evolve(p, routes=(evolve(route, path='/a"b\\l]{', host=None),)))
    done = subprocess.run(["dot", "-Tsvg"], input=dot.render(g).encode(), capture_output=True)
    assert done.returncode == 0, done.stderr


# the command


def test_cli_mermaid_is_the_default() -> None:
    code, out, _ = netgen("graph", BLUEPRINTS / "shop.py")
    assert code == 0
    assert out.decode() == mermaid.render(build_graph(plan(BLUEPRINTS / "shop.py")))


def test_cli_dot_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "shop.dot"
    code, out, err = netgen("graph", BLUEPRINTS / "shop.py", "-e", "production", "-o", target)
    assert (code, out) == (0, b"")
    assert err == f"netgen: production of {BLUEPRINTS / 'shop.py'} -> {target} (dot)\n"
    assert target.read_text() == dot.render(build_graph(plan(BLUEPRINTS / "shop.py",
                                                              "production")))


def test_cli_unknown_environment() -> None:
    code, _, err = netgen("graph", BLUEPRINTS / "shop.py", "-e", "prod")
    assert code == 1
    assert "no environment named 'prod'" in err and "it has: development, production" in err


def test_cli_unknown_format() -> None:
    assert netgen("graph", BLUEPRINTS / "shop.py", "-f", "jpeg")[0] == 2


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz `dot` is not installed")
def test_cli_svg_and_png(tmp_path: Path) -> None:
    code, _, _ = netgen("graph", BLUEPRINTS / "shop.py", "-o", tmp_path / "shop.svg")
    assert code == 0
    svg = (tmp_path / "shop.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "shop (development)" in svg
    code, _, _ = netgen("graph", BLUEPRINTS / "shop.py", "-f", "png", "-o", tmp_path / "x")
    assert code == 0
    assert (tmp_path / "x").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_cli_svg_without_graphviz(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = netgen("graph", BLUEPRINTS / "shop.py", "-o", tmp_path / "shop.svg")
    assert code == 1
    assert err.startswith("netgen: --format svg needs Graphviz's `dot` program, which is not "
                          "installed")
    assert not (tmp_path / "shop.svg").exists()


def test_routes_of_one_host_and_path_read_apart(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """An Exact path beside a Prefix of the same path, and a route by method, query parameter
    or client address beside one without, went to different Services under one label
    (`x.example.com/p` twice)."""
    path = blueprint_file(
        "from netgen import *\nblueprint('t', domain='example.com')\n"
        "service('api', port=8080, image='a:1')\nservice('web', port=8080, image='w:1')\n"
        "expose('web', via=GATEWAY, host='x.example.com', path='/p', path_type='Exact')\n"
        "expose('api', via=GATEWAY, host='x.example.com', path='/p')\n"
        "expose('api', via=GATEWAY, host='x.example.com', path='/q', methods=['POST', 'GET'],\n"
        "       query={'a': '1'})\n"
        "expose('web', via=GATEWAY, host='x.example.com', path='/q')\n"
        "expose('web', via=ALB, host='z.example.com', path='/', source_ips=['10.0.0.0/8'])\n")
    (plan,) = resolve_blueprint(path)
    assert {(e.dst, e.label) for e in build_graph(plan).edges if e.src.startswith("entry_")
            and e.dst != "clients"} == {
        ("svc_t_web", "x.example.com/p (exact)"),
        ("svc_t_api", "x.example.com/p"),
        ("svc_t_api", "x.example.com/q GET POST ?a=1"),
        ("svc_t_web", "x.example.com/q"),
        ("svc_t_web", "z.example.com/ from 10.0.0.0/8"),
    }


def test_an_istio_route_through_a_mesh_split_points_at_the_versions(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """Istio's gateway takes the service's traffic(split=, routes=): the edge went to the
    Service without a weight, while x-beta: 1 reaches v2 and the rest 90/10."""
    path = blueprint_file(
        "from netgen import *\nblueprint('t', domain='example.com')\nmesh(ISTIO)\n"
        "service('api', port=8080, image='a:1', versions=['v1', 'v2'])\n"
        "traffic('api', split={'v1': 90, 'v2': 10}, routes=[\n"
        "    mesh_route(headers=[mesh_header('x-beta', exact='1')], split={'v2': 100})])\n"
        "expose('api', via=ISTIO, host='api.example.com', path='/')\n")
    (plan,) = resolve_blueprint(path)
    assert [(e.dst, e.label) for e in build_graph(plan).edges if e.src == "entry_istio"] == [
        ("pods_t_api_v2", "api.example.com/ x-beta=1 100%"),
        ("pods_t_api_v1", "api.example.com/ 90%"),
        ("pods_t_api_v2", "api.example.com/ 10%"),
    ]
