"""The declarations a blueprint records, exactly as written, before anything is decided.

These classes hold what the user said and where they said it; resolving defaults,
names and cross-references is `resolve`'s job, so nothing here is derived.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from attrs import field, frozen


@frozen(order=True)
class SourceLoc:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class Via(enum.Enum):
    """How a service is reached; each value is lowered by the backend registered for it."""

    CLUSTER = "cluster"
    NODEPORT = "nodeport"
    NLB = "nlb"
    ALB = "alb"
    NGINX = "nginx"
    GATEWAY = "gateway"
    ISTIO = "istio"
    TCP = "tcp"

    def __repr__(self) -> str:
        return self.name


class Isolation(enum.Enum):
    STRICT = "strict"
    OPEN = "open"

    def __repr__(self) -> str:
        return self.name


@frozen
class AcmCert:
    """A certificate that lives in AWS ACM: only ALB/NLB can terminate TLS with it."""

    arn: str


@frozen
class TlsSecret:
    """A certificate stored as a kubernetes.io/tls Secret (ingress-nginx, Gateway, Istio)."""

    secret: str


Tls = AcmCert | TlsSecret


@frozen
class HeaderMatch:
    name: str
    value: str


@frozen
class BasicAuth:
    secret: str
    realm: str | None = None


@frozen
class RateLimit:
    rpm: int | None = None
    rps: int | None = None
    connections: int | None = None


@frozen
class HealthCheck:
    path: str
    interval: int | None = None
    timeout: int | None = None
    healthy: int | None = None
    unhealthy: int | None = None


@frozen
class Env:
    name: str
    loc: SourceLoc
    namespace: str | None = None
    replicas: int | None = None
    isolation: Isolation | None = None
    tls: Tls | None = None
    labels: Mapping[str, str] = field(factory=dict)
    settings: Mapping[str, Any] = field(factory=dict)


@frozen
class Service:
    name: str
    loc: SourceLoc
    scope: str | None = None
    port: int | None = None
    target_port: int | None = None
    image: str | None = None
    versions: tuple[str, ...] = ()
    stateful: bool = False
    headless: bool = False
    namespace: str | None = None
    labels: Mapping[str, str] = field(factory=dict)
    health: str | None = None
    replicas: int | None = None
    protocol: str = "TCP"
    app_protocol: str | None = None
    port_name: str | None = None
    tier: str | None = None
    extra: Mapping[str, Any] = field(factory=dict)


@frozen
class External:
    name: str
    loc: SourceLoc
    host: str
    port: int
    scope: str | None = None
    cidr: str | None = None
    protocol: str = "TCP"
    namespace: str | None = None
    alias: bool = True


@frozen
class Call:
    src: str
    dsts: tuple[str, ...]
    loc: SourceLoc
    scope: str | None = None


@frozen
class Exposure:
    service: str
    via: Via
    loc: SourceLoc
    scope: str | None = None
    host: str | None = None
    path: str | None = None
    path_type: str = "Prefix"
    canary: float | None = None
    version: str | None = None
    match: tuple[HeaderMatch, ...] = ()
    tls: Tls | None = None
    redirect_https: bool | None = None
    node_port: int | None = None
    ports: tuple[int, ...] = ()
    scheme: str | None = None
    health: HealthCheck | None = None
    rewrite: str | None = None
    rate_limit: RateLimit | None = None
    auth: BasicAuth | None = None
    group: str | None = None
    options: Mapping[str, Any] = field(factory=dict)
    route: str | None = None


@frozen
class BlueprintInfo:
    name: str
    loc: SourceLoc | None = None
    domain: str | None = None
    settings: Mapping[str, Any] = field(factory=dict)


@frozen
class Blueprint:
    """Everything one blueprint file declared, in declaration order."""

    path: str
    info: BlueprintInfo
    envs: tuple[Env, ...] = ()
    services: tuple[Service, ...] = ()
    externals: tuple[External, ...] = ()
    calls: tuple[Call, ...] = ()
    exposures: tuple[Exposure, ...] = ()
    env_uses: tuple[tuple[str, SourceLoc], ...] = ()
