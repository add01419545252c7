"""Which ECS services are versions of one netgen service, and what the versions are called.

ECS has no notion of versions; teams run a canary as a second ECS service. Two ECS services
are taken to be versions of one service when

* they register in the same Cloud Map service (clients cannot tell them apart), or
* their target groups share one weighted forward action (the ALB splits one route's traffic
  between them).

Both relations are transitive, so grouping is a union-find over ECS services.

Naming rule. Members are ordered "primary first": highest forward weight, then the one
whose ECS name equals the group name, then the oldest (`createdAt`), then by ECS name.
Versions are then named `v1`, `v2`, … in that order, so the stable service that takes most
traffic is always `v1` and a canary is `v2`; names from task-definition revisions were
rejected because they change on every deploy, which would churn the blueprint. A service
with one member has no version name. The group is named after the shared Cloud Map service
when there is one, else after the longest common dash-separated prefix of the members' ECS
names ("api" + "api-canary" → "api"), else after the primary member.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from attrs import frozen

from netgen.importers.ecs.exports import Exports
from netgen.importers.ecs.naming import dns_label, readable_names, unique
from netgen.importers.ecs.normalise import TASK_SET, parent_arn
from netgen.importers.ecs.problems import Finding
from netgen.importers.ecs.shapes.ecs import Service as EcsService

_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


@frozen
class Member:
    arn: str
    service: EcsService
    version: str | None


@frozen
class Group:
    name: str
    members: tuple[Member, ...]


class _UnionFind:
    def __init__(self, items: list[str]) -> None:
        self.parent = {item: item for item in items}

    def find(self, item: str) -> str:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def active_services(exports: Exports, findings: list[Finding]) -> dict[str, EcsService]:
    """ECS services that are running (or meant to run); others are skipped with a warning."""
    active = {}
    for arn, service in exports.services.items():
        if service.status in (None, "ACTIVE"):
            active[arn] = service
        else:
            findings.append(
                exports.source(arn).finding(
                    "inactive-service",
                    f"ECS service {service.serviceName} is {service.status}; not imported",
                    ".status",
                )
            )
    return active


def _forward_weights(exports: Exports) -> list[list[tuple[str, int]]]:
    """(target group ARN, weight) lists of every forward action with more than one group."""
    actions = [a for listener in exports.listeners.values() for a in listener.DefaultActions]
    actions += [a for rule in exports.rules.values() for a in rule.Actions]
    weighted = []
    for action in actions:
        targets = [(arn, weight) for _, arn, weight in action.forward_targets()]
        if len(targets) > 1:
            weighted.append(targets)
    return weighted


def group_services(
    exports: Exports, services: dict[str, EcsService], findings: list[Finding],
    tied: Sequence[Sequence[str]] = (),
) -> list[Group]:
    """`tied`: ECS services known to be versions of one service by other means (the
    targets of one App Mesh virtual router)."""
    arns = sorted(services)
    uf = _UnionFind(arns)
    by_registry: dict[str, list[str]] = defaultdict(list)
    by_target_group: dict[str, list[str]] = defaultdict(list)
    for arn in arns:
        for registry in services[arn].serviceRegistries:
            by_registry[registry.registryArn].append(arn)
        for lb in services[arn].loadBalancers:
            if lb.targetGroupArn is not None:
                by_target_group[lb.targetGroupArn].append(arn)
    by_parent: dict[str, list[str]] = defaultdict(list)
    for arn in arns:
        by_parent[parent_arn(arn)].append(arn)
    for members in (*by_registry.values(), *by_parent.values(),
                    *([a for a in t if a in services] for t in tied)):
        for other in members[1:]:
            uf.union(members[0], other)
    position = {arn: i for i, arn in enumerate(exports.services)}
    weight: dict[str, int] = defaultdict(int)
    for targets in _forward_weights(exports):
        weighted = [arn for tg, _ in targets for arn in by_target_group.get(tg, [])]
        for other in weighted[1:]:
            uf.union(weighted[0], other)
        for tg, w in targets:
            for arn in by_target_group.get(tg, []):
                weight[arn] = max(weight[arn], w)
    clusters: dict[str, list[str]] = defaultdict(list)
    for arn in arns:
        clusters[uf.find(arn)].append(arn)

    groups = []
    used: set[str] = set()
    label = readable_names([s.serviceName for s in services.values()])
    for root in sorted(clusters, key=lambda r: services[r].serviceName):
        member_arns = clusters[root]
        base = _group_name(exports, [services[a] for a in member_arns], label)

        def order(arn: str, base: str = base) -> tuple[int, int, bool, datetime, str]:
            s = services[arn]
            created = s.createdAt or _FAR_FUTURE
            task_set = position[arn] if TASK_SET in arn else -1  # PRIMARY task set first
            return (task_set, -weight[arn], label[s.serviceName] != base, created,
                    s.serviceName)

        member_arns.sort(key=order)
        if base == "":
            base = label[services[member_arns[0]].serviceName]
        many = len(member_arns) > 1
        members = tuple(
            Member(arn, services[arn], f"v{i + 1}" if many else None)
            for i, arn in enumerate(member_arns)
        )
        name = unique(base, used)
        if name != base:
            findings.append(
                exports.source(member_arns[0]).finding(
                    "name-collision",
                    f"another service is already called {base}; this one becomes {name}",
                    ".serviceName",
                )
            )
        groups.append(Group(name, members))
    return groups


def _group_name(exports: Exports, members: list[EcsService], label: dict[str, str]) -> str:
    """Group name by the rule in the module docstring; "" means "the primary's name"."""
    if len(members) == 1:
        return label[members[0].serviceName]
    shared = set.intersection(*({r.registryArn for r in m.serviceRegistries} for m in members))
    for registry in sorted(shared):
        discovery = exports.discovery_by_arn(registry)
        if discovery is not None:
            return dns_label(discovery.Name)
    parts = [label[m.serviceName].split("-") for m in members]
    common: list[str] = []
    for column in zip(*parts, strict=False):
        if len(set(column)) != 1:
            break
        common.append(column[0])
    return "-".join(common)
