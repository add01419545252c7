"""The parts of `aws rds describe-db-instances` netgen reads (botocore `rds/2014-10-31`)."""

from __future__ import annotations

from datetime import datetime

from attrs import frozen


@frozen
class Endpoint:
    Address: str
    Port: int
    HostedZoneId: str | None = None


@frozen
class VpcSecurityGroupMembership:
    VpcSecurityGroupId: str
    Status: str | None = None


@frozen
class DBSubnet:
    SubnetIdentifier: str | None = None
    SubnetStatus: str | None = None


@frozen
class DBSubnetGroup:
    """Where the instance's addresses come from (one subnet per zone)."""

    DBSubnetGroupName: str | None = None
    VpcId: str | None = None
    Subnets: tuple[DBSubnet, ...] = ()


@frozen
class DBInstance:
    DBInstanceIdentifier: str
    DBInstanceArn: str
    Engine: str
    EngineVersion: str | None = None
    DBInstanceStatus: str | None = None
    Endpoint: Endpoint | None = None  # absent while the instance is being created
    VpcSecurityGroups: tuple[VpcSecurityGroupMembership, ...] = ()
    DBSubnetGroup: DBSubnetGroup | None = None
    PubliclyAccessible: bool | None = None
    DBClusterIdentifier: str | None = None
    InstanceCreateTime: datetime | None = None


@frozen
class DBInstancesFile:
    DBInstances: tuple[DBInstance, ...]
