"""Outbound traffic: what the tasks reached, and what STRICT isolation would deny.

ECS tasks usually keep the security group's default egress rule (all traffic to anywhere),
so whatever they call outside the system worked without anyone writing it down. Under
STRICT, pods reach only DNS and what `calls(...)` declares, so each outbound destination
must be named or it is lost without a word. Three cases:

* a URL or `host:port` in an environment value naming an old load balancer's DNS name:
  the request went through one of its rules to a migrated service, so the value is
  rewritten to that service's cluster name and the call is declared;
* any other host with a port (a URL's scheme gives one): an `external(...)` named after
  the host, and the call, when the task's egress rules allowed that port;
* everything else the egress rules allowed (hosts read from code, files or secrets,
  addresses): one warning per rule naming the traffic STRICT now denies and the two lines
  that allow it again.
"""

from __future__ import annotations

import ipaddress
import re
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

import attrs

from netgen.importers.ecs.discovery import task_security_groups
from netgen.importers.ecs.exports import Exports
from netgen.importers.ecs.grouping import Group
from netgen.importers.ecs.model import (
    Container,
    DnsName,
    EgressCall,
    EnvVar,
    External,
    Forward,
    Ingress,
    Listener,
    LoadBalancerLink,
    Service,
    Version,
)
from netgen.importers.ecs.naming import dns_label, unique
from netgen.importers.ecs.problems import Finding, Source
from netgen.importers.ecs.shapes.ec2 import IpPermission

_URL = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*)://([^\s\"'<>,;]+)")
_HOST_PORT = re.compile(
    r"(?<![\w.@/:-])((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,63}):(\d{1,5})"
    r"(?![\w.])")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "grpc": 443, "grpcs": 443,
                  "postgres": 5432, "postgresql": 5432, "mysql": 3306, "redis": 6379,
                  "rediss": 6379, "mongodb": 27017, "amqp": 5672, "amqps": 5671,
                  "smtp": 25, "smtps": 465, "ftp": 21, "ldap": 389, "ldaps": 636}
_LOCAL = ("localhost", "127.0.0.1", "0.0.0.0", "::1")
_WORLD = ("0.0.0.0/0", "::/0")


@attrs.frozen
class Destination:
    """A host (and port) an environment value names."""

    text: str
    """What to replace when the host is rewritten: `scheme://host[:port]` or `host:port`."""
    scheme: str | None
    host: str
    port: int | None
    path: str


def destinations(value: str) -> list[Destination]:
    """URLs first, then bare `host:port`s outside them, in order of appearance."""
    found: list[Destination] = []
    spans: list[tuple[int, int]] = []
    for m in _URL.finditer(value):
        scheme = m.group(1).lower()
        try:
            parts = urlsplit(m.group(0))
            host, port = parts.hostname, parts.port
        except ValueError:
            continue
        if not host:
            continue
        netloc_end = m.start(2) + len(parts.netloc)
        found.append(Destination(value[m.start():netloc_end], scheme, host.lower(),
                                 port if port is not None else _DEFAULT_PORTS.get(scheme),
                                 parts.path or "/"))
        spans.append((m.start(), m.end()))
    for m in _HOST_PORT.finditer(value):
        if any(a <= m.start() < b for a, b in spans):
            continue
        port = int(m.group(2))
        if 0 < port < 65536:
            found.append(Destination(m.group(0), None, m.group(1).lower(), port, "/"))
    return found


class EgressBuilder:
    def __init__(self, exports: Exports, findings: list[Finding]) -> None:
        self.x = exports
        self.findings = findings

    def run(
        self,
        groups: list[Group],
        services: list[Service],
        ingresses: tuple[Ingress, ...],
        names: tuple[DnsName, ...],
        externals: list[External],
    ) -> tuple[list[Service], list[External], list[EgressCall]]:
        self.lbs = {i.dns_name.lower(): i for i in ingresses if i.dns_name}
        self.ingresses = ingresses
        self.known = {n.host for n in names}
        self.externals = externals
        self.used = {s.name for s in services} | {x.name for x in externals}
        self.calls: list[EgressCall] = []
        by_name = {g.name: g for g in groups}
        out = []
        for service in services:
            group = by_name.get(service.name)
            rules, self.checked = self._egress_rules(group) if group else ([], False)
            versions = tuple(self._version(service.name, v, rules) for v in service.versions)
            out.append(attrs.evolve(service, versions=versions))
            self._warn_rest(service.name, rules)
        return out, self.externals, list(dict.fromkeys(self.calls))

    # --- the task's egress rules --------------------------------------------------------

    def _egress_rules(self, group: Group
                      ) -> tuple[list[tuple[Source, IpPermission, str]], bool]:
        """(where, rule, security group id) of every egress rule of the tasks' groups, and
        whether any of those groups was in the export (none: no rule could be read)."""
        out = []
        seen: set[str] = set()
        for member in group.members:
            for sg in task_security_groups(member.service):
                if sg in seen or sg not in self.x.security_groups:
                    continue
                seen.add(sg)
                at = self.x.source(sg)
                for i, perm in enumerate(self.x.security_groups[sg].IpPermissionsEgress):
                    out.append((at.at(f".IpPermissionsEgress[{i}]"), perm, sg))
        return out, bool(seen)

    def _allowed(self, rules: list[tuple[Source, IpPermission, str]], port: int | None,
                 ) -> bool:
        """The egress rules let TCP to `port` out to some address range (a host name's
        address is not known here, so any range counts). No rules known: assume yes."""
        if not rules:
            return True
        for _, perm, _sg in rules:
            if not (perm.IpRanges or perm.Ipv6Ranges or perm.PrefixListIds):
                continue
            if _covers_port(perm, port):
                return True
        return False

    def _warn_rest(self, service: str, rules: list[tuple[Source, IpPermission, str]]) -> None:
        """What the egress rules allowed beyond the declared calls: named, with the fix."""
        declared = sorted({c.target for c in self.calls if c.source == service})
        for at, perm, sg in rules:
            ranges = [r.CidrIp for r in perm.IpRanges] + [r.CidrIpv6 for r in perm.Ipv6Ranges]
            lists = [p.PrefixListId for p in perm.PrefixListIds]
            if not ranges and not lists:
                continue  # group-to-group egress: the peer's ingress rules are the calls
            what = _traffic(perm)
            where = ", ".join(ranges + [f"prefix list {p}" for p in lists])
            kept = ("it may now reach only DNS and what calls() declares for it"
                    + (f" ({', '.join(declared)} from its environment)" if declared else ""))
            private = [r for r in ranges if r not in _WORLD and _private(r)]
            example_port = perm.FromPort if perm.FromPort not in (None, -1) else 443
            how = (f'to allow a destination again add external("name", host="its.host.name", '
                   f'port={example_port}{", cidr=" + repr(private[0]) if private else ""}) '
                   f'and calls("{service}", "name")')
            self.findings.append(at.finding(
                "egress-denied",
                f"{service}: security group {sg} allowed outbound {what} to {where}; under "
                f"STRICT {kept}: every other outbound connection (hosts named in code, config "
                f"files or secrets, or reached by address) is denied; {how}"))

    # --- environment values --------------------------------------------------------------

    def _version(self, service: str, version: Version,
                 rules: list[tuple[Source, IpPermission, str]]) -> Version:
        ecs = self.x.services.get(version.ecs_service_arn)
        task = self.x.task_definition(ecs.taskDefinition) if ecs else None
        task_at = self.x.source(task.key()) if task else Source("", "$")
        index = {c.name: i for i, c in enumerate(task.containerDefinitions)} if task else {}

        def container(c: Container) -> Container:
            at = task_at.at(f".containerDefinitions[{index.get(c.name, 0)}]")
            env = tuple(self._env(service, var, at.at(f".environment[{j}]"), rules)
                        for j, var in enumerate(c.env))
            return attrs.evolve(c, env=env)

        return attrs.evolve(version, container=container(version.container),
                            sidecars=tuple(container(c) for c in version.sidecars),
                            containers=tuple(container(c) for c in version.containers))

    def _env(self, service: str, var: EnvVar, at: Source,
             rules: list[tuple[Source, IpPermission, str]]) -> EnvVar:
        links = []
        for dest in destinations(var.value):
            if dest.host in _LOCAL or dest.host in self.known or _is_known(dest.host, self.known):
                continue
            ingress = self.lbs.get(dest.host) or self._serving(dest.host)
            if ingress is not None:
                link = self._through_lb(service, var, dest, ingress, at)
                if link is not None:
                    links.append(link)
                continue
            self._external(service, var, dest, at, rules)
        return attrs.evolve(var, links=tuple(links)) if links else var

    def _external(self, service: str, var: EnvVar, dest: Destination, at: Source,
                  rules: list[tuple[Source, IpPermission, str]]) -> None:
        if _is_ip(dest.host):
            self.findings.append(at.finding(
                "egress-address",
                f"{service}: {var.name} names the address {dest.host}; under STRICT it is "
                f"denied: declare external(\"name\", host=\"its.host.name\", port="
                f"{dest.port or 443}, cidr=\"{dest.host}/32\") and calls(\"{service}\", "
                "\"name\")", ".value"))
            return
        if dest.port is None:
            self.findings.append(at.finding(
                "egress-port-unknown",
                f"{service}: {var.name} names {dest.host} without a port netgen can tell "
                f"({dest.scheme}://); under STRICT it is denied: declare external(\"name\", "
                f"host=\"{dest.host}\", port=...) and calls(\"{service}\", \"name\")",
                ".value"))
            return
        if not self._allowed(rules, dest.port):
            self.findings.append(at.finding(
                "egress-not-allowed",
                f"{service}: {var.name} names {dest.host}:{dest.port}, but the tasks' security "
                "groups did not allow that port outbound, so ECS denied it too; no call is "
                "declared", ".value"))
            return
        existing = next((x for x in self.externals
                         if x.kind == "url" and x.host == dest.host and x.port == dest.port), None)
        if existing is None:
            name = unique(dns_label(_short(dest.host), "ext"), self.used)
            existing = External(name, "url", dest.host, dest.port)
            self.externals.append(existing)
        self.calls.append(EgressCall(service, existing.name, var.name, dest.port,
                                     checked=self.checked))

    def _serving(self, host: str) -> Ingress | None:
        """The application load balancer whose rules name `host` (a domain pointed at it)."""
        return next((i for i in self.ingresses if not i.network for li in i.listeners
                     for r in li.routes if any(_host_matches(h, host) for h in r.hosts)), None)

    def _through_lb(self, service: str, var: EnvVar, dest: Destination, ingress: Ingress,
                    at: Source) -> LoadBalancerLink | None:
        scheme = (dest.scheme or "http").lower()
        port = dest.port or (443 if scheme == "https" else 80)
        listener = next((li for li in ingress.listeners if li.port == port), None)
        if listener is not None and listener.https_redirect:
            listener = next((li for li in ingress.listeners if li.protocol == "HTTPS"), None)
        host = None if dest.host == (ingress.dns_name or "").lower() else dest.host
        routed = _route_for(listener, dest.path, host) if listener else None
        if routed is None:
            self.findings.append(at.finding(
                "egress-load-balancer",
                f"{service}: {var.name} calls the load balancer {ingress.name} "
                f"({dest.host}:{port}{dest.path}), but no rule of that listener forwards that "
                "path to a migrated service; the value is kept and under STRICT the call is "
                "denied: point it at the service's cluster name and declare calls()", ".value"))
            return None
        target, problem, rule = routed
        if target is None:
            self.findings.append(at.finding(
                "egress-load-balancer", f"{service}: {var.name} calls the load balancer "
                f"{ingress.name}: {problem}; the value is kept and under STRICT the call is "
                "denied", ".value"))
            return None
        self.calls.append(EgressCall(service, target, var.name, None))
        return LoadBalancerLink(dest.text, target, scheme, f"{ingress.name} "
                                f"{listener.protocol}:{listener.port} {rule}")


def _route_for(listener: Listener, path: str, host: str | None = None,
               ) -> tuple[str | None, str, str] | None:
    """The first rule, in ALB order, a request for `host` (None: the load balancer's own
    DNS name, which no host condition names) and `path`, with no particular header,
    method, query or source, certainly matches, as (the service it forwards to, or None
    and the reason, and the rule's name)."""
    for route in listener.routes:
        if route.headers or route.methods or route.queries or route.source_ips:
            continue
        if route.hosts and (host is None or not any(_host_matches(h, host)
                                                     for h in route.hosts)):
            continue
        if route.paths and not any(fnmatchcase(path, p.pattern) for p in route.paths):
            continue
        rule = "default rule" if route.priority is None else f"rule {route.priority}"
        if not isinstance(route.action, Forward):
            return None, f"its {rule} answers this path itself", rule
        services = sorted({b.service for b in route.action.backends if b.weight > 0})
        if len(services) != 1:
            return None, (f"its {rule} splits this path over {', '.join(services) or 'nothing'}; "
                          "point the value at one service by hand"), rule
        return services[0], "", rule
    return None


def _host_matches(pattern: str, host: str) -> bool:
    """ALB host conditions: case-insensitive, `*` and `?` wildcards."""
    return fnmatchcase(host.lower(), pattern.lower())


def _short(host: str) -> str:
    """A readable name for a host: an AWS endpoint by its first label
    (`search-shop-abc123.us-west-2.es.amazonaws.com` → `search-shop-abc123`), others
    without their top-level domain (`api.stripe.com` → `api.stripe`)."""
    labels = host.split(".")
    if host.endswith(".amazonaws.com") or len(labels) < 2:
        return labels[0]
    return ".".join(labels[:-1])


def _is_known(host: str, known: set[str]) -> bool:
    return any(host.endswith("." + k) for k in known if "." not in k)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _private(cidr: str) -> bool:
    try:
        return ipaddress.ip_network(cidr, strict=False).is_private
    except ValueError:
        return False


def _covers_port(perm: IpPermission, port: int | None) -> bool:
    protocol = perm.IpProtocol.lower()
    if protocol == "-1":
        return True
    if protocol not in ("tcp", "6"):
        return False
    low, high = perm.FromPort, perm.ToPort
    if low is None or low < 0 or port is None:
        return True
    return low <= port <= (high if high is not None and high >= low else low)


def _traffic(perm: IpPermission) -> str:
    protocol = perm.IpProtocol.lower()
    if protocol == "-1":
        return "all traffic"
    name = {"6": "tcp", "17": "udp"}.get(protocol, protocol).upper()
    low, high = perm.FromPort, perm.ToPort
    if low is None or low < 0 or (low == 0 and (high or 0) >= 65535):
        return f"{name} on all ports"
    return f"{name} {low}" if high in (None, low) else f"{name} {low}-{high}"


