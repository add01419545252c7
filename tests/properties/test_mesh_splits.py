"""Property: for random `traffic(split=, routes=[mesh_route(...)])` declarations, the built
VirtualService sends every probe request where the declaration's documented meaning says.

The meaning is evaluated here from the declaration's values (first route whose conditions
all hold, else the split, else no route), the YAML is read by tests/mesh_requests.py; the
two share nothing with netgen's planning or lowering.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import build, documents, write_blueprint
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
def routes(draw: Any) -> dict[str, Any]:
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
        headers.append((name, kind, value, draw(st.booleans())))
    r["headers"] = headers
    if draw(st.booleans()):
        r["query"] = {"q": draw(st.sampled_from(VALUES))}
    return r


def _source(rs: list[dict[str, Any]], split: dict[str, int] | None) -> str:
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
    return textwrap.dedent(f"""\
        from netgen import *
        env("prod", namespace="prod", isolation=STRICT)
        mesh(ISTIO)
        service("web", port=80, image="web:1")
        service("api", port=8080, image="api:1", versions={list(VERSIONS)!r})
        calls("web", "api")
        traffic("api"{split_arg}, routes=[{', '.join(calls)}])
        """)


def _header(kind: str, want: str, value: str | None) -> bool:
    if value is None:
        return False
    return {"exact": value == want, "prefix": value.startswith(want),
            "suffix": value.endswith(want),
            "regex": re.fullmatch(want, value) is not None}[kind]


def meaning(rs: list[dict[str, Any]], split: dict[str, int] | None, r: Request
            ) -> dict[str, int] | None:
    for route in rs:
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
        return {v: w for v, w in route["split"].items() if w}
    return {v: w for v, w in split.items() if w} if split is not None else None


PROBES = [Request(p, m, {h: v for h, v in hs}, q)
          for p in PATHS for m in ("GET", "POST")
          for hs in ((), (("x-a", "xy"),), (("x-a", "yx"), ("x-b", "x")))
          for q in ({}, {"q": "xy"})]


@settings(max_examples=40, deadline=None, database=None)
@given(rs=st.lists(routes(), min_size=1, max_size=3), split=st.none() | splits())
def test_the_virtual_service_means_what_the_declaration_says(
    tmp_path_factory: Any, rs: list[dict[str, Any]], split: dict[str, int] | None
) -> None:
    folder: Path = tmp_path_factory.mktemp("split")
    path = write_blueprint(folder)(_source(rs, split))
    docs = {(d["kind"], d["metadata"]["name"]): d for d in documents(build(path)[0])}
    vs = docs[("VirtualService", "api-mesh")]
    for probe in PROBES:
        assert where_to(vs, probe) == meaning(rs, split, probe), probe
