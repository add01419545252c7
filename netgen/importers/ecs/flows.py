"""Security groups → who may call whom (`Flow`s), plus the warnings a reviewer needs.

On AWS, B accepts traffic from A when one of B's security groups has an ingress rule naming
one of A's groups (`UserIdGroupPairs`). Groups are attached to ECS tasks (awsvpc), load
balancers and databases; each attachment becomes an `Endpoint`. Egress rules are read in
`egress.py`: what they let out beyond the declared calls is named there.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict

from netgen.importers.ecs.discovery import task_security_groups
from netgen.importers.ecs.exports import Exports
from netgen.importers.ecs.grouping import Group
from netgen.importers.ecs.model import Endpoint, External, Flow, Ingress
from netgen.importers.ecs.normalise import TASK_DEFINITION_ONLY
from netgen.importers.ecs.problems import Finding, Source
from netgen.importers.ecs.shapes.ec2 import IpPermission, tag_value

_WORLD = ("0.0.0.0/0", "::/0")
_PROTOCOLS = {"tcp": "TCP", "6": "TCP", "udp": "UDP", "17": "UDP", "-1": "ANY"}


class FlowBuilder:
    def __init__(self, exports: Exports, findings: list[Finding]) -> None:
        self.x = exports
        self.findings = findings
        self.attached: dict[str, list[Endpoint]] = defaultdict(list)

    def attach(
        self, groups: list[Group], ingresses: tuple[Ingress, ...], externals: list[External]
    ) -> None:
        for group in groups:
            for member in group.members:
                for sg in self._task_groups(member.arn):
                    self._add(sg, Endpoint("service", group.name))
        for ingress in ingresses:
            lb = self.x.load_balancers[ingress.load_balancer_arn]
            for sg in lb.SecurityGroups:
                self._add(sg, Endpoint("ingress", ingress.name))
        for external in externals:
            db = self.x.db_instances.get(external.arn)
            for member in db.VpcSecurityGroups if db else ():
                self._add(member.VpcSecurityGroupId, Endpoint("external", external.name))

    def _add(self, sg: str, endpoint: Endpoint) -> None:
        if endpoint not in self.attached[sg]:
            self.attached[sg].append(endpoint)

    def _task_groups(self, service_arn: str) -> tuple[str, ...]:
        service = self.x.services[service_arn]
        groups = task_security_groups(service)
        if not groups and not service_arn.startswith(TASK_DEFINITION_ONLY):
            self.findings.append(
                self.x.source(service_arn).finding(
                    "no-task-security-groups",
                    f"{service.serviceName} has no awsvpc security groups (bridge/host network "
                    "mode?); its flows cannot be derived",
                )
            )
        return groups

    def flows(self) -> tuple[Flow, ...]:
        flows: set[Flow] = set()
        for gid, group in self.x.security_groups.items():
            at = self.x.source(gid)
            targets = self.attached.get(gid, [])
            if not targets:
                if group.GroupName != "default":  # every VPC has one, usually unused
                    self.findings.append(
                        at.finding(
                            "unattached-security-group",
                            f"{group.GroupName} ({gid}) is attached to no imported task, load "
                            "balancer or database; its rules are not carried over",
                        )
                    )
                continue
            for i, perm in enumerate(group.IpPermissions):
                flows |= self._permission(perm, targets, at.at(f".IpPermissions[{i}]"))
        return tuple(sorted(flows, key=_flow_key))

    def _permission(self, perm: IpPermission, targets: list[Endpoint], at: Source) -> set[Flow]:
        protocol = _PROTOCOLS.get(perm.IpProtocol.lower())
        if protocol is None:
            self.findings.append(
                at.finding(
                    "protocol-not-carried",
                    f"IP protocol {perm.IpProtocol} cannot be expressed in a network policy",
                    ".IpProtocol",
                )
            )
            return set()
        low, high = _ports(perm, protocol)
        sources: list[Endpoint] = []
        for j, pair in enumerate(perm.UserIdGroupPairs):
            if pair.GroupId is None or pair.GroupId not in self.x.security_groups:
                self.findings.append(
                    at.finding(
                        "unknown-peer-group",
                        f"source group {pair.GroupId or pair.GroupName} (account "
                        f"{pair.UserId}) is not in the export; this rule is not carried over",
                        f".UserIdGroupPairs[{j}]",
                    )
                )
                continue
            sources += self.attached.get(pair.GroupId, [])
        cidrs = [(f".IpRanges[{j}]", r.CidrIp) for j, r in enumerate(perm.IpRanges)]
        cidrs += [(f".Ipv6Ranges[{j}]", r.CidrIpv6) for j, r in enumerate(perm.Ipv6Ranges)]
        for suffix, cidr in cidrs:
            sources.append(Endpoint("cidr", cidr))
            self._cidr_warnings(cidr, targets, at.at(suffix))
        for j, _ in enumerate(perm.PrefixListIds):
            self.findings.append(
                at.finding(
                    "prefix-list",
                    "managed prefix lists are not resolved; this source is not carried over",
                    f".PrefixListIds[{j}]",
                )
            )
        return {
            Flow(source, target, protocol, low, high, at)
            for source in sources
            for target in targets
            if source != target
        }

    def _cidr_warnings(self, cidr: str, targets: list[Endpoint], at: Source) -> None:
        """Addresses are how clients reach a load balancer; only tasks (and databases)
        admitting them are worth a warning."""
        exposed = [t.name for t in targets if t.kind != "ingress"]
        if not exposed:
            return
        if cidr in _WORLD:
            self.findings.append(
                at.finding(
                    "open-to-world",
                    f"{', '.join(exposed)} accept(s) traffic from anywhere ({cidr}) without "
                    "going through a load balancer",
                )
            )
            return
        covered = self._subnets_in(cidr)
        if covered:
            self.findings.append(
                at.finding(
                    "cidr-rule",
                    f"{cidr} covers subnets {', '.join(covered)}: the rule admits workloads by "
                    "address, which pods do not keep; replace it with the services meant",
                )
            )

    def _subnets_in(self, cidr: str) -> list[str]:
        try:
            network = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            return []
        names = []
        for sid, subnet in self.x.subnets.items():
            try:
                other = ipaddress.ip_network(subnet.CidrBlock, strict=False)
            except ValueError:
                continue
            if other.version == network.version and other.overlaps(network):
                names.append(tag_value(subnet.Tags, "Name") or sid)
        return sorted(names)


def _ports(perm: IpPermission, protocol: str) -> tuple[int | None, int | None]:
    """Inclusive port range; (None, None) for all ports (protocol -1 or -1/-1 ports)."""
    low, high = perm.FromPort, perm.ToPort
    if protocol == "ANY" or low is None or low < 0:
        return None, None
    if high is None or high < low:
        high = low
    if low == 0 and high >= 65535:
        return None, None
    return low, high


def _flow_key(flow: Flow) -> tuple[str, str, str, str, str, int]:
    return (
        flow.destination.kind,
        flow.destination.name,
        flow.source.kind,
        flow.source.name,
        flow.protocol,
        flow.port_from if flow.port_from is not None else -1,
    )
