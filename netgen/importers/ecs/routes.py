"""Load balancers, listeners and rules → `Ingress` objects with routes in ALB precedence order."""

from __future__ import annotations

import math
from collections import defaultdict
from fractions import Fraction

from attrs import frozen

from netgen.importers.ecs.exports import Exports
from netgen.importers.ecs.model import (
    Backend,
    FixedResponse,
    Forward,
    HeaderMatch,
    Ingress,
    Listener,
    PathMatch,
    QueryMatch,
    Redirect,
    Route,
    TlsCertificate,
)
from netgen.importers.ecs.naming import dns_label, unique
from netgen.importers.ecs.paths import translate_path
from netgen.importers.ecs.problems import Finding, Source
from netgen.importers.ecs.shapes.elbv2 import Action, RuleCondition, listener_arn_of_rule
from netgen.importers.ecs.shapes.elbv2 import Listener as ElbListener
from netgen.importers.ecs.subnets import subnet_ranges

_WILDCARDS = frozenset("*?")


@frozen
class Attachment:
    """One version of a netgen service registered in a target group."""

    service: str
    version: str | None
    port: int
    replicas: int
    all_versions: tuple[str | None, ...]


class RouteBuilder:
    def __init__(
        self,
        exports: Exports,
        attachments: dict[str, list[Attachment]],
        findings: list[Finding],
    ) -> None:
        self.x = exports
        self.attachments = attachments
        self.findings = findings

    def ingresses(self) -> tuple[Ingress, ...]:
        by_lb: dict[str, list[ElbListener]] = defaultdict(list)
        for listener in self.x.listeners.values():
            by_lb[listener.LoadBalancerArn].append(listener)
        rules_by_listener: dict[str, list[str]] = defaultdict(list)
        for arn in self.x.rules:
            rules_by_listener[listener_arn_of_rule(arn) or ""].append(arn)
        result, used = [], set()
        lbs = sorted(self.x.load_balancers.values(), key=lambda b: b.LoadBalancerName)
        for lb in lbs:
            listeners = sorted(by_lb.get(lb.LoadBalancerArn, []), key=lambda li: li.Port or 0)
            built = [
                self._listener(li, rules_by_listener.get(li.ListenerArn, [])) for li in listeners
            ]
            result.append(
                Ingress(
                    name=unique(dns_label(lb.LoadBalancerName, "lb"), used),
                    load_balancer_arn=lb.LoadBalancerArn,
                    internet_facing=lb.Scheme == "internet-facing",
                    listeners=tuple(li for li in built if li is not None),
                    dns_name=lb.DNSName,
                    network=lb.Type == "network",
                    source_ranges=subnet_ranges(
                        self.x, [z.SubnetId for z in lb.AvailabilityZones],
                        self.x.source(lb.LoadBalancerArn), f"load balancer {lb.LoadBalancerName}",
                        "STRICT policies admit it from the private ranges instead",
                        self.findings),
                )
            )
        return tuple(result)

    def _listener(self, listener: ElbListener, rule_arns: list[str]) -> Listener | None:
        at = self.x.source(listener.ListenerArn)
        if listener.Port is None or listener.Protocol is None:
            self.findings.append(
                at.finding("listener-skipped", "listener without port/protocol (Gateway LB)")
            )
            return None
        protocol = listener.Protocol.upper()
        routes: list[Route] = []
        if rule_arns:
            rules = [(self.x.rules[a], self.x.source(a)) for a in rule_arns]
            rules.sort(key=lambda r: (r[0].Priority is None, r[0].Priority or 0))
            for rule, rule_at in rules:
                route = self._route(
                    rule.Priority, rule.Conditions, rule.Actions, rule.RuleArn, rule_at
                )
                if rule.Transforms:
                    self.findings.append(
                        rule_at.finding(
                            "rule-transform",
                            "host/URL rewrites are not carried over",
                            ".Transforms",
                        )
                    )
                if route is not None:
                    routes.append(route)
        else:
            if protocol in ("HTTP", "HTTPS"):
                self.findings.append(
                    at.finding(
                        "rules-not-exported",
                        "no describe-rules output for this listener; only its default action "
                        "is imported",
                    )
                )
            route = self._route(None, (), listener.DefaultActions, "", at.at(""), ".DefaultActions")
            if route is not None:
                routes.append(route)
        redirect = _https_redirect(protocol, routes)
        if redirect:
            routes = routes[:-1]
        return Listener(
            port=listener.Port,
            protocol=protocol,
            routes=tuple(routes),
            tls=self._tls(listener, at),
            ssl_policy=listener.SslPolicy,
            https_redirect=redirect,
        )

    def _tls(self, listener: ElbListener, at: Source) -> tuple[TlsCertificate, ...]:
        certs = []
        for i, cert in enumerate(listener.Certificates):
            acm = self.x.certificates.get(cert.CertificateArn)
            domains: tuple[str, ...] = ()
            amazon = True
            if acm is not None:
                domains = tuple(dict.fromkeys((acm.DomainName, *acm.SubjectAlternativeNames)))
                amazon = acm.Type in (None, "AMAZON_ISSUED")
            certs.append(TlsCertificate(cert.CertificateArn, domains, amazon))
            if amazon:
                names = ", ".join(domains) or "its domains"
                self.findings.append(
                    at.finding(
                        "acm-certificate",
                        f"ACM will not export the private key of {cert.CertificateArn}; issue a "
                        f"certificate for {names} in the cluster (e.g. cert-manager)",
                        f".Certificates[{i}]",
                    )
                )
        return tuple(certs)

    # --- one rule ------------------------------------------------------------------------

    def _route(
        self,
        priority: int | None,
        conditions: tuple[RuleCondition, ...],
        actions: tuple[Action, ...],
        rule_arn: str,
        at: Source,
        actions_path: str = ".Actions",
    ) -> Route | None:
        hosts: list[str] = []
        paths: list[PathMatch] = []
        headers: list[HeaderMatch] = []
        methods: list[str] = []
        queries: list[QueryMatch] = []
        sources: list[str] = []
        for i, cond in enumerate(conditions):
            c_at = at.at(f".Conditions[{i}]")
            field = cond.Field
            if field == "host-header":
                config = cond.HostHeaderConfig
                values = (config.Values if config else ()) or cond.Values
                hosts += [self._host(v, c_at) for v in values]
            elif field == "path-pattern":
                config = cond.PathPatternConfig
                for value in (config.Values if config else ()) or cond.Values:
                    match, code = translate_path(value)
                    paths.append(match)
                    if code is not None:
                        self.findings.append(c_at.finding(code, _path_message(match, code)))
            elif field == "http-header" and cond.HttpHeaderConfig is not None:
                config = cond.HttpHeaderConfig
                headers.append(HeaderMatch(config.HttpHeaderName, config.Values))
            elif field == "http-request-method":
                config = cond.HttpRequestMethodConfig
                methods += [m.upper() for m in (config.Values if config else ()) or cond.Values]
            elif field == "query-string" and cond.QueryStringConfig is not None:
                queries += [QueryMatch(q.Key, q.Value, i) for q in cond.QueryStringConfig.Values]
            elif field == "source-ip":
                config = cond.SourceIpConfig
                sources += list((config.Values if config else ()) or cond.Values)
            else:
                self.findings.append(
                    c_at.finding(
                        "condition-dropped",
                        f"{field} condition is not carried over; the route now matches more",
                    )
                )
            if _has_regex(cond):
                self.findings.append(
                    c_at.finding(
                        "condition-dropped",
                        "regex condition values are not carried over; the route now matches more",
                    )
                )
        action = self._action(actions, at.at(actions_path))
        if action is None:
            return None
        return Route(
            priority=priority,
            action=action,
            hosts=tuple(hosts),
            paths=tuple(paths),
            headers=tuple(headers),
            methods=tuple(methods),
            queries=tuple(queries),
            rule_arn=rule_arn,
            source_ips=tuple(sources),
        )

    def _host(self, value: str, at: Source) -> str:
        host = value.lower()
        if any(ch in _WILDCARDS for ch in host.removeprefix("*.")):
            self.findings.append(
                at.finding(
                    "host-wildcard",
                    f"host {value} has a wildcard other than a leading '*.'; Kubernetes cannot "
                    "express it",
                )
            )
        return host

    def _action(
        self, actions: tuple[Action, ...], at: Source
    ) -> Forward | Redirect | FixedResponse | None:
        ordered = sorted(enumerate(actions), key=lambda a: (a[1].Order or 0, a[0]))
        for i, action in ordered:
            a_at = at.at(f"[{i}]")
            kind = action.Type
            if kind == "forward":
                return Forward(self._backends(action, a_at))
            if kind == "redirect" and action.RedirectConfig is not None:
                return _redirect(action, a_at, self.findings)
            if kind == "fixed-response" and action.FixedResponseConfig is not None:
                config = action.FixedResponseConfig
                text = config.StatusCode
                code = int(text) if text.isascii() and text.isdigit() and len(text) == 3 else 503
                return FixedResponse(code, config.ContentType, config.MessageBody)
            self.findings.append(
                a_at.finding(
                    "action-dropped",
                    f"{kind} action is not carried over (authentication belongs in the "
                    "application or a gateway policy)",
                )
            )
        self.findings.append(at.finding("no-action", "rule has no action netgen can carry over"))
        return None

    def _backends(self, action: Action, at: Source) -> tuple[Backend, ...]:
        """Weights stay as on the ALB when each target group holds one version. A group
        shared by several versions splits its weight by replicas, scaled to integers."""
        stickiness = action.ForwardConfig and action.ForwardConfig.TargetGroupStickinessConfig
        if stickiness and stickiness.Enabled:
            self.findings.append(
                at.finding(
                    "stickiness",
                    "target group stickiness is not carried over",
                    ".ForwardConfig.TargetGroupStickinessConfig",
                )
            )
        shares: dict[tuple[str, str | None, int], Fraction] = {}
        names: dict[tuple[str, str | None, int], str] = {}
        for suffix, arn, weight in action.forward_targets():
            group = self.x.target_groups.get(arn)
            attached = self.attachments.get(arn, [])
            if group is None or not attached:
                self.findings.append(
                    at.finding(
                        "target-group-without-service",
                        f"no imported ECS service is registered in {arn}; traffic for it is "
                        "dropped",
                        suffix,
                    )
                )
                continue
            for key, share in _split(attached, max(weight, 0)).items():
                shares[key] = shares.get(key, Fraction(0)) + share
                names.setdefault(key, group.TargetGroupName)
            if len(attached) > 1 and any(a.version is not None for a in attached):
                self.findings.append(
                    at.finding(
                        "shared-target-group",
                        f"{group.TargetGroupName} holds several versions; its weight is split "
                        "by replica count",
                        suffix,
                    )
                )
        scale = math.lcm(*(s.denominator for s in shares.values())) if shares else 1
        return tuple(
            Backend(service, version, port, int(share * scale), names[(service, version, port)])
            for (service, version, port), share in shares.items()
        )


def _split(attached: list[Attachment], weight: int) -> dict[tuple[str, str | None, int], Fraction]:
    first = attached[0]
    covers_all = all(a.service == first.service and a.port == first.port for a in attached) and {
        a.version for a in attached
    } == set(first.all_versions)
    if covers_all:
        return {(first.service, None, first.port): Fraction(weight)}
    total = sum(max(a.replicas, 0) for a in attached)
    shares: dict[tuple[str, str | None, int], Fraction] = {}
    for a in attached:
        part = Fraction(max(a.replicas, 0), total) if total else Fraction(1, len(attached))
        key = (a.service, a.version, a.port)
        shares[key] = shares.get(key, Fraction(0)) + weight * part
    return shares


def _redirect(action: Action, at: Source, findings: list[Finding]) -> Redirect:
    config = action.RedirectConfig
    assert config is not None
    code = 302 if config.StatusCode == "HTTP_302" else 301

    def keep(value: str | None, placeholder: str, field: str) -> str | None:
        if value in (None, placeholder):
            return None
        if "#{" in value:
            findings.append(
                at.finding(
                    "redirect-placeholder",
                    f"{field} {value!r} mixes placeholders with text; rewrite it by hand",
                    f".RedirectConfig.{field}",
                )
            )
        return value

    protocol = keep(config.Protocol, "#{protocol}", "Protocol")
    port_text = keep(config.Port, "#{port}", "Port")
    port = int(port_text) if port_text and port_text.isascii() and port_text.isdigit() else None
    return Redirect(
        status_code=code,
        scheme=protocol.upper() if protocol else None,
        host=keep(config.Host, "#{host}", "Host"),
        port=port if port is not None and 0 < port < 65536 else None,
        path=keep(config.Path, "/#{path}", "Path"),
        query=keep(config.Query, "#{query}", "Query"),
    )


def _https_redirect(protocol: str, routes: list[Route]) -> bool:
    """An HTTP listener whose default rule only sends clients to the same URL over HTTPS."""
    if protocol != "HTTP" or not routes or routes[-1].priority is not None:
        return False
    action = routes[-1].action
    return (
        isinstance(action, Redirect)
        and action.scheme == "HTTPS"
        and action.port in (None, 443)
        and action.host is None
        and action.path is None
        and action.query is None
    )


def _has_regex(cond: RuleCondition) -> bool:
    configs = (cond.HostHeaderConfig, cond.PathPatternConfig, cond.HttpHeaderConfig)
    return bool(cond.RegexValues) or any(c is not None and c.RegexValues for c in configs)


def _path_message(match: PathMatch, code: str) -> str:
    if code == "path-narrowed":
        return (
            f"{match.pattern} becomes prefix {match.value}, which matches whole path segments "
            f"only: paths like {match.value}x no longer match"
        )
    return (
        f"{match.pattern} is widened to prefix {match.value}: it now also catches paths that a "
        "later rule may have been meant to get"
    )
