"""Subnet ids → address ranges, for the two places NetworkPolicy needs addresses AWS only
names by subnet: where a load balancer connects from, and where a database lives.

All or nothing: a range list missing one zone's subnet would cut that zone off (its load
balancer node, or the database after a Multi-AZ failover), which is worse than the wider
default netgen falls back to; so an unknown subnet gives no ranges and a warning.
"""

from __future__ import annotations

from collections.abc import Sequence

from netgen.importers.ecs.exports import Exports
from netgen.importers.ecs.problems import Finding, Source


def subnet_ranges(
    exports: Exports,
    subnet_ids: Sequence[str | None],
    at: Source,
    what: str,
    fallback: str,
    findings: list[Finding],
) -> tuple[str, ...]:
    """The CIDR of every subnet in `subnet_ids`, in order and once each; () with a warning
    (`fallback` says what happens instead) when one is not in the exports."""
    ids = [i for i in dict.fromkeys(subnet_ids) if i]
    missing = [i for i in ids if i not in exports.subnets]
    if missing:
        findings.append(at.finding(
            "subnet-unknown",
            f"{what}: subnet(s) {', '.join(missing)} not in the export (aws ec2 "
            f"describe-subnets --subnet-ids {' '.join(missing)}); {fallback}"))
        return ()
    return tuple(dict.fromkeys(exports.subnets[i].CidrBlock for i in ids))
