"""Property: for random `traffic(split=, routes=[mesh_route(...)])` declarations, under every
mesh target in the registry, the built YAML sends every probe request where the
declaration's documented meaning says.

The meaning is evaluated here from the declaration's values (first route whose conditions
all hold, else the split, else no route). Where the YAML sends a request is read per mesh:
Istio's VirtualService by tests/targets/istio/mesh_requests.py (Istio's first-match rules),
Linkerd's GAMMA HTTPRoutes through the target's own read-back (`MeshHooks.routes`, rows of
match and split), with every probe required to match at most one rule, so the order
Gateway API tries them in cannot matter. Neither shares anything with netgen's planning.
The build's own read-back comparison (`netgen verify`'s) must hold too, shadowing included: a
declaration with a route no call can reach is refused by the build (and then some route must
indeed be unreached by every probe). Under Istio a `via=ISTIO` exposure of the whole service
is drawn too: its VirtualService must send a request on the gateway's path where the split's
meaning says.

What a mesh cannot express is not drawn for it, for the reason its `MeshCase` gives.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from attrs import frozen
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from netgen.plan import Plan
from netgen.problems import ProblemError
from netgen.readback.mesh import verify_mesh
from netgen.targets.base import Backend
from netgen.targets.registry import REGISTRY
from tests.conftest import build, documents, write_blueprint
from tests.properties.strategies import mesh_targets
from tests.targets.istio.mesh_requests import Request, where_to

VERSIONS = ("v1", "v2", "v3")
PATHS = ("/", "/a", "/a/", "/ab", "/a/b", "/b")
VALUES = ("x", "xy", "yx")
HEADERS = ("x-a", "x-b")


@st.composite
def splits(draw: Any) -> dict[str, int]:
    chosen = draw(st.lists(st.sampled_from(VERSIONS), min_size=1, max_size=3, unique=True))
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=len(chosen) - 1,
                                max_size=len(chosen) - 1)))
    bounds = [0, *cuts, 100]
    return {v: bounds[i + 1] - bounds[i] for i, v in enumerate(chosen)}


@st.composite
def routes(draw: Any, invert: bool = True) -> dict[str, Any]:
    r: dict[str, Any] = {"split": draw(splits())}
    path = draw(st.sampled_from([None, "prefix", "exact", "regex"]))
    if path == "regex":
        r["regex"] = draw(st.sampled_from(["/a.*", "/[ab]", "/a/b"]))
    elif path is not None:
        r[path] = draw(st.sampled_from(PATHS))
    if draw(st.booleans()):
        r["method"] = draw(st.sampled_from(["GET", "POST"]))
    headers = []
    for name in draw(st.lists(st.sampled_from(HEADERS), max_size=2, unique=True)):
        kind = draw(st.sampled_from(["exact", "prefix", "suffix", "regex"]))
        value = draw(st.sampled_from(VALUES)) if kind != "regex" else "x.*"
        headers.append((name, kind, value, invert and draw(st.booleans())))
    r["headers"] = headers
    if draw(st.booleans()):
        r["query"] = {"q": draw(st.sampled_from(VALUES))}
    return r


Gateway = tuple[str, str] | None  # a via=ISTIO exposure of the whole service: (type, path)


def _source(kind: str, rs: list[dict[str, Any]], split: dict[str, int] | None,
            gateway: Gateway = None) -> str:
    calls = []
    for r in rs:
        args = [f"split={r['split']!r}"]
        for key in ("prefix", "exact", "regex", "method", "query"):
            if key in r:
                args.append(f"{key}={r[key]!r}")
        hs = [f"mesh_header({n!r}, {k}={v!r}, invert={inv})" for n, k, v, inv in r["headers"]]
        if hs:
            args.append(f"headers=[{', '.join(hs)}]")
        calls.append(f"mesh_route({', '.join(args)})")
    split_arg = f", split={split!r}" if split is not None else ""
    expose = "" if gateway is None else (f"expose('api', via=ISTIO, host='api.example.com', "
                                         f"path={gateway[1]!r}, path_type={gateway[0]!r})\n")
    return textwrap.dedent(f"""\
        from netgen import *
        env("prod", namespace="prod", isolation=STRICT)
        mesh({kind})
        service("web", port=80, image="web:1")
        service("api", port=8080, image="api:1", versions={list(VERSIONS)!r},
                app_protocol="http")
        calls("web", "api")
        traffic("api"{split_arg}, routes=[{', '.join(calls)}])
        """) + expose


def _header(kind: str, want: str, value: str | None) -> bool:
    if value is None:
        return False
    return {"exact": value == want, "prefix": value.startswith(want),
            "suffix": value.endswith(want),
            "regex": re.fullmatch(want, value) is not None}[kind]


def taken(rs: list[dict[str, Any]], r: Request) -> int | None:
    """The index of the first route whose conditions all hold for `r`."""
    for i, route in enumerate(rs):
        if "prefix" in route and not r.path.startswith(route["prefix"]):
            continue
        if "exact" in route and r.path != route["exact"]:
            continue
        if "regex" in route and re.fullmatch(route["regex"], r.path) is None:
            continue
        if "method" in route and r.method != route["method"]:
            continue
        if any(_header(k, v, r.headers.get(n)) == inv for n, k, v, inv in route["headers"]):
            continue
        if any(r.query.get(k) != v for k, v in route.get("query", {}).items()):
            continue
        return i
    return None


def meaning(rs: list[dict[str, Any]], split: dict[str, int] | None, r: Request
            ) -> dict[str, int] | None:
    i = taken(rs, r)
    if i is not None:
        return {v: w for v, w in rs[i]["split"].items() if w}
    return {v: w for v, w in split.items() if w} if split is not None else None


PROBES = [Request(p, m, {h: v for h, v in hs}, q)
          for p in PATHS for m in ("GET", "POST")
          for hs in ((), (("x-a", "xy"),), (("x-a", "yx"), ("x-b", "x")))
          for q in ({}, {"q": "xy"})]

Split = dict[str, int] | None


def istio_where_to(plan: Plan, docs: list[dict], r: Request) -> Split:
    (vs,) = [d for d in docs if d["kind"] == "VirtualService" and d["metadata"]["name"]
             == "api-mesh"]
    return where_to(vs, r)


def _holds(kind: str, want: str, value: str | None) -> bool:
    return value is not None and {"exact": value == want, "prefix": value.startswith(want),
                                  "regex": re.fullmatch(want, value) is not None}[kind]


def _row_matches(match: Any, r: Request) -> bool:
    path, headers, method, query = match
    return ((path is None or _holds(*path, r.path))
            and all(_holds(kind, want, r.headers.get(name)) for name, kind, want in headers)
            and (method is None or method == r.method)
            and all(r.query.get(k) == v for k, v in query))


def linkerd_where_to(plan: Plan, docs: list[dict], r: Request) -> Split:
    """The rows Linkerd's read-back finds in the HTTPRoutes: the one rule with matches that
    the request meets (two would leave the answer to Gateway API's precedence), else the
    rule without matches, else no route (Linkerd answers 404)."""
    assert plan.mesh is not None
    hooks = REGISTRY.mesh(plan.mesh.kind)
    assert hooks is not None and hooks.routes is not None
    rows, _ = hooks.routes(plan, docs)
    rows = [row for row in rows if row.service == "api"]
    hits = [row for row in rows if row.match is not None and _row_matches(row.match, r)]
    assert len(hits) <= 1, f"{r} matches {len(hits)} rules: {[str(h) for h in hits]}"
    rest = [row for row in rows if row.match is None]
    chosen = hits or rest
    return {v: w for v, w in chosen[0].split if w} if chosen else None


def through_gateway(gateway: tuple[str, str], rs: list[dict[str, Any]],
                    split: dict[str, int] | None, r: Request) -> Split:
    """The gateway route (a Prefix path matches whole segments), then the split's meaning."""
    kind, path = gateway
    if r.path != path and not (kind == "Prefix" and r.path.startswith(path + "/")):
        return None
    return meaning(rs, split, r)


def istio_gateway_where_to(docs: list[dict], r: Request) -> Split:
    (vs,) = [d for d in docs if d["kind"] == "VirtualService" and d["metadata"]["name"]
             == "api.example.com"]
    return where_to(vs, r)


GATEWAYS = st.none() | st.tuples(st.sampled_from(["Exact", "Prefix"]),
                                 st.sampled_from(["/a", "/ab", "/a/b"]))
# What Istio cannot say when a gateway route is combined with a mesh route (splits.py).
INEXPRESSIBLE = "which one Istio match cannot hold"


@frozen
class MeshCase:
    """What one mesh can express of the declarations drawn here, and its reader."""

    where_to: Callable[[Plan, list[dict], Request], Split]
    invert: bool = True  # matches a header's absence
    ordered: bool = True  # tries mesh_routes as written; else they must not overlap
    gateway: bool = False  # an ingress gateway that takes the service's split (via=ISTIO)


CASES = {
    "Istio": MeshCase(istio_where_to, gateway=True),
    # Gateway API cannot match a header's absence, and tries an HTTPRoute's rules most
    # specific first: two mesh_routes one call can match are an error (the build says so).
    "Linkerd": MeshCase(linkerd_where_to, invert=False, ordered=False),
}
OVERLAP = "can both match a call"  # Linkerd's error for overlapping mesh_routes
# The build's errors for a mesh_route an earlier one always catches, and for a split= behind
# a mesh_route without conditions (resolve/mesh_shadow.py).
UNREACHABLE = ("this mesh_route can never match", "split= is never used")


@pytest.mark.parametrize("mesh", [pytest.param(b, id=b.name) for b in mesh_targets()])
@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.filter_too_much])
@given(data=st.data(), split=st.none() | splits())
def test_the_mesh_means_what_the_declaration_says(
    tmp_path_factory: Any, mesh: Backend, data: st.DataObject, split: Split
) -> None:
    assert mesh.name in CASES, f"no request reader here for the mesh target {mesh.name}"
    assert mesh.mesh is not None
    case = CASES[mesh.name]
    rs = data.draw(st.lists(routes(case.invert), min_size=1, max_size=3), label="routes")
    gateway = data.draw(GATEWAYS if case.gateway else st.none(), label="gateway")
    folder: Path = tmp_path_factory.mktemp("split")
    path = write_blueprint(folder)(_source(mesh.mesh.kind.name, rs, split, gateway))
    try:
        (compiled,) = build(path)
    except ProblemError as e:
        expected = (*UNREACHABLE, INEXPRESSIBLE) if case.ordered else (*UNREACHABLE, OVERLAP)
        if not all(any(x in p.message for x in expected) for p in e.problems):
            raise
        if any(x in p.message for p in e.problems for x in UNREACHABLE):
            # Said unreachable: then no probe reaches some route (or the split).
            ways = len(rs) + (split is not None)
            assert len({taken(rs, probe) for probe in PROBES} - {None}) + (
                split is not None and any(taken(rs, p) is None for p in PROBES)) < ways, e
        reject()
    docs = documents(compiled)
    report = verify_mesh(compiled.plan, docs)
    # The plan asks for no unreachable route (the build refuses it), so the read-back finds
    # no shadowing either, and whatever else it reports is a real difference.
    assert report.ok, report.render()
    for probe in PROBES:
        assert case.where_to(compiled.plan, docs, probe) == meaning(rs, split, probe), probe
        if gateway is not None:
            assert (istio_gateway_where_to(docs, probe)
                    == through_gateway(gateway, rs, split, probe)), probe
