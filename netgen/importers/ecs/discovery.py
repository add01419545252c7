"""Names ECS workloads use to find each other (Cloud Map, Service Connect) and RDS.

Application config refers to peers by these names (`http://orders.shop.local:9090`). After
the move they must become cluster DNS names, or, for RDS, stay exactly as they are: the
database's TLS certificate is issued for its AWS endpoint name.
"""

from __future__ import annotations

import re

from netgen.importers.ecs.exports import Exports
from netgen.importers.ecs.grouping import Group
from netgen.importers.ecs.model import DnsName, External
from netgen.importers.ecs.naming import dns_label, unique
from netgen.importers.ecs.problems import Finding, Source
from netgen.importers.ecs.shapes.cloudmap import DiscoveryService, Namespace
from netgen.importers.ecs.shapes.ecs import Deployment, ServiceConnectConfiguration
from netgen.importers.ecs.shapes.ecs import Service as EcsService
from netgen.importers.ecs.subnets import subnet_ranges


def primary_deployment(service: EcsService) -> tuple[int, Deployment] | None:
    """(index, deployment) ECS is converging to (status PRIMARY), else the first listed."""
    listed = list(enumerate(service.deployments))
    primary = [(i, d) for i, d in listed if d.status == "PRIMARY"]
    return (primary or listed or [None])[0]


def task_security_groups(service: EcsService) -> tuple[str, ...]:
    """The awsvpc security groups of the service's tasks (from the service, else from the
    deployment ECS is converging to); () for bridge/host networking."""
    config = service.networkConfiguration
    if config is None or config.awsvpcConfiguration is None:
        found = primary_deployment(service)
        config = found[1].networkConfiguration if found else None
    vpc = config.awsvpcConfiguration if config else None
    return vpc.securityGroups if vpc else ()


def _namespace_of(
    exports: Exports, discovery: DiscoveryService, findings: list[Finding]
) -> Namespace | None:
    ns_id = discovery.namespace_id()
    if ns_id is not None and ns_id in exports.namespaces:
        return exports.namespaces[ns_id]
    if ns_id is None and len(exports.namespaces) == 1:
        # list-services omits the namespace; with one namespace exported there is no doubt.
        return next(iter(exports.namespaces.values()))
    findings.append(
        exports.source(discovery.Id).finding(
            "cloud-map-namespace-unknown",
            f"cannot tell which namespace Cloud Map service {discovery.Name} is in; export "
            "it with aws servicediscovery get-service / get-namespace",
        )
    )
    return None


def _resolve_namespace(exports: Exports, ref: str | None) -> Namespace | None:
    """Service Connect names its namespace by ARN or by name."""
    return next(
        (n for n in exports.namespaces.values() if ref is not None and ref in (n.Arn, n.Name)),
        None,
    )


def service_names(exports: Exports, groups: list[Group], findings: list[Finding]) -> list[DnsName]:
    names: list[DnsName] = []
    for group in groups:
        for member in group.members:
            service, at = member.service, exports.source(member.arn)
            for i, registry in enumerate(service.serviceRegistries):
                discovery = exports.discovery_by_arn(registry.registryArn)
                if discovery is None:
                    continue
                namespace = _namespace_of(exports, discovery, findings)
                if namespace is None or not namespace.Type.startswith("DNS"):
                    continue
                host = f"{discovery.Name}.{namespace.Name}".lower()
                if discovery.Name and namespace.Name:
                    names.append(DnsName(host, "cloud-map", group.name, registry.port,
                                         at.at(f".serviceRegistries[{i}]")))
            found = primary_deployment(service)
            config = found[1].serviceConnectConfiguration if found else None
            if found is None or config is None or not config.enabled:
                continue
            where = f".deployments[{found[0]}].serviceConnectConfiguration"
            namespace = _resolve_namespace(exports, config.namespace)
            service_connect_notes(group.name, config, at.at(where), findings)
            for j, sc in enumerate(config.services):
                for k, alias in enumerate(sc.clientAliases):
                    host = alias.dnsName
                    if host is None and namespace is not None:
                        host = f"{sc.discoveryName or sc.portName}.{namespace.Name}"
                    if not host and namespace is None:
                        findings.append(
                            at.finding(
                                "service-connect-namespace-unknown",
                                f"namespace {config.namespace} is not in the export, so the "
                                "default client alias name is unknown",
                                f"{where}.services[{j}]",
                            )
                        )
                        continue
                    if host:
                        names.append(
                            DnsName(host.lower(), "service-connect", group.name, alias.port,
                                    at.at(f"{where}.services[{j}].clientAliases[{k}]"))
                        )
    return names


def service_connect_notes(name: str, config: ServiceConnectConfiguration, at: Source,
                          findings: list[Finding]) -> None:
    """What Service Connect's proxy did that a Kubernetes Service does not: more than one
    endpoint, a different listening port, per-request and idle timeouts (15 s per request
    unless set), TLS between proxies. Each entry's names are rewritten elsewhere."""
    for j, sc in enumerate(config.services):
        e_at = at.at(f".services[{j}]")
        aliases = ", ".join(f"{a.dnsName or sc.discoveryName or sc.portName}:{a.port}"
                            for a in sc.clientAliases) or "no client alias"
        if j > 0:
            findings.append(e_at.finding(
                "service-connect-endpoint",
                f"{name}: Service Connect endpoint {sc.portName} ({aliases}) is its entry "
                f"{j + 1}; netgen gives a service one port, so clients of this one reach the "
                "container port of the first: split the service, or point them at it"))
        if sc.ingressPortOverride is not None:
            findings.append(e_at.finding(
                "service-connect-ingress-port",
                f"{name}: the Service Connect proxy listened on {sc.ingressPortOverride}; the "
                "Service sends traffic to the container port directly", ".ingressPortOverride"))
        timeout = sc.timeout
        per_request = timeout.perRequestTimeoutSeconds if timeout else None
        idle = timeout.idleTimeoutSeconds if timeout else None
        said = (f"a per-request timeout of {per_request} s" if per_request is not None
                else "ECS's default per-request timeout of 15 s")
        if idle is not None:
            said += f" and an idle timeout of {idle} s"
        findings.append(e_at.finding(
            "service-connect-timeout",
            f"{name}: Service Connect applied {said} to calls of {sc.portName}; a Kubernetes "
            f"Service has none: with mesh(ISTIO) write traffic(\"{name}\", timeout=\""
            f"{per_request if per_request is not None else 15}s\"), else rely on the clients'",
            ".timeout" if timeout else ""))
        if sc.tls is not None:
            findings.append(e_at.finding(
                "service-connect-tls",
                f"{name}: Service Connect encrypted {sc.portName} between its proxies (TLS, "
                f"KMS key {sc.tls.kmsKey or 'AWS owned'}); in the cluster the calls are plain "
                "unless a mesh adds mTLS: add mesh(ISTIO) (mtls STRICT)", ".tls"))


def rds_externals(
    exports: Exports, findings: list[Finding]
) -> tuple[list[External], list[DnsName]]:
    externals, names, used = [], [], set()
    for arn in sorted(
        exports.db_instances, key=lambda a: exports.db_instances[a].DBInstanceIdentifier
    ):
        db = exports.db_instances[arn]
        name = unique(dns_label(db.DBInstanceIdentifier, "db"), used)
        endpoint = db.Endpoint
        host = endpoint.Address.lower() if endpoint else None
        port = endpoint.Port if endpoint else None
        group = db.DBSubnetGroup
        ranges = subnet_ranges(
            exports, [sn.SubnetIdentifier for sn in group.Subnets] if group else [],
            exports.source(arn), f"database {db.DBInstanceIdentifier}",
            "its egress rule admits the internet outside the private ranges, which misses a "
            "private address: add cidr= to the external", findings)
        externals.append(External(name, "rds", host, port, db.Engine, arn, ranges))
        if host:
            names.append(DnsName(host, "rds", name, port, exports.source(arn).at(".Endpoint")))
    return externals, names


def dedupe_names(names: list[DnsName], findings: list[Finding]) -> tuple[DnsName, ...]:
    """One entry per host; the first source wins, a different target is a warning."""
    kept: dict[str, DnsName] = {}
    for name in names:
        first = kept.setdefault(name.host, name)
        if first.target != name.target:
            message = (f"{name.host} means {first.target} ({first.kind}) and {name.target} "
                       f"({name.kind}); using {first.target}")
            findings.append(name.at.finding("ambiguous-dns-name", message) if name.at
                            else Finding("ambiguous-dns-name", message))
    return tuple(sorted(kept.values(), key=lambda n: n.host))


def hosts_in(value: str, names: tuple[DnsName, ...]) -> tuple[str, ...]:
    """Known host names that occur in an environment value.

    Dotted names match on label boundaries anywhere ("http://api.shop.local:8080/x").
    Single-label aliases only match where they can only be a host ("orders:9090",
    "//orders"), so that a path like "/var/lib/orders" is not mistaken for one.
    """
    return tuple(name.host for name in names if host_pattern(name.host).search(value))


def host_pattern(host: str) -> re.Pattern[str]:
    """Where `host` occurs as a host name in a value; group 1 is what precedes it (kept when
    the host is replaced)."""
    escaped = re.escape(host)
    if "." in host:
        return re.compile(rf"(?<![A-Za-z0-9.-])(){escaped}(?![A-Za-z0-9-]|\.[A-Za-z0-9])",
                          re.IGNORECASE)
    return re.compile(rf"(^|//|@){escaped}(?=$|:\d|/)", re.IGNORECASE)
