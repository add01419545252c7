"""The parts of `aws ec2 describe-security-groups` / `describe-subnets` netgen reads.

Key names follow botocore `ec2/2016-11-15`, which is what the CLI prints (not the XML
`locationName`s such as `groupId`).
"""

from __future__ import annotations

from attrs import frozen


@frozen
class Ec2Tag:
    Key: str
    Value: str | None = None


def tag_value(tags: tuple[Ec2Tag, ...], key: str) -> str | None:
    return next((t.Value for t in tags if t.Key == key), None)


@frozen
class UserIdGroupPair:
    GroupId: str | None = None  # absent only for EC2-Classic pairs named by GroupName
    UserId: str | None = None
    GroupName: str | None = None
    VpcId: str | None = None
    VpcPeeringConnectionId: str | None = None
    Description: str | None = None


@frozen
class IpRange:
    CidrIp: str
    Description: str | None = None


@frozen
class Ipv6Range:
    CidrIpv6: str
    Description: str | None = None


@frozen
class PrefixListId:
    PrefixListId: str
    Description: str | None = None


@frozen
class IpPermission:
    IpProtocol: str  # "tcp", "udp", "icmp", "-1" (all) or an IP protocol number
    FromPort: int | None = None
    ToPort: int | None = None
    UserIdGroupPairs: tuple[UserIdGroupPair, ...] = ()
    IpRanges: tuple[IpRange, ...] = ()
    Ipv6Ranges: tuple[Ipv6Range, ...] = ()
    PrefixListIds: tuple[PrefixListId, ...] = ()


@frozen
class SecurityGroup:
    GroupId: str
    GroupName: str
    Description: str | None = None
    OwnerId: str | None = None
    VpcId: str | None = None
    IpPermissions: tuple[IpPermission, ...] = ()
    IpPermissionsEgress: tuple[IpPermission, ...] = ()
    Tags: tuple[Ec2Tag, ...] = ()


@frozen
class SecurityGroupsFile:
    SecurityGroups: tuple[SecurityGroup, ...]


@frozen
class Subnet:
    SubnetId: str
    CidrBlock: str
    VpcId: str | None = None
    AvailabilityZone: str | None = None
    MapPublicIpOnLaunch: bool | None = None
    Tags: tuple[Ec2Tag, ...] = ()


@frozen
class SubnetsFile:
    Subnets: tuple[Subnet, ...]
