"""ALB listeners and rules → the `expose(...)` calls that keep the routing table.

Each rule becomes one exposure per (host, path, header value) it matches, since ALB values
of one condition are alternatives and netgen's exposures take one of each. Rules stay in
ALB evaluation order, and whatever the DSL cannot say is reported rather than dropped:

* redirect and fixed-response rules (other than the HTTP→HTTPS redirect of a whole
  listener, which becomes `redirect_https=True`): requests they answered now reach the next
  matching rule;
* method and query-string conditions: the route now matches more;
* a rule that an earlier rule of the same listener already covers (it never matched on the
  ALB; netgen orders routes by specificity, so keeping it would change who answers);
* weighted forwards that are not a two-version canary of one service, and canary shares
  that are not whole percents.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Callable
from fractions import Fraction

from attrs import evolve, frozen

from netgen.importers.ecs.model import (
    Backend,
    EcsSystem,
    FixedResponse,
    Forward,
    Ingress,
    Listener,
    PathMatch,
    Redirect,
    Route,
    TlsCertificate,
)
from netgen.importers.ecs.problems import Finding, Source
from netgen.importers.ecs.services import speaks_grpc
from netgen.importers.ecs.vias import ImportVia, routers
from netgen.plan.routes import precedence, request_key

Locate = Callable[[str], Source]
LAYER4 = ("TCP", "TLS")  # NLB listener protocols netgen exposes (UDP needs a UDP port)


@frozen
class Target:
    """Where an exposure sends traffic: a service, optionally one version or a canary."""

    service: str
    version: str | None = None
    canary_percent: int | None = None


@frozen
class Entry:
    """One future `expose(...)` call."""

    target: Target
    host: str | None
    path: str | None
    exact: bool
    headers: tuple[tuple[str, str], ...]
    cert: TlsCertificate | None
    redirect_https: bool
    port: int | None
    """The listener port, when it is not the protocol's usual one (or HTTPS only)."""
    plain_too: bool = False
    """Served over plain HTTP as well (an identical rule on the HTTP listener)."""
    layer4: bool = False
    """A TCP or TLS listener of a Network Load Balancer: `via=NLB` on `port`."""
    extra_ports: tuple[int, ...] = ()
    """Further listeners of the same NLB to the same service (layer4 only)."""
    query: tuple[tuple[str, str], ...] = ()
    methods: tuple[str, ...] = ()
    source_ips: tuple[str, ...] = ()
    wildcards: bool = False
    """The header values use ALB's wildcards (`header(..., wildcards=True)`)."""


@frozen
class RuleBlock:
    """A rule, as a comment, and the exposures it became (none when it was left out)."""

    ingress: Ingress
    listener: Listener
    route: Route
    title: str
    entries: tuple[Entry, ...] = ()
    left_out: str | None = None


def rule_id(route: Route) -> str:
    return route.rule_arn.rsplit("/", 1)[-1] if route.rule_arn else ""


def rule_name(listener: Listener, route: Route) -> str:
    where = f"{listener.protocol}:{listener.port}"
    if route.priority is None:
        return f"{where} default rule"
    return f"{where} rule {route.priority}"


class ExposurePlanner:
    def __init__(self, system: EcsSystem, locate: Locate, findings: list[Finding],
                 via: ImportVia) -> None:
        self.system = system
        self.locate = locate
        self.findings = findings
        self.via = via

    def blocks(self) -> list[RuleBlock]:
        out: list[RuleBlock] = []
        for ingress in self.system.ingresses:
            out += self._ingress(ingress)
        self._check_across(out)
        return out

    # --- one load balancer --------------------------------------------------------------

    def _ingress(self, ingress: Ingress) -> list[RuleBlock]:
        redirect = any(li.https_redirect for li in ingress.listeners)
        secure = [li for li in ingress.listeners if li.protocol == "HTTPS"]
        plain = [li for li in ingress.listeners if li.protocol == "HTTP"]
        blocks: list[RuleBlock] = []
        for li in ingress.listeners:
            if li.protocol in LAYER4:
                blocks += self._merged([self._layer4(ingress, li, r) for r in li.routes], blocks)
            elif li.protocol not in ("HTTP", "HTTPS"):
                self._warn("listener-protocol", f"{ingress.name} {li.protocol}:{li.port} is not "
                           "a TCP, TLS or HTTP listener; expose the service with via=NLB by "
                           "hand", self.locate(ingress.load_balancer_arn))
        for li in secure:
            port = li.port if li.port != 443 or not redirect else None
            blocks += self._listener(ingress, li, redirect, port)
        for li in plain:
            blocks += self._plain(ingress, li, blocks)
        return blocks

    def _layer4(self, ingress: Ingress, li: Listener, route: Route) -> RuleBlock:
        """An NLB listener forwards whole connections: `via=NLB` on the listener's port,
        terminating TLS with its certificate when it is a TLS listener."""
        title = f"{ingress.name} {li.protocol}:{li.port} -> {_action(route.action)}"
        block = RuleBlock(ingress, li, route, title)
        at = self.locate(ingress.load_balancer_arn)
        if not isinstance(route.action, Forward):
            return evolve(block, left_out="an NLB listener only forwards")
        target = self._target(route.action, title, at)
        if target is None:
            return evolve(block, left_out="no backend left to forward to")
        if target.version is not None or target.canary_percent is not None:
            self._warn("nlb-versions", f"{title}: an NLB exposure reaches every version of "
                                       f"{target.service}; the split by target group is not "
                                       "carried over", at)
            target = Target(target.service)
        cert = li.tls[0] if li.tls else None
        entry = Entry(target, None, None, False, (), cert, False, li.port, layer4=True)
        return evolve(block, entries=(entry,))

    def _merged(self, new: list[RuleBlock], earlier: list[RuleBlock]) -> list[RuleBlock]:
        """Listeners of one NLB to one service become one exposure with several ports (one
        LoadBalancer Service, so one NLB); a TLS and a plain listener cannot share one, since
        the certificate applies to every port of the Service."""
        out = []
        for block in new:
            entry = block.entries[0] if block.entries else None
            if entry is None:
                out.append(block)
                continue
            same = [b for b in earlier if b.entries and b.ingress == block.ingress
                    and b.entries[0].layer4 and b.entries[0].target == entry.target]
            twin = next((b for b in same if b.entries[0].cert == entry.cert), None)
            if twin is None:
                if same:
                    self._warn("nlb-split", f"{block.title}: listeners of one NLB with "
                                            "different certificates (or none) need separate "
                                            "exposures, so separate NLBs (a certificate "
                                            "covers every port of a LoadBalancer Service)",
                               self.locate(block.ingress.load_balancer_arn))
                out.append(block)
                continue
            first = twin.entries[0]
            i = earlier.index(twin)
            earlier[i] = evolve(twin, entries=(evolve(first, extra_ports=(
                *first.extra_ports, entry.port)),))
            shared = f"{twin.listener.protocol}:{twin.listener.port}"
            out.append(evolve(block, entries=(), left_out=f"one exposure with {shared}"))
        return out

    def _listener(
        self, ingress: Ingress, li: Listener, redirect: bool, port: int | None
    ) -> list[RuleBlock]:
        blocks: list[RuleBlock] = []
        kept: list[tuple[Route, Entry]] = []
        for route in li.routes:
            block = self._without_shadowed(self._rule(ingress, li, route, redirect, port), kept)
            catch_all = next((r for r, e in kept if _catches_all(r, e)), None)
            if route.priority is None and catch_all is not None and not block.entries:
                block = evolve(block, left_out=f"{rule_name(li, catch_all)} catches every "
                                               "request, so this default never answered")
            kept += [(route, e) for e in block.entries]
            blocks.append(block)
        self._check_order(li, kept)
        return blocks

    def _check_order(self, li: Listener, kept: list[tuple[Route, Entry]]) -> None:
        """The ALB tries rules by priority; netgen (and the ALB it configures) by
        specificity. Two rules a request can match both, to different targets, answer
        differently when the later one is the more specific: say so (of two as specific,
        the first declared answers in the cluster too, and the rules are written in the
        ALB's order)."""
        warned: set[tuple[str, str]] = set()
        for i, (first_route, first) in enumerate(kept):
            for route, entry in kept[i + 1:]:
                if route is first_route or entry.target == first.target:
                    continue
                if _precedence(entry) >= _precedence(first) or not _overlap(first, entry):
                    continue
                pair = (rule_name(li, first_route), rule_name(li, route))
                if pair in warned:
                    continue
                warned.add(pair)
                at = self.locate(route.rule_arn) if route.rule_arn else ""
                self._warn("rule-order", f"{pair[1]} ({_conditions(route)}) comes after "
                           f"{pair[0]} ({_conditions(first_route)}) on the ALB, but is at least "
                           "as specific, so in the cluster it is tried first: a request "
                           "matching both went to "
                           f"{_action(first_route.action)} and now goes to "
                           f"{_action(route.action)}; make the rules exclusive if that matters",
                           at)

    def _without_shadowed(self, block: RuleBlock, kept: list[tuple[Route, Entry]]) -> RuleBlock:
        """Drops the exposures an earlier rule of the listener already answers on the ALB."""
        entries, reasons, merged = [], [], []
        for entry in block.entries:
            earlier = next(((r, e) for r, e in kept if _covers(r, e, entry)), None)
            if earlier is None:
                entries.append(entry)
                continue
            route, first = earlier
            name = rule_name(block.listener, route)
            if _key(first) == _key(entry) and first.target == entry.target:
                merged.append(f"one exposure with the earlier {name}: the same requests to "
                              "the same target")
            elif _key(first) == _key(entry) and not _exact(route):
                reasons.append(f"once the paths are translated it matches the same requests as "
                               f"the earlier {name}, which keeps them")
            else:
                reasons.append(f"the earlier {name} takes every request it matches on the ALB, "
                               "so it never answered; netgen orders routes by specificity and "
                               "would let it answer, so it is left out")
        if not reasons:
            left = "; ".join(dict.fromkeys(merged)) if merged and not entries else None
            return evolve(block, entries=tuple(entries), left_out=left) if merged else block
        at = self.locate(block.route.rule_arn) if block.route.rule_arn else ""
        reason = reasons[0] if len(set(reasons)) == 1 else "; ".join(dict.fromkeys(reasons))
        self._warn("rule-shadowed", f"{block.title}: {reason}", at)
        return evolve(block, entries=tuple(entries), left_out=None if entries else reason)

    def _plain(self, ingress: Ingress, li: Listener, secure: list[RuleBlock]) -> list[RuleBlock]:
        """Rules of a plain HTTP listener. One equal to an HTTPS rule makes that exposure
        serve plain HTTP too; the others become exposures without TLS."""
        port = None if li.port == 80 else li.port
        own = self._listener(ingress, li, False, port)
        out: list[RuleBlock] = []
        for block in own:
            twin = next((b for b in secure if b.entries and _same_rule(b.route, block.route)
                         and b.ingress == ingress), None)
            if twin is not None and block.entries:
                i = secure.index(twin)
                secure[i] = evolve(twin, entries=tuple(
                    evolve(e, plain_too=True, redirect_https=False, port=None)
                    for e in twin.entries))
                block = evolve(block, entries=(),
                               left_out=f"same as {rule_name(twin.listener, twin.route)}, which "
                                        "now also answers plain HTTP")
            out.append(block)
        return out

    def _rule(
        self, ingress: Ingress, li: Listener, route: Route, redirect: bool, port: int | None
    ) -> RuleBlock:
        title = f"{ingress.name} {rule_name(li, route)}"
        if rule_id(route):
            title += f" ({rule_id(route)})"
        title += f": {_conditions(route)} -> {_action(route.action)}"
        block = RuleBlock(ingress, li, route, title)
        at = self.locate(route.rule_arn) if route.rule_arn else Source("", "$")
        if isinstance(route.action, FixedResponse):
            if route.priority is None and route.action.status_code == 404:
                return evolve(block, left_out="unmatched requests get 404 from the ingress "
                                              "controller too")
            reason = (f"fixed response {route.action.status_code} is not carried over; requests "
                      "it answered now reach the next matching rule")
            self._warn("rule-fixed-response", f"{title}: {reason}", at)
            return evolve(block, left_out=reason)
        if isinstance(route.action, Redirect):
            reason = ("this redirect is not carried over; requests it answered now reach the "
                      "next matching rule")
            self._warn("rule-redirect", f"{title}: {reason}", at)
            return evolve(block, left_out=reason)
        target = self._target(route.action, title, at)
        if target is None:
            return evolve(block, left_out="no backend left to forward to")
        if (route.methods or route.queries) and speaks_grpc(
                self.system.service(target.service)):
            reason = None
            if route.queries:
                reason = (f"its query-string condition takes no call of '{target.service}', "
                          "which speaks gRPC (no call has a query string)")
            elif "POST" not in route.methods:
                reason = (f"its method condition ({' or '.join(route.methods)}) takes no call "
                          f"of '{target.service}', which speaks gRPC (every call a POST)")
            if reason is not None:
                self._warn("rule-condition", f"{title}: {reason}", at)
                return evolve(block, left_out=reason)
            route = evolve(route, methods=())  # every gRPC call is a POST: it holds for all
        missing = self._inexpressible(route) if not self.via.in_cluster else []
        if missing:
            reason = (f"its {' and '.join(missing)} condition cannot be expressed with "
                      f"--via {self.via.name}, and without it the rule would match more; left "
                      "out, so requests it took now reach the next matching rule"
                      + _carried_by(missing))
            self._warn("rule-condition", f"{title}: {reason}", at)
            return evolve(block, left_out=reason)
        cert = _certificate(li.tls, route.hosts)
        wildcards = any(_WILDCARDS & set(v) for h in route.headers for v in h.values)
        entries = tuple(
            Entry(target, host, _path(path), bool(path and path.kind == "exact"),
                  headers, cert, bool(cert) and redirect, port, query=query,
                  methods=route.methods, source_ips=route.source_ips, wildcards=wildcards)
            for host, path, headers, query in itertools.product(
                route.hosts or (None,), route.paths or (None,), _header_choices(route),
                _query_choices(route))
        )
        return evolve(block, entries=entries)

    def _inexpressible(self, route: Route) -> list[str]:
        """The conditions of `route` the chosen backend cannot say (the whole rule is left
        out then: dropping one condition would make it catch requests it never took)."""
        wanted = {"header wildcard": any(
                      _WILDCARDS & set(v) for h in route.headers for v in h.values),
                  "query-string": bool(route.queries),
                  "method": bool(route.methods),
                  "source-ip": bool(route.source_ips)}
        missing = [word for word, on in wanted.items() if on and not self.via.can(word)]
        if any(q.key is None for q in route.queries) and self.via.can("query-string"):
            missing.append("key-less query-string")
        if self.via.can("query-string") and any(
                _QUERY_WILDCARD.search(f"{q.key or ''}={q.value}") for q in route.queries):
            missing.append("query-string wildcard")
        return missing

    def _target(self, action: Forward, title: str, at: Source | str) -> Target | None:
        backends = list(action.backends)
        if not backends:
            return None
        canary = self._canary(backends, title, at)
        if canary is not None:
            return canary
        positive = [b for b in backends if b.weight > 0]
        if len(backends) == 1 or len(positive) == 1:
            only = positive[0] if positive else backends[0]
            return Target(only.service, only.version)
        if not positive:
            return None
        heaviest = max(positive, key=lambda b: b.weight)
        self._warn("forward-narrowed",
                   f"{title}: a weighted forward over {_backends(backends)} is not a canary "
                   f"between the first and last version of one service; all traffic goes to "
                   f"{heaviest.target_group}", at)
        return Target(heaviest.service, heaviest.version)

    def _canary(self, backends: list[Backend], title: str, at: Source | str) -> Target | None:
        """Two backends, the first and the last version of one service: `canary=`."""
        if len(backends) != 2 or backends[0].service != backends[1].service:
            return None
        service = self.system.service(backends[0].service)
        stable, newest = service.versions[0].name, service.versions[-1].name
        by_version = {b.version: b for b in backends}
        total = sum(b.weight for b in backends)
        if stable == newest or set(by_version) != {stable, newest} or total <= 0:
            return None
        share = Fraction(by_version[newest].weight * 100, total)
        percent = round(share)
        if share.denominator != 1:
            self._warn("canary-rounded",
                       f"{title}: {newest} got {float(share):.2f}% of the traffic; netgen "
                       f"splits in whole percents, so it gets {percent}%", at)
        return Target(service.name, canary_percent=percent)

    def _check_across(self, blocks: list[RuleBlock]) -> None:
        """Two load balancers (or listeners) routing the same host, path and headers would
        be one route in the cluster: the first one is kept."""
        seen: dict[tuple[object, ...], RuleBlock] = {}
        for i, block in enumerate(blocks):
            kept = []
            for entry in block.entries:
                first = seen.setdefault(_key(entry), block)
                if first is block:
                    kept.append(entry)
                    continue
                self._warn("rule-duplicate",
                           f"{block.title}: routes the same requests as {first.title}; only the "
                           "first is kept", self.locate(block.route.rule_arn)
                           if block.route.rule_arn else "")
            if len(kept) != len(block.entries):
                blocks[i] = evolve(block, entries=tuple(kept),
                                   left_out=None if kept else f"same requests as {first.title}")

    def _warn(self, code: str, message: str, at: Source | str) -> None:
        source = at if isinstance(at, Source) else Source("", "$")
        self.findings.append(source.finding(code, message))


# --- conditions --------------------------------------------------------------------------


_WILDCARDS = frozenset("*?")
# ALB query-string conditions: `*` and `?` are wildcards unless escaped with a backslash
_QUERY_WILDCARD = re.compile(r"(?<!\\)[*?]")


def _query_literal(text: str) -> str:
    """An ALB query key or value without its escapes: what `query=` matches exactly."""
    return re.sub(r"\\([*?])", r"\1", text)


def _path(path: PathMatch | None) -> str | None:
    """A prefix of "/" (from `*` or `/*`) matches every request, as no path does: one
    spelling, so a catch-all rule and a default to the same target are one exposure."""
    if path is None or (path.kind == "prefix" and path.value == "/"):
        return None
    return path.value


def _query_choices(route: Route) -> list[tuple[tuple[str, str], ...]]:
    """Values of one query-string condition are alternatives: one combination each."""
    groups: dict[int, list[tuple[str, str]]] = {}
    for q in route.queries:
        groups.setdefault(q.condition, []).append((_query_literal(q.key or ""),
                                                   _query_literal(q.value)))
    if not groups:
        return [()]
    return [tuple(c) for c in itertools.product(*groups.values())]


def _header_choices(route: Route) -> list[tuple[tuple[str, str], ...]]:
    """ALB header values are alternatives: one combination per exposure."""
    if not route.headers:
        return [()]
    names = [h.name for h in route.headers]
    return [tuple(zip(names, values, strict=True))
            for values in itertools.product(*(h.values for h in route.headers))]


def _same_rule(a: Route, b: Route) -> bool:
    return (a.hosts, a.paths, a.headers, a.methods, a.queries, a.action) == (
        b.hosts, b.paths, b.headers, b.methods, b.queries, b.action)


def _key(e: Entry) -> tuple[object, ...]:
    """What makes two exposures the same route in the cluster."""
    if e.layer4:
        return ("NLB", e.target.service, e.port)
    return (e.host, e.path, e.exact, tuple(sorted((n.lower(), v) for n, v in e.headers)),
            tuple(sorted(e.query)), tuple(sorted(e.methods)), tuple(sorted(e.source_ips)))


def _precedence(e: Entry) -> tuple[object, ...]:
    """Where netgen's route table puts the exposure (`netgen.plan.routes.precedence`)."""
    return precedence(request_key(e.host, e.path, "Exact" if e.exact else "Prefix", e.headers,
                                  e.query, e.methods, e.source_ips))


def _overlap(a: Entry, b: Entry) -> bool:
    """Some request can match both (conservative: True unless they surely exclude)."""
    if a.host is not None and b.host is not None and not (
            _host_covers(a.host, b.host) or _host_covers(b.host, a.host)):
        return False
    if a.path is not None and b.path is not None and not (
            _path_covers(a.path, a.exact, b.path, b.exact)
            or _path_covers(b.path, b.exact, a.path, a.exact)):
        return False
    if not (a.wildcards or b.wildcards):
        values = {n.lower(): v for n, v in a.headers}
        if any(values.get(n.lower(), v) != v for n, v in b.headers):
            return False
    query = dict(a.query)
    if any(query.get(k, v) != v for k, v in b.query):
        return False
    if a.methods and b.methods and not set(a.methods) & set(b.methods):
        return False
    return not a.source_ips or not b.source_ips or any(
        _cidr_overlap(x, y) for x in a.source_ips for y in b.source_ips)


def _cidr_overlap(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_network(a, strict=False).overlaps(ipaddress.ip_network(b, strict=False))
    except (ValueError, TypeError):
        return True


def _catches_all(route: Route, e: Entry) -> bool:
    """Every request on the listener: no host, path, header or other condition."""
    return (e.host is None and e.path is None and not e.headers and not e.query
            and not route.methods and not route.source_ips)


def _exact(route: Route) -> bool:
    return all(p.exact_translation for p in route.paths)


def _covers(earlier_route: Route, a: Entry, b: Entry) -> bool:
    """True when every request `b` matches was already taken by `a` (on the ALB, or in the
    cluster when both became the same route)."""
    if _key(a) == _key(b):
        return True
    if (earlier_route.methods or earlier_route.queries or earlier_route.source_ips
            or a.wildcards or not _exact(earlier_route)):
        return False
    if a.host is not None and not _host_covers(a.host, b.host):
        return False
    if a.path is not None and not _path_covers(a.path, a.exact, b.path, b.exact):
        return False
    wanted = {(n.lower(), v.lower()) for n, v in b.headers}
    return all((n.lower(), v.lower()) in wanted for n, v in a.headers)


def _host_covers(a: str, b: str | None) -> bool:
    if b is None:
        return False
    if a == b:
        return True
    return a.startswith("*.") and b.endswith(a[1:]) and not b.startswith("*.")


def _path_covers(a: str, a_exact: bool, b: str | None, b_exact: bool) -> bool:
    if b is None:
        return False
    if a_exact:
        return b_exact and a == b
    return a == "/" or b == a or b.startswith(a.rstrip("/") + "/")


def _certificate(
    certs: tuple[TlsCertificate, ...], hosts: tuple[str, ...]
) -> TlsCertificate | None:
    """The listener's certificate for the rule's hosts (SNI), else its default (first)."""
    for cert in certs:
        if hosts and all(any(_host_covers(d, h) for d in cert.domains) for h in hosts):
            return cert
    return certs[0] if certs else None


# --- words ---------------------------------------------------------------------------------


def _conditions(route: Route) -> str:
    parts = []
    if route.hosts:
        parts.append("host " + " or ".join(route.hosts))
    if route.paths:
        shown = []
        for p in route.paths:
            meant = f"{p.kind} {p.value}"
            shown.append(p.pattern if p.pattern == p.value else f"{p.pattern} ({meant})")
        parts.append("path " + " or ".join(shown))
    for h in route.headers:
        parts.append(f"header {h.name}: {' or '.join(h.values)}")
    if route.methods:
        parts.append("method " + " or ".join(route.methods))
    for q in route.queries:
        parts.append(f"query {q.key + '=' if q.key else ''}{q.value}")
    if route.source_ips:
        parts.append("source IP " + " or ".join(route.source_ips))
    return ", ".join(parts) or "any request"


def _backends(backends: list[Backend]) -> str:
    total = sum(b.weight for b in backends) or 1
    if len(backends) == 1:
        return backends[0].target_group
    return ", ".join(
        f"{b.target_group} ({float(Fraction(b.weight * 100, total)):g}%)" for b in backends)


def _action(action: Forward | Redirect | FixedResponse) -> str:
    if isinstance(action, Forward):
        return _backends(list(action.backends)) or "nothing"
    if isinstance(action, Redirect):
        where = "".join(filter(None, (
            f"{action.scheme.lower()}://" if action.scheme else None, action.host,
            f":{action.port}" if action.port else None, action.path)))
        return f"redirect {action.status_code} to {where or 'the same URL'}"
    return f"fixed response {action.status_code}"


def _carried_by(missing: list[str]) -> str:
    """Which `--via` would carry a rule with these conditions, for the warning."""
    names = [v.name for v in routers() if all(v.can(word) for word in missing)]
    return f" (with --via {' or '.join(names)} it is carried)" if names else ""
