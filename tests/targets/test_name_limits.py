"""Generated names the apiserver (or a controller's webhook) would refuse are `file:line:`
errors naming the declaration, the generated name and its limit; file names that would not
fit in a folder are shortened, never an exit 3."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from netgen.problems import ProblemError
from tests.conftest import build

MakeBlueprint = Callable[[str], Path]
NAME_MAX = 255  # bytes in a file name

HEADER = """\
from netgen import *
blueprint("shop", domain="shop.example.com")
env("prod", namespace="prod")
"""
FIRST = HEADER.count("\n") + 1


def diagnostics(blueprint_file: MakeBlueprint, body: str, header: str = HEADER) -> list[str]:
    path = blueprint_file(header + body)
    with pytest.raises(ProblemError) as raised:
        build(path)
    return [d.render().replace(str(path), "bp.py") for d in raised.value.problems]


def at(offset: int, message: str) -> str:
    return f"bp.py:{FIRST + offset}: error: {message}"


LONG = "a" * 61  # a valid service name whose -nodeport / -lb Service is not


@pytest.mark.parametrize(("via", "suffix"), [("NODEPORT", "-nodeport"), ("NLB", "-lb")])
def test_l4_service_names_fit_in_63(blueprint_file: MakeBlueprint, via: str,
                                    suffix: str) -> None:
    body = (f'service("{LONG}", port=80, image="x:1")\n'
            f'expose("{LONG}", via={via})\n')
    assert diagnostics(blueprint_file, body) == [
        at(1, f"expose('{LONG}', via={via}): the Service name '{LONG}{suffix}' is longer than "
              "63 characters (a DNS-1035 label); shorten the service's name"),
    ]


def test_l4_service_names_of_63_build(blueprint_file: MakeBlueprint) -> None:
    name = "a" * (63 - len("-nodeport"))
    body = (f'service("{name}", port=80, image="x:1")\n'
            f'expose("{name}", via=NODEPORT)\n')
    [env] = build(blueprint_file(HEADER + body))
    assert f"{name}-nodeport" in {d.name for d in env.documents if d.kind == "Service"}


@pytest.mark.parametrize("length", [53, 54])
def test_stateful_names_leave_room_for_the_revision_hash(blueprint_file: MakeBlueprint,
                                                          length: int) -> None:
    name = "s" * length
    body = f'service("{name}", port=5432, image="pg:16", stateful=True)\n'
    assert diagnostics(blueprint_file, body) == [
        at(0, f"service('{name}'): a stateful service name has at most 52 characters, not "
              f"{length}: its pods are labelled controller-revision-hash='{name}-<10-character "
              "hash>', a label value of at most 63"),
    ]


def test_a_stateful_name_of_52_builds(blueprint_file: MakeBlueprint) -> None:
    name = "s" * 52
    [env] = build(blueprint_file(HEADER + f'service("{name}", port=5432, image="pg:16", '
                                          'stateful=True)\n'))
    assert ("StatefulSet", name) in {(d.kind, d.name) for d in env.documents}


def test_the_istio_gateway_name_fits_in_a_dns_label(blueprint_file: MakeBlueprint) -> None:
    header = HEADER.replace('blueprint("shop", ', f'blueprint("{"b" * 58}", ')
    body = ('mesh(ISTIO)\n'
            'service("web", port=80, image="w:1")\n'
            'expose("web", via=ISTIO)\n')
    assert diagnostics(blueprint_file, body, header) == [
        at(2, f"expose('web', via=ISTIO): the Istio Gateway name '{'b' * 58}-istio' is longer "
              "than 63 characters (istiod accepts a DNS-1123 label only); shorten the "
              "blueprint's name to at most 57 characters"),
    ]


def test_a_coredns_key_fits_in_253(blueprint_file: MakeBlueprint) -> None:
    zone = ".".join(["z" * 61] * 4)  # 247 characters: the key '<zone>.server' has 254
    assert len(zone) == 247
    body = f'dns_forward("{zone}", to=["10.0.0.2"])\n'
    assert diagnostics(blueprint_file, body) == [
        at(0, f"dns_forward('{zone}'): the coredns-custom ConfigMap key '{zone}.server' is "
              "longer than 253 characters (a ConfigMap key's limit); the zone can have at "
              "most 246"),
    ]


def test_an_alb_canary_backend_is_a_dns1035_name(blueprint_file: MakeBlueprint) -> None:
    body = ('service("api", port=8080, image="a:1", versions=["v1", "v2"])\n'
            'expose("api", via=ALB, path="/api", canary=0.3, route="9front")\n')
    assert diagnostics(blueprint_file, body) == [
        at(1, "expose('api', via=ALB): the canary's backend '9front-canary' (route= and "
              "'-canary') is an Ingress backend Service name, which must start with a letter "
              "(a DNS-1035 label); give a route= that starts with a letter"),
    ]


def test_a_file_name_past_255_bytes_is_shortened(blueprint_file: MakeBlueprint) -> None:
    host = ".".join(["h" * 63] * 3 + ["h" * 61])  # 253 characters: HTTPRoute.<host>.yaml
    body = ('service("web", port=80, image="w:1")\n'
            f'expose("web", via=GATEWAY, host="{host}")\n')
    [env] = build(blueprint_file(HEADER + body))
    files = env.files()
    long = [n for n in files if host[:100] in n]
    assert len(long) == 1
    assert len(long[0].encode()) == NAME_MAX
    assert long[0].startswith(f"HTTPRoute.{host[:200]}") and long[0].endswith(".yaml")
    # every other name is as it was
    assert all(n.endswith(".yaml") or n == "Kustomization" for n in files)
    assert "Service.web.yaml" in files


def test_a_file_name_that_fits_is_unchanged() -> None:
    from netgen.output.layout import _fit

    stem = "HTTPRoute." + "h" * (NAME_MAX - len("HTTPRoute..yaml"))
    assert _fit(stem) == stem + ".yaml"
    assert _fit(stem + "x") != _fit(stem + "y")
    assert len(_fit(stem + "x").encode()) == NAME_MAX


# --- CRD limits: the check's message keeps its reason ------------------------------------

def _first_error(schema: dict, instance: object) -> str:
    import jsonschema

    from netgen.validate.problem import _message

    [error] = jsonschema.Draft202012Validator(schema).iter_errors(instance)
    return _message(error)


def test_a_max_items_message_says_the_limit_and_the_count() -> None:
    refs = [{"name": f"api-v{i}", "port": 8080, "weight": 5} for i in range(20)]
    message = _first_error({"type": "array", "maxItems": 16}, refs)
    assert message.startswith("must have at most 16 items, got 20: [")


def test_a_max_length_message_says_the_limit_and_the_length() -> None:
    message = _first_error({"type": "string", "maxLength": 1024}, "/" + "x" * 1024)
    assert message.startswith("must be at most 1024 characters long, got 1025: \"/xxx")


def test_a_long_message_keeps_its_reason() -> None:
    message = _first_error({"type": "string", "pattern": "^a$"}, "b" * 400)
    assert message.endswith("does not match '^a$'")
    assert len(message) <= 300


# --- CRD limits: refused or split by the build, not only by `check` -----------------------

def test_gateway_query_params_at_most_16(blueprint_file: MakeBlueprint) -> None:
    query = ", ".join(f'"q{i}": "v"' for i in range(17))
    body = ('service("web", port=80, image="w:1")\n'
            f'expose("web", via=GATEWAY, query={{{query}}})\n')
    assert diagnostics(blueprint_file, body) == [
        at(1, "expose('web', via=GATEWAY): Gateway API matches at most 16 query parameters, "
              "not 17"),
    ]


def test_gateway_rewrite_at_most_1024(blueprint_file: MakeBlueprint) -> None:
    rewrite = "/" + "x" * 1024
    body = ('service("web", port=80, image="w:1")\n'
            f'expose("web", via=GATEWAY, path="/a", path_type="Exact", rewrite="{rewrite}")\n')
    assert diagnostics(blueprint_file, body) == [
        at(1, "expose('web', via=GATEWAY): rewrite= has 1025 characters; Gateway API takes "
              "at most 1024"),
    ]


def test_an_httproute_holds_at_most_128_matches(blueprint_file: MakeBlueprint) -> None:
    methods = '["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]'
    body = "".join(f'service("s{i}", port=80, image="w:1")\n'
                   f'expose("s{i}", via=GATEWAY, host="h.example.com", path="/p{i}", '
                   f'methods={methods}, route="r")\n' for i in range(17))
    [env] = build(blueprint_file(HEADER + body))
    routes = {d.name: d for d in env.documents if d.kind == "HTTPRoute"}
    assert sorted(routes) == ["r", "r-2"]
    counts = {name: d.text.count("method:") for name, d in routes.items()}
    assert counts == {"r": 14 * 9, "r-2": 3 * 9}


def test_linkerd_split_at_most_16_backends(blueprint_file: MakeBlueprint) -> None:
    versions = [f"v{i}" for i in range(1, 18)]
    split = ", ".join(f'"{v}": {100 // 17 + (1 if i < 100 % 17 else 0)}'
                      for i, v in enumerate(versions))
    body = ('mesh(LINKERD)\n'
            f'service("api", port=8080, image="a:1", versions={versions})\n'
            f'traffic("api", split={{{split}}})\n')
    assert diagnostics(blueprint_file, body) == [
        at(2, "traffic('api'): split= over 17 versions: an HTTPRoute rule has at most 16 "
              "backendRefs (Gateway API CRD)"),
    ]


def test_linkerd_mesh_route_at_most_16_rules(blueprint_file: MakeBlueprint) -> None:
    """20 mesh_routes and the split made an HTTPRoute of 21 rules: built with exit 0, the
    API server refuses it (rules maxItems 16)."""
    routes = ", ".join(f'mesh_route(exact="/p{i}", split={{"v2": 100}})' for i in range(20))
    body = ('mesh(LINKERD)\n'
            'service("api", port=8080, image="a:1", versions=["v1", "v2"])\n'
            f'traffic("api", split={{"v1": 90, "v2": 10}}, routes=[{routes}])\n')
    assert diagnostics(blueprint_file, body) == [
        at(2, "traffic('api'): 20 mesh_routes make an HTTPRoute of 21 rules, and one has at "
              "most 16 (Gateway API CRD); use fewer mesh_routes (one prefix or regex where "
              "several send to the same versions)"),
    ]


def test_linkerd_mesh_route_at_most_16_headers_and_query_parameters(
        blueprint_file: MakeBlueprint) -> None:
    """17 headers or 17 query parameters in one mesh_route built with exit 0; the API server
    refuses the HTTPRoute (a match's headers and queryParams have maxItems 16)."""
    headers = ", ".join(f'header("x-h{i}", "v")' for i in range(16))
    query = ", ".join(f'"q{i}": "v"' for i in range(17))
    body = ('mesh(LINKERD)\n'
            'service("api", port=8080, image="a:1", versions=["v1", "v2"])\n'
            'traffic("api", split={"v1": 100}, routes=[\n'
            f'    mesh_route(prefix="/a", split={{"v2": 100}}, headers=[{headers}, '
            'mesh_header("x-r", regex="a.*")]),\n'
            f'    mesh_route(prefix="/b", split={{"v2": 100}}, query={{{query}}}),\n'
            f'    mesh_route(prefix="/c", split={{"v2": 100}}, headers=[{headers}]),\n'
            '])\n')
    assert diagnostics(blueprint_file, body) == [
        at(3, "traffic('api'): mesh_route matches 17 headers; an HTTPRoute match (Linkerd's "
              "routes) takes at most 16 (Gateway API CRD)"),
        at(4, "traffic('api'): mesh_route matches 17 query parameters; an HTTPRoute match "
              "(Linkerd's routes) takes at most 16 (Gateway API CRD)"),
    ]


def test_linkerd_mesh_route_match_strings(blueprint_file: MakeBlueprint) -> None:
    """A mesh_route's strings as its HTTPRoute writes them, measured as the CRD does (the
    limits GATEWAY's exposures already had): a query name that is no HTTP token, values past
    4096 (header) or 1024 (query) characters, names past 256, a prefix whose escaped regular
    expression is past 1024. Each built with exit 0 and the API server refused it."""
    routes = [
        'prefix="/r0", query={"ids[]": "1"}',
        'prefix="/r1", query={"q": "x" * 1025}',
        'prefix="/r2", headers=header("x-v", "v" * 4097)',
        'prefix="/r3", headers=mesh_header("x-p", prefix="p" * 4095)',
        'prefix="/r4", query={"q" * 257: "1"}',
        'prefix="/" + "a" * 1021',
        'prefix="/" + "b" * 1020, query={"ok": "1"}',
    ]
    lines = "".join(f'    mesh_route(split={{"v2": 100}}, {r}),\n' for r in routes)
    body = ('mesh(LINKERD)\n'
            'service("api", port=8080, image="a:1", versions=["v1", "v2"])\n'
            f'traffic("api", split={{"v1": 100}}, routes=[\n{lines}])\n')
    cut = "; Gateway API takes at most"
    assert diagnostics(blueprint_file, body) == [
        at(3, "traffic('api'): mesh_route query parameter name 'ids[]' is not an HTTP token "
              "(letters, digits and !#$%&'*+-.^_`|~), as Gateway API requires"),
        at(4, f"traffic('api'): mesh_route query 'q': value '{'x' * 37}...' has 1025 "
              f"characters{cut} 1024"),
        at(5, f"traffic('api'): mesh_route header 'x-v': value '{'v' * 37}...' has 4097 "
              f"characters{cut} 4096"),
        at(6, f"traffic('api'): mesh_route header 'x-p': value '{'p' * 37}...' has 4097 "
              f"characters{cut} 4096"),
        at(7, f"traffic('api'): mesh_route query parameter name '{'q' * 37}...' has 257 "
              f"characters{cut} 256"),
        at(8, "traffic('api'): mesh_route path is written as 1025 characters; Gateway API "
              "(Linkerd's routes) takes at most 1024"),
    ]
