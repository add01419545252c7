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
    matches wins), as RouteKeys: an entry's matches (OR'ed) that differ only by method are
    one key with those methods; `prefix: /p/` with an `exact: /p` of the same conditions,
    methods and destinations (in its own entry, else the nearest earlier one: a rewrite
    splits the two) is the segment-wise Prefix /p; `prefix: /` or no uri is every path."""
    out: dict[str, list[tuple[RouteKey, dict]]] = {}
    for d in docs:
        if d["kind"] != "VirtualService" or not d["spec"].get("gateways"):
            continue
        (host,) = d["spec"]["hosts"]
        found = _istio_entries(d["spec"]["http"])
        halves, lone = _prefix_halves(found)
        rows = out.setdefault(host, [])
        for i, (_, kind, uri, conditions, methods, weights) in enumerate(found):
            if i in halves.values():
                continue  # the second half of the Prefix its exact half stands for
            matches = [*conditions, *([(":method", methods)] if methods else [])]
            if i in lone:  # a Prefix whose `exact: /p` an earlier Exact route takes
                rows.append((_key(None if host == "*" else host, uri[:-1], "Prefix",
                                  matches), weights))
                continue
            assert kind in ("exact", "prefix") and (kind == "exact" or uri == "/"), \
                f"{kind} {uri}"
            rows.append((_key(None if host == "*" else host, uri,
                              "Prefix" if kind == "prefix" or i in halves else "Exact",
                              matches), weights))
    return out


def _istio_entries(http: list[dict[str, Any]]) -> list[tuple[int, str, str, tuple, str, dict]]:
    """(entry, uri kind, uri, conditions, methods, destinations) in order, an entry's
    matches that differ only by method as one."""
    found = []
    for n, entry in enumerate(http):
        weights = _istio_backends(entry["route"])
        methods: dict[tuple[str, str, tuple], list[str]] = {}
        for m in entry.get("match") or [{}]:
            kind, uri, conditions, method = _istio_match(m)
            methods.setdefault((kind, uri, tuple(sorted(conditions))), []).append(method or "")
        for (kind, uri, conditions), these in methods.items():
            assert all(these) or these == [""], these
            found.append((n, kind, uri, conditions, " ".join(sorted(these)), weights))
    return found


def _prefix_halves(found: list[tuple[int, str, str, tuple, str, dict]]
                   ) -> tuple[dict[int, int], set[int]]:
    """exact half -> its `prefix: /p/` half (indexes in `found`), and the `prefix: /p/`
    halves standing alone: an earlier route (an Exact exposure elsewhere) sends `exact: /p`
    to other destinations first, so the Prefix's own exact half would never fire."""
    pairs: dict[int, int] = {}
    lone: set[int] = set()
    for j, (n, kind, uri, conditions, methods, weights) in enumerate(found):
        if kind != "prefix" or uri == "/":
            continue
        assert uri.endswith("/"), f"a string prefix {uri}"
        exacts = [i for i, (m, k, u, c, ms, w) in enumerate(found[:j])
                  if (k, u, c, ms, w) == ("exact", uri[:-1], conditions, methods, weights)
                  and i not in pairs]
        if not exacts:
            assert any((k, u, c, ms) == ("exact", uri[:-1], conditions, methods)
                       for _, k, u, c, ms, _ in found[:j]), f"prefix {uri} without its exact half"
            lone.add(j)
            continue
        same = [i for i in exacts if found[i][0] == n]
        pairs[(same or exacts)[-1]] = j
    return pairs, lone


def without_redundant_exact(table: Table) -> Table:
    """An Exact route whose path a Prefix route of the same conditions sends to the same
    place adds nothing: Istio is written without it (its first match wins, so one of the two
    `exact: /p` matches could never fire)."""
    return {k: w for k, w in table.items() if k.path_type != "Exact"
            or table.get(RouteKey(k.host, k.path, "Prefix", k.matches)) != w}


def istio_table(docs: Iterable[dict[str, Any]]) -> Table:
    table: Table = {}
    for rules in istio_rules(docs).values():
        for key, weights in rules:
            assert key not in table, f"two Istio routes for {key}"
            table[key] = weights
    return table


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
