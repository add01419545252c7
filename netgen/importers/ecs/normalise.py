"""Exports as teams really have them → the one shape analysis expects: ECS services that
each run one task definition.

* EXTERNAL / CODE_DEPLOY services keep their task definitions in task sets (blue/green):
  each task set becomes an ECS service of its own (`<service ARN>#taskset/<id>`), which
  grouping then makes a version of one service, the PRIMARY task set first.
* A folder of task definitions only (the `task-definition.json` files kept in
  repositories) has no services: one service per family runs its newest revision, with a
  warning that replicas, load balancers and security groups are unknown.
* A task definition no service runs is noted, so nobody wonders where it went.
"""

from __future__ import annotations

import attrs

from netgen.importers.ecs.exports import Exports
from netgen.importers.ecs.problems import Finding
from netgen.importers.ecs.shapes.ecs import Service, TaskDefinition, TaskSet

TASK_SET = "#taskset/"
TASK_DEFINITION_ONLY = "task-definition-only:"


def normalise(exports: Exports, findings: list[Finding]) -> Exports:
    exports = _task_sets(exports, findings)
    if not exports.services and exports.task_definitions:
        return _families(exports, findings)
    _unused(exports, findings)
    return exports


def parent_arn(arn: str) -> str:
    """The ECS service a task set's stand-in came from (the ARN itself otherwise)."""
    return arn.split(TASK_SET, 1)[0]


def _task_sets(exports: Exports, findings: list[Finding]) -> Exports:
    services: dict[str, Service] = {}
    sources = dict(exports.sources)
    for arn, service in exports.services.items():
        if not service.taskSets:  # CODE_DEPLOY lists them beside taskDefinition, EXTERNAL alone
            services[arn] = service
            continue
        at = exports.source(arn)
        controller = service.deploymentController.type if service.deploymentController else "?"
        for i, task_set in enumerate(_ordered(service.taskSets)):
            index = service.taskSets.index(task_set)
            key = f"{arn}{TASK_SET}{task_set.id or index}"
            services[key] = _stand_in(service, task_set)
            sources[key] = at.at(f".taskSets[{index}]")
            scale = task_set.scale
            share = f", scale {scale.value:g}{'%' if scale.unit == 'PERCENT' else ''}" if (
                scale and scale.value is not None) else ""
            findings.append(at.finding(
                "task-set", f"{service.serviceName} ({controller} deployments): task set "
                f"{task_set.id or index} ({task_set.status or 'status unknown'}{share}, "
                f"{task_set.taskDefinition.rsplit('/', 1)[-1]}) becomes "
                f"{'the primary version' if i == 0 else 'another version'}; the traffic "
                "split follows the load balancer's weights, and Kubernetes rolls the versions "
                f"out by itself ({controller} no longer deploys them)", f".taskSets[{index}]"))
    return attrs.evolve(exports, services=services, sources=sources)


def _ordered(task_sets: tuple[TaskSet, ...]) -> list[TaskSet]:
    """PRIMARY first, then by scale (largest first), then by creation."""
    rank = {"PRIMARY": 0, "ACTIVE": 1}
    return sorted(task_sets, key=lambda t: (
        rank.get(t.status or "", 2), -(t.scale.value if t.scale and t.scale.value else 0),
        t.createdAt.timestamp() if t.createdAt else 0.0))


def _stand_in(service: Service, task_set: TaskSet) -> Service:
    return attrs.evolve(
        service,
        taskDefinition=task_set.taskDefinition,
        desiredCount=(task_set.computedDesiredCount if task_set.computedDesiredCount is not None
                      else service.desiredCount),
        loadBalancers=task_set.loadBalancers or service.loadBalancers,
        serviceRegistries=task_set.serviceRegistries or service.serviceRegistries,
        networkConfiguration=task_set.networkConfiguration or service.networkConfiguration,
        createdAt=task_set.createdAt or service.createdAt,
        taskSets=(),
        deployments=(),
    )


def _newest(tasks: list[TaskDefinition]) -> TaskDefinition:
    return max(tasks, key=lambda t: (t.revision is None, t.revision or 0))


def _families(exports: Exports, findings: list[Finding]) -> Exports:
    by_family: dict[str, list[TaskDefinition]] = {}
    for task in exports.task_definitions.values():
        by_family.setdefault(task.family, []).append(task)
    services: dict[str, Service] = {}
    sources = dict(exports.sources)
    for family in sorted(by_family):
        task = _newest(by_family[family])
        key = f"{TASK_DEFINITION_ONLY}{family}"
        services[key] = Service(serviceArn=key, serviceName=family, desiredCount=1,
                                taskDefinition=task.key())
        at = exports.source(task.key())
        sources[key] = at
        findings.append(at.finding(
            "service-facts-missing",
            f"only the task definition of {family} ({task.label()}) is in the export: it "
            "runs as one service with 1 replica; replicas, load balancers, security groups "
            "(so calls()), Cloud Map and Service Connect names come from aws ecs "
            "describe-services and the other exports (docs/migration.md)"))
        for other in by_family[family]:
            if other is not task:
                findings.append(exports.source(other.key()).finding(
                    "unused-task-definition",
                    f"{other.label()} is an older revision of {family}; {task.label()} is used"))
    return attrs.evolve(exports, services=services, sources=sources)


def _unused(exports: Exports, findings: list[Finding]) -> None:
    used = {id(exports.task_definition(ref)) for s in exports.services.values()
            for ref in (s.taskDefinition, *(d.taskDefinition for d in s.deployments))}
    for key, task in exports.task_definitions.items():
        if id(task) not in used:
            findings.append(exports.source(key).finding(
                "unused-task-definition",
                f"task definition {task.label()} is run by no exported ECS service; it is not "
                "imported"))
