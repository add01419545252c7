"""The parts of `aws servicediscovery` output netgen reads (botocore `servicediscovery/2017-03-14`).

`list-services` summaries may omit which namespace a service is in (`DnsConfig.NamespaceId`
is deprecated), so `get-service` output, which has `NamespaceId`, is accepted as well.
"""

from __future__ import annotations

from datetime import datetime

from attrs import frozen


@frozen
class DnsProperties:
    HostedZoneId: str | None = None


@frozen
class HttpProperties:
    HttpName: str | None = None


@frozen
class NamespaceProperties:
    DnsProperties: DnsProperties | None = None
    HttpProperties: HttpProperties | None = None


@frozen
class Namespace:
    Id: str
    Name: str
    Type: str  # DNS_PUBLIC | DNS_PRIVATE | HTTP
    Arn: str | None = None
    Properties: NamespaceProperties | None = None
    CreateDate: datetime | None = None


@frozen
class NamespaceFile:
    """`aws servicediscovery get-namespace`."""

    Namespace: Namespace


@frozen
class NamespacesFile:
    """`aws servicediscovery list-namespaces`."""

    Namespaces: tuple[Namespace, ...]


@frozen
class DnsRecord:
    Type: str
    TTL: int | None = None


@frozen
class DnsConfig:
    NamespaceId: str | None = None
    RoutingPolicy: str | None = None
    DnsRecords: tuple[DnsRecord, ...] = ()


@frozen
class DiscoveryService:
    Id: str
    Arn: str
    Name: str
    Type: str | None = None
    NamespaceId: str | None = None  # only in get-service output
    DnsConfig: DnsConfig | None = None
    CreateDate: datetime | None = None

    def namespace_id(self) -> str | None:
        if self.NamespaceId is not None:
            return self.NamespaceId
        return self.DnsConfig.NamespaceId if self.DnsConfig is not None else None


@frozen
class DiscoveryServicesFile:
    """`aws servicediscovery list-services`."""

    Services: tuple[DiscoveryService, ...]


@frozen
class DiscoveryServiceFile:
    """`aws servicediscovery get-service`."""

    Service: DiscoveryService
