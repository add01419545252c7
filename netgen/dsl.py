"""The functions a blueprint calls. Each records a declaration with the file and line it
came from into the blueprint being loaded, and checks nothing: all checking happens in
`resolve`, so every mistake is reported at once and with its location.

The blueprint being loaded is held in a ContextVar, not a module global, so loading one
blueprint cannot leak into another (tests load many in one process).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from types import TracebackType
from typing import Any

from netgen.model import (
    AcmCert,
    BasicAuth,
    Blueprint,
    BlueprintInfo,
    Call,
    Env,
    Exposure,
    External,
    HeaderMatch,
    HealthCheck,
    Isolation,
    RateLimit,
    Service,
    SourceLoc,
    TlsSecret,
    Via,
)

CLUSTER, NODEPORT, NLB, ALB, NGINX, GATEWAY, ISTIO, TCP = (
    Via.CLUSTER,
    Via.NODEPORT,
    Via.NLB,
    Via.ALB,
    Via.NGINX,
    Via.GATEWAY,
    Via.ISTIO,
    Via.TCP,
)
STRICT, OPEN = Isolation.STRICT, Isolation.OPEN

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
MAX_DECLARATIONS = 200_000


class TooManyDeclarations(BaseException):
    """BaseException so that a blueprint's own `except Exception` cannot swallow it."""


class Builder:
    """Collects declarations while one blueprint file executes."""

    def __init__(self, path: str, display_path: str | None = None) -> None:
        self.path = path
        self.display_path = display_path or path
        self.info: BlueprintInfo | None = None
        self.info_calls: list[SourceLoc] = []
        self.envs: list[Env] = []
        self.env_uses: list[tuple[str, SourceLoc]] = []
        self.services: list[Service] = []
        self.externals: list[External] = []
        self.calls: list[Call] = []
        self.exposures: list[Exposure] = []
        self.scope: list[tuple[str, SourceLoc]] = []
        self.count = 0

    def freeze(self) -> Blueprint:
        stem = os.path.splitext(os.path.basename(self.path))[0]
        info = self.info or BlueprintInfo(name=stem.replace("_", "-"))
        return Blueprint(
            path=self.display_path,
            info=info,
            envs=tuple(self.envs),
            services=tuple(self.services),
            externals=tuple(self.externals),
            calls=tuple(self.calls),
            exposures=tuple(self.exposures),
            env_uses=tuple(self.env_uses),
        )


current_builder: ContextVar[Builder] = ContextVar("netgen_builder")


def _builder() -> Builder:
    try:
        builder = current_builder.get()
    except LookupError:
        raise RuntimeError(
            "netgen blueprint functions only work while netgen loads a blueprint "
            "(run `netgen build FILE`, not `python FILE`)"
        ) from None
    builder.count += 1
    if builder.count > MAX_DECLARATIONS:
        raise TooManyDeclarations
    return builder


def _loc(builder: Builder) -> SourceLoc:
    """The innermost caller outside the netgen package: the user's line, even through helpers."""
    frame = sys._getframe(2)
    while frame is not None and os.path.dirname(frame.f_code.co_filename) == _PACKAGE_DIR:
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return SourceLoc(builder.display_path, 0)
    filename = frame.f_code.co_filename
    shown = builder.display_path if filename == builder.path else filename
    return SourceLoc(shown, frame.f_lineno)


def _scope(builder: Builder) -> str | None:
    return builder.scope[-1][0] if builder.scope else None


def _dict(value: Mapping[str, Any] | None) -> dict[str, Any]:
    return dict(value) if value else {}


def blueprint(
    name: str | None = None,
    *,
    domain: str | None = None,
    **settings: Any,
) -> None:
    """Names the system; optional, the file's stem names it otherwise."""
    b = _builder()
    loc = _loc(b)
    b.info_calls.append(loc)
    stem = os.path.splitext(os.path.basename(b.path))[0]
    b.info = BlueprintInfo(name=name if name is not None else stem, loc=loc, domain=domain,
                           settings=settings)


class EnvScope:
    """Returned by `env`: used with `with`, declarations inside apply to that env only."""

    def __init__(self, builder: Builder, name: str, loc: SourceLoc) -> None:
        self._builder = builder
        self.name = name
        self._loc = loc

    def __enter__(self) -> EnvScope:
        self._builder.scope.append((self.name, self._loc))
        self._builder.env_uses.append((self.name, self._loc))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._builder.scope.pop()


def env(
    name: str,
    *,
    namespace: str | None = None,
    replicas: int | None = None,
    isolation: Isolation | None = None,
    tls: AcmCert | TlsSecret | None = None,
    labels: Mapping[str, str] | None = None,
    **settings: Any,
) -> EnvScope:
    b = _builder()
    loc = _loc(b)
    declares = any(
        v is not None for v in (namespace, replicas, isolation, tls, labels)
    ) or bool(settings)
    known = any(e.name == name for e in b.envs)
    if declares or not known:
        b.envs.append(
            Env(name=name, loc=loc, namespace=namespace, replicas=replicas, isolation=isolation,
                tls=tls, labels=_dict(labels), settings=settings)
        )
    return EnvScope(b, name, loc)


def service(
    name: str,
    *,
    port: int | None = None,
    target_port: int | None = None,
    image: str | None = None,
    versions: Iterable[str] | None = None,
    stateful: bool = False,
    headless: bool = False,
    namespace: str | None = None,
    labels: Mapping[str, str] | None = None,
    health: str | None = None,
    replicas: int | None = None,
    protocol: str = "TCP",
    app_protocol: str | None = None,
    port_name: str | None = None,
    tier: str | None = None,
    **extra: Any,
) -> None:
    b = _builder()
    b.services.append(
        Service(
            name=name, loc=_loc(b), scope=_scope(b), port=port, target_port=target_port,
            image=image, versions=tuple(versions or ()), stateful=stateful, headless=headless,
            namespace=namespace, labels=_dict(labels), health=health, replicas=replicas,
            protocol=protocol, app_protocol=app_protocol, port_name=port_name, tier=tier,
            extra=extra,
        )
    )


def external(
    name: str,
    *,
    host: str,
    port: int,
    cidr: str | None = None,
    protocol: str = "TCP",
    namespace: str | None = None,
    alias: bool = True,
) -> None:
    """Something outside the cluster; `alias=False` hands workloads the real host name
    (needed when clients verify the TLS host name) instead of the ExternalName alias."""
    b = _builder()
    b.externals.append(
        External(name=name, loc=_loc(b), host=host, port=port, scope=_scope(b), cidr=cidr,
                 protocol=protocol, namespace=namespace, alias=alias)
    )


def calls(src: str, *dsts: str) -> None:
    """Declared traffic: the only source of allow rules."""
    b = _builder()
    b.calls.append(Call(src=src, dsts=tuple(dsts), loc=_loc(b), scope=_scope(b)))


def expose(
    name: str,
    via: Via = Via.CLUSTER,
    *,
    host: str | None = None,
    path: str | None = None,
    path_type: str = "Prefix",
    canary: float | None = None,
    version: str | None = None,
    match: HeaderMatch | Iterable[HeaderMatch] | None = None,
    tls: AcmCert | TlsSecret | None = None,
    redirect_https: bool | None = None,
    node_port: int | None = None,
    port: int | None = None,
    ports: Iterable[int] | None = None,
    scheme: str | None = None,
    health: HealthCheck | str | None = None,
    rewrite: str | None = None,
    rate_limit: RateLimit | None = None,
    auth: BasicAuth | None = None,
    group: str | None = None,
    route: str | None = None,
    **options: Any,
) -> None:
    """How a service is reached. `route=` names the generated route object (Ingress, or the
    HTTPRoute that exposures of one host and the same `route=` share)."""
    b = _builder()
    matches = (match,) if isinstance(match, HeaderMatch) else tuple(match or ())
    all_ports = tuple(ports or ()) + ((port,) if port is not None else ())
    check = HealthCheck(path=health) if isinstance(health, str) else health
    b.exposures.append(
        Exposure(
            service=name, via=via, loc=_loc(b), scope=_scope(b), host=host, path=path,
            path_type=path_type, canary=canary, version=version, match=matches, tls=tls,
            redirect_https=redirect_https, node_port=node_port, ports=all_ports, scheme=scheme,
            health=check, rewrite=rewrite, rate_limit=rate_limit, auth=auth, group=group,
            options=options, route=route,
        )
    )


def acm(arn: str) -> AcmCert:
    """A certificate in AWS Certificate Manager (terminated by the ALB/NLB)."""
    return AcmCert(arn)


def tls_secret(name: str) -> TlsSecret:
    """A kubernetes.io/tls Secret in the service's namespace."""
    return TlsSecret(name)


def header(name: str, value: str) -> HeaderMatch:
    return HeaderMatch(name, value)


def basic(secret: str, realm: str | None = None) -> BasicAuth:
    """HTTP basic auth backed by an htpasswd Secret (key `auth`)."""
    return BasicAuth(secret, realm)


def rate_limit(
    rpm: int | None = None, *, rps: int | None = None, connections: int | None = None
) -> RateLimit:
    return RateLimit(rpm=rpm, rps=rps, connections=connections)


def health_check(
    path: str,
    *,
    interval: int | None = None,
    timeout: int | None = None,
    healthy: int | None = None,
    unhealthy: int | None = None,
) -> HealthCheck:
    return HealthCheck(path, interval, timeout, healthy, unhealthy)
