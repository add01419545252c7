"""A `mesh_route` an earlier one of the same `traffic(...)` always catches, or a `split=` behind
a mesh_route without conditions, can never be taken: the build says so at its line, under
every mesh target. `netgen verify` then finds no shadowing in a valid build, and still finds
the shadowing the plan did not ask for (rules reordered after the build)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from netgen.plan.covers import covers
from netgen.plan.mesh import HttpMatch
from netgen.problems import ProblemError
from netgen.readback.mesh import verify_mesh
from tests.conftest import build, documents
from tests.targets.istio.mesh_requests import Request, where_to

HEAD = """\
from netgen import *
mesh({mesh})
service("web", port=80, image="web:1")
service("api", port=8080, image="api:1", versions=["v1", "v2"], app_protocol="http")
calls("web", "api")
"""  # lines 1-5; a test's own lines start at 6

Make = Callable[[str], Path]
NEVER = "this mesh_route can never match: the one at bp.py:{} comes first"
UNUSED = "split= is never used: the mesh_route at bp.py:{} has no conditions"


def _errors(make: Make, mesh: str, body: str) -> list[str]:
    path = make(HEAD.format(mesh=mesh) + textwrap.dedent(body))
    with pytest.raises(ProblemError) as e:
        build(path)
    return [p.render().replace(str(path), "bp.py") for p in e.value.problems]


@pytest.mark.parametrize("mesh", ["ISTIO", "LINKERD"])
@pytest.mark.parametrize(("body", "line", "expected"), [
    ("""\
     traffic("api", split={"v1": 100}, routes=[
         mesh_route(split={"v2": 100})])
     """, 6, UNUSED.format(7)),
    ("""\
     traffic("api", routes=[
         mesh_route(prefix="/", split={"v1": 100}),
         mesh_route(method="GET", split={"v2": 100})])
     """, 8, NEVER.format(7)),
    ("""\
     traffic("api", routes=[
         mesh_route(prefix="/a", split={"v1": 100}),
         mesh_route(exact="/a/b", method="GET", split={"v2": 100})])
     """, 8, NEVER.format(7)),
    ("""\
     traffic("api", routes=[
         mesh_route(headers=mesh_header("x-a", prefix="x"), split={"v1": 100}),
         mesh_route(headers=header("x-a", "xy"), query={"q": "1"}, split={"v2": 100})])
     """, 8, NEVER.format(7)),
    ("""\
     traffic("api", routes=[
         mesh_route(method="POST", regex="/a/[0-9]+", split={"v1": 100}),
         mesh_route(method="POST", exact="/a/42", split={"v2": 100})])
     """, 8, NEVER.format(7)),
])
def test_a_route_that_can_never_be_taken_is_an_error_at_its_line(
    blueprint_file: Make, mesh: str, body: str, line: int, expected: str
) -> None:
    found = _errors(blueprint_file, mesh, body)
    assert any(e.startswith(f"bp.py:{line}: error: traffic('api'): ") and expected in e
               for e in found), found


@pytest.mark.parametrize("body", [
    # the more specific first, the general after it: each takes some calls
    """\
    traffic("api", split={"v1": 100}, routes=[
        mesh_route(prefix="/a/b", split={"v2": 100}),
        mesh_route(prefix="/a", method="GET", split={"v1": 50, "v2": 50})])
    """,
    # a route without conditions last, and no split= behind it: the catch-all
    """\
    traffic("api", routes=[
        mesh_route(headers=header("x-v", "2"), split={"v2": 100}),
        mesh_route(split={"v1": 100})])
    """,
    # overlapping but neither covers the other
    """\
    traffic("api", split={"v1": 100}, routes=[
        mesh_route(prefix="/a", method="GET", split={"v2": 100}),
        mesh_route(prefix="/a/b", split={"v1": 50, "v2": 50})])
    """,
])
def test_routes_each_reachable_build_and_verify_under_istio(blueprint_file: Make,
                                                            body: str) -> None:
    (compiled,) = build(blueprint_file(HEAD.format(mesh="ISTIO") + textwrap.dedent(body)))
    report = verify_mesh(compiled.plan, documents(compiled))
    assert report.ok, report.render()


def test_verify_still_reports_shadowing_the_plan_did_not_ask_for(blueprint_file: Make) -> None:
    """Rules reordered after the build (a hand edit, an override of the rendered object):
    the general rule now catches the specific one's calls, which the plan never said."""
    (compiled,) = build(blueprint_file(HEAD.format(mesh="ISTIO") + textwrap.dedent("""\
        traffic("api", split={"v1": 100}, routes=[
            mesh_route(prefix="/a/b", split={"v2": 100}),
            mesh_route(prefix="/a", split={"v1": 50, "v2": 50})])
        """)))
    docs = documents(compiled)
    assert verify_mesh(compiled.plan, docs).ok
    (vs,) = [d for d in docs if d["kind"] == "VirtualService"
             and d["metadata"]["name"] == "api-mesh"]
    http = vs["spec"]["http"]
    http[0], http[1] = http[1], http[0]
    report = verify_mesh(compiled.plan, docs)
    assert report.problems == ("VirtualService api-mesh: ('prefix', '/a/b', (), ()) is "
                               "shadowed by ('prefix', '/a', (), ())",), report.render()


def _m(uri_kind: str | None = None, uri: str | None = None, **kw: object) -> HttpMatch:
    return HttpMatch(uri_kind, uri, kw.pop("headers", ()), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("a", "b", "expected"), [
    (_m(), _m("regex", "/x.*", method="GET"), True),
    (_m("prefix", "/a"), _m("prefix", "/ab"), True),  # a plain string prefix
    (_m("prefix", "/ab"), _m("prefix", "/a"), False),
    (_m("exact", "/a"), _m("exact", "/a", headers=(("x", "1"),)), True),
    (_m("exact", "/a", headers=(("x", "1"),)), _m("exact", "/a"), False),
    (_m("prefix", "/a"), _m("regex", "/a.*"), False),  # not judged: could be either
    (_m("regex", "/a.*"), _m("regex", "/a.*", method="GET"), True),
    (_m(method="GET"), _m(), False),
    (_m(query=(("q", "1"),)), _m(query=(("q", "1"), ("r", "2"))), True),
    (_m(without=(("x", "exact", "1"),)), _m(), False),
    (_m(rules=(("x", "prefix", "a"),)), _m(rules=(("x", "prefix", "ab"),)), True),
    (_m(rules=(("x", "prefix", "ab"),)), _m(rules=(("x", "prefix", "a"),)), False),
    (_m(rules=(("x", "regex", "a.*"),)), _m(headers=(("x", "abc"),)), True),
    (_m(rules=(("x", "regex", "a.*"),)), _m(rules=(("x", "prefix", "a"),)), False),
])
def test_covers_answers_only_what_is_certain(a: HttpMatch, b: HttpMatch, expected: bool) -> None:
    assert covers(a, b) is expected


def test_routes_an_istio_gateway_route_makes_the_same_are_written_once(
    blueprint_file: Make,
) -> None:
    """The gateway sends to the pods past the service's own VirtualService, so each mesh
    route is combined with the gateway's path: under exact /abc, prefix /ab and prefix /a
    (and the split) all become exact /abc. Only the first can be taken; the others were
    written anyway and `netgen verify` called them shadowed, though the plan asked for them."""
    (compiled,) = build(blueprint_file(HEAD.format(mesh="ISTIO") + textwrap.dedent("""\
        expose("api", via=ISTIO, host="api.example.com", path="/abc", path_type="Exact")
        traffic("api", split={"v1": 50, "v2": 50}, routes=[
            mesh_route(prefix="/ab", split={"v1": 100}),
            mesh_route(prefix="/a", split={"v2": 100})])
        """)))
    docs = documents(compiled)
    report = verify_mesh(compiled.plan, docs)
    assert report.ok, report.render()
    (gw,) = [d for d in docs if d["kind"] == "VirtualService"
             and d["metadata"]["name"] == "api.example.com"]
    assert [e["match"] for e in gw["spec"]["http"]] == [[{"uri": {"exact": "/abc"}}]]
    assert where_to(gw, Request("/abc")) == {"v1": 100}
