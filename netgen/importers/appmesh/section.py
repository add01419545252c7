"""The App Mesh part of the generated blueprint: `mesh(ISTIO)`, one `traffic(...)` per
virtual router (its routes as `mesh_route`s, in App Mesh's order), `calls` from the
virtual nodes' backends, and `expose(..., via=ISTIO)` from the virtual gateways' routes.

Whatever a route asks that the blueprint cannot say (a header range, a port match, an idle
timeout) is a warning naming the export file and JSON path, and the route is left out as a
whole rather than widened. App Mesh's implicit 15 s per-request timeout is written out
with a comment saying so, since Istio's default is no timeout at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from netgen.importers.appmesh import shapes
from netgen.importers.appmesh.analyse import MeshIndex
from netgen.importers.ecs.model import EcsSystem, Service
from netgen.importers.ecs.problems import Finding, Source
from netgen.importers.ecs.pysource import (
    Call,
    Name,
    Node,
    call,
    comment,
    mapping,
    sequence,
    statement,
)

DEFAULT_TIMEOUT = "15s"  # App Mesh's per-request timeout when a route sets none
RETRY_EVENTS = {  # App Mesh event -> Envoy/Istio retryOn conditions
    # App Mesh's server-error and gateway-error include Envoy's `reset`; `5xx` already does.
    "server-error": "5xx", "gateway-error": "gateway-error,reset", "client-error": "retriable-4xx",
    "stream-error": "refused-stream", "connection-error": "connect-failure",
    "cancelled": "cancelled", "deadline-exceeded": "deadline-exceeded",
    "internal": "internal", "resource-exhausted": "resource-exhausted",
    "unavailable": "unavailable",
}
MESHES = ("ISTIO",)
DEFAULT_RETRIES = (
    "routes without a retryPolicy: App Mesh's hidden default (meshes of accounts new after "
    "2020-07-29: 2 retries on HTTP 503, gRPC UNAVAILABLE, connect-failure, refused-stream) "
    "is close to Istio's (2 attempts on connect-failure, refused-stream, unavailable, "
    "cancelled, 503), which applies")


class Skip(Exception):
    """This route cannot be carried; the message says why."""

    def __init__(self, message: str, suffix: str = "") -> None:
        super().__init__(message)
        self.suffix = suffix


class MeshSection:
    def __init__(self, index: MeshIndex, system: EcsSystem, kind: str | None) -> None:
        self.index = index
        self.system = system
        self.kind = kind
        self.written = {s.name for s in system.services if s.ports}

    def statements(self, findings: list[Finding]) -> list[str]:
        self.findings = findings
        findings.extend(f for f in self.index.findings if f not in findings)
        if self.kind is None:
            if self.index.mesh.virtual_routers or self.index.mesh.virtual_gateways:
                findings.append(Finding(
                    "appmesh-no-mesh", "the export has App Mesh routing (virtual routers, "
                                       "gateways); pass --mesh ISTIO to carry the splits, "
                                       "matches, retries and timeouts; without a mesh every "
                                       "version of a service gets calls in proportion to its "
                                       "pods"))
            return []
        out = [comment("--- App Mesh " + "-" * 72 + "\n"
                       "The App Mesh routes, carried by the Istio mesh: each virtual router "
                       "becomes the traffic() of the service its nodes run as.")
               + statement(call("mesh", Name(self.kind)))]
        self._mesh_notes()
        for vs in sorted(self.index.mesh.virtual_services.values(),
                         key=lambda v: v.virtualServiceName):
            text = self._router(vs)
            if text:
                out.append(text)
        out += self._calls()
        out += self._gateways()
        return out

    # --- helpers ---------------------------------------------------------------------------

    def _at(self, arn: str) -> Source:
        return self.index.mesh.source(arn)

    def _service_of(self, arns: Iterable[str]) -> Service | None:
        arns = set(arns)
        for s in self.system.services:
            if s.name in self.written and any(v.ecs_service_arn in arns for v in s.versions):
                return s
        return None

    def _version(self, s: Service, node: str) -> str | None:
        arns = set(self.index.node_services.get(node, ()))
        found = [v for v in s.versions if v.ecs_service_arn in arns]
        if not found:
            return None
        return found[0].name

    def _mesh_notes(self) -> None:
        for mesh in self.index.mesh.meshes.values():
            f = mesh.spec.egressFilter
            if f is not None and f.type == "ALLOW_ALL":
                self.findings.append(self._at(mesh.metadata.arn).finding(
                    "appmesh-egress", f"mesh {mesh.meshName} let tasks reach any outside "
                                      "host (egressFilter ALLOW_ALL); under STRICT only declared "
                                      "externals are allowed", ".spec.egressFilter"))
        provided = {self.index.router_of(vs) for vs in self.index.mesh.virtual_services.values()}
        for router, routes in sorted(self.index.routes.items()):
            if router not in provided:
                for route in routes:
                    self.findings.append(self._at(route.metadata.arn).finding(
                        "appmesh-router-unused", f"no exported virtual service is provided by "
                                                 f"router {router}, so route {route.routeName} "
                                                 "is not carried over (export its virtual "
                                                 "service with describe-virtual-service)"))
        for gw in self.index.mesh.virtual_gateways.values():
            at = self._at(gw.metadata.arn)
            for i, li in enumerate(gw.spec.listeners):
                port = li.portMapping.port
                if li.tls is not None:
                    self.findings.append(at.finding(
                        "appmesh-gateway-tls", f"virtual gateway {gw.virtualGatewayName} "
                                               "terminated TLS; give the exposures "
                                               "tls=tls_secret(...) with the certificate",
                        f".spec.listeners[{i}].tls"))
                if port not in (80, 443):
                    self.findings.append(at.finding(
                        "appmesh-gateway-port", f"virtual gateway {gw.virtualGatewayName} "
                                                f"listened on {port}; the Istio ingress gateway "
                                                "serves 80 (443 with TLS): point clients and "
                                                "load balancers there",
                        f".spec.listeners[{i}].portMapping.port"))
        for node in self.index.nodes.values():
            at = self._at(node.metadata.arn)
            for i, li in enumerate(node.spec.listeners):
                for name in ("healthCheck", "outlierDetection", "connectionPool", "tls"):
                    if getattr(li, name) is not None:
                        self.findings.append(at.finding(
                            "appmesh-listener", f"virtual node {node.virtualNodeName}: listener "
                                                f"{name} is not carried over (readiness probes "
                                                "and traffic(...) cover parts of it)",
                            f".spec.listeners[{i}].{name}"))
            if node.spec.backendDefaults is not None:
                self.findings.append(at.finding(
                    "appmesh-client-policy", f"virtual node {node.virtualNodeName}: "
                                             "backendDefaults (client TLS) is not carried over; "
                                             "Istio's mTLS replaces it", ".spec.backendDefaults"))

    # --- routers ---------------------------------------------------------------------------

    def _router(self, vs: shapes.VirtualService) -> str | None:
        router = self.index.router_of(vs)
        if router is None:
            return None
        s = self._service_of(self.index.provider_services(vs))
        vs_at = self._at(vs.metadata.arn)
        if s is None:
            self.findings.append(vs_at.finding(
                "appmesh-router-unmatched", f"virtual service {vs.virtualServiceName}: no "
                                            f"imported service runs the nodes of router {router}; "
                                            "its routes are not carried over", ".spec.provider"))
            return None
        routes = sorted(self.index.routes.get(router, ()),
                        key=lambda r: (r.spec.priority is None, r.spec.priority or 0))
        if sum(r.spec.priority is None for r in routes) > 1:
            self.findings.append(vs_at.finding(
                "appmesh-route-order", f"router {router} has several routes without a priority; "
                                       "App Mesh orders those itself, netgen keeps the export's "
                                       "order: check it"))
        if not routes:
            self.findings.append(vs_at.finding(
                "appmesh-no-routes", f"router {router} has no described route (export aws "
                                     "appmesh describe-route for each of its routes); calls to "
                                     f"{s.name} reach every version"))
            return None
        if len(s.versions) < 2:
            return self._single(s, vs, router, routes)
        carried: list[tuple[shapes.Route, Call]] = []
        notes: list[str] = []
        for route in routes:
            at = self._at(route.metadata.arn)
            try:
                carried.append((route, self._route(s, route, at, notes)))
            except Skip as skip:
                self.findings.append(at.finding("appmesh-route-left-out",
                                                f"route {route.routeName} of {router}: {skip}; "
                                                "the route is left out", skip.suffix))
        return self._traffic(s, vs, router, carried, notes)

    def _single(self, s: Service, vs: shapes.VirtualService, router: str,
                routes: list[shapes.Route]) -> str | None:
        """One version: the routes choose nothing; their timeout and retries still count."""
        notes: list[str] = []
        last = routes[-1]
        http = last.spec.httpRoute or last.spec.http2Route or last.spec.grpcRoute
        if len(routes) > 1 or (http is not None and _conditions(http.match)):
            self.findings.append(self._at(last.metadata.arn).finding(
                "appmesh-single-version", f"router {router} sends every route to the one "
                                          f"version of {s.name}; its matches are not carried, so "
                                          "requests no route matched (404 in App Mesh) now reach "
                                          f"{s.name}", ".spec"))
        if http is None:
            return None
        at = self._at(last.metadata.arn)
        timeout = self._timeout(http.timeout, last, at, ".spec", notes)
        retries = _retries(http.retryPolicy) if http.retryPolicy else None
        if retries is None:
            notes.append(DEFAULT_RETRIES)
        return comment(f"{vs.virtualServiceName} (virtual router {router}, one version).\n"
                       + "\n".join(notes)) + statement(
            call("traffic", s.name, timeout=timeout, retries=retries))

    def _traffic(self, s: Service, vs: shapes.VirtualService, router: str,
                 carried: list[tuple[shapes.Route, Call]], notes: list[str]) -> str:
        kwargs: dict[str, Node] = {}
        routes = [c for _, c in carried]
        last = routes[-1] if routes else None
        # A last route for every request becomes the policy's split; its timeout and retries
        # then apply to the other routes too, so only when they all set their own.
        folds = last is not None and set(dict(last.kwargs)) <= {"split", "timeout", "retries"}
        if folds and "retries" in dict(last.kwargs):
            folds = all("retries" in dict(c.kwargs) for c in routes)
        if last is not None and folds:
            routes.pop()
            kwargs["split"] = dict(last.kwargs)["split"]
            timeout = dict(last.kwargs).get("timeout")
            kwargs["timeout"] = timeout
            kwargs["retries"] = dict(last.kwargs).get("retries")
        lines = [f"{vs.virtualServiceName} (virtual router {router}): "
                 + ", ".join(f"route {r.routeName}" + (f" priority {r.spec.priority}"
                                                       if r.spec.priority is not None else "")
                             for r, _ in carried) + ", first match wins.",
                 *notes]
        if not routes:
            kwargs["routes"] = None
        else:
            kwargs["routes"] = sequence(routes)
        return comment("\n".join(lines)) + statement(call("traffic", s.name, **kwargs))

    def _route(self, s: Service, route: shapes.Route, at: Source, notes: list[str]) -> Call:
        spec = route.spec
        kwargs: dict[str, Node] = {}
        if spec.httpRoute or spec.http2Route:
            key = "httpRoute" if spec.httpRoute else "http2Route"
            http = spec.httpRoute or spec.http2Route
            assert http is not None
            kwargs.update(self._http_match(http.match, f".spec.{key}.match"))
            action, retry, timeout, prefix = http.action, http.retryPolicy, http.timeout, key
        elif spec.grpcRoute:
            g = spec.grpcRoute
            kwargs.update(self._grpc_match(g.match))
            action, retry, timeout, prefix = g.action, g.retryPolicy, g.timeout, "grpcRoute"
        elif spec.tcpRoute:
            t = spec.tcpRoute
            if t.match is not None and t.match.port is not None:
                raise Skip(f"it matches listener port {t.match.port}, which netgen cannot "
                           "express", ".spec.tcpRoute.match.port")
            action, retry, timeout, prefix = t.action, None, t.timeout, "tcpRoute"
        else:
            raise Skip("it has no httpRoute, http2Route, grpcRoute or tcpRoute", ".spec")
        kwargs["split"] = self._split(s, action, f".spec.{prefix}.action.weightedTargets",
                                      route, notes)
        if prefix != "tcpRoute":
            kwargs["timeout"] = self._timeout(timeout, route, at, f".spec.{prefix}.timeout",
                                              notes)
            if retry is not None:
                kwargs["retries"] = _retries(retry)
            elif DEFAULT_RETRIES not in notes:
                notes.append(DEFAULT_RETRIES)
        elif timeout is not None and timeout.idle is not None:
            self.findings.append(at.finding("appmesh-idle-timeout", f"route {route.routeName}: "
                                            "the TCP idle timeout is not carried over",
                                            ".spec.tcpRoute.timeout.idle"))
        return call("mesh_route", **kwargs)

    def _split(self, s: Service, action: shapes.RouteAction, path: str, route: shapes.Route,
               notes: list[str]) -> Node:
        weights: dict[str, int] = {}
        for i, t in enumerate(action.weightedTargets):
            version = self._version(s, t.virtualNode)
            if version is None:
                raise Skip(f"its target {t.virtualNode} runs as no version of {s.name}",
                           f"{path}[{i}].virtualNode")
            if t.port is not None:
                raise Skip(f"target {t.virtualNode} names port {t.port}, which netgen cannot "
                           "express", f"{path}[{i}].port")
            weights[version] = weights.get(version, 0) + t.weight
        if not weights or sum(weights.values()) == 0:
            raise Skip("its targets carry no weight, so App Mesh sent it nowhere",
                       path)
        percent = percentages(weights)
        if any(weights[v] * 100 != percent[v] * sum(weights.values()) for v in weights):
            notes.append(f"route {route.routeName}: App Mesh weights "
                         + ", ".join(f"{v} {w}" for v, w in weights.items())
                         + " are written as whole percentages")
        return mapping(percent)

    def _timeout(self, timeout: shapes.HttpTimeout | None, route: shapes.Route, at: Source,
                 path: str, notes: list[str]) -> str:
        if timeout is not None and timeout.idle is not None:
            self.findings.append(at.finding("appmesh-idle-timeout", f"route {route.routeName}: "
                                            f"the idle timeout {timeout.idle.text()} is not "
                                            "carried over (Istio sets idle timeouts per "
                                            "DestinationRule)", path + ".idle"))
        if timeout is not None and timeout.perRequest is not None and timeout.perRequest.text():
            value = timeout.perRequest.text()
            assert value is not None
            if value in ("0s", "0ms"):
                notes.append(f"route {route.routeName}: perRequest 0 (no timeout) becomes "
                             "1h, Istio's longest practical value")
                return "1h"
            return value
        note = (f"timeout {DEFAULT_TIMEOUT}: App Mesh's default per-request timeout, written "
                "out because Istio has none by default")
        if note not in notes:
            notes.append(note)
        return DEFAULT_TIMEOUT

    def _http_match(self, m: shapes.HttpRouteMatch, path: str) -> dict[str, Node]:
        out: dict[str, Node] = {}
        if m.prefix is not None and m.prefix != "/":
            out["prefix"] = m.prefix
        if m.path is not None:
            if m.path.exact is not None:
                out["exact"] = m.path.exact
            elif m.path.regex is not None:
                out["regex"] = m.path.regex
        if m.method is not None:
            out["method"] = m.method
        if m.scheme is not None:
            raise Skip(f"it matches scheme {m.scheme}, which netgen cannot express",
                       path + ".scheme")
        if m.port is not None:
            raise Skip(f"it matches listener port {m.port}, which netgen cannot express",
                       path + ".port")
        headers = [_header(h, f"{path}.headers[{i}]") for i, h in enumerate(m.headers)]
        if headers:
            out["headers"] = headers[0] if len(headers) == 1 else sequence(headers)
        query = {}
        for i, q in enumerate(m.queryParameters):
            if q.match is None or q.match.exact is None:
                raise Skip(f"query parameter {q.name} is matched by presence only, which "
                           "netgen cannot express", f"{path}.queryParameters[{i}]")
            query[q.name] = q.match.exact
        if query:
            out["query"] = mapping(query)
        return out

    def _grpc_match(self, m: shapes.GrpcRouteMatch) -> dict[str, Node]:
        out: dict[str, Node] = {}
        if m.serviceName and m.methodName:
            out["exact"] = f"/{m.serviceName}/{m.methodName}"
        elif m.serviceName:
            out["prefix"] = f"/{m.serviceName}/"
        elif m.methodName:
            raise Skip("it matches a method without its service", ".spec.grpcRoute.match")
        if m.port is not None:
            raise Skip(f"it matches listener port {m.port}, which netgen cannot express",
                       ".spec.grpcRoute.match.port")
        headers = [_header(h, f".spec.grpcRoute.match.metadata[{i}]")  # type: ignore[arg-type]
                   for i, h in enumerate(m.metadata)]
        if headers:
            out["headers"] = headers[0] if len(headers) == 1 else sequence(headers)
        return out

    # --- calls and gateways ---------------------------------------------------------------

    def _calls(self) -> list[str]:
        edges: dict[str, set[str]] = {}
        for name, node in sorted(self.index.nodes.items()):
            src = self._service_of(self.index.node_services.get(name, ()))
            if src is None:
                continue
            at = self._at(node.metadata.arn)
            for i, b in enumerate(node.spec.backends):
                if b.virtualService is None:
                    continue
                host = b.virtualService.virtualServiceName.lower()
                vs = self.index.services.get(host)
                dst = self._service_of(self.index.provider_services(vs)) if vs else None
                if dst is None:
                    self.findings.append(at.finding(
                        "appmesh-backend", f"virtual node {name} calls {host}, which runs as no "
                                           "imported service; no call is declared",
                        f".spec.backends[{i}].virtualService"))
                    continue
                if dst.name != src.name:
                    edges.setdefault(src.name, set()).add(dst.name)
        out = []
        for src in sorted(edges):
            out.append(comment(f"{src}: the backends of its virtual node")
                       + statement(call("calls", src, *sorted(edges[src]))))
        return out

    def _gateways(self) -> list[str]:
        out = []
        routes = sorted(self.index.mesh.gateway_routes.values(),
                        key=lambda r: (r.virtualGatewayName, r.spec.priority is None,
                                       r.spec.priority or 0, r.gatewayRouteName))
        for r in routes:
            at = self._at(r.metadata.arn)
            try:
                node = self._gateway_route(r)
            except Skip as skip:
                self.findings.append(at.finding("appmesh-gateway-route-left-out",
                                                f"gateway route {r.gatewayRouteName} of "
                                                f"{r.virtualGatewayName}: {skip}; left out",
                                                skip.suffix))
                continue
            out.append(comment(f"gateway route {r.gatewayRouteName} of virtual gateway "
                               f"{r.virtualGatewayName}, through the Istio ingress gateway")
                       + statement(node))
        for arn, gateway in sorted(self.index.gateway_tasks.items()):
            self.findings.append(self.index.x.source(arn).finding(
                "appmesh-gateway-service", f"this ECS service runs the Envoy of virtual gateway "
                                           f"{gateway}; the Istio ingress gateway replaces it, so "
                                           "it is not imported"))
        return out

    def _gateway_route(self, r: shapes.GatewayRoute) -> Call:
        key, http = next(((k, getattr(r.spec, k)) for k in ("httpRoute", "http2Route",
                                                             "grpcRoute")
                          if getattr(r.spec, k) is not None), (None, None))
        if http is None:
            raise Skip("it has no httpRoute, http2Route or grpcRoute", ".spec")
        base = f".spec.{key}"
        host = http.action.target.virtualService.virtualServiceName.lower()
        vs = self.index.services.get(host)
        s = self._service_of(self.index.provider_services(vs)) if vs else None
        if s is None:
            raise Skip(f"its target {host} runs as no imported service",
                       base + ".action.target")
        m = http.match
        kwargs: dict[str, Node] = {"via": Name("ISTIO")}
        if m.hostname is not None:
            if m.hostname.exact is None:
                raise Skip("it matches a host name suffix, which netgen cannot express",
                           base + ".match.hostname")
            kwargs["host"] = m.hostname.exact
        for name in ("method", "port", "serviceName"):
            if getattr(m, name) is not None:
                raise Skip(f"it matches {name}, which an exposure cannot express",
                           f"{base}.match.{name}")
        if m.queryParameters:
            raise Skip("it matches query parameters, which an exposure cannot express",
                       base + ".match.queryParameters")
        if m.path is not None:
            if m.path.exact is None:
                raise Skip("it matches a path regex", base + ".match.path")
            kwargs["path"], kwargs["path_type"] = m.path.exact, "Exact"
        elif m.prefix is not None and m.prefix != "/":
            if not m.prefix.endswith("/"):
                raise Skip(f"prefix {m.prefix!r} matches any path starting so (App Mesh), "
                           "an exposure's path whole segments only; end it with '/'",
                           base + ".match.prefix")
            kwargs["path"] = m.prefix.rstrip("/")
            rewrite = http.action.rewrite
            keep = rewrite is not None and rewrite.prefix is not None and (
                rewrite.prefix.defaultPrefix == "DISABLED")
            value = rewrite.prefix.value if rewrite and rewrite.prefix else None
            if value is not None:
                kwargs["rewrite"] = value
            elif not keep:
                kwargs["rewrite"] = "/"  # App Mesh's default: the matched prefix becomes '/'
        headers = []
        for i, h in enumerate(m.headers):
            if h.invert or h.match is None or h.match.exact is None:
                raise Skip(f"header {h.name} is matched other than exactly, which an "
                           "exposure cannot express", f"{base}.match.headers[{i}]")
            headers.append(call("header", h.name, h.match.exact))
        if headers:
            kwargs["match"] = headers[0] if len(headers) == 1 else sequence(headers)
        return call("expose", s.name, **kwargs)


def _header(h: shapes.HttpRouteHeader, path: str) -> Call:
    if h.match is None:
        if h.invert:
            raise Skip(f"header {h.name} must be absent, which netgen cannot express", path)
        return call("mesh_header", h.name, regex=".*")
    m = h.match
    if m.range is not None:
        raise Skip(f"header {h.name} is matched by a number range, which Istio cannot express",
                   path + ".match.range")
    kind, value = next(((k, getattr(m, k)) for k in ("exact", "prefix", "suffix", "regex")
                        if getattr(m, k) is not None), (None, None))
    if kind is None:
        raise Skip(f"header {h.name} has an empty match", path + ".match")
    if kind == "exact" and not h.invert:
        return call("header", h.name, value)
    return call("mesh_header", h.name, **{kind: value},
                invert=Name("True") if h.invert else None)


def _retries(r: shapes.RetryPolicy) -> Call:
    events = [c for e in (*r.httpRetryEvents, *r.tcpRetryEvents, *r.grpcRetryEvents)
              for c in RETRY_EVENTS.get(e, e).split(",")]
    return call("retries", r.maxRetries, per_try=r.perRetryTimeout.text(),
                on=",".join(dict.fromkeys(events)) or None)


def _conditions(m: object) -> bool:
    """Anything but 'every request'."""
    if isinstance(m, shapes.HttpRouteMatch):
        return (m.prefix not in (None, "/") or m.path is not None or bool(m.headers)
                or m.method is not None or bool(m.queryParameters))
    return True


def percentages(weights: dict[str, int]) -> dict[str, int]:
    """Relative weights as whole percentages adding up to 100 (largest remainder)."""
    total = sum(weights.values())
    if total == 0:
        share = {v: 0 for v in weights}
        first = next(iter(weights))
        share[first] = 100
        return share
    exact = {v: w * 100 / total for v, w in weights.items()}
    out = {v: int(x) for v, x in exact.items()}
    for v in sorted(exact, key=lambda v: (-(exact[v] - out[v]), list(weights).index(v)))[
            :100 - sum(out.values())]:
        out[v] += 1
    return out
