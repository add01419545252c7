"""Read generated YAML back into route tables, independently of the lowering code.

Each parser knows only its controller's documented semantics (annotation JSON, canary
Ingresses, HTTPRoute rules), so comparing its table with the plan's checks the backend.
Tables: RouteKey -> {Service: percent}; L4 routes: port -> {Service: percent}.
Also simple request simulators: which backends a request reaches, per controller.
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
            headers = []
            for cond in json.loads(a.get(f"{ALB}conditions.{name}", "[]")):
                assert cond["field"] == "http-header"
                config = cond["httpHeaderConfig"]
                assert len(config["values"]) == 1
                headers.append((config["httpHeaderName"], config["values"][0]))
            rules.append((_key(host, p["path"], p["pathType"], headers), weights))
    return rules


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
            assert len(matches) == 1, "one match per rule: path AND headers"
            m = matches[0]
            headers = [(h["name"], h["value"]) for h in m.get("headers", [])]
            assert all(h.get("type", "Exact") == "Exact" for h in m.get("headers", []))
            path = m.get("path", {"type": "PathPrefix", "value": "/"})
            path_type = {"PathPrefix": "Prefix", "Exact": "Exact"}[path.get("type",
                                                                             "PathPrefix")]
            key = _key(hostnames[0], path.get("value", "/"), path_type, headers)
            assert key not in table, f"two Gateway API rules for {key}"
            table[key] = weights
    return table


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
    lower = {k.lower(): v for k, v in headers.items()}
    return all(lower.get(name) == value for name, value in key.matches)


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
