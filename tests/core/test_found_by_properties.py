"""Bugs the property suite (tests/properties) found, each pinned by a plain example."""

from __future__ import annotations

import pytest

from netgen.output.layout import env_files, named
from netgen.pipeline import compile_blueprint
from netgen.problems import ProblemError
from netgen.readback.mesh import verify_mesh
from netgen.render import Document
from tests.conftest import documents, parse

HEAD = "from netgen import *\n"


def test_external_by_ip_address_gets_no_externalname(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """An ExternalName must be a DNS name: Kubernetes rejects an IPv6 address and reads an
    IPv4 one as a name made of digits. Workloads get the address itself."""
    path = blueprint_file(
        HEAD + "service('app', port=80, image='a')\n"
        "external('db6', host='2001:db8::5', port=5432)\n"
        "external('db4', host='10.0.0.5', port=5432)\n"
        "external('api', host='api.example.com', port=443)\n"
        "calls('app', 'db6', 'db4', 'api')\n")
    (compiled,) = compile_blueprint(path)
    docs = documents(compiled)
    external_names = {d["metadata"]["name"]: d["spec"]["externalName"] for d in docs
                      if d["kind"] == "Service" and d["spec"]["type"] == "ExternalName"}
    assert external_names == {"api": "api.example.com"}
    (app,) = [d for d in docs if d["kind"] == "Deployment"]
    env = {e["name"]: e["value"] for e in app["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["DB6_HOST"] == "2001:db8::5" and env["DB4_HOST"] == "10.0.0.5"
    assert env["API_HOST"] == "api.bp.svc.cluster.local"


def test_stream_order_does_not_follow_declaration_order(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """`build --stdout` used to print objects in declaration order, so reordering services
    changed the output; it is now the order of the files in out/<env>/."""
    a = "service('alpha', port=80, image='a')\n"
    b = "service('beta', port=80, image='b', namespace='other')\n"
    streams = []
    for source in (a + b, b + a):
        (compiled,) = compile_blueprint(blueprint_file(HEAD + source))
        streams.append([(d.kind, d.namespace, d.name) for d in compiled.documents])
        assert [n for n in compiled.files() if n != "Kustomization"] == list(
            named(compiled.documents, compiled.plan.env.namespace))
    assert streams[0] == streams[1]
    assert [d for d in streams[0] if d[0] in ("Namespace", "Deployment", "Service")] == [
        ("Namespace", None, "bp"), ("Namespace", None, "other"),
        ("Deployment", "bp", "alpha"), ("Deployment", "other", "beta"),
        ("Service", "bp", "alpha"), ("Service", "other", "beta"),
    ]


def test_dotted_name_never_shares_a_file_with_another_namespace() -> None:
    """`Kind.a.b.yaml` could be 'a.b' in the env's namespace or 'b' in namespace 'a' (Gateway
    API routes are named after hosts): the first is written qualified, nothing is lost."""
    def doc(name: str, namespace: str) -> Document:
        return Document("v1", "HTTPRoute", name, namespace,
                        f"kind: HTTPRoute\nmetadata:\n  name: {name}\n  namespace: {namespace}\n")

    files = env_files([doc("a.b", "prod"), doc("b", "a"), doc("c.d", "prod")], "prod", "x")
    assert sorted(files) == ["HTTPRoute.a.b.yaml", "HTTPRoute.c.d.yaml",
                             "HTTPRoute.prod.a.b.yaml", "Kustomization"]
    assert parse(files["HTTPRoute.a.b.yaml"])[0]["metadata"] == {"name": "b", "namespace": "a"}
    assert parse(files["HTTPRoute.prod.a.b.yaml"])[0]["metadata"]["name"] == "a.b"


def test_a_host_spelled_like_the_blueprint_does_not_clash(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """The hostless HTTPRoute is named after the blueprint and a host's after the host, so
    `blueprint('d')` with `host='d'` was an error about a name netgen itself had chosen."""
    path = blueprint_file(
        "from netgen import *\nblueprint('d')\n"
        "service('web', port=80, image='w')\nservice('api', port=80, image='a')\n"
        "expose('web', via=GATEWAY)\nexpose('api', via=GATEWAY, host='d')\n")
    (compiled,) = compile_blueprint(path)
    routes = {d["metadata"]["name"]: d["spec"].get("hostnames") for d in documents(compiled)
              if d["kind"] == "HTTPRoute"}
    assert routes == {"d": ["d"], "d-any-host": None}


def test_a_version_at_zero_percent_in_a_mesh_split_verifies(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """The VirtualService names every version of `traffic(split=)` and of a `mesh_route`'s
    split, those at 0% with weight 0; `netgen verify` expected them left out, so a valid
    blueprint failed verification ("routes planned but missing")."""
    path = blueprint_file(
        HEAD + "mesh(ISTIO)\n"
        "service('web', port=80, image='w')\n"
        "service('api', port=8080, image='a', versions=['v1', 'v2'], app_protocol='http')\n"
        "calls('web', 'api')\n"
        "traffic('api', split={'v1': 0, 'v2': 100},\n"
        "        routes=[mesh_route(method='POST', split={'v1': 100, 'v2': 0})])\n")
    (compiled,) = compile_blueprint(path)
    report = verify_mesh(compiled.plan, documents(compiled))
    assert report.ok, report.render()


def test_a_prefix_written_as_a_regex_verifies_under_linkerd(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """Linkerd's read-back reads a regular expression that only says "starts with" (`x.*`,
    `^/a.*`) as that prefix; the plan's side kept the user's regex, so `netgen verify`
    reported a rule written exactly as declared as both missing and unplanned."""
    path = blueprint_file(
        HEAD + "mesh(LINKERD)\n"
        "service('web', port=80, image='w')\n"
        "service('api', port=8080, image='a', versions=['v1', 'v2'], app_protocol='http')\n"
        "calls('web', 'api')\n"
        "traffic('api', split={'v1': 50, 'v2': 50}, routes=[\n"
        "    mesh_route(method='GET', headers=[mesh_header('x-a', regex='x.*')],\n"
        "               split={'v1': 100}),\n"
        "    mesh_route(method='POST', regex='^/a.*', split={'v2': 100})])\n")
    (compiled,) = compile_blueprint(path)
    report = verify_mesh(compiled.plan, documents(compiled))
    assert report.ok, report.render()


def test_a_split_behind_a_route_without_conditions_is_an_error(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """A mesh_route without conditions catches every call, so `split=` after it is never
    used; the YAML said so faithfully (first match wins) and `netgen verify` reported the
    shadowing the declaration itself asked for, failing a build that did what was written.
    The declaration is the mistake: the build says so at its line."""
    path = blueprint_file(
        HEAD + "mesh(ISTIO)\n"
        "service('web', port=80, image='w')\n"
        "service('api', port=8080, image='a', versions=['v1', 'v2'], app_protocol='http')\n"
        "calls('web', 'api')\n"
        "traffic('api', split={'v1': 100}, routes=[mesh_route(split={'v1': 100})])\n")
    with pytest.raises(ProblemError) as e:
        compile_blueprint(path)
    assert [p.render() for p in e.value.problems] == [
        f"{path}:6: error: traffic('api'): split= is never used: the mesh_route at {path}:6 "
        "has no conditions and catches every call; drop split=, or give that mesh_route "
        "conditions"]
