"""`via=ISTIO` exposures matching HTTP methods and query parameters: the VirtualService
matches (one per method, each with the path, headers and query), their first-match order,
the mesh's own split for them, the CRD, the read-back, and what stays an error."""

from __future__ import annotations

import pytest

from netgen.targets.istio import readback_routes as routes
from tests.conftest import documents
from tests.targets.istio.istio_schema import is_istio, problems
from tests.targets.mesh_blueprints import Make, compiled, errors

API = "api.prod.svc.cluster.local"


def _to(subset: str | None = None, host: str = API, port: int = 8080) -> list[dict]:
    destination: dict = {"host": host}
    if subset is not None:
        destination["subset"] = subset
    destination["port"] = {"number": port}
    return [{"destination": destination}]


def _checked(make: Make, body: str) -> dict[tuple[str, str], dict]:
    """The documents, after checking they pass the CRDs and read back to the plan's routes
    with no match shadowed."""
    c = compiled(make, body)
    docs = documents(c)
    assert [p for d in docs if is_istio(d) for p in problems(d)] == []
    assert routes.route_table(docs) == routes.expected_route_table(c.plan)
    assert routes.shadowed(docs) == []
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def test_methods_and_query_are_matches_most_specific_first(blueprint_file: Make) -> None:
    """Declared least specific first: the gateway still tries the method+query route, then
    the method route, then the plain one (Istio takes the first match); two methods are two
    matches, each with the path's two halves and the query."""
    docs = _checked(blueprint_file, """\
    mesh(ISTIO)
    expose("web", via=ISTIO, host="a.example.com", path="/api")
    expose("api", via=ISTIO, host="a.example.com", path="/api", methods=["DELETE"])
    expose("api", via=ISTIO, host="a.example.com", path="/api", methods=["POST", "GET"],
           query={"v": "2"}, version="v2")
    """)
    q = {"queryParams": {"v": {"exact": "2"}}}
    assert docs[("VirtualService", "a.example.com")]["spec"]["http"] == [
        {"match": [{"uri": {"exact": "/api"}, "method": {"exact": "GET"}, **q},
                   {"uri": {"exact": "/api"}, "method": {"exact": "POST"}, **q},
                   {"uri": {"prefix": "/api/"}, "method": {"exact": "GET"}, **q},
                   {"uri": {"prefix": "/api/"}, "method": {"exact": "POST"}, **q}],
         "route": _to("v2")},
        {"match": [{"uri": {"exact": "/api"}, "method": {"exact": "DELETE"}},
                   {"uri": {"prefix": "/api/"}, "method": {"exact": "DELETE"}}],
         "route": _to()},
        {"match": [{"uri": {"exact": "/api"}}, {"uri": {"prefix": "/api/"}}],
         "route": _to(host="web.prod.svc.cluster.local", port=80)},
    ]
    # Inside the mesh the version pin holds for the same requests only, not every call.
    assert docs[("VirtualService", "api-mesh")]["spec"]["http"] == [
        {"match": [{"uri": {"exact": "/api"}, "method": {"exact": "GET"}, **q},
                   {"uri": {"exact": "/api"}, "method": {"exact": "POST"}, **q},
                   {"uri": {"prefix": "/api/"}, "method": {"exact": "GET"}, **q},
                   {"uri": {"prefix": "/api/"}, "method": {"exact": "POST"}, **q}],
         "route": _to("v2")},
        {"route": _to()},
    ]


def test_query_alone_on_every_path_and_the_mesh_split_behind_it(blueprint_file: Make) -> None:
    """A query match without a path is a match without `uri`; an exposure to the whole
    service takes its in-mesh split, AND'ed with each mesh route: a mesh route for another
    method is no request of this exposure and is left out."""
    docs = _checked(blueprint_file, """\
    mesh(ISTIO)
    traffic("api", routes=[mesh_route(method="POST", split={"v2": 100}),
                           mesh_route(prefix="/beta", split={"v2": 100})],
            split={"v1": 100})
    expose("api", via=ISTIO, host="a.example.com", methods=["GET"], query={"debug": "1"})
    """)
    match = {"method": {"exact": "GET"}, "queryParams": {"debug": {"exact": "1"}}}
    assert docs[("VirtualService", "a.example.com")]["spec"]["http"] == [
        {"match": [{"uri": {"prefix": "/beta"}, **match}], "route": _to("v2")},
        {"match": [match], "route": _to("v1")},
    ]


@pytest.mark.parametrize("exact_to", ["web", "api"])
def test_an_exact_beside_a_prefix_of_its_path(blueprint_file: Make, exact_to: str) -> None:
    """The Exact exposure's `exact: /api` comes first; the Prefix's own `exact: /api` would
    never fire, so it is left out. `netgen verify` read the pair as a shadowed match and
    (to one service) a planned route missing."""
    docs = _checked(blueprint_file, f"""\
    mesh(ISTIO)
    expose("web", via=ISTIO, host="a.example.com", path="/api")
    expose("{exact_to}", via=ISTIO, host="a.example.com", path="/api", path_type="Exact")
    """)
    web = _to(host="web.prod.svc.cluster.local", port=80)
    assert docs[("VirtualService", "a.example.com")]["spec"]["http"] == [
        {"match": [{"uri": {"exact": "/api"}}], "route": web if exact_to == "web" else _to()},
        {"match": [{"uri": {"prefix": "/api/"}}], "route": web},
    ]


def test_an_exact_mesh_route_beside_the_same_split_is_kept(blueprint_file: Make) -> None:
    """Inside the mesh an Exact row equal to the Prefix split is still written (only the
    gateway's routes drop a match an earlier one has), so verify expects it there."""
    docs = _checked(blueprint_file, """\
    mesh(ISTIO)
    traffic("api", split={"v2": 100}, routes=[mesh_route(exact="/", split={"v2": 100})])
    """)
    assert [r["match"] for r in docs[("VirtualService", "api-mesh")]["spec"]["http"]
            if "match" in r] == [[{"uri": {"exact": "/"}}]]


def test_exposures_differing_by_method_or_query_are_not_duplicates(blueprint_file: Make) -> None:
    docs = _checked(blueprint_file, """\
    mesh(ISTIO)
    expose("api", via=ISTIO, host="a.example.com", path="/x", methods=["GET"])
    expose("web", via=ISTIO, host="a.example.com", path="/x", methods=["PUT"])
    expose("api", via=ISTIO, host="a.example.com", path="/x", query={"a": "1"})
    expose("web", via=ISTIO, host="a.example.com", path="/x", query={"a": "2"})
    """)
    assert len(docs[("VirtualService", "a.example.com")]["spec"]["http"]) == 4


@pytest.mark.parametrize(("body", "expected"), [
    ('mesh(ISTIO)\n'
     'expose("api", via=ISTIO, host="a.example.com", path="/x", methods=["GET", "POST"])\n'
     'expose("web", via=ISTIO, host="a.example.com", path="/x", methods=["POST", "GET"])\n',
     ["bp.py:8: error: expose('web'): host 'a.example.com' and path '/x' are already exposed "
      "by 'api' at bp.py:7"]),
    ('mesh(ISTIO)\n'
     'expose("api", via=ISTIO, host="a.example.com", path="/x", query={"a": "1"})\n'
     'expose("web", via=ISTIO, host="a.example.com", path="/x/", query={"a": "1"})\n',
     ["bp.py:8: error: expose('web'): host 'a.example.com' and path '/x/' are already exposed "
      "by 'api' at bp.py:7"]),
    ('mesh(ISTIO)\nexpose("api", via=ISTIO, host="a.example.com", path="/x", methods=["GET"],\n'
     '       version="v1")\n'
     'expose("api", via=ISTIO, host="b.example.com", path="/x", methods=["GET"], version="v2")\n',
     ["bp.py:9: error: expose('api', via=ISTIO): inside the mesh 'api' has one split for "
      "requests to /x with method GET; this exposure asks for 100% to v2 but the one at bp.py:7 "
      "asks for 100% to v1"]),
    ('mesh(ISTIO)\nexpose("api", via=ISTIO, path="/v[0-9]+", path_type="Regex")\n',
     ["bp.py:7: error: expose('api', via=ISTIO): Istio cannot match regular-expression paths "
      "(use NGINX)"]),
])
def test_what_stays_an_error(blueprint_file: Make, body: str, expected: list[str]) -> None:
    assert errors(blueprint_file, body) == expected


def test_a_host_falls_back_to_its_wildcard_and_every_host(blueprint_file: Make) -> None:
    """Envoy serves a request from the VirtualService of its most specific host only, so
    a.example.com's carries, after its own route, the wildcard's and every host's (in that
    order: `precedence`), less those its own routes catch first: every host's `/api/x` is
    left out (its own `/api` catches it), and the wildcard's
    VirtualService carries every host's routes. `netgen verify` reads them as planned."""
    docs = _checked(blueprint_file, """\
    mesh(ISTIO)
    expose("web", via=ISTIO, path="/")
    expose("web", via=ISTIO, path="/api/x")
    expose("api", via=ISTIO, host="*.example.com", path="/static")
    expose("api", via=ISTIO, host="a.example.com", path="/api")
    """)
    web = _to(host="web.prod.svc.cluster.local", port=80)
    api = [{"match": [{"uri": {"exact": "/api"}}, {"uri": {"prefix": "/api/"}}],
            "route": _to()}]
    static = [{"match": [{"uri": {"exact": "/static"}}, {"uri": {"prefix": "/static/"}}],
               "route": _to()}]
    every = [{"match": [{"uri": {"exact": "/api/x"}}, {"uri": {"prefix": "/api/x/"}}],
              "route": web}, {"route": web}]
    vs = {name: docs[("VirtualService", name)]["spec"]["http"]
          for name in ("a.example.com", "wildcard.example.com", "bp-istio")}
    assert vs == {"a.example.com": api + static + every[1:],
                  "wildcard.example.com": static + every, "bp-istio": every}


def test_verify_sees_a_missing_fallback_route(blueprint_file: Make) -> None:
    """The plan's table says a.example.com also routes every host's rows: a VirtualService
    without them (as netgen wrote it before) reads back short of the plan."""
    c = compiled(blueprint_file, """\
    mesh(ISTIO)
    expose("web", via=ISTIO, path="/")
    expose("api", via=ISTIO, host="a.example.com", path="/api")
    """)
    docs = documents(c)
    expected = routes.expected_route_table(c.plan)
    assert routes.RouteRow("ingress", "a.example.com", "Prefix", "/", (),
                           (("web.prod.svc.cluster.local", None, 100),)) in expected
    (mine,) = [d for d in docs if d["kind"] == "VirtualService"
               and d["metadata"]["name"] == "a.example.com"]
    assert mine["spec"]["http"].pop() == {"route": _to(host="web.prod.svc.cluster.local",
                                                        port=80)}
    assert routes.route_table(docs) != expected


def test_a_fallback_route_half_caught_by_an_own_exact_route(blueprint_file: Make) -> None:
    """Every host's Prefix /api with a header after a.example.com's Exact /api: its
    `exact: /api` match never fires (the Exact route takes every such request) and is left
    out; the `prefix: /api/` half alone still reads back as the planned Prefix /api, and no
    match is shadowed."""
    docs = _checked(blueprint_file, """\
    mesh(ISTIO)
    expose("web", via=ISTIO, path="/api", match=header("X-Track", "t"))
    expose("api", via=ISTIO, host="a.example.com", path="/api", path_type="Exact")
    """)
    assert docs[("VirtualService", "a.example.com")]["spec"]["http"] == [
        {"match": [{"uri": {"exact": "/api"}}], "route": _to()},
        {"match": [{"uri": {"prefix": "/api/"}, "headers": {"x-track": {"exact": "t"}}}],
         "route": _to(host="web.prod.svc.cluster.local", port=80)},
    ]
