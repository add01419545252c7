"""The route table that generated Istio YAML really implements, and the plan's own.

`route_table` reads VirtualServices only (never the blueprint): each match becomes a row
(scope, host, path, headers -> weighted subsets), with Istio's first-match-wins order
checked separately by `shadowed`, since a row an earlier one always catches never fires.
A segment-wise Prefix path is written for Istio as `exact: /p` plus `prefix: /p/`; reading
back, that pair is one Prefix row again, so both tables speak of the same paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from attrs import evolve, field, frozen

from netgen.plan import Plan, RoutePlan, ServicePlan
from netgen.plan.covers import covers
from netgen.plan.mesh import HttpMatch, TrafficPlan
from netgen.plan.through import uri_through
from netgen.targets.base import ReadbackError
from netgen.targets.istio.plan import (
    covering_hosts,
    headers_of,
    methods_of,
    normal_path,
    path_in_mesh,
    query_of,
)
from netgen.targets.istio.tokens import ISTIO

MESH, INGRESS = "mesh", "ingress"

Headers = tuple[tuple[str, str], ...]
Backends = tuple[tuple[str, str | None, int], ...]  # (host, subset, percent), sorted
Conditions = tuple[tuple[str, str], ...]  # method, other header / query matches, sorted
Key = tuple[str, str, Headers, Conditions]


def _backend_order(backends: Backends) -> tuple[tuple[str, str, float], ...]:
    """Two rows can differ by their backends alone (by method or query), and a subset is
    None for the whole service: sorted as ''."""
    return tuple((h, s or "", w) for h, s, w in backends)


@frozen(order=True)
class RouteRow:
    scope: str  # "mesh" (sidecars) or "ingress" (a Gateway)
    host: str
    path_type: str  # "Exact" | "Prefix" | "StringPrefix" (Envoy's) | "Regex"
    path: str  # "/" with Prefix: every path
    headers: Headers
    backends: Backends = field(order=_backend_order)
    conditions: Conditions = ()  # ("method", "GET"), ("header x", "regex .*"), ...

    def __str__(self) -> str:
        match = "".join(f" [{n}: {v}]" for n, v in (*self.headers, *self.conditions))
        to = ", ".join(f"{h}{'/' + s if s else ''} {w}%" for h, s, w in self.backends)
        return f"{self.scope:7} {self.host}{self.path} ({self.path_type}){match} -> {to}"


class RouteReadError(ReadbackError):
    """The YAML uses a routing feature this reader does not model."""


def _virtual_services(docs: Iterable[Mapping[str, Any] | None]) -> list[Mapping[str, Any]]:
    return [d for d in docs if d and d.get("kind") == "VirtualService"
            and str(d.get("apiVersion", "")).startswith("networking.istio.io/")]


def _percent(route: list[Mapping[str, Any]]) -> Backends:
    weights = [int(r.get("weight", 100 if len(route) == 1 else 0)) for r in route]
    total = sum(weights) or 1
    out = []
    for r, w in zip(route, weights, strict=True):
        d = r["destination"]
        share = w * 100 / total
        percent = int(share) if share == int(share) else round(share, 2)
        out.append((d["host"], d.get("subset"), percent))
    return tuple(sorted(out, key=lambda b: (b[0], b[1] or "", b[2])))  # type: ignore[arg-type]


def _match_key(m: Mapping[str, Any]) -> Key:
    unknown = set(m) - {"uri", "headers", "method", "withoutHeaders", "queryParams"}
    if unknown:
        raise RouteReadError(f"match fields {sorted(unknown)} are not modelled")
    headers: list[tuple[str, str]] = []
    conditions: list[tuple[str, str]] = []
    for name, value in (m.get("headers") or {}).items():
        (kind, text), = value.items()
        if kind == "exact":
            headers.append((name, text))
        elif kind in ("prefix", "regex"):
            conditions.append((f"header {name}", f"{kind} {text}"))
        else:
            raise RouteReadError(f"header {name}: {kind} matches are not modelled")
    for name, value in (m.get("withoutHeaders") or {}).items():
        (kind, text), = value.items()
        conditions.append((f"without header {name}", f"{kind} {text}"))
    for name, value in (m.get("queryParams") or {}).items():
        if set(value) != {"exact"}:
            raise RouteReadError(f"query parameter {name}: only exact matches are modelled")
        conditions.append((f"query {name}", value["exact"]))
    if "method" in m:
        (kind, text), = m["method"].items()
        conditions.append(("method", f"{kind} {text}"))
    uri = m.get("uri")
    if uri is None:
        return ("prefix", "/", tuple(sorted(headers)), tuple(sorted(conditions)))
    (kind, value), = uri.items()
    if kind not in ("exact", "prefix", "regex"):
        raise RouteReadError(f"uri {kind} matches are not modelled")
    return (kind, value, tuple(sorted(headers)), tuple(sorted(conditions)))


def _scopes(vs: Mapping[str, Any]) -> list[str]:
    gateways = vs.get("spec", {}).get("gateways") or ["mesh"]
    return sorted({MESH if g == "mesh" else INGRESS for g in gateways})


def route_table(docs: Iterable[Mapping[str, Any] | None]) -> list[RouteRow]:
    rows: set[RouteRow] = set()
    for vs in _virtual_services(docs):
        spec = vs.get("spec", {})
        if spec.get("tls"):
            raise RouteReadError("tls routes are not modelled")
        raw: list[tuple[Key, Backends]] = []
        for entry in spec.get("http", ()):
            backends = _percent(entry.get("route", ()))
            for m in entry.get("match") or [{}]:
                raw.append((_match_key(m), backends))
        for entry in spec.get("tcp", ()):
            raw.append((("prefix", "/", (), ()), _percent(entry.get("route", ()))))
        for scope in _scopes(vs):
            for host in spec.get("hosts", ()):
                rows.update(RouteRow(scope, host, *key) for key in _coalesce(raw))
    return sorted(rows)


def _coalesce(
    raw: list[tuple[Key, Backends]]
) -> Iterable[tuple[str, str, Headers, Backends, Conditions]]:
    """`exact: /p` + `prefix: /p/` with the same other conditions and backends is Prefix
    /p; a lone `prefix` not ending in '/' is Envoy's plain string prefix."""
    found = {(k, v, h, b, c) for (k, v, h, c), b in raw}
    used: set[tuple[str, str, Headers, Backends, Conditions]] = set()
    for item in sorted(found, key=_in_order):
        kind, value, headers, backends, conditions = item
        partner = ("prefix", value + "/", headers, backends, conditions)
        if kind == "exact" and partner in found:
            used.update((item, partner))
            yield ("Prefix", value, headers, backends, conditions)
    exact = {(v, h, c) for k, v, h, _, c in found if k == "exact"}
    for kind, value, headers, backends, conditions in sorted(found - used, key=_in_order):
        if kind == "prefix" and value != "/" and value.endswith("/") and any(
                v == value[:-1] and set(h) <= set(headers) and set(c) <= set(conditions)
                for v, h, c in exact):
            # Prefix /p whose `exact: /p` an Exact route elsewhere catches first
            yield ("Prefix", value[:-1], headers, backends, conditions)
            continue
        yield (_path_type(kind, value), value, headers, backends, conditions)


def _in_order(item: tuple[str, str, Headers, Backends, Conditions]) -> tuple[object, ...]:
    kind, value, headers, backends, conditions = item
    return kind, value, headers, _backend_order(backends), conditions


def _path_type(kind: str, value: str) -> str:
    if kind == "prefix":
        return "Prefix" if value.endswith("/") else "StringPrefix"
    return {"exact": "Exact", "regex": "Regex"}[kind]


def shadowed(docs: Iterable[Mapping[str, Any] | None]) -> list[str]:
    """Matches that can never fire because an earlier match of the same VirtualService
    catches every request they would (Istio evaluates matches in order)."""
    problems = []
    for vs in _virtual_services(docs):
        seen: list[Key] = []
        for entry in vs.get("spec", {}).get("http", ()):
            for m in entry.get("match") or [{}]:
                key = _match_key(m)
                for earlier in seen:
                    if _covers(earlier, key):
                        problems.append(f"VirtualService {vs['metadata']['name']}: {key} is "
                                        f"shadowed by {earlier}")
                        break
                seen.append(key)
    return problems


def _covers(a: Key, b: Key) -> bool:
    if not set(a[2]) <= set(b[2]) or not set(a[3]) <= set(b[3]):
        return False
    if a[0] == "exact":
        return b[0] == "exact" and a[1] == b[1]
    if a[0] == "regex" or b[0] == "regex":
        return a[0] == b[0] and a[1] == b[1]
    return b[1].startswith(a[1])


def expected_route_table(plan: Plan) -> list[RouteRow]:
    """What the plan says: every `via=ISTIO` route at the gateway (at its own host, and at
    each host it covers that its own routes leave requests to), and inside the mesh the
    splits the exposures of each versioned service ask for (at the path the service
    receives, after any rewrite), over a default to the whole service; services whose
    traffic policy adds a timeout or retries get that default row too."""
    if plan.mesh is None:
        return []
    services = {s.name: s for s in plan.services}
    rows: set[RouteRow] = set()

    def backends(r: RoutePlan) -> Backends:
        s = services[r.service]
        return tuple(sorted(((s.fqdn, b.version, b.weight) for b in r.backends),
                            key=lambda b: (b[0], b[1] or "", b[2])))

    splits = {t.service: t for t in plan.mesh.traffic if t.splits}
    for r in plan.routes:
        if r.via is not ISTIO:
            continue
        t = splits.get(r.service)
        for conditions in _conditions(r):
            row = RouteRow(INGRESS, r.host or "*", *normal_path(r.path_type, r.path),
                           headers_of(r), backends(r), conditions)
            if t is None or any(b.version for b in r.backends):
                rows.add(row)
            else:  # the gateway takes the service's in-mesh split
                rows.update(_through(row, _split_rows(services[r.service], t), r.rewrite))
    for name, t in splits.items():
        rows.update(_split_rows(services[name], t))
    timed = {t.service for t in plan.mesh.traffic if t.timeout or t.retries}
    asking: dict[str, list[RoutePlan]] = {}
    for r in plan.routes:
        if any(b.version for b in r.backends):
            asking.setdefault(r.service, []).append(r)
    for s in plan.services:
        if s.name in splits:
            continue
        split = {} if not s.versions else {
            (*path_in_mesh(r), headers_of(r), conditions): backends(r)
            for r in asking.get(s.name, ()) for conditions in _conditions(r)
        }
        if not split and s.name not in timed:
            continue
        split.setdefault(("Prefix", "/", (), ()), ((s.fqdn, None, 100),))
        rows.update(RouteRow(MESH, s.fqdn, *key[:3], b, key[3]) for key, b in split.items())
    rows |= _fallback_rows(rows)
    # at the gateway, an Exact row that a Prefix row of the same path sends to the same place
    # says nothing more (and the gateway's routes are written without it:
    # `without_dead_matches`)
    return sorted(r for r in rows if r.scope != INGRESS or r.path_type != "Exact"
                  or evolve(r, path_type="Prefix") not in rows)


def _fallback_rows(rows: set[RouteRow]) -> set[RouteRow]:
    """A host's requests its own gateway routes do not take go to the routes of the hosts
    covering it (its wildcard, then every host: `covering_hosts`), which its VirtualService
    repeats after its own; a repeated row whose matches all an earlier one catches never
    fires and is not written (`without_dead_matches`)."""
    by_host: dict[str, list[RouteRow]] = {}
    for r in rows:
        if r.scope == INGRESS:
            by_host.setdefault(r.host, []).append(r)
    out: set[RouteRow] = set()
    for host, own in by_host.items():
        earlier = [m for r in own for m in _matches(r)]
        for other in covering_hosts(host, by_host):
            kept = [(r, live) for r in by_host[other]
                    if (live := [m for m in _matches(r)
                                 if not any(covers(e, m) for e in earlier)])]
            out.update(evolve(r, host=host) for r, _ in kept)
            earlier += [m for _, live in kept for m in live]
    return out


def _matches(row: RouteRow) -> list[HttpMatch]:
    """The Istio matches a row is written as (a Prefix path is two)."""
    return [_as_match((*(uri if uri[0] is not None else ("prefix", "/")), row.headers,
                       row.conditions)) for uri in _raw_uris(row)]


def _conditions(r: RoutePlan) -> list[Conditions]:
    """An exposure's query parameters and methods as the read-back's conditions: one set
    per method, as Istio has one match per method."""
    query = [(f"query {n}", v) for n, v in query_of(r)]
    return [tuple(sorted([*query, *([("method", f"exact {m}")] if m else [])]))
            for m in methods_of(r) or (None,)]


def _split_rows(s: ServicePlan, t: TrafficPlan) -> list[RouteRow]:
    """`traffic(split=, routes=)`: one row per route (first match wins, so the read-back's
    shadow check covers the order), and the split for every other request. A version at 0%
    is a row's destination too: the VirtualService names it (with weight 0), as it does an
    exposure's canary at 0%."""
    def to(split: tuple[tuple[str, int], ...]) -> Backends:
        return tuple(sorted(((s.fqdn, v, w) for v, w in split),
                            key=lambda b: (b[0], b[1] or "", b[2])))

    out = []
    for r in t.routes:
        m = r.match
        kind, path = ("Prefix", "/") if m.uri_kind is None else (
            _path_type(m.uri_kind, m.uri or ""), m.uri or "")
        conditions = [(f"header {n}", f"{k} {v}") for n, k, v in m.rules]
        conditions += [(f"without header {n}", f"{k} {v}") for n, k, v in m.without]
        conditions += [(f"query {n}", v) for n, v in m.query]
        if m.method:
            conditions.append(("method", f"exact {m.method}"))
        out.append(RouteRow(MESH, s.fqdn, kind, path, m.headers, to(r.split),
                            tuple(sorted(conditions))))
    if t.split is not None:
        out.append(RouteRow(MESH, s.fqdn, "Prefix", "/", (), to(t.split)))
    return out


def _through(gateway: RouteRow, splits: list[RouteRow], rewrite: str | None = None
             ) -> list[RouteRow]:
    """A gateway row to the whole service, with the conditions of each of its mesh rows in
    order: the pairs of path conditions both can hold, as Istio reads them back, less those
    an earlier pair catches every call of (Istio's routes leave them out). A mesh row's
    path is the path the service receives, after the exposure's `rewrite` (`uri_through`)."""
    exact = dict(gateway.headers)
    asked = dict(gateway.conditions)
    raw: list[tuple[Key, Backends]] = []
    earlier: list[HttpMatch] = []
    for split in splits:
        if any(exact.get(n, v) != v for n, v in split.headers):
            continue  # one header cannot equal two values
        if any(asked.get(n, v) != v for n, v in split.conditions
               if n == "method" or n.startswith("query ")):
            continue  # one method, one query parameter cannot be two values
        headers = tuple(sorted({*gateway.headers, *split.headers}))
        conditions = tuple(sorted({*gateway.conditions, *split.conditions}))
        for g, to in _gateway_uris(gateway, rewrite):
            for m in _raw_uris(split):
                through = uri_through(g, to, m)
                if isinstance(through, tuple):
                    both = through[0]
                    key = (*(both if both[0] is not None else ("prefix", "/")),
                           headers, conditions)
                    match = _as_match(key)
                    if not any(covers(e, match) for e in earlier):
                        raw.append((key, split.backends))
                    earlier.append(match)
    return [RouteRow(INGRESS, gateway.host, *row[:4], row[4]) for row in _coalesce(raw)]


def _as_match(key: Key) -> HttpMatch:
    """A read-back match key as the plan's HttpMatch, to judge which one catches which."""
    kind, path, headers, conditions = key
    rules, without, query, method = [], [], [], None
    for name, value in conditions:
        what, _, text = value.partition(" ")
        if name == "method":
            method = text
        elif name.startswith("header "):
            rules.append((name.removeprefix("header "), what, text))
        elif name.startswith("without header "):
            without.append((name.removeprefix("without header "), what, text))
        else:
            query.append((name.removeprefix("query "), value))
    uri_kind, uri = (None, None) if (kind, path) == ("prefix", "/") else (kind, path)
    return HttpMatch(uri_kind, uri, headers, method, tuple(sorted(rules)),
                     tuple(sorted(without)), tuple(sorted(query)))


def _gateway_uris(row: RouteRow, rewrite: str | None
                  ) -> list[tuple[tuple[str | None, str | None], str | None]]:
    """The gateway's uri matches of an exposure's row, each with the path (prefix) it is
    rewritten to: an exact path to `rewrite`, the prefix below a path to `rewrite/`."""
    if rewrite is None:
        return [(uri, None) for uri in _raw_uris(row)]
    below = rewrite.rstrip("/") + "/"
    if row.path_type == "Exact":
        return [(("exact", row.path), rewrite)]
    if row.path == "/":
        return [(("prefix", "/"), below)]
    return [(("exact", row.path), rewrite), (("prefix", row.path + "/"), below)]


def _raw_uris(row: RouteRow) -> list[tuple[str | None, str | None]]:
    if row.path_type == "Prefix" and row.path == "/":
        return [(None, None)]
    if row.path_type == "Prefix" and not row.path.endswith("/"):
        return [("exact", row.path), ("prefix", row.path + "/")]
    kind = {"Exact": "exact", "Regex": "regex"}.get(row.path_type, "prefix")
    return [(kind, row.path)]


def gateway_problems(docs: Iterable[Mapping[str, Any] | None]) -> list[str]:
    """Every VirtualService bound to a Gateway must name one that exists and serves its hosts."""
    docs = [d for d in docs if d]
    gateways = {
        (d["metadata"].get("namespace"), d["metadata"]["name"]): d
        for d in docs if d.get("kind") == "Gateway"
        and str(d.get("apiVersion", "")).startswith("networking.istio.io/")
    }
    problems = []
    for vs in _virtual_services(docs):
        ns = vs["metadata"].get("namespace")
        for ref in vs.get("spec", {}).get("gateways", ()):
            if ref == "mesh":
                continue
            gw_ns, _, gw_name = ref.rpartition("/")
            gw = gateways.get((gw_ns or ns, gw_name))
            if gw is None:
                problems.append(f"VirtualService {vs['metadata']['name']}: no Gateway {ref}")
                continue
            served = {h for s in gw["spec"].get("servers", ()) for h in s.get("hosts", ())}
            for host in vs["spec"].get("hosts", ()):
                if host not in served and "*" not in served:
                    problems.append(f"VirtualService {vs['metadata']['name']}: Gateway {ref} "
                                    f"does not serve {host}")
    return problems
