"""ALB exposures: Ingresses for the AWS Load Balancer Controller (`ingressClassName: alb`).

One Ingress per route, and the routes of an environment share one ALB through an
IngressGroup. The controller numbers listener rules by `group.order`, then Ingress name,
then path order, so netgen gives every Ingress the rank of its route's precedence (most
specific first): a header-matched rule is evaluated before the weighted catch-all on the
same path, and `/api` before `/`; of two that tie, the one declared first. Weights are a
forward action (`actions.<name>`) over the per-version Services; header matches are
`conditions.<name>`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from netgen.model import AcmCert, SourceLoc
from netgen.plan import Plan, RoutePlan
from netgen.plan.routes import duplicate_objects, precedence, route_key, tie_levels
from netgen.render import Document, Renderer
from netgen.targets.aws_alb.tokens import ALB
from netgen.targets.base import Backend, FromCidr, Layer, ViaSpec, object_labels
from netgen.targets.features import Feature
from netgen.values import excerpt

PREFIX = "alb.ingress.kubernetes.io/"
MAX_ORDER = 1000  # group.order is 1..1000 in every controller release
MAX_CONDITION_VALUES = 5  # ALB: match values per rule, host and path patterns included


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def group_of(plan: Plan, route: RoutePlan) -> str:
    """The IngressGroup, i.e. the ALB: one per environment unless `group=` says otherwise."""
    return route.group or f"{plan.blueprint}-{plan.env.name}"


def _routes(plan: Plan) -> list[RoutePlan]:
    return [r for r in plan.routes if r.via is ALB]


def group_orders(plan: Plan) -> dict[str, int]:
    """Route name -> group.order: the rank of its precedence within its group; of two
    that tie (a request both take, answered differently), the one declared first ranks
    first (the controller would order them by Ingress name). ALB compares header values
    without case, so `a: Beta` and `a: beta` tie."""
    ranks: dict[str, int] = {}
    groups: dict[str, list[RoutePlan]] = {}
    for r in _routes(plan):
        groups.setdefault(group_of(plan, r), []).append(r)
    for members in groups.values():
        levels = tie_levels(members, fold_case=True)
        keys = {r.name: (precedence(route_key(r)), levels[r.name]) for r in members}
        rank = {k: i + 1 for i, k in enumerate(sorted(set(keys.values())))}
        ranks.update({name: rank[k] for name, k in keys.items()})
    return ranks


def action_name(route: RoutePlan) -> str:
    return f"{route.object_name}-canary"


def listen_ports(route: RoutePlan) -> list[dict[str, int]]:
    """HTTPS listeners when the route has a certificate (plus HTTP:80 to redirect or serve
    plain HTTP too), HTTP listeners otherwise; `ports=` picks the main protocol's ports."""
    if route.tls is None:
        return [{"HTTP": p} for p in route.ports or (80,)]
    https = [{"HTTPS": p} for p in route.ports or (443,)]
    plain = route.redirect_https or not route.ports
    return ([{"HTTP": 80}] if plain else []) + https


def redirect_port(route: RoutePlan) -> int | None:
    """The HTTPS port HTTP redirects to (`ssl-redirect`): the route's first HTTPS listener."""
    if route.tls is None or not route.redirect_https:
        return None
    return next(p["HTTPS"] for p in listen_ports(route) if "HTTPS" in p)


def _health(route: RoutePlan) -> dict[str, str]:
    h = route.health
    if h is None:
        return {}
    out = {"healthcheck-path": h.path}
    for key, value in (
        ("healthcheck-interval-seconds", h.interval),
        ("healthcheck-timeout-seconds", h.timeout),
        ("healthy-threshold-count", h.healthy),
        ("unhealthy-threshold-count", h.unhealthy),
    ):
        if value is not None:
            out[key] = str(value)
    return out


def _annotations(plan: Plan, route: RoutePlan, order: int) -> dict[str, str]:
    a = {
        "scheme": route.scheme,
        "target-type": "ip",
        "group.name": group_of(plan, route),
        "group.order": str(order),
        "listen-ports": _compact(listen_ports(route)),
    }
    if isinstance(route.tls, AcmCert):
        a["certificate-arn"] = route.tls.arn
    port = redirect_port(route)
    if port is not None:
        a["ssl-redirect"] = str(port)
    if route.grpc:
        a["backend-protocol-version"] = "GRPC"
    if route.backend_tls:
        a["backend-protocol"] = "HTTPS"
    if route.health is not None and route.health.codes is not None:
        a["success-codes"] = route.health.codes
    a.update(_health(route))
    name = backend_name(route)
    if len(route.backends) > 1:
        groups = [{"serviceName": b.service, "servicePort": b.port, "weight": b.weight}
                  for b in route.backends]
        a[f"actions.{name}"] = _compact(
            {"type": "forward", "forwardConfig": {"targetGroups": groups}})
    conditions = _conditions(route)
    if conditions:
        a[f"conditions.{name}"] = _compact(conditions)
    return {PREFIX + k: v for k, v in sorted(a.items())}


def literal(text: str) -> str:
    """A query-string key or value ALB compares literally: `query=` matches exactly, and ALB
    reads `*` and `?` as wildcards unless escaped with a backslash."""
    return text.replace("*", "\\*").replace("?", "\\?")


def _conditions(route: RoutePlan) -> list[dict[str, Any]]:
    """Header values as ALB reads them (`*` and `?` are its wildcards), then the query
    string, the method and the client address (ALB rule conditions)."""
    out: list[dict[str, Any]] = [
        {"field": "http-header",
         "httpHeaderConfig": {"httpHeaderName": m.name, "values": [m.value]}}
        for m in route.matches]
    if route.query:
        out += [{"field": "query-string",
                 "queryStringConfig": {"values": [{"key": literal(k), "value": literal(v)}]}}
                for k, v in route.query]
    if route.methods:
        out.append({"field": "http-request-method",
                    "httpRequestMethodConfig": {"values": list(route.methods)}})
    if route.source_ips:
        out.append({"field": "source-ip", "sourceIpConfig": {"values": list(route.source_ips)}})
    return out


def backend_name(route: RoutePlan) -> str:
    """The path's `service.name`: the Service itself, or the weighted action's name."""
    return action_name(route) if len(route.backends) > 1 else route.backends[0].service


def lower(plan: Plan, r: Renderer) -> Iterator[Document]:
    orders = group_orders(plan)
    services = {s.name: s for s in plan.services}
    for route in _routes(plan):
        weighted = len(route.backends) > 1
        yield r.document(
            "aws_alb/ingress.yaml.j2", api_version="networking.k8s.io/v1", kind="Ingress",
            name=route.object_name, namespace=route.namespace, loc=route.loc,
            labels=object_labels(services[route.service].labels, plan.blueprint),
            annotations=_annotations(plan, route, orders[route.name]),
            host=route.host, path=route.path or "/", path_type=route.path_type,
            service=backend_name(route),
            port=None if weighted else route.backends[0].port,
        )


def _named_annotations(route: RoutePlan) -> list[str]:
    """`actions.<name>` and `conditions.<name>`: an annotation's name has at most 63 characters."""
    names = []
    if len(route.backends) > 1:
        names.append(f"actions.{action_name(route)}")
    if _conditions(route):
        names.append(f"conditions.{backend_name(route)}")
    return names


def _condition_values(route: RoutePlan) -> int:
    path = route.path or "/"
    patterns = 2 if route.path_type == "Prefix" and path != "/" else 1
    return ((1 if route.host else 0) + patterns + len(route.matches) + len(route.query)
            + len(route.methods) + len(route.source_ips))


def _condition_strings(route: RoutePlan) -> Iterator[tuple[str, str, int, int]]:
    """Each string of the rule's conditions, its length as ALB stores it and ALB's limit on
    that (the controller turns a Prefix path `/p` into the patterns `/p` and `/p/*`)."""
    if route.host:
        yield "the host", route.host, len(route.host), 128
    path = route.path or "/"
    if route.path_type == "Prefix" and path != "/":
        path = path.rstrip("/") + "/*"
    yield "the path pattern", path, len(path), 128
    for m in route.matches:
        yield "the header name", m.name, len(m.name), 40
        if m.value is not None:
            yield "the header value", m.value, len(m.value), 128
    for k, v in route.query:
        yield "the query key", k, len(literal(k)), 128
        yield "the query value", v, len(literal(v)), 128


def _listener_conflicts(plan: Plan) -> Iterator[tuple[SourceLoc | None, str]]:
    """What the controller merges across a group and refuses to merge, failing the whole
    group's model build (so no Ingress of it is reconciled): two `ssl-redirect` ports
    ("conflicting sslRedirect port"), and HTTP and HTTPS on one listener port ("conflicting
    protocol"). Certificates are merged (the union on each HTTPS port) and netgen writes no
    `ssl-policy`, `inbound-cidrs` or mutual-authentication annotation, the other values
    the controller requires to agree per port."""
    redirects: dict[str, tuple[RoutePlan, int]] = {}
    listeners: dict[tuple[str, int], tuple[RoutePlan, str]] = {}
    for route in _routes(plan):
        d = f"expose({route.service!r}, via=ALB)"
        group = group_of(plan, route)
        port = redirect_port(route)
        if port is not None:
            first, first_port = redirects.setdefault(group, (route, port))
            if port != first_port:
                yield route.loc, (
                    f"{d}: redirects HTTP to HTTPS port {port}, but '{first.service}' at "
                    f"{first.loc} redirects to port {first_port} on the same ALB (group "
                    f"'{group}'); the controller takes one ssl-redirect port per group and "
                    "refuses the whole group otherwise (conflicting sslRedirect port); give "
                    "both the same first port in ports=, or use group= to get another ALB")
        for entry in listen_ports(route):
            for protocol, number in entry.items():
                owner, owner_protocol = listeners.setdefault((group, number), (route, protocol))
                if protocol != owner_protocol:
                    yield route.loc, (
                        f"{d}: listens with {protocol} on port {number}, but '{owner.service}' "
                        f"at {owner.loc} listens with {owner_protocol} on it on the same ALB "
                        f"(group '{group}'); one listener has one protocol and the controller "
                        "refuses the whole group otherwise (conflicting protocol); choose "
                        "other ports=, or use group= to get another ALB")


def check(plan: Plan) -> Iterator[tuple[SourceLoc | None, str]]:
    """What one ALB serves for all its Ingresses: one scheme, one HTTP->HTTPS redirect (to
    one port), one protocol per listener port."""
    yield from duplicate_objects(_routes(plan), "ALB")
    yield from _listener_conflicts(plan)
    first: dict[str, RoutePlan] = {}
    for route in _routes(plan):
        d = f"expose({route.service!r}, via=ALB)"
        group = group_of(plan, route)
        if route.group is None and len(group) > 63:
            yield route.loc, (f"{d}: the default ALB group '{group}' is longer than 63 "
                              "characters; name one with group=")
        for m in route.matches:
            if not m.wildcards and m.value is not None and any(ch in m.value for ch in "*?"):
                yield route.loc, (f"{d}: ALB reads '*' and '?' in header values as wildcards; "
                                  f"header {m.name!r} value {m.value!r} cannot match literally "
                                  "(header(..., wildcards=True) if they are meant as wildcards)")
        if route.path_type != "Regex" and any(ch in (route.path or "") for ch in "*?"):
            yield route.loc, f"{d}: ALB cannot match '*' or '?' in a path literally"
        if len(route.backends) > 1 and not action_name(route)[0].isalpha():
            yield route.loc, (f"{d}: the canary's backend '{action_name(route)}' (route= and "
                              "'-canary') is an Ingress backend Service name, which must "
                              "start with a letter (a DNS-1035 label); give a route= that "
                              "starts with a letter")
        for key in _named_annotations(route):
            if len(key) > 63:
                # named after route= only through the canary's action; else after a Service
                hint = ("the service's name or route=" if key.endswith(action_name(route))
                        else "the service's (or version's) name; route= does not name it")
                yield route.loc, (f"{d}: the annotation name '{key}' is longer than 63 "
                                  f"characters; shorten {hint}")
        for what, value, stored, limit in _condition_strings(route):
            if stored > limit:
                shown = excerpt(value)
                escaped = " with ALB's escapes of '*' and '?'" if stored != len(value) else ""
                yield route.loc, (f"{d}: {what} {shown!r} has {stored} characters{escaped}; "
                                  f"ALB takes at most {limit}")
        if _condition_values(route) > MAX_CONDITION_VALUES:
            yield route.loc, (f"{d}: ALB allows {MAX_CONDITION_VALUES} match values per rule "
                              f"(host, path patterns and headers); this route needs "
                              f"{_condition_values(route)}")
        if route.redirect_https and route.tls is None:
            yield route.loc, (f"{d}: ALB can only redirect to HTTPS from a listener with a "
                              "certificate; set tls=acm('arn:...')")
        leader = first.setdefault(group, route)
        where = f"ALB group '{group}' (one load balancer, first exposed by " \
                f"'{leader.service}' at {leader.loc})"
        if route.scheme != leader.scheme:
            yield route.loc, (f"{d}: scheme={route.scheme!r} differs from the {where}, which "
                              f"is {leader.scheme}; use group= to get another ALB")
        leader_redirects = leader.tls is not None and leader.redirect_https
        redirects = route.tls is not None and route.redirect_https
        if redirects != leader_redirects:
            yield route.loc, (f"{d}: ssl-redirect applies to every rule of the {where}; "
                              "give all its exposures the same TLS and redirect_https, or use "
                              "group= to get another ALB")
    orders = group_orders(plan)
    for group, leader in first.items():
        if max(orders[r.name] for r in _routes(plan) if group_of(plan, r) == group) > MAX_ORDER:
            yield leader.loc, (f"expose({leader.service!r}, via=ALB): ALB group '{group}' "
                               f"needs more than {MAX_ORDER} rule priorities; split it with "
                               "group=")


BACKEND = Backend(
    name="ALB",
    crds=("aws-load-balancer-controller-v3.5.0",),
    lower=lower,
    vias=(ViaSpec(ALB, Layer.L7, family="ingress", load_balancer=True,
                  traffic_from=FromCidr(("vpc_cidr",)),
                  graph_label=("ALB", "Ingress, AWS Load Balancer Controller"),
                  tls_default="the controller's default (ELBSecurityPolicy-2016-08 unless "
                              "alb.ingress.kubernetes.io/ssl-policy or --default-ssl-policy "
                              "say otherwise)"),),
    features=frozenset({
        Feature.HOST, Feature.PATH, Feature.PATH_EXACT, Feature.HEADER_MATCH, Feature.CANARY,
        Feature.VERSION_PIN, Feature.TLS_ACM, Feature.REDIRECT_HTTPS, Feature.HEALTH_CHECK,
        Feature.LISTENER_PORTS, Feature.SCHEME, Feature.GROUP, Feature.GRPC,
        Feature.HEADER_WILDCARD, Feature.QUERY_MATCH, Feature.METHOD_MATCH,
        Feature.SOURCE_IP_MATCH, Feature.HEALTH_CODES,
        Feature.BACKEND_TLS,
    }),
    terminates_tls=True,
    check=check,
)
