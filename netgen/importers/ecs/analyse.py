"""`analyse(exports) -> EcsSystem`: decide what an ECS deployment means in Kubernetes terms.

The stages are separate modules (grouping, discovery, workloads, routes, flows) so each rule
can be read and tested on its own; this module only runs them in dependency order. Analysis
never raises on a loaded export: whatever cannot be carried over becomes a `Finding`.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from netgen.importers.appmesh.analyse import MeshIndex
from netgen.importers.ecs.discovery import dedupe_names, rds_externals, service_names
from netgen.importers.ecs.egress import EgressBuilder
from netgen.importers.ecs.exports import Exports
from netgen.importers.ecs.flows import FlowBuilder
from netgen.importers.ecs.grouping import Group, active_services, group_services
from netgen.importers.ecs.model import ContainerPort, EcsSystem, Service, Version
from netgen.importers.ecs.normalise import normalise
from netgen.importers.ecs.problems import Finding
from netgen.importers.ecs.routes import Attachment, RouteBuilder
from netgen.importers.ecs.workloads import WorkloadBuilder


def analyse(exports: Exports, mesh: MeshIndex | None = None) -> EcsSystem:
    """`mesh`: the App Mesh export, whose routers tie ECS services into versions and whose
    virtual service names callers use; the ECS services running a virtual gateway's Envoy
    are left to the mesh's ingress gateway."""
    findings: list[Finding] = list(exports.findings)
    exports = normalise(exports, findings)
    active = {a: s for a, s in active_services(exports, findings).items()
              if mesh is None or a not in mesh.gateway_tasks}
    groups = group_services(exports, active, findings, mesh.ties() if mesh else [])
    externals, rds_names = rds_externals(exports, findings)
    mesh_names = mesh.names(groups) if mesh else []
    names = dedupe_names(mesh_names + service_names(exports, groups, findings) + rds_names,
                         findings)

    workloads = WorkloadBuilder(exports, names, findings)
    services: list[Service] = []
    attachments: dict[str, list[Attachment]] = defaultdict(list)
    for group in groups:
        versions = [v for v in map(workloads.version, group.members) if v is not None]
        if not versions:
            continue
        services.append(Service(group.name, tuple(versions),
                                _ports(group, versions, exports, findings)))
        _attach(group, versions, attachments)

    ingresses = RouteBuilder(exports, attachments, findings).ingresses()
    flow_builder = FlowBuilder(exports, findings)
    flow_builder.attach(groups, ingresses, externals)
    flows = flow_builder.flows()
    services, externals, egress = EgressBuilder(exports, findings).run(
        groups, services, ingresses, names, externals)
    return EcsSystem(
        services=tuple(sorted(services, key=lambda s: s.name)),
        ingresses=ingresses,
        flows=flows,
        externals=tuple(externals),
        egress=tuple(egress),
        dns_names=names,
        warnings=tuple(dict.fromkeys(findings)),
        cluster=_cluster(exports),
    )


def _cluster(exports: Exports) -> str | None:
    """From `clusterArn` (`…:cluster/NAME`), else the service ARN's long form
    (`…:service/CLUSTER/NAME`); the most common name wins, ties by name."""
    counts: Counter[str] = Counter()
    for service in exports.services.values():
        arn = service.clusterArn or ""
        if ":cluster/" in arn:
            counts[arn.rsplit(":cluster/", 1)[1]] += 1
        elif service.serviceArn.count("/") == 2:
            counts[service.serviceArn.split("/")[1]] += 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ranked[0][0] if ranked and ranked[0][0] else None


def _ports(
    group: Group, versions: list[Version], exports: Exports, findings: list[Finding]
) -> tuple[ContainerPort, ...]:
    """Ports clients reach: every version's main-container ports, first definition wins."""
    by_name: dict[str, ContainerPort] = {}
    for version in versions:
        for port in version.container.ports:
            first = by_name.setdefault(port.name, port)
            if first.port != port.port:
                findings.append(exports.source(version.ecs_service_arn).finding(
                    "port-conflict",
                    f"versions of {group.name} use port name {port.name} for {first.port} "
                    f"and {port.port} ({version.ecs_service}, task definition "
                    f"{version.task_definition}); keeping {first.port}", ".taskDefinition"))
    return tuple(by_name.values())


def _attach(
    group: Group, versions: list[Version], attachments: dict[str, list[Attachment]]
) -> None:
    built = {v.ecs_service_arn for v in versions}
    all_versions = tuple(v.name for v in versions)
    for member in group.members:
        if member.arn not in built:
            continue
        for lb in member.service.loadBalancers:
            if lb.targetGroupArn is not None:
                attachments[lb.targetGroupArn].append(
                    Attachment(
                        group.name,
                        member.version,
                        lb.containerPort,
                        member.service.desiredCount,
                        all_versions,
                    )
                )
