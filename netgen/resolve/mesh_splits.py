"""In-mesh traffic splits: `traffic(service, split={...}, routes=[mesh_route(...)])`.

A split decides which versions the mesh's own callers reach, independent of any exposure,
as App Mesh's virtual routers do. It is checked here in three steps: the declaration on its
own (weights, matches, durations) and against the environment's service (its versions, its
protocol). The result is `MeshRoutePlan`s in the neutral TrafficPlan, which each mesh target
turns into its own routes (Istio: targets/istio/splits.py; Linkerd: HTTPRoutes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from netgen.model import HeaderMatch, MeshHeader, MeshRoute, Retries, Traffic
from netgen.plan import ServicePlan
from netgen.plan.mesh import HttpMatch, MeshRoutePlan, RetryPlan, is_grpc
from netgen.problems import Collector
from netgen.resolve import mesh_shadow
from netgen.values import fullmatch

METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")
HEADER_KINDS = ("exact", "prefix", "suffix", "regex")
_HEADER_NAME = fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")

Split = tuple[tuple[str, int], ...]


def says_something(t: Traffic) -> bool:
    return t.split is not None or bool(t.routes)


def declaration_problems(t: Traffic, duration: Any, retry_problems: Any) -> list[str]:
    """What is wrong with `split=` and `routes=` on their own. `duration` and
    `retry_problems` are mesh_checks' checks, passed in so both read the same rules."""
    out: list[str] = []
    if t.split is not None:
        out += [f"split={p}" for p in _split_problems(t.split)]
    routes = t.routes
    if isinstance(routes, str | bytes) or not isinstance(routes, tuple):
        return [*out, f"routes={routes!r} must be a list of mesh_route(...)"]
    for i, r in enumerate(routes):
        if not isinstance(r, MeshRoute):
            out.append(f"routes[{i}]={r!r} must be mesh_route(...)")
            continue
        where = f"mesh_route at {r.loc}"
        out += [f"{where}: split={p}" for p in _split_problems(r.split)]
        out += [f"{where}: {p}" for p in _match_problems(r)]
        if r.timeout is not None:
            problem = duration(r.timeout, "timeout")
            if problem:
                out.append(f"{where}: {problem}")
        if r.retries is not None:
            out += [f"{where}: {p}" for p in retry_problems(r.retries) if p]
    return out


def _split_problems(split: Any) -> list[str]:
    if not isinstance(split, Mapping) or not split:
        return [f"{split!r} must map versions to percentages, e.g. {{'v1': 90, 'v2': 10}}"]
    out = []
    for version, weight in split.items():
        if not isinstance(version, str):
            out.append(f"{split!r}: version {version!r} must be a version name")
        if type(weight) is not int or not 0 <= weight <= 100:
            out.append(f"{split!r}: the weight of {version!r} must be a whole percentage "
                       "from 0 to 100")
    if not out and sum(split.values()) != 100:
        out.append(f"{split!r}: the weights add up to {sum(split.values())}, not 100")
    return out


def _match_problems(r: MeshRoute) -> list[str]:
    out = []
    paths = [(k, v) for k, v in (("prefix", r.prefix), ("exact", r.exact), ("regex", r.regex))
             if v is not None]
    if len(paths) > 1:
        given = ", ".join(k for k, _ in paths)
        out.append(f"give at most one of prefix=, exact=, regex= (got {given})")
    for kind, value in paths:
        if not isinstance(value, str):
            out.append(f"{kind}={value!r} must be a string")
        elif kind == "regex":
            out += [f"regex={value!r}: {p}" for p in [_regex(value)] if p]
        elif not value.startswith("/"):
            out.append(f"{kind}={value!r} must start with '/'")
    if r.method is not None and r.method not in METHODS:
        out.append(f"method={r.method!r} must be one of {', '.join(METHODS)}")
    headers = r.headers
    if isinstance(headers, str | bytes) or not isinstance(headers, tuple):
        out.append(f"headers={headers!r} must be header(...) or mesh_header(...) conditions")
    else:
        for h in headers:
            out += _header_problems(h)
        names = [h.name.lower() for h in headers
                 if isinstance(h, HeaderMatch | MeshHeader) and isinstance(h.name, str)]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            out.append(f"header {twice[0]!r} is matched twice; a mesh takes one condition "
                       "per header (use one mesh_header(regex=...))")
    if r.query is not None and (not isinstance(r.query, Mapping) or not all(
            isinstance(k, str) and k and isinstance(v, str) for k, v in r.query.items())):
        out.append(f"query={r.query!r} must map parameter names to exact values")
    return out


def _header_problems(h: Any) -> list[str]:
    if isinstance(h, HeaderMatch) and h.value is None:
        return [f"header({h.name!r}) without a value is ingress-nginx's canary switch; a mesh "
                "split matches a value: header(name, value) or mesh_header(...)"]
    if isinstance(h, HeaderMatch):
        h = MeshHeader(h.name, h.value)
    if not isinstance(h, MeshHeader):
        return [f"headers: {h!r} must be header(...) or mesh_header(...)"]
    out = []
    if not isinstance(h.name, str) or not _HEADER_NAME(h.name):
        out.append(f"header name {h.name!r} is not a valid HTTP header name")
    if h.kind not in HEADER_KINDS or not isinstance(h.value, str):
        out.append(f"mesh_header({h.name!r}) needs exactly one of exact=, prefix=, suffix=, "
                   "regex= (a string)")
    elif h.kind == "regex":
        out += [f"mesh_header({h.name!r}) regex={h.value!r}: {p}" for p in [_regex(h.value)] if p]
    elif h.kind != "exact" and not h.value:
        out.append(f"mesh_header({h.name!r}): {h.kind}= must not be empty")
    if not isinstance(h.invert, bool):
        out.append(f"mesh_header({h.name!r}): invert={h.invert!r} must be True or False")
    return out


def _regex(value: str) -> str | None:
    try:
        re.compile(value)
    except re.error as exc:
        return f"not a regular expression ({exc})"
    return None


# --- against the service --------------------------------------------------------------------


def plan_split(
    t: Traffic, s: ServicePlan, http: bool, c: Collector, mesh: str
) -> tuple[Split | None, tuple[MeshRoutePlan, ...]]:
    """The split and routes of a checked declaration, every version checked against the
    service; routes with matches need an HTTP port (to `mesh`, the chosen mesh's target)."""
    d = f"traffic({s.name!r})"
    versions = [v.name for v in s.versions]

    def checked(split: Mapping[str, int], loc: Any, what: str) -> Split:
        for version in split:
            if version not in versions:
                known = (f"its versions are {', '.join(versions)}" if versions
                         else f"'{s.name}' has no versions (service(..., versions=[...]))")
                c.error(loc, f"{d}: {what} names version {version!r}, but {known}")
        return tuple((v, w) for v, w in split.items())

    split = checked(t.split, t.loc, "split") if t.split is not None else None
    routes = []
    for r in t.routes:
        match = _match(r)
        if not http and match != HttpMatch(None, None, ()):
            c.error(r.loc, f"{d}: mesh_route matches need an HTTP port, but '{s.name}' port "
                           f"'{s.port.name}' is not HTTP to {mesh} (name it 'http' or set "
                           "app_protocol='http')")
        for problem in _grpc_problems(r, s):
            c.error(r.loc, f"{d}: {problem}")
        retries = r.retries if isinstance(r.retries, Retries) else None
        routes.append(MeshRoutePlan(
            match=match, split=checked(r.split, r.loc, "mesh_route split"),
            timeout=r.timeout,
            retries=RetryPlan(retries.attempts, retries.per_try, retries.on) if retries else None,
            loc=r.loc))
    if not http and len(routes) > 1:
        c.error(t.loc, f"{d}: '{s.name}' is not HTTP, so calls cannot be told apart: give one "
                       "split")
    for loc, message in mesh_shadow.unreachable(t.loc, split is not None, tuple(routes), d):
        c.error(loc, message)
    return split, tuple(routes)


def _grpc_problems(r: MeshRoute, s: ServicePlan) -> Iterator[str]:
    """A condition no gRPC call meets (or every one does), refused as an exposure's is."""
    if not is_grpc(s):
        return
    if r.method is not None:
        yield (f"'{s.name}' speaks gRPC, whose calls are all POSTs: mesh_route "
               f"method={r.method!r} selects all or none of them; drop method=")
    if r.query:
        yield (f"'{s.name}' speaks gRPC, whose calls carry no query string: mesh_route "
               f"query={dict(r.query)!r} matches none of them; drop query=")


def _match(r: MeshRoute) -> HttpMatch:
    kind, uri = next(((k, v) for k, v in (("prefix", r.prefix), ("exact", r.exact),
                                          ("regex", r.regex)) if v is not None), (None, None))
    if kind == "prefix" and uri == "/":
        kind, uri = None, None  # every path
    exact, rules, without = [], [], []
    for h in r.headers:
        if isinstance(h, HeaderMatch):
            h = MeshHeader(h.name, h.value)
        name = h.name.lower()
        hkind, value = h.kind, h.value
        if hkind == "suffix":
            hkind, value = "regex", ".*" + re.escape(value)
        if h.invert:
            without.append((name, hkind, value))
        elif hkind == "exact":
            exact.append((name, value))
        else:
            rules.append((name, hkind, value))
    return HttpMatch(kind, uri, tuple(sorted(exact)), r.method, tuple(sorted(rules)),
                     tuple(sorted(without)), tuple(sorted((r.query or {}).items())))
