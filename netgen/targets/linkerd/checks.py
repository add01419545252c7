"""What `mesh(LINKERD)` cannot express, said at the declaration that asks for it (resolve
checked the values themselves, and that an exposure through another mesh's gateway needs
that mesh)."""

from __future__ import annotations

from collections.abc import Iterator

from netgen.model import SourceLoc
from netgen.plan import Plan
from netgen.plan.mesh import HttpMatch, TrafficPlan, is_http
from netgen.targets.httproute import (
    MAX_BACKEND_REFS,
    MAX_HEADERS,
    MAX_PATH,
    MAX_QUERY,
    MAX_RULES,
    match_problems,
)
from netgen.targets.linkerd.matches import match
from netgen.values import dns1123, fullmatch

# traffic() options Linkerd has no equivalent for: it balances by latency (EWMA), has no
# connection pools and no outlier ejection (its failure accrual is not configured per route).
UNSUPPORTED = (("lb", "lb="), ("max_connections", "max_connections="),
               ("connect_timeout", "connect_timeout="), ("http1_max_pending", "http1_max_pending="),
               ("http2_max_requests", "http2_max_requests="),
               ("max_requests_per_connection", "max_requests_per_connection="),
               ("consecutive_5xx", "outlier="), ("consecutive_gateway_errors", "outlier="))
# retry.linkerd.io/http: statuses (`5xx`, `gateway-error`, a code or a range of codes).
_RETRY_ON = fullmatch(r"5xx|gateway-error|[1-5]\d\d(-[1-5]\d\d)?")
# Gateway API's HTTPRoute timeouts (per rule): whole numbers with h, m, s or ms.
_ROUTE_TIMEOUT = fullmatch(r"([0-9]{1,5}(h|m|s|ms)){1,4}")



def problems(plan: Plan) -> Iterator[tuple[SourceLoc | None, str]]:
    mesh = plan.mesh
    assert mesh is not None
    if mesh.mtls == "DISABLE":
        yield mesh.loc, ("mesh(LINKERD, mtls=DISABLE): Linkerd always encrypts traffic between "
                         "meshed pods and authorizes callers by that identity; use PERMISSIVE "
                         "or STRICT")
    namespace = plan.setting("linkerd_namespace")
    if namespace is not None and (problem := dns1123(namespace, "linkerd_namespace")):
        yield plan.setting_loc("linkerd_namespace"), problem
    services = {s.name: s for s in plan.services}
    for t in mesh.traffic:
        yield from _traffic(t, is_http(services[t.service]))


def _traffic(t: TrafficPlan, http: bool) -> Iterator[tuple[SourceLoc | None, str]]:
    d = f"traffic({t.service!r})"
    unsupported = sorted({word for name, word in UNSUPPORTED if getattr(t, name) is not None})
    if unsupported:
        yield t.loc, (f"{d}: {', '.join(unsupported)} cannot be expressed in Linkerd (it "
                      "balances by latency and has no connection pools or outlier ejection); "
                      "drop them under mesh(LINKERD)")
    if t.splits and not http:
        yield t.loc, (f"{d}: Linkerd splits and routes calls through an HTTPRoute, which needs "
                      "an HTTP port (name it 'http' or set app_protocol='http')")
    retries = {r for r in (t.retries, *(m.retries for m in t.routes)) if r is not None}
    if len(retries) > 1:
        yield t.loc, (f"{d}: Linkerd sets retries per HTTPRoute (retry.linkerd.io/*), so every "
                      "mesh_route must retry as the policy does")
    for r in retries:
        for token in (r.on or "5xx").split(","):
            if not _RETRY_ON(token):
                yield t.loc, (f"{d}: retries on {token!r}: Linkerd retries on response "
                              "statuses only ('5xx', 'gateway-error' or a code such as '503')")
    for i, later in enumerate(t.routes):
        for earlier in t.routes[:i]:
            if not disjoint(earlier.match, later.match):
                yield later.loc, (f"{d}: this mesh_route and the one at {earlier.loc} can both "
                                  "match a call, and Linkerd (Gateway API) tries an "
                                  "HTTPRoute's rules most specific first, not as written; make "
                                  "them exclusive (different methods, or different exact "
                                  "values of one header, path or query parameter)")
                break
    rules = len(t.routes) + (t.split is not None or not t.routes)  # as lower.route_rules
    if rules > MAX_RULES:
        yield t.loc, (f"{d}: {len(t.routes)} mesh_routes make an HTTPRoute of {rules} rules, "
                      f"and one has at most {MAX_RULES} (Gateway API CRD); use fewer mesh_routes "
                      "(one prefix or regex where several send to the same versions)")
    if t.split is not None and len(t.split) > MAX_BACKEND_REFS:
        yield t.loc, (f"{d}: split= over {len(t.split)} versions: an HTTPRoute rule has at "
                      f"most {MAX_BACKEND_REFS} backendRefs (Gateway API CRD)")
    for m in t.routes:
        if m.split is not None and len(m.split) > MAX_BACKEND_REFS:
            yield m.loc, (f"{d}: mesh_route split= over {len(m.split)} versions: an HTTPRoute "
                          f"rule has at most {MAX_BACKEND_REFS} backendRefs (Gateway API CRD)")
        headers = len(m.match.headers) + len(m.match.rules)
        for what, count, limit in (("headers", headers, MAX_HEADERS),
                                   ("query parameters", len(m.match.query), MAX_QUERY)):
            if count > limit:
                yield m.loc, (f"{d}: mesh_route matches {count} {what}; an HTTPRoute match "
                              f"(Linkerd's routes) takes at most {limit} (Gateway API CRD)")
        yield from _match_strings(m.match, m.loc, d)
        if m.match.without:
            yield m.loc, (f"{d}: mesh_route: Gateway API (Linkerd's routes) cannot match a "
                          "header's absence (invert=True)")
        if m.timeout is not None and not _ROUTE_TIMEOUT(m.timeout):
            yield m.loc, (f"{d}: mesh_route timeout={m.timeout!r}: an HTTPRoute rule's timeout "
                          "is whole numbers of h, m, s or ms, such as '1500ms'")


def _match_strings(m: HttpMatch, loc: SourceLoc, d: str) -> Iterator[tuple[SourceLoc, str]]:
    """The strings of the match as written (a prefix is an escaped regular expression there),
    measured as the HTTPRoute CRD does: the API server refuses the route otherwise."""
    written = match(m)
    path = written.get("path", {}).get("value", "")
    if len(path) > MAX_PATH:
        yield loc, (f"{d}: mesh_route path is written as {len(path)} characters; Gateway API "
                    f"(Linkerd's routes) takes at most {MAX_PATH}")
    for problem in match_problems(written):
        yield loc, f"{d}: mesh_route {problem}"


def externals_without_address(plan: Plan) -> Iterator[tuple[SourceLoc | None, str]]:
    """Warnings (lint NG301): an external Linkerd cannot name. EgressNetworks match
    addresses, so an external known only by host name gets none, and its calls leave the
    mesh unaccounted for by Linkerd's egress policy (NetworkPolicy still limits them)."""
    from netgen.targets.linkerd.protocol import is_linkerd

    if not is_linkerd(plan):
        return
    for x in plan.externals:
        if not x.cidr and not _is_ip(x.host):
            yield x.loc, (f"external({x.name!r}): Linkerd's EgressNetwork matches addresses, "
                          f"and '{x.host}' is a host name, so no EgressNetwork is written for "
                          "it; give cidr= to have Linkerd account for this egress")


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def disjoint(a: HttpMatch, b: HttpMatch) -> bool:
    """No call matches both: so the order Gateway API tries them in cannot matter."""
    if a.method is not None and b.method is not None and a.method != b.method:
        return True
    if a.uri_kind == b.uri_kind == "exact" and a.uri != b.uri:
        return True
    for x, y in ((a, b), (b, a)):
        if x.uri_kind == "exact" and y.uri_kind == "prefix" and not (x.uri or "").startswith(
                y.uri or ""):
            return True
    if a.uri_kind == b.uri_kind == "prefix" and not (
            (a.uri or "").startswith(b.uri or "") or (b.uri or "").startswith(a.uri or "")):
        return True
    for pairs_a, pairs_b in ((a.headers, b.headers), (a.query, b.query)):
        mine = dict(pairs_a)
        if any(name in mine and mine[name] != value for name, value in pairs_b):
            return True
    return False
