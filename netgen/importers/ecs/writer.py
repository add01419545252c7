"""`EcsSystem` → the source of a blueprint a person can review and own.

The file reads top to bottom as the system does: a header (what did not carry over, what
to create by hand), the environment, the services, the outside hosts they use, who may call
whom (from the security groups), and the load balancer's rules in the ALB's own order, each
under a comment naming the rule it came from. The text is deterministic and formatted the
way `ruff format` would, so regenerating an unchanged export changes nothing.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable

from attrs import frozen

from netgen.importers.ecs.exposures import Entry, ExposurePlanner, RuleBlock
from netgen.importers.ecs.model import (
    EcsSystem,
    Endpoint,
    External,
    Flow,
    Ingress,
    Probe,
    TlsCertificate,
)
from netgen.importers.ecs.naming import dns_label, unique
from netgen.importers.ecs.problems import Finding, Source, at
from netgen.importers.ecs.pysource import (
    VERBATIM,
    Call,
    Name,
    Node,
    call,
    comment,
    mapping,
    sequence,
    statement,
)
from netgen.importers.ecs.secrets import SecretNames
from netgen.importers.ecs.services import Claim, ServiceWriter
from netgen.importers.ecs.vias import import_via, spec_named
from netgen.targets.features import Feature
from netgen.values import fqdn

WORLD = ("0.0.0.0/0", "::/0")


@frozen
class WriterOptions:
    namespace: str | None = None
    """Default: the ECS cluster's name as a DNS label."""
    via: str = "ALB"
    """How the load balancer's rules are exposed: one of `vias.importable()` (the
    in-cluster via keeps the rules as comments only; for trying the workloads first)."""
    source: str = ""
    """The export folder as the user named it, for the header."""


@frozen
class Generated:
    text: str
    warnings: tuple[Finding, ...]
    namespace: str
    env: str
    services: int = 0
    """`service(...)` calls written."""
    exposures: tuple[tuple[str, int], ...] = ()
    """`expose(...)` calls written, per `via` (the load balancers' and the App Mesh part's)."""


def _nowhere(_key: str) -> Source:
    return Source("", "$")


def write_blueprint(
    system: EcsSystem,
    options: WriterOptions | None = None,
    locate: Callable[[str], Source] | None = None,
    extra: Callable[[list[Finding]], list[str]] | None = None,
) -> Generated:
    """`locate` maps an AWS ARN to the export file and JSON path it was read from
    (`Exports.source`), so warnings about rules and services point at the input. `extra`
    writes statements appended to the body (the App Mesh part), adding its warnings."""
    writer = _Writer(system, options or WriterOptions(), locate or _nowhere)
    writer.extra = extra
    return writer.generate()


class _Writer:
    def __init__(
        self, system: EcsSystem, options: WriterOptions, locate: Callable[[str], Source]
    ) -> None:
        self.via = import_via(options.via)
        self.system = system
        self.options = options
        self.locate = locate
        self.name = dns_label(system.cluster or "ecs", "ecs")
        self.namespace = options.namespace or self.name
        self.findings: list[Finding] = [f for f in system.warnings if not self._acm_moot(f)]
        used = {s.name for s in system.services}
        self.externals = {x.name: unique(x.name, used) for x in system.externals}
        self.secrets = SecretNames()
        self.matchers_reported: set[str] = set()
        self.extra: Callable[[list[Finding]], list[str]] | None = None
        self.services = ServiceWriter(system, self.namespace, self.secrets, locate,
                                      self.findings, self.via)

    def _acm_moot(self, finding: Finding) -> bool:
        """An `acm-certificate` warning (the key cannot leave ACM) is moot when every
        listener using the certificate is exposed through a load balancer that uses ACM:
        NLB listeners always, the others when `--via` is an AWS load balancer (ALB)."""
        if finding.code != "acm-certificate":
            return False
        return not any(cert.arn in finding.message
                       for i in self.system.ingresses if not self._through_aws(i)
                       for li in i.listeners for cert in li.tls)

    def _through_aws(self, ingress: Ingress) -> bool:
        """Its listeners become exposures through an AWS load balancer (NLB always, the
        others when `--via` is one, ALB): ACM certificates work there, and its subnets are
        the source."""
        return not self.via.in_cluster and (ingress.network or self.via.load_balancer)

    def generate(self) -> Generated:
        body = [
            statement(call("blueprint", self.name)),
        ]
        blocks = ExposurePlanner(self.system, self.locate, self.findings, self.via).blocks()
        entries = [e for b in blocks for e in b.entries]
        env_cert = self._shared_certificate(entries)
        services = self._services()
        externals = self._externals()
        calls = self._calls()
        exposes = self._exposes(blocks, env_cert)
        body.append(self._env(env_cert))
        body += services + externals + calls + exposes
        body += self.extra(self.findings) if self.extra else []
        text = self._header() + "\nfrom netgen import *\n\n" + "\n".join(body)
        return Generated(text, tuple(self.findings), self.namespace, self.name,
                         len(services) - 1, _exposures(text))  # minus the heading

    # --- header ------------------------------------------------------------------------

    def _header(self) -> str:
        source = self.options.source or "the export folder"
        cluster = f'the ECS cluster "{self.system.cluster}"' if self.system.cluster else "ECS"
        parts = [
            f"netgen blueprint for {cluster}, written by `netgen import ecs` from {source}. "
            "It is yours now: review it, keep it in version control, and build the "
            "manifests with `netgen build` (see docs/migration.md).",
            "",
        ]
        count = len(self.findings)
        if count:
            parts.append(f"What did not carry over exactly ({count} warning"
                         f"{'s' if count != 1 else ''}, with the export file and JSON path "
                         "they come from):")
            for f in self.findings:
                parts.append(f"- [{f.code}] {f.message}")
                if at(f).file:
                    parts.append(f"{VERBATIM}({at(f).file} {at(f).json_path})")  # never split
        else:
            parts.append("Everything in the export carried over; no warnings.")
        todo = self._by_hand()
        if todo:
            parts += ["", f"Create by hand, in namespace {self.namespace}, before the first "
                          "deployment:", *todo]
        renamed = self._renames()
        if renamed:
            parts += ["", "Names: ECS names that changed (characters a DNS label cannot "
                          "hold, CloudFormation stack prefixes and random suffixes) or were "
                          "joined as versions:", *renamed]
        rewrites = self._dns_rewrites()
        if rewrites:
            parts += ["", "Cloud Map names are rewritten in environment values only. If an "
                          "application reads them from files or code, add these lines to the "
                          "main server block of the cluster's Corefile (an exact rewrite "
                          "answers under the name asked for), or change the application:",
                      *rewrites]
        return comment("\n".join(parts))

    def _renames(self) -> list[str]:
        out = []
        for s in self.system.services:
            for v in s.versions:
                if v.ecs_service != s.name:
                    what = f"{s.name} {v.name}" if v.name else s.name
                    out.append(f"{VERBATIM}{v.ecs_service} -> {what}")
        return list(dict.fromkeys(out))

    def _dns_rewrites(self) -> list[str]:
        """CoreDNS `rewrite name exact` lines for every Cloud Map / Service Connect name of
        a service the blueprint declares."""
        written = {s.name for s in self.system.services if s.ports}
        return [f"{VERBATIM}rewrite name exact {d.host} {fqdn(d.target, self.namespace)}"
                for d in self.system.dns_names
                if d.kind != "rds" and d.target in written]

    def _by_hand(self) -> list[str]:
        out = []
        keys = self.secrets.all()
        for key in keys:
            out.append(f"- Secret {key.secret}, key {key.key}: from {key.origin()}")
        if keys:
            out.append("  (with External Secrets Operator: one ExternalSecret per Secret; "
                       "remoteRef.key is the secret's ARN or name, remoteRef.property its "
                       "JSON key; never put the values in this file)")
        claims: list[Claim] = self.services.claims
        for c in claims:
            out.append(f"- PersistentVolumeClaim {c.name} for {c.service}: {c.source} (e.g. a "
                       "static PersistentVolume of the EFS CSI driver, ReadWriteMany); copy "
                       "the data over")
        if self.via.tls_secret:
            for cert in self._certificates():
                names = ", ".join(cert.domains) or "the certificate's domains"
                out.append(f"- Secret {_tls_secret(cert)} (kubernetes.io/tls) for {names}: "
                           f"ACM keeps the key of {cert.arn}; issue one with cert-manager")
        return out

    def _certificates(self) -> list[TlsCertificate]:
        seen: dict[str, TlsCertificate] = {}
        for ingress in self.system.ingresses:
            for li in ingress.listeners:
                for cert in li.tls:
                    seen.setdefault(cert.arn, cert)
        return list(seen.values())

    # --- environment -------------------------------------------------------------------

    def _env(self, cert: TlsCertificate | None) -> str:
        lines = (f"One environment: the ECS cluster, in namespace {self.namespace}. STRICT "
                 "isolation: pods accept only the traffic declared below (calls() from the "
                 "security groups, expose() from the load balancer).")
        tls = self._tls(cert) if cert is not None else None
        if tls is not None:
            lines += " Every exposure terminates TLS with the listener's certificate."
        lbs = [i for i in self.system.ingresses if i.listeners and self._through_aws(i)]
        ranges = _source_ranges(lbs)
        if ranges:
            names = ", ".join(i.name for i in lbs)
            lines += (f" vpc_cidr: the subnets of {names}; the load balancer's nodes connect "
                      "to the pods from there, so only they are admitted.")
        node = call("env", self.name, namespace=self.namespace, isolation=Name("STRICT"),
                    vpc_cidr=sequence(ranges) if ranges else None, tls=tls)
        return comment(lines) + statement(node)

    def _shared_certificate(self, entries: list[Entry]) -> TlsCertificate | None:
        certs = {e.cert for e in entries}
        if self.via.in_cluster or len(certs) != 1:
            return None
        return next(iter(certs))

    def _tls(self, cert: TlsCertificate) -> Call | None:
        if self.via.acm:
            return call("acm", cert.arn)
        if self.via.tls_secret:
            return call("tls_secret", _tls_secret(cert))
        return None

    # --- services, externals, calls -----------------------------------------------------

    def _services(self) -> list[str]:
        out = [comment("--- services " + "-" * 72)]
        for s in self.system.services:
            written = self.services.write(s)
            if written is not None:
                out.append(comment("\n".join(written.comments)) + statement(written.node))
        return out

    def _externals(self) -> list[str]:
        out = []
        for x in self.system.externals:
            name = self.externals[x.name]
            at = self.locate(x.arn) if x.arn else Source("", "$")
            if not x.host or not x.port:
                self.findings.append(at.finding(
                    "external-endpoint", f"{x.kind} {x.name} has no endpoint in the export; "
                                         "declare it with external(...) by hand"))
                continue
            if x.kind == "url":
                out.append(comment(self._url_note(x, name)) + statement(
                    call("external", name, host=x.host, port=x.port, alias=Name("False"))))
                continue
            if any(f.destination == Endpoint("external", x.name) for f in self.system.flows):
                self.findings.append(at.finding(
                    "external-access", f"{x.name}'s security groups admit the ECS tasks; admit "
                                       "the cluster's pods too (security groups for pods, or "
                                       "the node subnets) before switching over"))
            what = f"{x.kind.upper()} {x.engine or ''}".strip()
            note = (f"{name}: {what} {x.arn}. alias=False hands clients the real endpoint "
                    "name, so TLS hostname verification keeps working.")
            if x.ranges:
                note += (" cidr: its subnet group's subnets, where its address (and a "
                         "Multi-AZ standby's) lives.")
            cidr = sequence(x.ranges) if x.ranges else None
            out.append(comment(note) + statement(
                call("external", name, host=x.host, port=x.port, cidr=cidr,
                     alias=Name("False"))))
        if out:
            out.insert(0, comment("--- outside the cluster " + "-" * 61))
        return out

    def _url_note(self, x: External, name: str) -> str:
        calls = [e for e in self.system.egress if e.target == x.name]
        users = sorted({f"{e.source} ({e.variable})" for e in calls})
        unchecked = sorted({e.source for e in calls if not e.checked})
        how = ("the tasks' security groups let it out" if not unchecked else
               "no security group of the tasks was in the export, so nothing says whether "
               "ECS let it out" if len(unchecked) == len({e.source for e in calls}) else
               "the tasks' security groups let it out (no security group of "
               f"{', '.join(unchecked)} was in the export)")
        return (f"{name}: {x.host}:{x.port}, named in the environment of {', '.join(users)}; "
                f"{how}. alias=False: clients keep the real host name.")

    def _calls(self) -> list[str]:
        edges: dict[str, dict[str, list[str]]] = {}
        written = {s.name for s in self.system.services if s.ports}
        workers = {s.name for s in self.system.services if not s.ports}
        for flow in self.system.flows:
            dst = self._callee(flow, written, workers)
            if dst is None:
                continue
            ports = _ports(flow)
            edges.setdefault(flow.source.name, {}).setdefault(dst, []).append(ports)
        for e in self.system.egress:
            dst = self.externals.get(e.target, e.target)
            if e.source in written | workers and (dst in written or e.target in self.externals):
                edges.setdefault(e.source, {}).setdefault(dst, []).append(
                    f"{e.variable} in its environment")
        out = []
        if edges:
            out.append(comment(
                "--- who may call whom, from the security groups and environment values "
                + "-" * 13 + "\n"
                "Under STRICT isolation these are the only calls allowed between pods."))
        for src in sorted(edges):
            dsts = sorted(edges[src])
            note = f"{src} -> " + ", ".join(f"{d} ({', '.join(edges[src][d])})" for d in dsts)
            out.append(comment(note) + statement(call("calls", src, *dsts)))
        return out

    def _callee(self, flow: Flow, written: set[str], workers: set[str]) -> str | None:
        """The call a security-group flow stands for, or None (with a warning when the
        flow is lost rather than expressed some other way)."""
        src, dst = flow.source, flow.destination
        if dst.kind == "service" and src.kind == "cidr" and src.name not in WORLD:
            self.findings.append(_flow_finding(
                flow, "cidr-source", f"{dst.name} accepted {_ports(flow)} from {src.name}; the "
                "blueprint cannot allow traffic by address, so under STRICT it is denied "
                "(declare the callers as services, or relax isolation)"))
            return None
        if src.kind != "service" or src.name not in written | workers:
            return None
        if dst.kind == "ingress":
            self.findings.append(_flow_finding(
                flow, "calls-load-balancer", f"{src.name} calls the load balancer {dst.name}; "
                "in the cluster call the services behind it directly"))
            return None
        if dst.kind == "service" and dst.name in written:
            port = self.services.ports.get(dst.name)
            target = self.system.service(dst.name).ports[0].port
            return dst.name if _allows(flow, target) or _allows(flow, port) else self._off(flow)
        if dst.kind == "external" and dst.name in self.externals and self._declared(dst.name):
            x = next(x for x in self.system.externals if x.name == dst.name)
            return self.externals[dst.name] if _allows(flow, x.port) else self._off(flow)
        return None

    def _declared(self, external: str) -> bool:
        """Externals without an endpoint are not written, so nothing can call them."""
        x = next(x for x in self.system.externals if x.name == external)
        return bool(x.host and x.port)

    def _off(self, flow: Flow) -> None:
        self.findings.append(_flow_finding(
            flow, "flow-port", f"{flow.source.name} may reach {flow.destination.name} on "
            f"{_ports(flow)} only, not on the port it serves; no call is declared"))
        return None

    # --- exposures ---------------------------------------------------------------------

    def _exposes(self, blocks: list[RuleBlock], env_cert: TlsCertificate | None) -> list[str]:
        out: list[str] = []
        by_ingress: dict[str, list[RuleBlock]] = {}
        for b in blocks:
            by_ingress.setdefault(b.ingress.name, []).append(b)
        exposed: set[str] = set()
        for ingress in self.system.ingresses:
            mine = by_ingress.get(ingress.name, [])
            self._tls_policies(ingress)
            out.append(comment(self._ingress_note(ingress)))
            for b in mine:
                text = comment(b.title)
                if b.left_out:
                    text += comment(f"  left out: {b.left_out}")
                for e in b.entries:
                    if self.via.in_cluster:
                        if e.target.service not in exposed:
                            exposed.add(e.target.service)
                            text += statement(call("expose", e.target.service,
                                                   via=Name(self.via.name)))
                        continue
                    text += statement(self._expose(ingress, e, env_cert))
                out.append(text)
        return out

    def _tls_policies(self, ingress: Ingress) -> None:
        if self.via.in_cluster:
            return
        where = self.locate(ingress.load_balancer_arn)
        spec = spec_named("NLB") if ingress.network else self.via.spec
        default = spec.tls_default or f"the {spec.token.name} controller's TLS settings"
        for li in ingress.listeners:
            if li.ssl_policy:
                self.findings.append(where.finding(
                    "tls-policy", f"{ingress.name} {li.protocol}:{li.port} used TLS policy "
                                  f"{li.ssl_policy}; netgen does not set one, so {default} "
                                  "applies"))

    def _ingress_note(self, ingress: Ingress) -> str:
        scheme = "internet-facing" if ingress.internet_facing else "internal"
        lines = [f"--- load balancer {ingress.name} " + "-" * max(3, 66 - len(ingress.name)),
                 f"{ingress.name} ({scheme}, {ingress.dns_name or 'no DNS name exported'}):"]
        for li in ingress.listeners:
            text = f"- {li.protocol}:{li.port}"
            if li.https_redirect:
                text += " redirects to HTTPS"
                text += " (redirect_https=True below)" if not self.via.in_cluster else ""
            for cert in li.tls:
                text += f"; certificate {cert.arn}"
                if cert.domains:
                    text += f" ({', '.join(cert.domains)})"
            if li.ssl_policy:
                text += f"; TLS policy {li.ssl_policy}"
            lines.append(text)
        if self.via.in_cluster:
            lines.append(f"Exposed with --via {self.via.name}: the services stay inside the "
                         "cluster and the rules below are kept as comments only.")
        elif ingress.network:
            lines.append("Each listener exposed through NLB.")
        else:
            lines.append(f"The rules in ALB order, each exposed through {self.via.name}.")
        return "\n".join(lines)

    def _expose(self, ingress: Ingress, e: Entry, env_cert: TlsCertificate | None) -> Call:
        if e.layer4:
            return self._expose_nlb(ingress, e)
        t = e.target
        kwargs: dict[str, Node] = {"via": Name(self.via.name), "host": e.host, "path": e.path}
        if e.exact:
            kwargs["path_type"] = "Exact"
        wild = Name("True") if e.wildcards else None
        headers = [call("header", n, v, wildcards=wild if set(v) & set("*?") else None)
                   for n, v in e.headers]
        if headers:
            kwargs["match"] = headers[0] if len(headers) == 1 else sequence(headers)
        if e.query:
            kwargs["query"] = mapping(dict(e.query))
        if e.methods:
            kwargs["methods"] = sequence(list(e.methods))
        if e.source_ips:
            kwargs["source_ips"] = sequence(list(e.source_ips))
        if t.canary_percent is not None:
            kwargs["canary"] = t.canary_percent / 100
        kwargs["version"] = t.version
        if e.cert is not None and e.cert != env_cert:
            kwargs["tls"] = self._tls(e.cert)
        if e.cert is not None:
            kwargs["redirect_https"] = Name("True" if e.redirect_https else "False")
        has = self.via.features
        if Feature.LISTENER_PORTS in has and e.port is not None:
            kwargs["ports"] = sequence([e.port])
        if Feature.SCHEME in has and not ingress.internet_facing:
            kwargs["scheme"] = "internal"
        if Feature.GROUP in has and len(self.system.ingresses) > 1:
            kwargs["group"] = ingress.name
        if Feature.HEALTH_CHECK in has:
            kwargs["health"] = self._health(t.service, t.version,
                                            Feature.HEALTH_CODES in has)
        return call("expose", t.service, **kwargs)

    def _expose_nlb(self, ingress: Ingress, e: Entry) -> Call:
        """The listener's port, scheme and certificate (ACM works with NLB too)."""
        service = e.target.service
        return call("expose", service, via=Name("NLB"), ports=sequence([e.port, *e.extra_ports]),
                    scheme=None if ingress.internet_facing else "internal",
                    tls=call("acm", e.cert.arn) if e.cert else None,
                    health=self._health(service, None))

    def _health(self, service: str, version: str | None, codes: bool = True) -> Call | None:
        """The target group's health check, which the ALB keeps doing (its default path
        `/` would mark targets unhealthy that only answer on their health path)."""
        s = self.system.service(service)
        v = next((v for v in s.versions if v.name == version), s.versions[0])
        p: Probe | None = v.container.readiness
        if p is None or p.kind != "http":
            return None
        matcher = p.matcher if codes and p.matcher not in (None, "200") else None
        return call("health_check", p.path or "/", interval=p.period_seconds,
                    timeout=p.timeout_seconds, healthy=p.success_threshold,
                    unhealthy=p.failure_threshold, codes=matcher)


def _source_ranges(lbs: list[Ingress]) -> tuple[str, ...]:
    """Every routing load balancer's subnets, or none if one's are unknown: a list
    missing a load balancer would cut it off (its subnet-unknown warning says so)."""
    if not lbs or not all(i.source_ranges for i in lbs):
        return ()
    return tuple(dict.fromkeys(r for i in lbs for r in i.source_ranges))


def _tls_secret(cert: TlsCertificate) -> str:
    domain = next((d for d in cert.domains if not d.startswith("*.")), None)
    domain = domain or (cert.domains[0][2:] if cert.domains else cert.arn.rsplit("/", 1)[-1])
    return dns_label(f"{domain}-tls", "tls")


def _exposures(text: str) -> tuple[tuple[str, int], ...]:
    """Counted in the blueprint as written: every part writes its own `expose(...)`."""
    counts: Counter[str] = Counter()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                and node.func.id == "expose":
            via = next((k.value.id for k in node.keywords
                        if k.arg == "via" and isinstance(k.value, ast.Name)), "?")
            counts[via] += 1
    return tuple(sorted(counts.items()))


def _flow_finding(flow: Flow, code: str, message: str) -> Finding:
    """A warning about a flow, at the security-group rule it came from."""
    return flow.at.finding(code, message) if flow.at is not None else Finding(code, message)


def _ports(flow: Flow) -> str:
    protocol = "all traffic" if flow.protocol == "ANY" else flow.protocol
    if flow.port_from is None:
        return protocol if flow.protocol == "ANY" else f"{protocol} all ports"
    if flow.port_from == flow.port_to:
        return f"{protocol} {flow.port_from}"
    return f"{protocol} {flow.port_from}-{flow.port_to}"


def _allows(flow: Flow, port: int | None) -> bool:
    if flow.port_from is None or port is None:
        return True
    return flow.port_from <= port <= (flow.port_to or flow.port_from)
