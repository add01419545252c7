"""Read generated YAML back into route tables, independently of the lowering code.

Each parser knows only its controller's documented semantics (annotation JSON, canary
Ingresses, HTTPRoute rules, VirtualService matches), so comparing its table with the plan's
checks the backend. Tables: RouteKey -> {Service: percent}; L4 routes: port -> {Service:
percent}. A query parameter is the match `("?name", value)`, the methods one match
`(":method", "GET POST")` (any of them), as `netgen.plan.routes.route_key` writes them.
Also simple request simulators: which backends a request reaches, per controller; a request's
method and query parameters are given with its headers, as `:method` and `?name`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from netgen.plan.routes import RouteKey

Table = dict[RouteKey, dict[str, int]]
ALB = "alb.ingress.kubernetes.io/"
NGINX = "nginx.ingress.kubernetes.io/"
GATEWAY_GROUP = "gateway.networking.k8s.io/"
_META = ".^$*+?{}[]\\|()"


def _percent(weights: Mapping[str, int]) -> dict[str, int]:
    total = sum(weights.values())
    assert total > 0, weights
    out = {name: w * 100 // total for name, w in weights.items()}
    assert sum(out.values()) == 100, f"weights {weights} are not whole percentages"
    return out


def _prefix(path: str) -> str:
    return path.rstrip("/") or "/"


def _key(host: str | None, path: str, path_type: str,
         headers: Iterable[tuple[str, str]] = ()) -> RouteKey:
    if path_type == "Prefix":
        path = _prefix(path)
    return RouteKey(host, path, path_type, tuple(sorted((n.lower(), v) for n, v in headers)))


def without_zeros(table: Mapping[Any, Mapping[str, int]]) -> dict[Any, dict[str, int]]:
    """A backend with weight 0 gets no traffic; ingress-nginx cannot tell it apart."""
    return {k: {s: w for s, w in v.items() if w} for k, v in table.items()}


def _annotations(doc: dict[str, Any]) -> dict[str, str]:
    return doc["metadata"].get("annotations") or {}


def _ingress_paths(doc: dict[str, Any]) -> Iterable[tuple[str | None, dict[str, Any]]]:
    for rule in doc["spec"]["rules"]:
        for p in rule["http"]["paths"]:
            yield rule.get("host"), p


# --- ALB --------------------------------------------------------------------------------


def alb_rules(docs: Iterable[dict[str, Any]]) -> list[tuple[RouteKey, dict[str, int]]]:
    """Every ALB rule in the order the controller gives them priorities: group.order, then
    namespace/name, then (within an Ingress) Exact paths, then Prefix by length."""
    ingresses = [d for d in docs if d["kind"] == "Ingress"
                 and d["spec"].get("ingressClassName") == "alb"]
    for d in ingresses:
        assert "kubernetes.io/ingress.class" not in _annotations(d)

    def order(d: dict[str, Any]) -> tuple[int, str]:
        a = _annotations(d)
        return int(a.get(ALB + "group.order", "0")), f"{d['metadata']['namespace']}/" \
                                                      f"{d['metadata']['name']}"

    rules = []
    for d in sorted(ingresses, key=order):
        a = _annotations(d)
        paths = sorted(_ingress_paths(d), key=lambda hp: (
            {"Exact": 0, "Prefix": 1}.get(hp[1]["pathType"], 2),
            -len(hp[1]["path"]) if hp[1]["pathType"] == "Prefix" else 0))
        for host, p in paths:
            svc = p["backend"]["service"]
            name = svc["name"]
            if svc["port"].get("name") == "use-annotation":
                action = json.loads(a[f"{ALB}actions.{name}"])
                assert action["type"] == "forward"
                groups = action["forwardConfig"]["targetGroups"]
                if len(groups) > 1:
                    assert all("weight" in g for g in groups)
                weights = _percent({g["serviceName"]: g.get("weight", 1) for g in groups})
            else:
                weights = {name: 100}
            headers = [_alb_condition(c)
                       for c in json.loads(a.get(f"{ALB}conditions.{name}", "[]"))]
            rules.append((_key(host, p["path"], p["pathType"], headers), weights))
    return rules


def _alb_literal(text: str) -> str:
    return re.sub(r"\\([*?])", r"\1", text)


def _alb_condition(cond: dict[str, Any]) -> tuple[str, str]:
    """One ALB rule condition with one value (a header, a query parameter), or the
    methods, any of which holds."""
    field = cond["field"]
    if field == "http-request-method":
        return ":method", " ".join(sorted(cond["httpRequestMethodConfig"]["values"]))
    if field == "query-string":
        (pair,) = cond["queryStringConfig"]["values"]
        # a backslash makes ALB's wildcards literal; an unescaped one is no exact match
        assert not re.search(r"(?<!\\)[*?]", pair["key"] + pair["value"]), pair
        return "?" + _alb_literal(pair["key"]), _alb_literal(pair["value"])
    assert field == "http-header", field
    config = cond["httpHeaderConfig"]
    assert len(config["values"]) == 1
    return config["httpHeaderName"], config["values"][0]


def alb_table(docs: Iterable[dict[str, Any]]) -> Table:
    table: Table = {}
    for key, weights in alb_rules(docs):
        assert key not in table, f"two ALB rules for {key}"
        table[key] = weights
    return table


# --- ingress-nginx ------------------------------------------------------------------------


def _unescape(regex: str) -> str | None:
    out, i = "", 0
    while i < len(regex):
        if regex[i] == "\\" and i + 1 < len(regex) and regex[i + 1] in _META:
            out, i = out + regex[i + 1], i + 2
        elif regex[i] in _META:
            return None
        else:
            out, i = out + regex[i], i + 1
    return out


def nginx_path(path: str, path_type: str) -> tuple[str, str]:
    """ingress-nginx paths as a request sees them: a regex that only says "this prefix"
    (`/p(/|$)(.*)`, `/(.*)`) is that prefix."""
    if path_type != "ImplementationSpecific":
        return path, path_type
    if path == "/(.*)":
        return "/", "Prefix"
    m = re.fullmatch(r"(.*)\(/\|\$\)\(\.\*\)", path)
    literal = _unescape(m.group(1)) if m else None
    if literal and literal.startswith("/"):
        return literal, "Prefix"
    return path, "Regex"


def nginx_table(docs: Iterable[dict[str, Any]]) -> Table:
    ingresses = [d for d in docs if d["kind"] == "Ingress"
                 and d["spec"].get("ingressClassName") == "nginx"]
    mains: dict[tuple[str | None, str, str], str] = {}
    canaries: dict[tuple[str | None, str, str], tuple[str, dict[str, str]]] = {}
    for d in ingresses:
        a = _annotations(d)
        for k in a:
            assert not k.startswith(NGINX + "rate-limit"), k  # the seed's names do not exist
        for host, p in _ingress_paths(d):
            site = (host, p["path"], p["pathType"])
            service = p["backend"]["service"]["name"]
            if a.get(NGINX + "canary") == "true":
                assert site not in canaries, f"two canary Ingresses for {site}"
                canaries[site] = (service, a)
            else:
                assert site not in mains, f"two Ingresses for {site} (the webhook denies it)"
                mains[site] = service
    table: Table = {}
    for site, main in mains.items():
        host, raw_path, raw_type = site
        path, path_type = nginx_path(raw_path, raw_type)
        weights = {main: 100}
        if site in canaries:
            canary, a = canaries.pop(site)
            share = int(a.get(NGINX + "canary-weight", "0"))
            weights = {main: 100 - share, canary: share}
            if NGINX + "canary-by-header" in a and NGINX + "canary-by-header-value" in a:
                header = (a[NGINX + "canary-by-header"], a[NGINX + "canary-by-header-value"])
                table[_key(host, path, path_type, [header])] = {canary: 100}
            elif NGINX + "canary-by-header" in a:  # the header alone: `always` or `never`
                name = a[NGINX + "canary-by-header"]
                table[_key(host, path, path_type, [(name, "always")])] = {canary: 100}
                table[_key(host, path, path_type, [(name, "never")])] = {main: 100}
        table[_key(host, path, path_type)] = weights
    assert not canaries, f"canary Ingresses without a main Ingress: {sorted(canaries)}"
    return table


# --- Gateway API ----------------------------------------------------------------------------


def gateway_table(docs: Iterable[dict[str, Any]]) -> Table:
    table: Table = {}
    for d in docs:
        if d["kind"] not in ("HTTPRoute", "GRPCRoute"):
            continue
        if all(p.get("kind") == "Service" for p in d["spec"]["parentRefs"]):
            continue  # a mesh's route (GAMMA: calls inside the mesh), not an entry
        assert d["apiVersion"] == GATEWAY_GROUP + "v1"
        hostnames = d["spec"].get("hostnames") or [None]
        assert len(hostnames) == 1
        for rule in d["spec"]["rules"]:
            refs = rule.get("backendRefs")
            if not refs:
                kinds = [f["type"] for f in rule.get("filters", [])]
                assert kinds == ["RequestRedirect"], rule
                continue
            weights = _percent({r["name"]: r.get("weight", 1) for r in refs})
            matches = rule.get("matches") or [{}]
            m = {k: v for k, v in matches[0].items() if k != "method"}
            assert all({k: v for k, v in o.items() if k != "method"} == m for o in matches), \
                "one match per rule (path AND headers AND query), or one per method"
            methods = sorted(o["method"] for o in matches if "method" in o)
            assert len(methods) in (0, len(matches)), matches
            headers = [(h["name"], h["value"]) for h in m.get("headers", [])]
            assert all(h.get("type", "Exact") == "Exact" for h in m.get("headers", []))
            assert all(q.get("type", "Exact") == "Exact" for q in m.get("queryParams", []))
            headers += [("?" + q["name"], q["value"]) for q in m.get("queryParams", [])]
            headers += [(":method", " ".join(methods))] if methods else []
            path = m.get("path", {"type": "PathPrefix", "value": "/"})
            path_type = {"PathPrefix": "Prefix", "Exact": "Exact"}[path.get("type",
                                                                             "PathPrefix")]
            key = _key(hostnames[0], path.get("value", "/"), path_type, headers)
            assert key not in table, f"two Gateway API rules for {key}"
            table[key] = weights
    return table


# --- Istio -----------------------------------------------------------------------------------


def _istio_backends(route: list[dict[str, Any]]) -> dict[str, int]:
    """A destination is a Service's host and a subset, the version `<name>-<subset>`'s
    pods (the DestinationRule's subset selects the version label, as the version's
    Service does); no subset is the Service itself."""
    def name(d: dict[str, Any]) -> str:
        service = d["host"].split(".")[0]
        return f"{service}-{d['subset']}" if "subset" in d else service

    return _percent({name(r["destination"]): r.get("weight", 1) for r in route})


def _istio_match(m: dict[str, Any]) -> tuple[str, str, list[tuple[str, str]], str | None]:
    """(uri kind, uri, exact headers and query parameters, method) of one match."""
    assert set(m) <= {"uri", "headers", "queryParams", "method"}, m
    conditions = []
    for name, value in {**m.get("headers", {}), **{
            "?" + k: v for k, v in m.get("queryParams", {}).items()}}.items():
        assert list(value) == ["exact"], value
        conditions.append((name, value["exact"]))
    (kind, uri), = (m.get("uri") or {"prefix": "/"}).items()
    method = m.get("method")
    assert method is None or list(method) == ["exact"], method
    return kind, uri, conditions, method and method["exact"]


def istio_rules(docs: Iterable[dict[str, Any]]) -> dict[str, list[tuple[RouteKey, dict]]]:
    """Each ingress VirtualService's host -> its routes in Istio's order (the first that
    matches wins), as RouteKeys, one per match (a method is one `(":method", m)`, as
    `per_method` writes a plan's table): `prefix: /p/` with an `exact: /p` of the same
    conditions and destinations in its own entry is the segment-wise Prefix /p; one alone
    (its `exact: /p` half left out, as an earlier match catches it; or in the entry before,
    split by a rewrite) is read as Prefix /p where it stands, which the earlier exact takes
    first; `prefix: /` or no uri is every path."""
    out: dict[str, list[tuple[RouteKey, dict]]] = {}
    for d in docs:
        if d["kind"] != "VirtualService" or not d["spec"].get("gateways"):
            continue
        (host,) = d["spec"]["hosts"]
        key_host = None if host == "*" else host
        found = _istio_entries(d["spec"]["http"])
        halves = _prefix_halves(found)
        rows = out.setdefault(host, [])
        for i, (_, kind, uri, conditions, weights) in enumerate(found):
            if i in halves.values():
                continue  # the second half of the Prefix its exact half stands for
            if kind == "prefix" and uri != "/":
                rows.append((_key(key_host, uri[:-1], "Prefix", conditions), weights))
                continue
            assert kind in ("exact", "prefix"), f"{kind} {uri}"
            rows.append((_key(key_host, uri, "Prefix" if kind == "prefix" or i in halves
                              else "Exact", conditions), weights))
    return out


def _istio_entries(http: list[dict[str, Any]]) -> list[tuple[int, str, str, tuple, dict]]:
    """(entry, uri kind, uri, conditions with the method, destinations), match by match."""
    found = []
    for n, entry in enumerate(http):
        weights = _istio_backends(entry["route"])
        for m in entry.get("match") or [{}]:
            kind, uri, conditions, method = _istio_match(m)
            conditions += [(":method", method)] if method else []
            found.append((n, kind, uri, tuple(sorted(conditions)), weights))
    return found


def _prefix_halves(found: list[tuple[int, str, str, tuple, dict]]) -> dict[int, int]:
    """exact half -> its `prefix: /p/` half (indexes in `found`, the same entry); a
    `prefix: /p/` without one must have an `exact: /p` before it that catches its requests
    (no string prefixes are written)."""
    pairs: dict[int, int] = {}
    for j, (n, kind, uri, conditions, weights) in enumerate(found):
        if kind != "prefix" or uri == "/":
            continue
        assert uri.endswith("/"), f"a string prefix {uri}"
        same = [i for i, (m, k, u, c, w) in enumerate(found[:j])
                if (m, k, u, c, w) == (n, "exact", uri[:-1], conditions, weights)]
        if same:
            pairs[same[-1]] = j
            continue
        assert any(k == "exact" and u == uri[:-1] and set(c) <= set(conditions)
                   for _, k, u, c, _ in found[:j]), f"prefix {uri} without its exact half"
    return pairs


def per_method(table: Table) -> Table:
    """A route of several methods as one route per method (Istio has one match per
    method, and may leave out one an earlier route catches)."""
    out: Table = {}
    for key, weights in table.items():
        methods = dict(key.matches).get(":method")
        if methods is None:
            out[key] = weights
            continue
        rest = [m for m in key.matches if m[0] != ":method"]
        for method in methods.split():
            out[RouteKey(key.host, key.path, key.path_type,
                         tuple(sorted([*rest, (":method", method)])))] = weights
    return out


def istio_fallback(table: Table) -> Table:
    """The plan's table as Istio's ingress serves it, per method: each host also has the
    routes of the wildcards covering it and of every host (most specific first), less
    those its earlier routes leave no request to."""
    table = per_method(table)
    out = dict(table)
    hosts = {k.host for k in table}
    for host in hosts - {None}:
        earlier = [k for k in table if k.host == host]
        name = host[1:] if host.startswith("*.") else host
        wild = sorted((h for h in hosts if h and h != host and h.startswith("*.")
                       and name.endswith(h[1:])), key=len, reverse=True)
        for other in [*wild, None]:
            copies = [RouteKey(host, k.path, k.path_type, k.matches)
                      for k in table if k.host == other]
            live = [k for k in copies if not all(any(_catches(e, k, part) for e in earlier)
                                                 for part in _halves(k))]
            out.update((k, table[RouteKey(other, k.path, k.path_type, k.matches)])
                       for k in live)
            earlier += live
    return out


def _halves(key: RouteKey) -> list[tuple[str, str]]:
    """The uri matches a key is written as."""
    if key.path_type == "Exact":
        return [("exact", key.path)]
    return [("prefix", "/")] if key.path == "/" else [("exact", key.path),
                                                      ("prefix", key.path + "/")]


def _catches(earlier: RouteKey, key: RouteKey, part: tuple[str, str]) -> bool:
    """Every request of `key`'s match `part` takes `earlier` (a per-method key)."""
    if not set(earlier.matches) <= set(key.matches):
        return False
    if earlier.path_type == "Exact":
        return part == ("exact", earlier.path)
    uri = part[1]
    return earlier.path == "/" or uri == earlier.path or uri.startswith(earlier.path + "/")


def without_redundant_exact(table: Table) -> Table:
    """An Exact route whose path a Prefix route of the same conditions sends to the same
    place adds nothing: Istio is written without it (its first match wins, so one of the two
    `exact: /p` matches could never fire)."""
    return {k: w for k, w in table.items() if k.path_type != "Exact"
            or table.get(RouteKey(k.host, k.path, "Prefix", k.matches)) != w}


def istio_table(docs: Iterable[dict[str, Any]]) -> Table:
    """Per method; an Exact route that a Prefix route sends to the same place is one."""
    table: Table = {}
    for rules in istio_rules(docs).values():
        for key, weights in rules:
            assert key not in table, f"two Istio routes for {key}"
            table[key] = weights
    return without_redundant_exact(table)


def istio_pick(rules: list[tuple[RouteKey, dict[str, int]]], host: str, path: str,
               headers: Mapping[str, str]) -> dict[str, int] | None:
    """One VirtualService of the ingress gateway: its first route whose match holds."""
    return alb_pick(rules, host, path, headers)


def tcp_table(docs: Iterable[dict[str, Any]]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for d in docs:
        if d["kind"] != "TCPRoute":
            continue
        (rule,) = d["spec"]["rules"]
        weights = _percent({r["name"]: r.get("weight", 1) for r in rule["backendRefs"]})
        for parent in d["spec"]["parentRefs"]:
            out[int(parent["sectionName"].removeprefix("tcp-"))] = weights
    return out


def all_tables(docs: list[dict[str, Any]]) -> Table:
    merged: Table = {}
    for part in (alb_table(docs), nginx_table(docs), gateway_table(docs)):
        assert not set(part) & set(merged)
        merged.update(part)
    return merged


# --- requests -------------------------------------------------------------------------------


def host_matches(pattern: str | None, host: str) -> bool:
    if pattern is None:
        return True
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return pattern == host


def path_matches(path_type: str, pattern: str, path: str) -> bool:
    if path_type == "Exact":
        return path == pattern
    base = pattern.rstrip("/")
    return path == base or path.startswith(base + "/") or base == ""


def headers_match(key: RouteKey, headers: Mapping[str, str]) -> bool:
    """Every header and query parameter equal, and the method one of the key's."""
    lower = {k.lower(): v for k, v in headers.items()}
    return all(lower.get(name) in value.split() if name == ":method"
               else lower.get(name) == value for name, value in key.matches)


def matches(key: RouteKey, host: str, path: str, headers: Mapping[str, str]) -> bool:
    return (host_matches(key.host, host) and path_matches(key.path_type, key.path, path)
            and headers_match(key, headers))


def alb_pick(rules: list[tuple[RouteKey, dict[str, int]]], host: str, path: str,
             headers: Mapping[str, str]) -> dict[str, int] | None:
    """An ALB listener: the first rule (by priority) whose conditions all hold."""
    for key, weights in rules:
        if matches(key, host, path, headers):
            return weights
    return None
