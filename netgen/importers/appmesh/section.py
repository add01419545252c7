"""The App Mesh part of the generated blueprint: `mesh(KIND)` (`--mesh`, a profile in
meshes.py), one `traffic(...)` per virtual router (its routes as `mesh_route`s, in App
Mesh's order), `calls` from the virtual nodes' backends, and exposures from the virtual
gateways' routes: through the mesh's own ingress gateway (`via=ISTIO`), else through `--via`.

Whatever a route asks that the blueprint or the mesh cannot say (a header range, another
listener's port than the service's, an idle timeout; for Linkerd a header's absence, an
order that matters, a TCP split) is a warning naming the export file and JSON path, and
the route is left out as a whole rather than widened. App Mesh's implicit 15 s per-request
timeout is written out with a comment saying so, since neither mesh has a default timeout.
Exposures are tried most specific first, gateway routes by priority (order.py): a gateway
route a higher-priority one catches whole is left out, one that now takes part of a
higher-priority route's requests is a warning naming them.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from netgen.importers.appmesh import order, shapes
from netgen.importers.appmesh.analyse import MeshIndex
from netgen.importers.appmesh.meshes import MeshProfile, importable_meshes, mesh_profile
from netgen.importers.ecs import services
from netgen.importers.ecs.model import EcsSystem, Service
from netgen.importers.ecs.problems import Finding, Source
from netgen.importers.ecs.pysource import (
    Call,
    Dict,
    List,
    Name,
    Node,
    call,
    comment,
    mapping,
    sequence,
    statement,
)
from netgen.importers.ecs.vias import ImportVia
from netgen.plan.mesh import HttpMatch, speaks_grpc, speaks_http
from netgen.plan.routes import RouteKey
from netgen.targets.features import Feature

DEFAULT_TIMEOUT = "15s"  # App Mesh's per-request timeout when a route sets none
_POLICY = {"split", "timeout", "retries"}  # a mesh_route with these only matches every call
# What keeps the routes of several virtual gateways apart once one via serves them all.
_APART = ("give each gateway's routes the host its clients use (hostname.exact) to keep them "
          "apart")
# What an exposure of a gateway route asks of the via that carries it (no mesh gateway).
_EXPOSE_FEATURES = {"host": Feature.HOST, "path": Feature.PATH, "path_type": Feature.PATH_EXACT,
                    "rewrite": Feature.REWRITE, "match": Feature.HEADER_MATCH}


class Skip(Exception):
    """This route cannot be carried; the message says why."""

    def __init__(self, message: str, suffix: str = "") -> None:
        super().__init__(message)
        self.suffix = suffix


class MeshSection:
    def __init__(self, index: MeshIndex, system: EcsSystem, kind: str | None,
                 via: ImportVia) -> None:
        self.index = index
        self.system = system
        self.kind = kind
        self.mesh: MeshProfile = mesh_profile(kind or importable_meshes()[0].kind)
        self.via = via
        # who serves the virtual gateways' routes now
        self.gateway = (f"the {self.mesh.name} ingress gateway" if self.mesh.gateway
                        else f"the {via.name} exposure")
        self.written = {s.name for s in system.services if s.ports}

    def statements(self, findings: list[Finding]) -> list[str]:
        self.findings = findings
        findings.extend(f for f in self.index.findings if f not in findings)
        if self.kind is None:
            routing = sorted(self.index.mesh.virtual_routers) or sorted(
                self.index.mesh.virtual_gateways)
            if routing:  # said at the first router (or gateway), as every warning has a place
                findings.append(self.index.mesh.source(routing[0]).finding(
                    "appmesh-no-mesh", "the export has App Mesh routing (virtual routers, "
                    f"gateways); pass --mesh {' or '.join(p.kind for p in importable_meshes())} "
                    "to carry the splits, matches, retries and timeouts; without a mesh every "
                    "version of a service gets calls in proportion to its pods"))
            return []
        out = [comment("--- App Mesh " + "-" * 72 + "\n"
                       f"The App Mesh routes, carried by the {self.mesh.name} mesh: each "
                       "virtual router "
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
                                                f"listened on {port}; {self.gateway} "
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
                self._listener_timeout(node, i, li)
            if node.spec.backendDefaults is not None:
                self.findings.append(at.finding(
                    "appmesh-client-policy", f"virtual node {node.virtualNodeName}: "
                                             "backendDefaults (client TLS) is not carried over; "
                                             f"{self.mesh.name}'s mTLS replaces it",
                                             ".spec.backendDefaults"))

    def _listener_timeout(self, node: shapes.VirtualNode, i: int, li: shapes.Listener) -> None:
        """A listener's timeout bounded every request into the node, whoever sent it (App
        Mesh applied the smaller of it and the route's). The blueprint's timeouts are the
        callers' (`traffic(timeout=)`, one per service, not per version), so it cannot say
        it: a warning per protocol, naming the values."""
        if li.timeout is None:
            return
        for proto in ("http", "http2", "grpc", "tcp"):
            t = getattr(li.timeout, proto)
            if t is None:
                continue
            values = ", ".join(f"{k} {d.text()}" for k, d in (("perRequest", t.perRequest),
                                                               ("idle", t.idle))
                               if d is not None and d.text())
            self.findings.append(self._at(node.metadata.arn).finding(
                "appmesh-listener", f"virtual node {node.virtualNodeName}: listener timeout "
                f"({values or 'empty'}) is not carried over: App Mesh's Envoy ended the node's "
                "inbound requests at it; only the routes' timeouts are carried "
                "(traffic(timeout=))", f".spec.listeners[{i}].timeout.{proto}"))

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
        routes = self._on_service_port(s, router, routes)
        if not routes:
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
                self._route_left_out(route, router, skip)
        if self.mesh.disjoint is not None:
            carried = self._unordered(carried, router)
        if not carried:  # each route left out said why; an empty traffic() says nothing
            return None
        return self._traffic(s, vs, router, carried, notes)

    def _on_service_port(self, s: Service, router: str, routes: list[shapes.Route]
                         ) -> list[shapes.Route]:
        """The routes of the router's listener on the service's port. App Mesh routes each
        listener's calls apart (a route names its listener with `match.port`), and netgen
        gives a service one port: a route of another listener, or of none, would apply to
        the wrong port's calls, so it is left out with a warning at its JSON path."""
        kept: list[shapes.Route] = []
        for route in routes:
            try:
                self._check_listener(s, router, route)
                self._first_tcp(kept, route)
            except Skip as skip:
                self._route_left_out(route, router, skip)
                continue
            kept.append(route)
        return kept

    def _check_listener(self, s: Service, router: str, route: shapes.Route) -> None:
        """Skip unless `route` routes the calls of the listener netgen carries: the router's
        only one, or among several the one on the service's main port; a TCP route belongs
        on a tcp listener, the others on an http, http2 or grpc one."""
        found = self.index.routers.get(router)
        listeners = [li.portMapping for li in found.spec.listeners] if found else []
        key, part = _route_part(route)
        if part is None or not listeners:
            return  # no route kind (`_route` says so) or no router described to check against
        port = part.match.port if part.match is not None else None
        at = f".spec.{key}" + (".match.port" if port is not None
                                else ".match" if part.match is not None else "")
        ports = ", ".join(f"{p.port} ({p.protocol})" for p in listeners)
        if port is None and len(listeners) > 1:
            raise Skip(f"router {router} listens on {ports} and the route names none of them "
                       "(match.port), so which calls it routes is ambiguous", at)
        listener = next((p for p in listeners if port in (None, p.port)), None)
        if listener is None:
            raise Skip(f"it matches port {port}, and router {router} listens on {ports} only",
                       at)
        if (key == "tcpRoute") != (listener.protocol == "tcp"):
            raise Skip(f"its {key} cannot route the calls of the {listener.protocol} listener "
                       f"{listener.port}", at)
        main = s.ports[0].port if s.ports else None
        if len(listeners) > 1 and listener.port != main:
            raise Skip(f"it routes the calls of port {listener.port} ({listener.protocol}) to "
                       f"{_weights(part.action)}, and netgen gives {s.name} one port, {main}, "
                       "whose routes are carried", at)

    @staticmethod
    def _first_tcp(kept: list[shapes.Route], route: shapes.Route) -> None:
        """A TCP route matches every connection of its listener, so a later one on the same
        (carried) listener never matched in App Mesh; a split cannot say two."""
        first = next((r for r in kept if r.spec.tcpRoute is not None), None)
        if route.spec.tcpRoute is not None and first is not None:
            raise Skip(f"route {first.routeName}, tried first, takes every connection of its "
                       "listener, so this one never matched", ".spec.tcpRoute")

    def _route_left_out(self, route: shapes.Route, router: str, skip: Skip) -> None:
        self.findings.append(self._at(route.metadata.arn).finding(
            "appmesh-route-left-out", f"route {route.routeName} of {router}: {skip}; the route "
            "is left out", skip.suffix))

    def _unordered(self, carried: list[tuple[shapes.Route, Call]], router: str
                   ) -> list[tuple[shapes.Route, Call]]:
        """A mesh that tries the most specific route first (Gateway API) keeps App Mesh's
        order only among routes no call can match twice: a route that may match calls an
        earlier one does is left out (they reach the earlier one, as in App Mesh, or the
        split); and its routes share one retry policy."""
        disjoint = self.mesh.disjoint
        assert disjoint is not None
        kept: list[tuple[shapes.Route, Call]] = []
        for i, (route, node) in enumerate(carried):
            if i == len(carried) - 1 and set(dict(node.kwargs)) <= _POLICY:
                kept.append((route, node))  # every request: it becomes the split
                continue
            clash = next((r for r, n in kept if not disjoint(_match(n), _match(node))), None)
            if clash is None:
                kept.append((route, node))
                continue
            self.findings.append(self._at(route.metadata.arn).finding(
                "appmesh-route-left-out", f"route {route.routeName} of {router}: it can match "
                f"calls route {clash.routeName} matches, and {self.mesh.name} tries routes "
                "most specific first, not in App Mesh's order; the route is left out",
                ".spec"))
        if not self.mesh.route_retries and len(
                {dict(n.kwargs).get("retries") for _, n in kept} - {None}) > 1:
            self.findings.append(self._at(kept[0][0].metadata.arn).finding(
                "appmesh-retries", f"the routes of {router} retry differently, and "
                f"{self.mesh.name} sets one retry policy for all of a service's routes; no "
                "retries are carried", ".spec"))
            kept = [(r, Call(n.func, n.args, tuple((k, v) for k, v in n.kwargs
                                                  if k != "retries"))) for r, n in kept]
        return kept

    def _single(self, s: Service, vs: shapes.VirtualService, router: str,
                routes: list[shapes.Route]) -> str | None:
        """One version: the routes choose nothing; their timeout and retries still count.

        A `mesh_route` must split between versions, so a service with one version has one
        policy for all of its calls: the last route's (the one App Mesh falls through to).
        Every other route whose timeout or retries differ is a warning naming its file and
        JSON path, since its calls now get the last route's (a /reports route of 120 s
        would otherwise be cut at 5 s without a word)."""
        notes: list[str] = []
        last = routes[-1]
        key, http = _policy_route(last)
        if len(routes) > 1 or (http is not None and _conditions(http.match)):
            self.findings.append(self._at(last.metadata.arn).finding(
                "appmesh-single-version", f"router {router} sends every route to the one "
                                          f"version of {s.name}; its matches are not carried, so "
                                          "requests no route matched (404 in App Mesh) now reach "
                                          f"{s.name}", ".spec"))
        if http is None:
            return None
        at = self._at(last.metadata.arn)
        timeout = self._timeout(http.timeout, last, at, f".spec.{key}.timeout", notes)
        retries = (self._retries(http.retryPolicy, at, f".spec.{key}.retryPolicy")
                   if http.retryPolicy else None)
        if http.retryPolicy is None:
            notes.append(self.mesh.default_retries)
        for route in routes[:-1]:
            self._policy_not_carried(s, router, route, last, timeout)
        return comment("\n".join([f"{vs.virtualServiceName} (virtual router {router}, one "
                                  "version).", *notes])) + statement(
            call("traffic", s.name, timeout=timeout, retries=retries))

    def _policy_not_carried(self, s: Service, router: str, route: shapes.Route,
                            last: shapes.Route, timeout: str) -> None:
        """Warn for each of `route`'s timeout and retries that `last`'s replace (the one
        policy of a service with one version), and for its idle timeout, never carried."""
        key, http = _policy_route(route)
        _, kept = _policy_route(last)
        if http is None or kept is None:
            return
        at = self._at(route.metadata.arn)
        why = (f"{s.name} has one version, and a mesh_route must split between versions, so "
               f"one traffic() policy covers all its calls: route {last.routeName}'s")
        if http.timeout is not None and http.timeout.idle is not None:
            self.findings.append(at.finding(
                "appmesh-idle-timeout", f"route {route.routeName}: the idle timeout "
                f"{http.timeout.idle.text()} is not carried over ({self.mesh.idle_timeout})",
                f".spec.{key}.timeout.idle"))
        own = _per_request(http.timeout)
        if own != timeout:
            given = http.timeout is not None and http.timeout.perRequest is not None
            self.findings.append(at.finding(
                "appmesh-route-timeout",
                f"route {route.routeName} of {router}: its per-request timeout "
                f"{own if given else DEFAULT_TIMEOUT + ' (App Mesh default)'} is not carried "
                f"over; {why} {timeout} now applies to its calls",
                f".spec.{key}.timeout.perRequest" if given else f".spec.{key}"))
        if _retry_key(http.retryPolicy) != _retry_key(kept.retryPolicy):
            own_retries = (f"{http.retryPolicy.maxRetries} retries"
                           if http.retryPolicy is not None else "App Mesh's default retries")
            other = (f"{kept.retryPolicy.maxRetries} retries" if kept.retryPolicy is not None
                     else "no retryPolicy")
            self.findings.append(at.finding(
                "appmesh-route-retries",
                f"route {route.routeName} of {router}: its retry policy ({own_retries}) is not "
                f"carried over; {why} ({other}) now applies to its calls",
                f".spec.{key}.retryPolicy" if http.retryPolicy is not None
                else f".spec.{key}"))

    def _traffic(self, s: Service, vs: shapes.VirtualService, router: str,
                 carried: list[tuple[shapes.Route, Call]], notes: list[str]) -> str:
        kwargs: dict[str, Node] = {}
        routes = [c for _, c in carried]
        last = routes[-1] if routes else None
        # A last route for every request becomes the policy's split; its timeout and retries
        # then apply to the other routes too, so only when they all set their own (or the
        # mesh retries per service anyway).
        folds = last is not None and set(dict(last.kwargs)) <= _POLICY
        if folds and "retries" in dict(last.kwargs) and self.mesh.route_retries:
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
            if _grpc_drops_method(s, http.match.method,
                                  "query" in kwargs, f".spec.{key}.match"):
                del kwargs["method"]
            action, retry, timeout, prefix = http.action, http.retryPolicy, http.timeout, key
        elif spec.grpcRoute:
            g = spec.grpcRoute
            kwargs.update(self._grpc_match(g.match))
            action, retry, timeout, prefix = g.action, g.retryPolicy, g.timeout, "grpcRoute"
        elif spec.tcpRoute:
            t = spec.tcpRoute
            if not self.mesh.tcp_split:
                raise Skip(f"{self.mesh.name} splits calls through an HTTPRoute only, not a "
                           f"TCP port's connections: its split ({_weights(t.action)}) is not "
                           f"carried, and connections reach every version of {s.name} in "
                           "proportion to its pods", ".spec.tcpRoute.action.weightedTargets")
            action, retry, timeout, prefix = t.action, None, t.timeout, "tcpRoute"
        else:
            raise Skip("it has no httpRoute, http2Route, grpcRoute or tcpRoute", ".spec")
        kwargs["split"] = self._split(s, action, f".spec.{prefix}.action.weightedTargets",
                                      route, notes)
        if prefix != "tcpRoute":
            kwargs["timeout"] = self._timeout(timeout, route, at, f".spec.{prefix}.timeout",
                                              notes)
            if retry is not None:
                kwargs["retries"] = self._retries(retry, at, f".spec.{prefix}.retryPolicy")
            elif self.mesh.default_retries not in notes:
                notes.append(self.mesh.default_retries)
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
                                            f"carried over ({self.mesh.idle_timeout})",
                                            path + ".idle"))
        if timeout is not None and timeout.perRequest is not None and timeout.perRequest.text():
            value = timeout.perRequest.text()
            assert value is not None
            if value in ("0s", "0ms"):
                notes.append(f"route {route.routeName}: perRequest 0 (no timeout) becomes "
                             f"1h, {self.mesh.name}'s longest practical value")
                return "1h"
            return value
        note = (f"timeout {DEFAULT_TIMEOUT}: App Mesh's default per-request timeout, written "
                f"out because {self.mesh.name} has none by default")
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
        headers = [_header(h, f"{path}.headers[{i}]", self.mesh)
                   for i, h in enumerate(m.headers)]
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
        headers = [_header(h, f".spec.grpcRoute.match.metadata[{i}]",  # type: ignore[arg-type]
                           self.mesh) for i, h in enumerate(m.metadata)]
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
        built: list[tuple[shapes.GatewayRoute, Call]] = []
        for i, r in enumerate(routes):
            if self._shadowed(r, routes[:i]):
                continue
            try:
                built.append((r, self._gateway_route(r)))
            except Skip as skip:
                self._left_out(r, skip)
        built = self._one_exposure_each(self._exact_beside_rewrites(built))
        self._reordered(built)
        self._bare_paths(built)
        for r, node in built:
            out.append(comment(f"gateway route {r.gatewayRouteName} of virtual gateway "
                               f"{r.virtualGatewayName}, through {self.gateway}")
                       + statement(node))
        for arn, gateway in sorted(self.index.gateway_tasks.items()):
            self.findings.append(self.index.x.source(arn).finding(
                "appmesh-gateway-service", f"this ECS service runs the Envoy of virtual gateway "
                                           f"{gateway}; {self.gateway} replaces it, so "
                                           "it is not imported"))
        return out

    def _shadowed(self, r: shapes.GatewayRoute, earlier: list[shapes.GatewayRoute]) -> bool:
        """A route every request of which a route of higher priority (carried or not)
        matches never answered in App Mesh; netgen tries the most specific route first and
        would let it answer, so it is left out, with a warning naming the one that caught
        its requests."""
        mine = order.requests(r)
        catcher = next((e for e in earlier if e.virtualGatewayName == r.virtualGatewayName
                        and order.tried_before(e, r) and mine is not None
                        and (theirs := order.requests(e)) is not None
                        and order.catches(theirs, mine)), None)
        if catcher is None:
            return False
        self.findings.append(self._at(r.metadata.arn).finding(
            "appmesh-gateway-route-shadowed", f"gateway route {r.gatewayRouteName} of "
            f"{r.virtualGatewayName} (priority {r.spec.priority}): gateway route "
            f"{catcher.gatewayRouteName} (priority {catcher.spec.priority}) matches every "
            "request it matches and App Mesh tried it first, so this route never received "
            f"traffic; {self.gateway} tries the most specific route first and would let it "
            "answer, so it is left out", ".spec.priority"))
        return True

    def _reordered(self, built: list[tuple[shapes.GatewayRoute, Call]]) -> None:
        """Two carried routes of one virtual gateway that a request can match both, to
        different answers: App Mesh gave it to the one of higher priority, netgen gives it
        to the more specific. When that may be the later one (or App Mesh's order between
        them is not known), the requests change hands: a warning at the later route. Two
        such routes of different virtual gateways answered different clients, and now
        share one exposure via: a warning too."""
        for i, (a, first) in enumerate(built):
            for b, node in built[i + 1:]:
                ma, mb = order.requests(a), order.requests(b)
                if (ma is None or mb is None or _same_answer(first, node)
                        or not order.overlap(ma, mb)):
                    continue
                # as specific, the first declared (`a`, written first) answers on every via
                later_first = order.exposure_precedence(node) < order.exposure_precedence(first)
                if a.virtualGatewayName != b.virtualGatewayName:
                    self._gateways_merged(a, first, b, node, order.shared(ma, mb), later_first)
                elif order.tried_before(a, b):
                    if later_first:
                        self._order_lost(a, first, b, node, order.shared(ma, mb))
                else:
                    self._order_unknown(a, first, b, node, order.shared(ma, mb), later_first)

    def _bare_paths(self, built: list[tuple[shapes.GatewayRoute, Call]]) -> None:
        """App Mesh's prefix is a string prefix: '/api/' does not match '/api' itself. The
        exposure's path '/api' matches whole segments (Kubernetes and Gateway API ignore a
        trailing '/'), so it takes '/api' too: a warning at the prefix, unless another
        carried route of the gateway that App Mesh matched '/api' with keeps it (netgen
        tries it first: an exact '/api') or answers it the same (one service, no rewrite)."""
        for r, node in built:
            mine = order.requests(r)
            if mine is None or mine.prefix is None or _kwarg(node, "path") is None:
                continue
            bare = attrs.evolve(mine, prefix=None, exact=mine.prefix.rstrip("/"))
            if not any(self._keeps(o, other, bare, node) for o, other in built if o is not r
                       and o.virtualGatewayName == r.virtualGatewayName):
                self._bare_path_taken(r, node, mine, bare)

    @staticmethod
    def _keeps(r: shapes.GatewayRoute, node: Call, bare: order.Requests, taker: Call) -> bool:
        """`r` (exposed as `node`) matched App Mesh's `bare` requests and still answers
        them, or answers them as `taker` does."""
        theirs = order.requests(r)
        return theirs is not None and order.catches(theirs, bare) and (
            _same_answer(node, taker)
            or order.exposure_precedence(node) < order.exposure_precedence(taker))

    def _bare_path_taken(self, r: shapes.GatewayRoute, node: Call, mine: order.Requests,
                         bare: order.Requests) -> None:
        rewrite = _kwarg(node, "rewrite")
        self.findings.append(self._at(r.metadata.arn).finding(
            "appmesh-gateway-bare-prefix", f"gateway route {r.gatewayRouteName} of "
            f"{r.virtualGatewayName}: App Mesh's prefix {mine.prefix!r} does not match the path "
            f"{bare.exact!r} itself, and the exposure's path {bare.exact!r} matches whole path "
            f"segments, so {order.shared(bare, bare)} now also reach {node.args[0]}"
            + (f" (rewritten to {str(rewrite)!r})" if rewrite is not None else "")
            + "; the route is kept: to keep them elsewhere, add an exposure of "
            f"path={bare.exact!r}, path_type='Exact' for them", f".spec.{mine.kind}.match.prefix"))

    def _gateways_merged(self, a: shapes.GatewayRoute, first: Call, b: shapes.GatewayRoute,
                         node: Call, where: str, later_first: bool) -> None:
        """`a` and `b` are routes of different virtual gateways, separate Envoys that the
        clients reached apart (their own DNS name, load balancer, port); `self.gateway`
        serves both, so the requests both match go to the more specific for everyone (of
        two as specific, to the first declared, `a`)."""
        now = _answers(a, first, node, later_first)
        self.findings.append(self._at(b.metadata.arn).finding(
            "appmesh-gateways-merged", f"gateway route {b.gatewayRouteName} of "
            f"{b.virtualGatewayName}: it and {self._named(a)} can both match {where}, which "
            f"went to {node.args[0]} from {b.virtualGatewayName} and to {first.args[0]} from "
            f"{a.virtualGatewayName}; App Mesh's virtual gateways were separate entry points, "
            f"{self.gateway} is one and gives them to {now} from either; the route is kept: "
            f"{_APART}", self._match_at(b)))

    def _one_exposure_each(self, built: list[tuple[shapes.GatewayRoute, Call]]
                           ) -> list[tuple[shapes.GatewayRoute, Call]]:
        """Two routes whose exposures take the same requests (netgen's key: host, path,
        headers, query, methods) cannot both be written: the build refuses the second. A
        route of higher priority caught the other already (`_shadowed`), so these are
        routes App Mesh ordered itself, or of different virtual gateways: the later one is
        left out, naming the one that answers for both."""
        seen: dict[RouteKey, tuple[shapes.GatewayRoute, Call]] = {}
        kept = []
        for r, node in built:
            a, first = seen.setdefault(order.exposure_key(node), (r, node))
            if a is r:
                kept.append((r, node))
                continue
            why = (f"App Mesh's virtual gateways were separate entry points, {self.gateway} is "
                   "one, and one exposure answers those requests for the clients of both"
                   if a.virtualGatewayName != r.virtualGatewayName else
                   "App Mesh tried them in an order of its own (no priority, or the same), and "
                   "one exposure answers those requests")
            self.findings.append(self._at(r.metadata.arn).finding(
                "appmesh-gateway-route-duplicate", f"gateway route {r.gatewayRouteName} of "
                f"{r.virtualGatewayName}: it matches the same requests as {self._named(a)}, "
                f"which went to {first.args[0]}; {why}: {first.args[0]}; left out: "
                + (_APART if a.virtualGatewayName != r.virtualGatewayName else
                   "check which one App Mesh answered with"), self._match_at(r)))
        return kept

    def _named(self, r: shapes.GatewayRoute) -> str:
        """A gateway route as another's warning names it: with its file and JSON path."""
        at = self._at(r.metadata.arn)
        return (f"gateway route {r.gatewayRouteName} of {r.virtualGatewayName} "
                f"({at.file}: {at.json_path})")

    @staticmethod
    def _match_at(r: shapes.GatewayRoute) -> str:
        mine = order.requests(r)
        return f".spec.{mine.kind}.match" if mine is not None else ".spec"

    def _order_lost(self, a: shapes.GatewayRoute, first: Call, b: shapes.GatewayRoute,
                    node: Call, where: str) -> None:
        """`b`, tried after `a` in App Mesh, is more specific: netgen tries it first, so
        the requests both match change hands (of two as specific, the first declared
        answers, as in App Mesh)."""
        self.findings.append(self._at(b.metadata.arn).finding(
            "appmesh-gateway-route-order", f"gateway route {b.gatewayRouteName} of "
            f"{b.virtualGatewayName}: {where} went to {first.args[0]} (gateway route "
            f"{a.gatewayRouteName}, priority {a.spec.priority}) and "
            f"now reach {node.args[0]} (this route, priority {b.spec.priority}): "
            f"{self.gateway} tries the most specific route first, not App Mesh's priority "
            f"order; the route is kept: to keep App Mesh's answer, add an exposure of "
            f"{first.args[0]} for those requests at least as specific as this route, or "
            "narrow this route so it leaves them out", ".spec.priority"))

    def _order_unknown(self, a: shapes.GatewayRoute, first: Call, b: shapes.GatewayRoute,
                       node: Call, where: str, later_first: bool) -> None:
        """App Mesh tried `a` and `b` in an order of its own (a missing or equal priority):
        which answered the requests both match is not known, so say who answers now."""
        pa, pb = a.spec.priority, b.spec.priority
        why = ("neither has a priority" if pa is None and pb is None
               else f"both have priority {pa}" if pa == pb else
               f"{b.gatewayRouteName if pb is None else a.gatewayRouteName} has no priority")
        now = _answers(a, first, node, later_first)
        self.findings.append(self._at(b.metadata.arn).finding(
            "appmesh-gateway-route-order", f"gateway route {b.gatewayRouteName} of "
            f"{b.virtualGatewayName}: it and gateway route {a.gatewayRouteName} can both "
            f"match {where}, and App Mesh tried them in an order of its own ({why}); "
            f"{self.gateway} tries the most specific route first and gives them to {now}; "
            "the route is kept: check which one App Mesh answered with, and give the routes "
            "conditions that do not overlap if it matters",
            ".spec.priority" if pb is not None else ".spec"))

    def _left_out(self, r: shapes.GatewayRoute, skip: Skip) -> None:
        self.findings.append(self._at(r.metadata.arn).finding(
            "appmesh-gateway-route-left-out", f"gateway route {r.gatewayRouteName} of "
            f"{r.virtualGatewayName}: {skip}; left out", skip.suffix))

    def _exact_beside_rewrites(self, built: list[tuple[shapes.GatewayRoute, Call]]
                               ) -> list[tuple[shapes.GatewayRoute, Call]]:
        """Through a via that rewrites with regex paths (ingress-nginx), a rewrite makes
        every path of its host a regex prefix: an exact path there cannot be said (netgen
        refuses the blueprint), so such a route is left out, not written to fail the build."""
        if self.mesh.gateway or self.via.rewrites_exact:
            return built
        rewritten = {_kwarg(n, "host") for _, n in built if _kwarg(n, "rewrite") is not None}
        kept = []
        for r, node in built:
            if _kwarg(node, "path_type") == "Exact" and _kwarg(node, "host") in rewritten:
                self._left_out(r, Skip(
                    f"--via {self.via.name} rewrites another route of its host through regex "
                    "paths, which make every path of the host a prefix: it cannot match this "
                    "exact path", ".spec"))
                continue
            kept.append((r, node))
        return kept

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
        self._target_port(http.action.target, s, base + ".action.target.port")
        m = http.match
        kwargs: dict[str, Node] = {"via": Name(self.mesh.gateway or self.via.name)}
        if m.hostname is not None:
            if m.hostname.exact is None:
                raise Skip("it matches a host name suffix, which netgen cannot express",
                           base + ".match.hostname")
            kwargs["host"] = m.hostname.exact
        for name in ("port", "serviceName"):
            if getattr(m, name) is not None:
                raise Skip(f"it matches {name}, which an exposure cannot express",
                           f"{base}.match.{name}")
        kwargs.update(_gateway_path(m, http.action.rewrite, base))
        post = _grpc_drops_method(s, m.method, bool(m.queryParameters), base + ".match")
        kwargs.update(self._narrowing(m, base, method=not post))
        headers = _exact_headers(m, base)
        if headers:
            kwargs["match"] = headers[0] if len(headers) == 1 else sequence(headers)
        if not self.mesh.gateway:
            self._exposable(kwargs, s.name, base + ".action.rewrite")
        self._host_rewrite(r, key, http, s.name)
        return call("expose", s.name, **kwargs)

    def _narrowing(self, m: shapes.GatewayRouteMatch, base: str, method: bool = True
                   ) -> dict[str, Node]:
        """The route's method (unless `method` is False: it holds for every call) and exact
        query parameters, as `methods=` and `query=` where the via carrying it can match
        them (the mesh's gateway, else `--via`)."""
        can = self.mesh.gateway_features if self.mesh.gateway else self.via.features
        out: dict[str, Node] = {}
        if method and m.method is not None:
            if Feature.METHOD_MATCH not in can:
                raise Skip(f"it matches method, which {self.gateway} cannot express",
                           base + ".match.method")
            out["methods"] = sequence([m.method])
        query = {}
        for i, q in enumerate(m.queryParameters):
            if Feature.QUERY_MATCH not in can:
                raise Skip(f"it matches query parameters, which {self.gateway} cannot express",
                           base + ".match.queryParameters")
            if q.match is None or q.match.exact is None:
                raise Skip(f"it matches query parameter {q.name} being present, which an "
                           "exposure cannot express (it matches exact values)",
                           f"{base}.match.queryParameters[{i}]")
            query[q.name] = q.match.exact
        if query:
            out["query"] = mapping(query)
        return out

    def _target_port(self, target: shapes.GatewayTarget, s: Service, path: str) -> None:
        """`target.port` picks one listener of the virtual service's provider; an exposure
        reaches the service's main port only, so another port cannot be carried."""
        main = s.ports[0].port if s.ports else None
        if target.port is not None and target.port != main:
            raise Skip(f"its target names port {target.port} of "
                       f"{target.virtualService.virtualServiceName}, and an exposure reaches "
                       f"{s.name} on its main port {main} only", path)
        if s.ports and not speaks_http(s.ports[0].name, s.ports[0].app_protocol):
            raise Skip(f"{s.name}'s port {main} ({s.ports[0].name}) is not HTTP, and an "
                       "exposure routes HTTP requests", path.removesuffix(".port"))

    def _host_rewrite(self, r: shapes.GatewayRoute, key: str | None,
                      http: shapes.HttpGatewayRoute, service: str) -> None:
        """App Mesh's HTTP/HTTP2 virtual gateway sends the target virtual service's name as
        the Host unless `rewrite.hostname.defaultTargetHostname` is DISABLED (its
        documented default); an exposure passes the client's Host on and cannot rewrite
        it, so a backend that checks the Host (virtual hosts, allowed-host lists) sees
        another value: a warning, the route is still carried."""
        rewrite = http.action.rewrite
        hostname = rewrite.hostname if rewrite is not None else None
        setting = hostname.defaultTargetHostname if hostname is not None else None
        if setting == "DISABLED" or (setting is None and key == "grpcRoute"):
            return
        host = http.action.target.virtualService.virtualServiceName
        why = ("defaultTargetHostname ENABLED" if setting is not None
               else "App Mesh's default for HTTP gateway routes")
        self.findings.append(self._at(r.metadata.arn).finding(
            "appmesh-gateway-host", f"gateway route {r.gatewayRouteName} of "
            f"{r.virtualGatewayName}: App Mesh sent {host} as the Host header ({why}); "
            f"{self.gateway} passes the client's Host on to {service}, so check that "
            f"{service} accepts it", f".spec.{key}.action"
            + (".rewrite.hostname" if hostname is not None else "")))

    def _exposable(self, kwargs: dict[str, Node], service: str, rewrite: str) -> None:
        """Without a mesh gateway the route is exposed through `--via`: when it can say it."""
        if self.via.in_cluster:
            raise Skip(f"{self.mesh.name} has no ingress gateway and --via {self.via.name} "
                       f"exposes nothing; expose {service} through an ingress by hand")
        if "rewrite" in kwargs and kwargs.get("path_type") == "Exact" and (
                not self.via.rewrites_exact):
            raise Skip(f"{self.mesh.name} has no ingress gateway and --via {self.via.name} "
                       "rewrites through regex paths, which make every path of the host a "
                       "prefix: it cannot rewrite an exact path", rewrite + ".path")
        for key, feature in _EXPOSE_FEATURES.items():
            if key in kwargs and feature not in self.via.features:
                raise Skip(f"{self.mesh.name} has no ingress gateway and --via {self.via.name} "
                           f"cannot {feature.value}")

    def _retries(self, r: shapes.RetryPolicy, at: Source, path: str) -> Call | None:
        """App Mesh's retry events as the mesh's conditions; those it has none for are a
        warning, and without any left the policy is not carried (it would retry more)."""
        events = (*r.httpRetryEvents, *r.tcpRetryEvents, *r.grpcRetryEvents)
        known = self.mesh.retry_events
        lost = [e for e in events if e not in known and not self.mesh.other_events]
        conditions = [c for e in events if e not in lost
                      for c in known.get(e, e).split(",")]
        if lost:
            self.findings.append(at.finding(
                "appmesh-retry-events", f"retry events {', '.join(lost)} have no "
                f"{self.mesh.name} equivalent; "
                + ("they are not carried" if conditions else "the retries are not carried"),
                path))
            if not conditions:
                return None
        return call("retries", r.maxRetries, per_try=r.perRetryTimeout.text(),
                    on=",".join(dict.fromkeys(conditions)) or None)


def _gateway_path(m: shapes.GatewayRouteMatch, rewrite: shapes.GatewayRewrite | None,
                  base: str) -> dict[str, Node]:
    """The exposure's path, path_type and rewrite for a gateway route's match and rewrite.

    App Mesh replaces a matched prefix with `rewrite.prefix.value` (by default with '/',
    `defaultPrefix` DISABLED keeps it) and an exact path with `rewrite.path.exact`, which
    is what `expose(rewrite=)` does on the mesh gateway, Gateway API and ingress-nginx
    when the prefix and the value both end in '/'. A rewrite of another kind (a whole
    path under a prefix, a prefix of an exact path) cannot be said: Skip, with its path.
    """
    rw = base + ".action.rewrite"
    prefix_rw = rewrite.prefix if rewrite is not None else None
    path_rw = rewrite.path if rewrite is not None else None
    out: dict[str, Node] = {}
    if m.path is not None:
        if m.path.exact is None:
            raise Skip("it matches a path regex", base + ".match.path")
        out["path"], out["path_type"] = m.path.exact, "Exact"
        if prefix_rw is not None:
            raise Skip("it rewrites a prefix of an exact path match", rw + ".prefix")
        if path_rw is not None and path_rw.exact is not None:
            if not path_rw.exact.startswith("/"):
                raise Skip(f"it rewrites the path to {path_rw.exact!r}, not a path",
                           rw + ".path.exact")
            out["rewrite"] = path_rw.exact
        return out
    if path_rw is not None:
        raise Skip(f"it rewrites every path it matches to {path_rw.exact!r}; an exposure's "
                   "rewrite replaces only the matched prefix", rw + ".path")
    if m.prefix is None:
        if prefix_rw is not None:
            raise Skip("it rewrites a prefix but matches none", rw + ".prefix")
        return out
    value = prefix_rw.value if prefix_rw is not None else None
    keep = prefix_rw is not None and value is None and prefix_rw.defaultPrefix == "DISABLED"
    if value is not None and not (value.startswith("/") and value.endswith("/")):
        raise Skip(f"its prefix rewrite {value!r} does not start and end with '/', and the "
                   "exposures' backends join it to the rest of the path differently",
                   rw + ".prefix.value")
    if m.prefix == "/":
        if value is not None and value != "/":
            out["rewrite"] = value  # '/x' -> value + 'x'
        return out
    if not m.prefix.endswith("/"):
        raise Skip(f"prefix {m.prefix!r} matches any path starting so (App Mesh), "
                   "an exposure's path whole segments only; end it with '/'",
                   base + ".match.prefix")
    out["path"] = m.prefix.rstrip("/")
    if value is not None:
        out["rewrite"] = value
    elif not keep:
        out["rewrite"] = "/"  # App Mesh's default: the matched prefix becomes '/'
    return out


def _answers(a: shapes.GatewayRoute, first: Call, node: Call, later_first: bool) -> str:
    """Who takes the requests two carried routes share: the more specific, of two as
    specific the first declared (`a`, written first)."""
    return (f"{node.args[0]} (this route)" if later_first
            else f"{first.args[0]} (gateway route {a.gatewayRouteName})")


def _grpc_drops_method(s: Service, method: str | None, query: bool, path: str) -> bool:
    """A method or query condition of an HTTP route to a service read as gRPC (its port's
    appProtocol or name): every gRPC call is a POST without a query string, so POST holds
    for all of them (True: drop it) and anything else for none (the route never matched)."""
    port = s.ports[0] if s.ports else None
    if port is None or not (services.speaks_grpc(s)
                            or speaks_grpc(port.name, port.app_protocol)):
        return False
    if query:
        raise Skip(f"its query condition takes no call of {s.name}, which speaks gRPC (no call "
                   "has a query string), so it never matched", path + ".queryParameters")
    if method not in (None, "POST"):
        raise Skip(f"its method condition ({method}) takes no call of {s.name}, which speaks "
                   "gRPC (every call a POST), so it never matched", path + ".method")
    return method is not None


def _exact_headers(m: shapes.GatewayRouteMatch, base: str) -> list[Call]:
    """The route's headers (a gRPC route's metadata, which gRPC sends as headers) as an
    exposure's `match=`, which takes exact values only: any other condition Skips, rather
    than widen the route to requests without it."""
    out = []
    for key, word in (("headers", "header"), ("metadata", "metadata")):
        for i, h in enumerate(getattr(m, key)):
            if h.invert or h.match is None or h.match.exact is None:
                raise Skip(f"{word} {h.name} is matched other than exactly, which an "
                           "exposure cannot express", f"{base}.match.{key}[{i}]")
            out.append(call("header", h.name, h.match.exact))
    return out


def _header(h: shapes.HttpRouteHeader, path: str, mesh: MeshProfile) -> Call:
    if h.match is None:
        if h.invert:
            raise Skip(f"header {h.name} must be absent, which netgen cannot express", path)
        return call("mesh_header", h.name, regex=".*")
    if h.invert and not mesh.absence:
        raise Skip(f"header {h.name} must not match, which {mesh.name} (Gateway API) cannot "
                   "express", path + ".invert")
    m = h.match
    if m.range is not None:
        raise Skip(f"header {h.name} is matched by a number range, which {mesh.name} cannot "
                   "express", path + ".match.range")
    kind, value = next(((k, getattr(m, k)) for k in ("exact", "prefix", "suffix", "regex")
                        if getattr(m, k) is not None), (None, None))
    if kind is None:
        raise Skip(f"header {h.name} has an empty match", path + ".match")
    if kind == "exact" and not h.invert:
        return call("header", h.name, value)
    return call("mesh_header", h.name, **{kind: value},
                invert=Name("True") if h.invert else None)


def _route_part(route: shapes.Route
                ) -> tuple[str, shapes.HttpRoute | shapes.GrpcRoute | shapes.TcpRoute | None]:
    """The route's one part (App Mesh: "specify one route type") and its key in the spec."""
    for key in ("httpRoute", "http2Route", "grpcRoute", "tcpRoute"):
        found = getattr(route.spec, key)
        if found is not None:
            return key, found
    return "", None


def _weights(action: shapes.RouteAction) -> str:
    """The weighted targets as the export says them, for a warning saying what is lost."""
    return ", ".join(f"{t.virtualNode} {t.weight}" for t in action.weightedTargets)


def _policy_route(route: shapes.Route
                  ) -> tuple[str, shapes.HttpRoute | shapes.GrpcRoute | None]:
    """The route's HTTP, HTTP/2 or gRPC part (the ones with a timeout and retries) and its
    key in the spec; (key, None) for a TCP route."""
    key, part = _route_part(route)
    if part is None or isinstance(part, shapes.TcpRoute):
        return "tcpRoute", None
    return key, part


def _per_request(timeout: shapes.HttpTimeout | None) -> str:
    """The per-request timeout a route gets, as `_timeout` writes it: App Mesh's 15 s
    default when none is set, an hour for 0 (none)."""
    value = timeout.perRequest.text() if timeout and timeout.perRequest else None
    if not value:
        return DEFAULT_TIMEOUT
    return "1h" if value in ("0s", "0ms") else value


def _retry_key(r: shapes.RetryPolicy | None) -> tuple[object, ...] | None:
    """What makes two retry policies retry alike (events compared as sets)."""
    if r is None:
        return None
    return (r.maxRetries, r.perRetryTimeout.text(), frozenset(r.httpRetryEvents),
            frozenset(r.tcpRetryEvents), frozenset(r.grpcRetryEvents))


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


def _match(route: Call) -> HttpMatch:
    """What a written `mesh_route` matches, as far as telling routes apart needs: its path,
    method, exact headers and query (other header conditions only narrow it)."""
    kw = dict(route.kwargs)
    kind = next((k for k in ("exact", "prefix", "regex") if k in kw), None)
    found = kw.get("headers")
    headers = found.items if isinstance(found, List) else (found,) if found else ()
    exact = tuple((str(h.args[0]).lower(), str(h.args[1])) for h in headers
                  if isinstance(h, Call) and h.func == "header")
    query = kw.get("query")
    pairs = tuple((str(k), str(v)) for k, v in query.items) if isinstance(query, Dict) else ()
    method = kw.get("method")
    return HttpMatch(kind, str(kw[kind]) if kind else None, exact,
                     str(method) if method is not None else None, query=pairs)


def _same_answer(a: Call, b: Call) -> bool:
    """Two exposures that send a request to the same service unchanged: which one takes
    it cannot matter."""
    return (a.args[:1] == b.args[:1] and _kwarg(a, "rewrite") is None
            and _kwarg(b, "rewrite") is None)


def _kwarg(node: Call, name: str) -> Node | None:
    return next((v for k, v in node.kwargs if k == name), None)
