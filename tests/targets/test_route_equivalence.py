"""The backends agree with the plan: each backend's YAML, read back by an independent
parser, gives the plan's route table, for every example and for generated exposures (Istio's
ingress VirtualServices too, methods and query parameters included); and an ALB, and each
Istio VirtualService, evaluates its rules in the precedence Gateway API defines (of two that
rank alike, the first declared, as in one HTTPRoute)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from netgen import ALB, GATEWAY, ISTIO, NGINX
from netgen.plan.routes import http_weights, precedence, route_table
from netgen.problems import ProblemError
from tests.conftest import EXAMPLES, build, documents
from tests.targets import routeback

# Istio's VirtualServices are read back and compared in tests/targets/istio/test_istio_analysis.py.
READ_BACK = (ALB, NGINX, GATEWAY)


def plan_table(compiled, vias: tuple = READ_BACK) -> dict:  # type: ignore[no-untyped-def]
    return routeback.without_zeros(http_weights(route_table(compiled.plan, vias)))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_examples_read_back_to_the_plan_table(example: Path) -> None:
    for compiled in build(example):
        docs = documents(compiled)
        assert routeback.without_zeros(routeback.all_tables(docs)) == plan_table(compiled)
        tcp = {r.port: dict(r.backends) for r in route_table(compiled.plan)
               if r.via.name == "TCP"}
        assert routeback.tcp_table(docs) == tcp


def test_seed_canary_deployment_table() -> None:
    (compiled,) = build(Path("blueprints/canary_deployment.py"))
    table = routeback.gateway_table(documents(compiled))
    host = "myapp.example.com"
    assert table == {
        routeback._key(host, "/", "Prefix", [("X-User-Type", "beta")]): {"app-v2": 100},
        routeback._key(host, "/", "Prefix", [("X-Region", "us-west")]): {"app-west": 100},
        routeback._key(host, "/", "Prefix"): {"app-v1": 80, "app-v2": 20},
    }


def test_seed_nginx_canary_switch_table() -> None:
    """`header("X-Canary")` without a value, read back from the annotations as
    ingress-nginx documents `canary-by-header` alone: `always` to the canary, `never` to the
    stable version, any other value (or none) split by weight."""
    (compiled,) = build(Path("blueprints/nginx_canary.py"))
    table = routeback.nginx_table(documents(compiled))
    host = "myapp.example.com"
    assert table == {
        routeback._key(host, "/", "Prefix", [("X-Canary", "always")]): {"web-app-v2": 100},
        routeback._key(host, "/", "Prefix", [("X-Canary", "never")]): {"web-app-v1": 100},
        routeback._key(host, "/", "Prefix"): {"web-app-v1": 90, "web-app-v2": 10},
    }
    assert table == plan_table(compiled)


# --- generated exposures ------------------------------------------------------------------

HOSTS = ["a.example.com", "b.example.com", "*.example.com", None]
PATHS = ["/", "/api", "/api/v2", "/static", "/api-x"]
HEADERS = [("X-Version", "v2"), ("X-Region", "us-west"), ("X-User-Type", "beta")]
SERVICES = {"app": ("v1", "v2"), "svc-a": (), "svc-b": ()}
METHODS = ["GET", "POST", "DELETE"]
QUERY = [("v", "2"), ("debug", "1"), ("q", "a*?")]  # ALB: * and ? literal


@st.composite
def exposure(draw: st.DrawFn) -> dict:
    service = draw(st.sampled_from(sorted(SERVICES)))
    spec: dict = {
        "service": service,
        "host": draw(st.sampled_from(HOSTS)),
        "path": draw(st.sampled_from(PATHS)),
        "path_type": draw(st.sampled_from(["Prefix", "Prefix", "Exact"])),
        "match": draw(st.lists(st.sampled_from(HEADERS), max_size=2,
                               unique_by=lambda h: h[0])),
    }
    # an ALB rule holds 5 match values: the host, 2 path patterns (a Prefix, which
    # `exposures` may make it), then the rest
    room = 5 - 1 - 2 - len(spec["match"])
    spec["query"] = draw(st.lists(st.sampled_from(QUERY), max_size=min(room, 2),
                                  unique_by=lambda q: q[0]))
    spec["methods"] = draw(st.lists(st.sampled_from(METHODS),
                                    max_size=min(room - len(spec["query"]), 2), unique=True))
    if SERVICES[service]:
        choice = draw(st.sampled_from(["canary", "version", "none"]))
        if choice == "canary":
            spec["canary"] = draw(st.integers(0, 20)) * 5 / 100
        elif choice == "version":
            spec["version"] = draw(st.sampled_from(SERVICES[service]))
    return spec


def _keys(spec: dict) -> list[tuple]:
    """One per method: two routes of one method (`[GET]`, `[GET, POST]`) and otherwise the
    same match would be one row per method in a table read back, twice."""
    keys = []
    for method in spec["methods"] or [None]:
        base = (spec["host"], spec["path"], spec["path_type"], tuple(sorted(spec["query"])),
                method)
        key = (*base, tuple(sorted(spec["match"])))
        keys += [key, (*base, ())] if spec.get("canary") is not None and spec["match"] else [key]
    return keys


def source(specs: list[dict], via: str) -> str:
    lines = ["from netgen import *", 'blueprint("gen")', 'env("test", namespace="test")']
    lines += ["mesh(ISTIO)"] if via == "ISTIO" else []
    for name, versions in SERVICES.items():
        extra = f", versions={list(versions)!r}" if versions else ""
        lines.append(f'service({name!r}, port=80, target_port=8080, image="x:1"{extra})')
    for s in specs:
        args = [repr(s["service"]), f"via={via}", f"host={s['host']!r}", f"path={s['path']!r}",
                f"path_type={s['path_type']!r}"]
        if s["match"]:
            args.append("match=[" + ", ".join(f"header({n!r}, {v!r})" for n, v in s["match"])
                        + "]")
        if s["methods"]:
            args.append(f"methods={s['methods']!r}")
        if s["query"]:
            args.append(f"query={dict(s['query'])!r}")
        for opt in ("canary", "version"):
            if s.get(opt) is not None:
                args.append(f"{opt}={s[opt]!r}")
        lines.append(f"expose({', '.join(args)})")
    return "\n".join(lines) + "\n"


def distinct(specs: list[dict]) -> bool:
    keys = list(itertools.chain.from_iterable(_keys(s) for s in specs))
    return len(keys) == len(set(keys))


REQUEST_PATHS = ["/", "/api", "/api/", "/api/v2", "/api/v2/x", "/apix", "/static/a", "/api-x"]
REQUEST_HOSTS = ["a.example.com", "b.example.com", "c.example.com", "other.org"]
REQUEST_HEADERS = [{}, {"x-version": "v2"}, {"X-Region": "us-west"},
                   {"x-version": "v2", "x-user-type": "beta"}, {"X-User-Type": "beta"}]
REQUEST_METHODS = ["GET", "POST", "PUT"]
REQUEST_QUERIES = [{}, {"?v": "2"}, {"?v": "2", "?debug": "1"}, {"?debug": "1"}, {"?v": "3"},
                   {"?q": "a*?"}, {"?q": "abc"}]


def requests() -> Iterator[tuple[str, str, dict[str, str]]]:
    """(host, path, headers with the method and query parameters) of each request tried."""
    for host, p, headers, method, query in itertools.product(
            REQUEST_HOSTS, REQUEST_PATHS, REQUEST_HEADERS, REQUEST_METHODS, REQUEST_QUERIES):
        yield host, p, {**headers, ":method": method, **query}


def reference_pick(table: dict, host: str, path: str, headers: dict) -> dict | None:
    """Gateway API's precedence over the plan's table; of routes that rank alike (two
    header routes a request both matches), the first declared, which the table lists
    first (as Gateway API's rule order in one HTTPRoute decides)."""
    candidates = [k for k in table if routeback.matches(k, host, path, headers)]
    if not candidates:
        return None
    return table[min(candidates, key=precedence)]  # min keeps the first of equals


def _same_pick(got: dict | None, want: dict | None) -> bool:
    return (got and routeback.without_zeros({0: got})[0]) == want


def check_alb_order(docs: list[dict], expected: dict) -> None:
    """The ALB picks what Gateway API's precedence picks for every request tried."""
    rules = routeback.alb_rules(docs)
    for host, p, headers in requests():
        want = reference_pick(expected, host, p, headers)
        assert _same_pick(routeback.alb_pick(rules, host, p, headers), want), (host, p, headers)


def _virtual_host(hosts: Iterable[str], host: str) -> str | None:
    """The VirtualService Envoy serves a request's host from: its own host, else the
    longest wildcard suffix, else '*'."""
    if host in hosts:
        return host
    wild = [h for h in hosts if h.startswith("*.") and host.endswith(h[1:])]
    return max(wild, key=len) if wild else ("*" if "*" in hosts else None)


def check_istio_order(docs: list[dict], expected: dict) -> None:
    """The one VirtualService Envoy serves a request's host from (its own host's, else the
    longest wildcard's, else '*'; Envoy never falls back to another) picks, for every
    request tried, what Gateway API's precedence picks among every host's routes: Istio
    takes the first matching route, so this proves netgen's order (a route with methods or
    query parameters before the same path without them) and that a host's VirtualService
    carries the routes of the hosts covering it, after its own."""
    rules = routeback.istio_rules(docs)
    for host, p, headers in requests():
        want = reference_pick(expected, host, p, headers)
        served = _virtual_host(rules, host)
        got = None if served is None else routeback.istio_pick(rules[served], host, p, headers)
        assert _same_pick(got, want), (host, p, headers)


READERS = (("ALB", routeback.alb_table, check_alb_order),
           ("GATEWAY", routeback.gateway_table, None),
           ("NGINX", routeback.nginx_table, None),
           ("ISTIO", routeback.istio_table, check_istio_order))
# What a via cannot express among the generated exposures, each named in its error.
LIMITS = {
    "NGINX": ("via=NGINX): NGINX", "ingress-nginx", "canary Ingress",
              "like the route without match="),
    # the mesh's own split is per path, headers, methods and query, whatever the host
    "ISTIO": ("inside the mesh 'app' has one split for",),
}


def check_agreement(specs: list[dict], folder: Path) -> None:
    """ALB and GATEWAY express every generated set; ingress-nginx and Istio express it or
    name why; each backend's YAML reads back to the plan's table, and the ALB and each
    Istio VirtualService pick what Gateway API's precedence picks for every request tried."""
    assume(distinct(specs))
    tables = {}
    for via, parse, check_order in READERS:
        path = folder / f"{via.lower()}.py"
        path.write_text(source(specs, via))
        try:
            (compiled,) = build(path)
        except ProblemError as e:
            # Only ingress-nginx and Istio have limits these exposures can reach, named.
            assert via in LIMITS, str(e)
            event(f"{via} cannot express it")
            assert all(any(why in d.message for why in LIMITS[via]) for d in e.problems), str(e)
            continue
        docs = documents(compiled)
        expected = plan_table(compiled, (ISTIO,) if via == "ISTIO" else READ_BACK)
        tables[via] = routeback.without_zeros(parse(docs))
        served = _istio_served(expected) if via == "ISTIO" else expected
        assert tables[via] == served, via
        if check_order is not None:
            check_order(docs, expected)
    assert tables["ALB"] == tables["GATEWAY"]
    event(f"{len(tables['ALB'])} routes")
    if "NGINX" in tables:
        assert tables["NGINX"] == tables["GATEWAY"]
    if "ISTIO" in tables:
        assert tables["ISTIO"] == _istio_served(tables["GATEWAY"])


def _istio_served(table: dict) -> dict:
    """A plan's table as Istio's ingress VirtualServices read back: per method, each host
    with the routes of the hosts covering it."""
    return routeback.without_redundant_exact(routeback.istio_fallback(table))


@st.composite
def exposures(draw: st.DrawFn) -> list[dict]:
    """Exposures, half of them on the host and path of an earlier one (where the order of
    routes, by their headers, methods and query parameters, decides)."""
    specs = draw(st.lists(exposure(), min_size=1, max_size=6))
    for i, spec in enumerate(specs[1:], 1):
        if draw(st.booleans()):
            site = specs[draw(st.integers(0, i - 1))]
            spec.update(host=site["host"], path=site["path"], path_type=site["path_type"])
    return specs


GENERATED = exposures()
RELAXED = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


def _spec(service: str, host: str, path: str, path_type: str = "Prefix", **more: object
          ) -> dict:
    return {"service": service, "host": host, "path": path, "path_type": path_type,
            "match": [], "query": [], "methods": [], **more}


@settings(max_examples=60, deadline=None, suppress_health_check=RELAXED)
@given(specs=GENERATED)
# Istio: the route with a method, declared last, must still come first.
@example(specs=[_spec("svc-a", "a.example.com", "/"),
                _spec("svc-b", "a.example.com", "/", methods=["GET"]),
                _spec("app", "a.example.com", "/", query=[("v", "2")], canary=0.0)])
# ALB: `*` and `?` in a query value are escaped (they are its wildcards), so matched as written.
@example(specs=[_spec("svc-a", "a.example.com", "/", query=[("q", "a*?")])])
# Istio: an Exact and a Prefix of one path to one service, both `exact: /api` matches.
@example(specs=[_spec("svc-b", "b.example.com", "/api", methods=["GET"]),
                _spec("svc-b", "b.example.com", "/api", "Exact", methods=["GET"])])
# Istio: a request to a host its own routes leave falls back to the wildcard's, then every
# host's routes (Envoy serves a.example.com from its VirtualService only: they are copied).
@example(specs=[_spec("svc-a", None, "/"), _spec("svc-b", "*.example.com", "/static"),
                _spec("app", "a.example.com", "/api")])
# A tie (`/` with X-Version: v2 and X-User-Type: beta): the first declared answers on every
# via; the ALB's group.order says so, else the controller would take svc-a's Ingress first.
@example(specs=[_spec("svc-b", "a.example.com", "/", match=[HEADERS[0]]),
                _spec("svc-a", "a.example.com", "/", match=[HEADERS[2]])])
def test_backends_agree_on_generated_exposures(specs: list[dict], tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    check_agreement(specs, tmp_path_factory.mktemp("gen"))


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, suppress_health_check=RELAXED)
@given(specs=GENERATED)
def test_backends_agree_on_many_generated_exposures(specs: list[dict], tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    check_agreement(specs, tmp_path_factory.mktemp("gen"))


CANNOT = {  # example -> {backend: what it cannot express}
    "canary_deployment": {"NGINX": "one canary Ingress per host and path"},
    "alb_ingress": {"NGINX": "cannot configure load balancer health checks",
                    "GATEWAY": "cannot configure load balancer health checks"},
    "microservices": {"ALB": "ALB cannot rewrite paths"},
    "nginx_canary": {"ALB": "ALB cannot switch to the canary by a header's always/never",
                     "GATEWAY": "GATEWAY cannot switch to the canary by a header's always/never"},
}


@pytest.mark.parametrize("example", ["canary_deployment", "gateway_api", "alb_ingress",
                                     "nginx_canary", "microservices"])
def test_examples_on_every_backend(example: str, blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """Each example rebuilt for ALB, NGINX and GATEWAY (without its certificates): the same
    table wherever the controller can express it, a named error where it cannot."""
    text = (Path("blueprints") / f"{example}.py").read_text()
    text = text.replace("tls=acm(", "tls=None and acm(").replace(
        "tls=tls_secret(", "tls=None and tls_secret(")  # settings are checked by name now
    tables, failures = {}, {}
    for via in ("ALB", "NGINX", "GATEWAY"):
        source = text
        for other in ("via=ALB", "via=NGINX", "via=GATEWAY"):
            source = source.replace(other, f"via={via}")
        try:
            compiled = build(blueprint_file(source, name=f"{example}_{via.lower()}.py"))
        except ProblemError as e:
            failures[via] = {d.message for d in e.problems}
            continue
        for c in compiled:
            assert routeback.without_zeros(routeback.all_tables(documents(c))) == plan_table(c)
        tables[via] = [plan_table(c) for c in compiled]
    assert len({repr(t) for t in tables.values()}) == 1, tables
    expected = CANNOT.get(example, {})
    assert set(failures) == set(expected)
    for via, messages in failures.items():
        assert all(expected[via] in m for m in messages), messages
