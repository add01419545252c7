"""`Exports`: every AWS object read from an export folder, indexed the way AWS refers to it.

Objects are keyed by the identifier other objects use to point at them (ARNs, `sg-…`,
`subnet-…`, Cloud Map ids), so reference checks and analysis are dictionary look-ups, and
`sources` maps the same key back to the file and JSON path the object was read from.
"""

from __future__ import annotations

from collections.abc import Mapping

from attrs import field, frozen

from netgen.importers.ecs.problems import Finding, Source
from netgen.importers.ecs.shapes import (
    AcmCertificate,
    DBInstance,
    DiscoveryService,
    Listener,
    LoadBalancer,
    Namespace,
    Rule,
    SecurityGroup,
    Service,
    Subnet,
    TargetGroup,
    TaskDefinition,
)


def _frozen_dict(value: Mapping[str, object]) -> dict[str, object]:
    return dict(value)


@frozen
class Exports:
    task_definitions: Mapping[str, TaskDefinition] = field(factory=dict, converter=_frozen_dict)
    """By `TaskDefinition.key()`: the ARN, or `family[:revision]` for registration files."""
    services: Mapping[str, Service] = field(factory=dict, converter=_frozen_dict)
    """ECS services by `serviceArn`."""
    load_balancers: Mapping[str, LoadBalancer] = field(factory=dict, converter=_frozen_dict)
    target_groups: Mapping[str, TargetGroup] = field(factory=dict, converter=_frozen_dict)
    listeners: Mapping[str, Listener] = field(factory=dict, converter=_frozen_dict)
    rules: Mapping[str, Rule] = field(factory=dict, converter=_frozen_dict)
    security_groups: Mapping[str, SecurityGroup] = field(factory=dict, converter=_frozen_dict)
    """By `GroupId`."""
    subnets: Mapping[str, Subnet] = field(factory=dict, converter=_frozen_dict)
    namespaces: Mapping[str, Namespace] = field(factory=dict, converter=_frozen_dict)
    """Cloud Map namespaces by `Id`."""
    discovery_services: Mapping[str, DiscoveryService] = field(factory=dict, converter=_frozen_dict)
    """Cloud Map services by `Id` (ECS refers to them by `Arn`; see `discovery_by_arn`)."""
    db_instances: Mapping[str, DBInstance] = field(factory=dict, converter=_frozen_dict)
    certificates: Mapping[str, AcmCertificate] = field(factory=dict, converter=_frozen_dict)
    sources: Mapping[str, Source] = field(factory=dict, converter=_frozen_dict)
    findings: tuple[Finding, ...] = ()
    """Warnings raised while loading (unknown files, duplicates, truncated listings)."""

    def source(self, key: str) -> Source:
        return self.sources.get(key, Source("", "$"))

    def task_definition(self, ref: str | None) -> TaskDefinition | None:
        """What a service's `taskDefinition` (an ARN, `family:revision` or `family`) names:
        the exact one, else the same family and revision, else a registration file of the
        family (which has no revision)."""
        if ref is None:
            return None
        if ref in self.task_definitions:
            return self.task_definitions[ref]
        family, _, revision = ref.rsplit("/", 1)[-1].partition(":")
        same = [t for t in self.task_definitions.values() if t.family == family]
        exact = [t for t in same if revision and str(t.revision) == revision]
        loose = [t for t in same if t.revision is None]
        return (exact or loose or [None])[0]

    def discovery_by_arn(self, arn: str) -> DiscoveryService | None:
        return next((d for d in self.discovery_services.values() if d.Arn == arn), None)
