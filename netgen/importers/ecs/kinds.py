"""Which AWS CLI command produced a JSON document, judged by its top-level keys.

File names are chosen by users and mean nothing; the top-level keys of CLI output are fixed
by the API (`taskDefinition`, `services`, `LoadBalancers`, …). Case matters: ECS's
`services` and Cloud Map's `Services` are different commands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from attrs import frozen

from netgen.importers.ecs.shapes import (
    CertificateFile,
    DBInstancesFile,
    DiscoveryServiceFile,
    DiscoveryServicesFile,
    ListenersFile,
    LoadBalancersFile,
    NamespaceFile,
    NamespacesFile,
    RulesFile,
    SecurityGroupsFile,
    ServicesFile,
    SubnetsFile,
    TargetGroupsFile,
    TaskDefinition,
    TaskDefinitionFile,
)

Item = tuple[str, str, Any]
"""(JSON path of the object in its file, identifier, object)."""


@frozen
class Kind:
    key: str
    """The top-level key that identifies the command's output."""
    command: str
    file_type: type
    collection: str
    """The `Exports` attribute the objects go to."""
    items: Callable[[Any], Iterable[Item]]


def _listed(key: str, ident: str) -> Callable[[Any], Iterable[Item]]:
    def items(doc: Any) -> Iterable[Item]:
        for i, obj in enumerate(getattr(doc, key)):
            yield f"$.{key}[{i}]", getattr(obj, ident), obj

    return items


def _single(key: str, ident: str) -> Callable[[Any], Iterable[Item]]:
    def items(doc: Any) -> Iterable[Item]:
        obj = getattr(doc, key)
        yield f"$.{key}", getattr(obj, ident), obj

    return items


def _task_definition(doc: Any) -> Iterable[Item]:
    task = doc.taskDefinition
    yield "$.taskDefinition", task.key(), task


def _bare_task_definition(task: Any) -> Iterable[Item]:
    yield "$", task.key(), task


KINDS: tuple[Kind, ...] = (
    Kind(
        "taskDefinition",
        "aws ecs describe-task-definition",
        TaskDefinitionFile,
        "task_definitions",
        _task_definition,
    ),
    Kind(
        "containerDefinitions",
        "a task definition file (register-task-definition --cli-input-json, or "
        "describe-task-definition --query taskDefinition)",
        TaskDefinition,
        "task_definitions",
        _bare_task_definition,
    ),
    Kind(
        "services",
        "aws ecs describe-services",
        ServicesFile,
        "services",
        _listed("services", "serviceArn"),
    ),
    Kind(
        "LoadBalancers",
        "aws elbv2 describe-load-balancers",
        LoadBalancersFile,
        "load_balancers",
        _listed("LoadBalancers", "LoadBalancerArn"),
    ),
    Kind(
        "TargetGroups",
        "aws elbv2 describe-target-groups",
        TargetGroupsFile,
        "target_groups",
        _listed("TargetGroups", "TargetGroupArn"),
    ),
    Kind(
        "Listeners",
        "aws elbv2 describe-listeners",
        ListenersFile,
        "listeners",
        _listed("Listeners", "ListenerArn"),
    ),
    Kind("Rules", "aws elbv2 describe-rules", RulesFile, "rules", _listed("Rules", "RuleArn")),
    Kind(
        "SecurityGroups",
        "aws ec2 describe-security-groups",
        SecurityGroupsFile,
        "security_groups",
        _listed("SecurityGroups", "GroupId"),
    ),
    Kind(
        "Subnets",
        "aws ec2 describe-subnets",
        SubnetsFile,
        "subnets",
        _listed("Subnets", "SubnetId"),
    ),
    Kind(
        "Namespace",
        "aws servicediscovery get-namespace",
        NamespaceFile,
        "namespaces",
        _single("Namespace", "Id"),
    ),
    Kind(
        "Namespaces",
        "aws servicediscovery list-namespaces",
        NamespacesFile,
        "namespaces",
        _listed("Namespaces", "Id"),
    ),
    Kind(
        "Services",
        "aws servicediscovery list-services",
        DiscoveryServicesFile,
        "discovery_services",
        _listed("Services", "Id"),
    ),
    Kind(
        "Service",
        "aws servicediscovery get-service",
        DiscoveryServiceFile,
        "discovery_services",
        _single("Service", "Id"),
    ),
    Kind(
        "DBInstances",
        "aws rds describe-db-instances",
        DBInstancesFile,
        "db_instances",
        _listed("DBInstances", "DBInstanceArn"),
    ),
    Kind(
        "Certificate",
        "aws acm describe-certificate",
        CertificateFile,
        "certificates",
        _single("Certificate", "CertificateArn"),
    ),
)

KIND_BY_COLLECTION: dict[str, Kind] = {}
for _kind in KINDS:
    KIND_BY_COLLECTION.setdefault(_kind.collection, _kind)

PAGINATION_KEYS = ("NextToken", "NextMarker", "Marker")
"""Present when the CLI was told to stop early (`--max-items`): the listing is incomplete."""
