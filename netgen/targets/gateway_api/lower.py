"""GATEWAY and TCP exposures: Gateway API v1 (standard channel, v1.6).

Each environment gets a GatewayClass and a Gateway (an `http` listener, an `https` one
when a route has a certificate, a `tcp-<port>` one per TCP port) unless a setting points at
an existing Gateway. HTTP exposures of one host (and one `route=` name) share an
HTTPRoute, its rules sorted most specific first, so even ties are decided by rule order
(the order declared; two that tie in different Routes are an error);
gRPC services get a GRPCRoute; `via=TCP` gives a TCPRoute on its TCP listener.

Settings (`env(...)` or `blueprint(...)`, the environment's win):
- `gateway="ns/name"`: attach to that existing Gateway (listeners `http`, `https`,
  `tcp-<port>` are assumed); nothing is generated for it.
- `gateway_name=`, `gateway_namespace=`: the generated Gateway (default: named
  `<blueprint>-<env>`, in the env's namespace).
- `gateway_class=`, `gateway_controller=`: the GatewayClass; naming only a class refers to
  an existing one.
- `gateway_principal=`: under mesh(ISTIO), the identity of the Gateway's proxies when they
  are Istio's (`mesh_identity`); known without it for a generated Gateway of Istio's class.
- `gateway_api="v1"` (default) or `"v1alpha2"`: the TCPRoute version. v1 is served by the
  v1.6 standard channel; v1alpha2 only by the experimental channel (and releases before
  v1.5), so `netgen check` reports that environment as needing the experimental channel.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from attrs import frozen

from netgen import values as checks
from netgen.model import SourceLoc, TlsSecret
from netgen.plan import EnvPlan, Labels, Plan, RoutePlan, WeightedBackend
from netgen.plan.mesh import principal
from netgen.plan.routes import l4_ports, precedence, route_key, ties
from netgen.render import Document, Renderer
from netgen.targets import httproute
from netgen.targets.base import Backend, FromPods, Layer, MeshProxy, ViaSpec, object_labels
from netgen.targets.features import Feature
from netgen.targets.gateway_api.settings import SETTINGS
from netgen.targets.gateway_api.tokens import GATEWAY, TCP
from netgen.targets.httproute import MAX_HEADERS, MAX_MATCHES, MAX_PATH, MAX_QUERY, MAX_RULES
from netgen.values import fullmatch

GROUP = "gateway.networking.k8s.io"
API = f"{GROUP}/v1"
DEFAULT_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller"
# Istio's Gateway API controller and the GatewayClass istiod installs for it (the defaults of
# PILOT_GATEWAY_API_CONTROLLER_NAME and PILOT_GATEWAY_API_DEFAULT_GATEWAYCLASS_NAME)
ISTIO_CONTROLLER = "istio.io/gateway-controller"
ISTIO_CLASS = "istio"
# Envoy Gateway (the default GatewayClass controller) runs each Gateway's proxies in its own
# namespace, not in the Gateway's.
ENVOY_GATEWAY_NAMESPACE = "envoy-gateway-system"
TCP_VERSIONS = ("v1", "v1alpha2")
HTTP, HTTPS = "http", "https"
_PRINCIPAL = fullmatch(r"[^/\s]+/ns/[a-z0-9]([-a-z0-9]*[a-z0-9])?/sa/[^/\s]+")
_CONTROLLER = fullmatch(
    r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+"
)


@frozen
class GatewayRef:
    name: str
    namespace: str
    generated: bool


@frozen
class RouteGroup:
    """The routes of one host (and `route=` name) in one namespace: one HTTPRoute or
    GRPCRoute (more when it has over 16 rules), sorted most specific first."""

    kind: str
    name: str
    namespace: str
    host: str | None
    routes: tuple[RoutePlan, ...]
    lead: RoutePlan  # the first declared: its TLS and redirect decide the attachment

    @property
    def tls(self) -> bool:
        return self.lead.tls is not None

    @property
    def redirect(self) -> bool:
        return self.tls and self.lead.redirect_https

    def sections(self) -> tuple[str, ...]:
        """The listeners the routes attach to: HTTPS only when HTTP redirects."""
        if not self.tls:
            return (HTTP,)
        return (HTTPS,) if self.redirect else (HTTP, HTTPS)

    def chunks(self) -> list[tuple[str, tuple[RoutePlan, ...]]]:
        """The routes in order, a new object once one has 16 rules or the next rule's
        matches would take it past 128 in all."""
        parts: list[list[RoutePlan]] = [[]]
        for route in self.routes:
            part = parts[-1]
            if part and (len(part) == MAX_RULES or sum(map(match_count, part))
                         + match_count(route) > MAX_MATCHES):
                parts.append(part := [])
            part.append(route)
        return [(self.name if i == 0 else f"{self.name}-{i + 1}", tuple(p))
                for i, p in enumerate(parts) if p]


def match_count(route: RoutePlan) -> int:
    """The entries of the rule's `matches` (one per method; one when unset, as defaulted)."""
    return len(route.methods) or 1


def gateway_ref(plan: Plan) -> GatewayRef:
    return _gateway_ref(plan.setting, plan.blueprint, plan.env)


def _gateway_ref(setting: Callable[[str], Any], blueprint: str, env: EnvPlan) -> GatewayRef:
    existing = setting("gateway")
    if isinstance(existing, str) and existing:
        namespace, _, name = existing.rpartition("/")
        return GatewayRef(name, namespace or env.namespace, False)
    namespace = setting("gateway_namespace") or env.namespace
    name = setting("gateway_name") or f"{blueprint}-{env.name}"
    return GatewayRef(name, namespace, True)


def mesh_identity(p: MeshProxy) -> str | None:
    """The identity of the Gateway's proxies when they are members of mesh(ISTIO).

    Istio's own Gateway API implementation (controller `istio.io/gateway-controller`, the
    class `istio` it installs) deploys each Gateway as an Istio proxy in the Gateway's
    namespace, with the ServiceAccount `<gateway name>-<spec.gatewayClassName>` unless the
    Gateway's annotation `gateway.istio.io/service-account` names another (istio/istio,
    pilot/pkg/config/kube/gateway/deploymentcontroller.go: getDefaultName and
    `ServiceAccount: GetOrDefault(annotations[GatewayServiceAccount], defaultName)`; the
    kube-gateway template sets `serviceAccountName` from it). That proxy sends ISTIO_MUTUAL
    to sidecars, so the services see its principal. netgen knows this only for a Gateway it
    generates for that controller (or for the class `istio`); for any other, the setting
    `gateway_principal=` says it, else the proxies are taken to be outside the mesh."""
    declared = p.raw("gateway_principal")
    if p.mesh != "ISTIO":
        return None
    if isinstance(declared, str) and declared:
        return declared
    ref = _gateway_ref(p.raw, p.blueprint, p.env)
    if not ref.generated:
        return None
    class_name, controller = _class(p.raw, p.blueprint, p.env)
    if controller != ISTIO_CONTROLLER and not (controller is None
                                               and class_name == ISTIO_CLASS):
        return None
    return principal(p.trust_domain, ref.namespace, f"{ref.name}-{class_name}")


def _l7(plan: Plan) -> list[RoutePlan]:
    return [r for r in plan.routes if r.via is GATEWAY]


def _tcp(plan: Plan) -> list[RoutePlan]:
    return [r for r in plan.routes if r.via is TCP]


def _host_name(host: str) -> str:
    return host.replace("*", "wildcard")


def route_groups(plan: Plan) -> list[RouteGroup]:
    """A route is named after its host, a hostless one after the blueprint; when a host
    is spelled like the blueprint, the hostless route is `<blueprint>-any-host`, so
    netgen's own naming never clashes (decided from the set of hosts: order-free)."""
    grouped: dict[tuple[str, str, str | None, str | None], list[RoutePlan]] = {}
    for r in _l7(plan):
        kind = "GRPCRoute" if r.grpc else "HTTPRoute"
        grouped.setdefault((kind, r.namespace, r.host, r.route), []).append(r)
    taken = {_host_name(host) for _, _, host, _ in grouped if host is not None}
    hostless = plan.blueprint if plan.blueprint not in taken else f"{plan.blueprint}-any-host"
    return [
        RouteGroup(kind, route or (hostless if host is None else _host_name(host)), ns, host,
                   tuple(sorted(members, key=lambda r: precedence(route_key(r)))), members[0])
        for (kind, ns, host, route), members in grouped.items()
    ]


def _parent(ref: GatewayRef, namespace: str, section: str | None) -> dict[str, str]:
    p = {"name": ref.name}
    if ref.namespace != namespace:
        p["namespace"] = ref.namespace
    if section is not None:
        p["sectionName"] = section
    return p


def _backend_refs(backends: tuple[WeightedBackend, ...]) -> list[dict[str, Any]]:
    weighted = len(backends) > 1
    return [{"name": b.service, "port": b.port, **({"weight": b.weight} if weighted else {})}
            for b in backends]


def _match(route: RoutePlan) -> dict[str, Any]:
    match: dict[str, Any] = {}
    if not route.grpc:
        kind = "Exact" if route.path_type == "Exact" else "PathPrefix"
        match["path"] = {"type": kind, "value": route.path or "/"}
    if route.matches:
        match["headers"] = [{"name": m.name, "value": m.value} for m in route.matches]
    if route.query:
        match["queryParams"] = [{"name": k, "value": v} for k, v in route.query]
    return match


def _rule(route: RoutePlan) -> dict[str, Any]:
    rule: dict[str, Any] = {"name": route.name}
    match = _match(route)
    if match and route.methods:  # one method per match; several matches are alternatives
        rule["matches"] = [{**match, "method": m} for m in route.methods]
    elif match:
        rule["matches"] = [match]  # path AND headers: one entry (separate entries are OR)
    if route.rewrite is not None:
        if route.path_type == "Exact":
            path = {"type": "ReplaceFullPath", "replaceFullPath": route.rewrite}
        else:
            path = {"type": "ReplacePrefixMatch", "replacePrefixMatch": route.rewrite}
        rule["filters"] = [{"type": "URLRewrite", "urlRewrite": {"path": path}}]
    rule["backendRefs"] = _backend_refs(route.backends)
    return rule


def _redirect_rule(route: RoutePlan) -> dict[str, Any]:
    """HTTP -> HTTPS for exactly the requests the TLS route takes (its matches): a redirect
    of every path would tie, by Gateway API's precedence, with a plain route's `/` on the
    same host and listener, and the older Route or the first name would win."""
    rule = _rule(route)
    return {"name": rule["name"], **({"matches": rule["matches"]} if "matches" in rule else {}),
            "filters": [{"type": "RequestRedirect",
                         "requestRedirect": {"scheme": "https", "statusCode": 301}}]}


def _labels(plan: Plan, routes: tuple[RoutePlan, ...]) -> dict[str, str]:
    services = {r.service for r in routes}
    labels: Labels = ()
    if len(services) == 1:
        labels = plan.service(next(iter(services))).labels
    return object_labels(labels, plan.blueprint)


def _namespaces(ref: GatewayRef, namespaces: set[str]) -> dict[str, Any]:
    """Routes may attach from the Gateway's own namespace, or exactly the ones listed."""
    if namespaces <= {ref.namespace}:
        return {"from": "Same"}
    return {"from": "Selector", "selector": {"matchExpressions": [{
        "key": "kubernetes.io/metadata.name", "operator": "In",
        "values": sorted(namespaces),
    }]}}


def listeners(plan: Plan, ref: GatewayRef) -> list[dict[str, Any]]:
    attached: dict[str, dict[str, set[str]]] = {}  # listener -> kind -> namespaces

    def attach(section: str, kind: str, namespace: str) -> None:
        attached.setdefault(section, {}).setdefault(kind, set()).add(namespace)

    secrets: set[str] = set()
    for g in route_groups(plan):
        for section in g.sections():
            attach(section, g.kind, g.namespace)
        if g.redirect:
            attach(HTTP, "HTTPRoute", g.namespace)
        secrets.update(r.tls.secret for r in g.routes if isinstance(r.tls, TlsSecret))
    out: list[dict[str, Any]] = []
    for section, port in ((HTTP, 80), (HTTPS, 443)):
        if section not in attached:
            continue
        listener: dict[str, Any] = {"name": section, "protocol": section.upper(), "port": port}
        if section == HTTPS:
            listener["tls"] = {"mode": "Terminate", "certificateRefs": [
                {"kind": "Secret", "name": s} for s in sorted(secrets)]}
        kinds = attached[section]
        listener["allowedRoutes"] = {
            "namespaces": _namespaces(ref, set().union(*kinds.values())),
            "kinds": [{"kind": k} for k in sorted(kinds)],
        }
        out.append(listener)
    tcp: dict[int, set[str]] = {}
    for r in _tcp(plan):
        for port in l4_ports(r):
            tcp.setdefault(port, set()).add(r.namespace)
    for port, namespaces in sorted(tcp.items()):
        out.append({"name": f"tcp-{port}", "protocol": "TCP", "port": port, "allowedRoutes": {
            "namespaces": _namespaces(ref, namespaces), "kinds": [{"kind": "TCPRoute"}]}})
    return out


def _gateway_class(plan: Plan) -> tuple[str, str | None]:
    """(class name, controller to generate it with, or None for an existing class)."""
    return _class(plan.setting, plan.blueprint, plan.env)


def _class(setting: Callable[[str], Any], blueprint: str, env: EnvPlan
           ) -> tuple[str, str | None]:
    name = setting("gateway_class")
    controller = setting("gateway_controller")
    if name and not controller:
        return name, None
    return name or f"{blueprint}-{env.name}", controller or DEFAULT_CONTROLLER


def lower(plan: Plan, r: Renderer) -> Iterator[Document]:
    groups = route_groups(plan)
    if not groups and not _tcp(plan):
        return
    ref = gateway_ref(plan)
    generic = object_labels((), plan.blueprint)
    if ref.generated:
        class_name, controller = _gateway_class(plan)
        if controller is not None:
            yield r.document("gateway_api/gatewayclass.yaml.j2", api_version=API,
                             kind="GatewayClass", name=class_name, namespace=None,
                             labels=generic, controller=controller)
        yield r.document("gateway_api/gateway.yaml.j2", api_version=API, kind="Gateway",
                         name=ref.name, namespace=ref.namespace, labels=generic,
                         class_name=class_name, listeners=listeners(plan, ref))
    for g in groups:
        hostnames = [g.host] if g.host else []
        for name, routes in g.chunks():
            yield r.document(
                "gateway_api/route.yaml.j2", api_version=API, kind=g.kind, name=name,
                namespace=g.namespace, loc=g.lead.loc, labels=_labels(plan, routes),
                hostnames=hostnames,
                parents=[_parent(ref, g.namespace, s) for s in g.sections()],
                rules=[_rule(route) for route in routes],
            )
        if g.redirect:
            for name, routes in g.chunks():
                yield r.document(
                    "gateway_api/route.yaml.j2", api_version=API, kind="HTTPRoute",
                    name=f"{name}-redirect", namespace=g.namespace, loc=g.lead.loc,
                    labels=_labels(plan, routes), hostnames=hostnames,
                    parents=[_parent(ref, g.namespace, HTTP)],
                    rules=[_redirect_rule(route) for route in routes],
                )
    tcp_api = f"{GROUP}/{plan.setting('gateway_api', 'v1')}"
    for route in _tcp(plan):
        yield r.document(
            "gateway_api/route.yaml.j2", api_version=tcp_api, kind="TCPRoute",
            name=route.object_name, namespace=route.namespace, loc=route.loc,
            labels=_labels(plan, (route,)), hostnames=[],
            parents=[_parent(ref, route.namespace, f"tcp-{p}") for p in l4_ports(route)],
            rules=[{"backendRefs": _backend_refs(route.backends)}],
        )


def _check_settings(plan: Plan) -> Iterator[tuple[SourceLoc | None, str]]:

    def bad(key: str, problem: str) -> tuple[SourceLoc | None, str]:
        return plan.setting_loc(key), f"{key}={plan.setting(key)!r}: {problem}"

    existing = plan.setting("gateway")
    if existing is not None:
        ns, _, name = existing.rpartition("/") if isinstance(existing, str) else ("", "", "")
        if not isinstance(existing, str) or checks.hostname(name, wildcard=False) or (
            ns and checks.dns1123(ns)
        ):
            yield bad("gateway", "must name an existing Gateway as 'namespace/name' or 'name'")
    if plan.setting("gateway_namespace") is not None and checks.dns1123(
        plan.setting("gateway_namespace")
    ):
        yield bad("gateway_namespace", "must be a namespace name (a DNS-1123 label)")
    gateway_name = plan.setting("gateway_name")
    if gateway_name is not None and (not isinstance(gateway_name, str)
                                     or checks.hostname(gateway_name, wildcard=False)):
        yield bad("gateway_name", "must be a Gateway name (a DNS subdomain)")
    name = plan.setting("gateway_class")
    if name is not None and (not isinstance(name, str) or checks.hostname(name, wildcard=False)):
        yield bad("gateway_class", "must be a GatewayClass name (a DNS subdomain)")
    controller = plan.setting("gateway_controller")
    if controller is not None and (not isinstance(controller, str) or not _CONTROLLER(controller)):
        yield bad("gateway_controller", "must be a controller name such as "
                                        f"'{DEFAULT_CONTROLLER}'")
    declared = plan.setting("gateway_principal")
    if declared is not None:
        if not isinstance(declared, str) or not _PRINCIPAL(declared):
            yield bad("gateway_principal", "must be the mesh identity of the Gateway's "
                                           "proxies, such as 'cluster.local/ns/infra/sa/"
                                           "shared-gw-istio'")
        elif plan.mesh is None or plan.mesh.kind != "ISTIO":
            yield bad("gateway_principal", f"environment '{plan.env.name}' has no mesh(ISTIO), "
                                           "and only its AuthorizationPolicies admit the "
                                           "Gateway's proxies by identity; drop it")
    if plan.setting("gateway_api", "v1") not in TCP_VERSIONS:
        yield bad("gateway_api", "the TCPRoute version: 'v1' (Gateway API standard channel "
                                  "v1.6+) or 'v1alpha2' (experimental channel only)")


def _match_strings(route: RoutePlan, d: str) -> Iterator[tuple[SourceLoc | None, str]]:
    for problem in httproute.match_problems(_match(route)):
        yield route.loc, f"{d}: {problem}"


def _overlap(a: str | None, b: str | None) -> bool:
    if a is None or b is None or a == b:
        return True
    return any(w.startswith("*.") and h.endswith(w[1:]) for w, h in ((a, b), (b, a)))


def check(plan: Plan) -> Iterator[tuple[SourceLoc | None, str]]:
    if not _l7(plan) and not _tcp(plan):
        return
    yield from _check_settings(plan)
    groups = route_groups(plan)
    names: dict[tuple[str, str, str], RouteGroup] = {}
    for g in groups:
        first = g.lead
        for route in g.routes:
            d = f"expose({route.service!r}, via=GATEWAY)"
            if (route.tls is None, route.redirect_https) != (first.tls is None,
                                                             first.redirect_https):
                yield route.loc, (f"{d}: shares the {g.kind} '{g.name}' with '{first.service}' "
                                  f"at {first.loc} but not its TLS and redirect_https; "
                                  "give it the same, or another route=")
            if route.redirect_https and route.tls is None:
                yield route.loc, (f"{d}: GATEWAY can redirect to HTTPS only from routes with "
                                  "a certificate; set tls=tls_secret('name')")
            if len(route.matches) > MAX_HEADERS:
                yield route.loc, f"{d}: Gateway API matches at most {MAX_HEADERS} headers"
            if len(route.query) > MAX_QUERY:
                yield route.loc, (f"{d}: Gateway API matches at most {MAX_QUERY} query "
                                  f"parameters, not {len(route.query)}")
            yield from _match_strings(route, d)
            for what, value in (("path", route.path), ("rewrite", route.rewrite)):
                if value is not None and len(value) > MAX_PATH:
                    yield route.loc, (f"{d}: {what}= has {len(value)} characters; Gateway API "
                                      f"takes at most {MAX_PATH}")
            if route.grpc and (route.path or "/") != "/":
                yield route.loc, (f"{d}: a GRPCRoute matches gRPC services and methods, not "
                                  f"paths; drop path={route.path!r}")
            if route.grpc and route.rewrite is not None:
                yield route.loc, f"{d}: a GRPCRoute cannot rewrite paths"
            if route.rewrite is not None and route.path_type != "Exact" \
                    and len(route.methods) > 1:
                yield route.loc, (f"{d}: Gateway API rewrites a path prefix only in a rule of "
                                  f"one match, and methods={list(route.methods)!r} makes one "
                                  "match per method; give one method per exposure")
        chunks = len(g.chunks())
        longest = g.name + (f"-{chunks}" if chunks > 1 else "") + (
            "-redirect" if g.redirect else "")
        if len(longest) > 253:
            yield first.loc, (f"expose({first.service!r}, via=GATEWAY): the {g.kind} name "
                              f"'{longest}' is longer than 253 characters; name it with route=")
        owner = names.setdefault((g.kind, g.namespace, g.name), g)
        if owner is not g:
            yield first.loc, (f"expose({first.service!r}, via=GATEWAY): the {g.kind} '{g.name}' "
                              f"in namespace '{g.namespace}' already holds the routes of "
                              f"{owner.host or 'every host'}; use another route=")
    yield from _ties_across_routes(plan, groups)
    http_hosts = [g for g in groups if g.kind == "HTTPRoute"]
    for g in groups:
        if g.kind != "GRPCRoute":
            continue
        for other in http_hosts:
            if _overlap(g.host, other.host) and set(g.sections()) & set(other.sections()):
                route, by = g.routes[0], other.routes[0]
                yield route.loc, (f"expose({route.service!r}, via=GATEWAY): a listener accepts "
                                  "either a GRPCRoute or an HTTPRoute for a host name, and "
                                  f"'{by.service}' at {by.loc} has an HTTPRoute for "
                                  f"{other.host or 'every host'}; give the gRPC service its "
                                  "own host")
                break
    ports: dict[int, RoutePlan] = {}
    for route in _tcp(plan):
        d = f"expose({route.service!r}, via=TCP)"
        for port in l4_ports(route):
            first = ports.setdefault(port, route)
            if first is not route:
                yield route.loc, (f"{d}: TCP port {port} already goes to '{first.service}' at "
                                  f"{first.loc}; a TCP listener serves one route")
            if port in (80, 443) and _l7(plan):
                listener = HTTP if port == 80 else HTTPS
                yield route.loc, (f"{d}: port {port} is the Gateway's {listener} listener; "
                                  "choose another with ports=")


def _ties_across_routes(plan: Plan,
                        groups: list[RouteGroup]) -> Iterator[tuple[SourceLoc | None, str]]:
    """Within one HTTPRoute the first of two rules that tie takes the request (the order
    the blueprint declares them); across two Routes Gateway API gives it to the older one,
    then to the first by namespace/name, which a re-created Route changes: an error."""
    objects = {id(r): (g.kind, name) for g in groups for name, part in g.chunks()
               for r in part}
    for r, tied in ties(_l7(plan)):
        other, request = next(((o, said) for o, said in tied
                               if objects[id(o)] != objects[id(r)]), (None, None))
        if other is not None:
            (kind, mine), (_, theirs) = objects[id(r)], objects[id(other)]
            yield r.loc, (f"expose({r.service!r}, via=GATEWAY): {request} is taken by this "
                          f"exposure ({kind} '{mine}') and by '{other.service}' at {other.loc} "
                          f"({kind} '{theirs}'), which rank alike; across two {kind}s Gateway "
                          "API gives it to the older one, not to the first declared; put both "
                          "in one (the same route= and namespace) or narrow one of them")


def _nothing(plan: Plan, r: Renderer) -> Iterator[Document]:
    """TCPRoutes share the Gateway, so the GATEWAY backend writes them."""
    return iter(())


_HTTP_FEATURES = {
    Feature.HOST, Feature.PATH, Feature.PATH_EXACT, Feature.HEADER_MATCH, Feature.CANARY,
    Feature.VERSION_PIN, Feature.TLS_SECRET, Feature.REDIRECT_HTTPS, Feature.REWRITE,
    Feature.GRPC, Feature.QUERY_MATCH, Feature.METHOD_MATCH,
}
def namespace_defaults(raw: Callable[[str], Any], env_namespace: str) -> dict[str, str]:
    """Where the Gateway's proxy pods run: Envoy Gateway (netgen's default GatewayClass)
    runs them in its own namespace; other implementations next to the Gateway."""
    existing = raw("gateway")
    if isinstance(existing, str) and existing:
        return {"gateway_proxy_namespace": existing.rpartition("/")[0] or env_namespace}
    controller, named_class = raw("gateway_controller"), raw("gateway_class")
    if controller == DEFAULT_CONTROLLER or (controller is None and named_class is None):
        return {"gateway_proxy_namespace": ENVOY_GATEWAY_NAMESPACE}
    namespace = raw("gateway_namespace")
    return {"gateway_proxy_namespace": namespace if isinstance(namespace, str) and namespace
            else env_namespace}


PROXIES = FromPods("gateway_proxy_namespace", "the Gateway's proxy pods")
# The CRD bundles (in schemas/): a cluster installs one channel; validation picks it.
CRDS = ("gateway-api-v1.6.1-standard", "gateway-api-v1.6.1-experimental")
BACKEND = Backend(
    name="GATEWAY",
    crds=CRDS,
    settings=SETTINGS,
    lower=lower,
    vias=(ViaSpec(GATEWAY, Layer.L7, traffic_from=PROXIES,
                  graph_label=("Gateway", "Gateway API"), mesh_identity=mesh_identity),),
    features=frozenset(_HTTP_FEATURES),
    terminates_tls=True,
    check=check,
    namespace_defaults=namespace_defaults,
)
TCP_BACKEND = Backend(
    name="TCP",
    crds=CRDS,
    lower=_nothing,
    vias=(ViaSpec(TCP, Layer.L4, traffic_from=PROXIES, graph_label=("Gateway", "TCPRoute"),
                  mesh_identity=mesh_identity),),
    features=frozenset({Feature.CANARY, Feature.VERSION_PIN, Feature.LISTENER_PORTS}),
)
