"""ECS container health checks → liveness probes; target group health checks → readiness.

The split follows what each check does on AWS: a failing ECS container health check gets
the task replaced (Kubernetes: liveness), a failing target group check only takes the task
out of the load balancer (Kubernetes: readiness).
"""

from __future__ import annotations

import re

from netgen.importers.ecs.model import Probe
from netgen.importers.ecs.problems import Finding, Source
from netgen.importers.ecs.shapes.ecs import HealthCheck
from netgen.importers.ecs.shapes.elbv2 import TargetGroup

_RANGE = re.compile(r"^(\d{3})(?:-(\d{3}))?$")


def liveness(check: HealthCheck, at: Source, findings: list[Finding]) -> Probe | None:
    """ECS defaults (interval 30 s, timeout 5 s, 3 retries) fill missing fields."""
    command = list(check.command)
    if not command or command[0] == "NONE":
        return None
    if command[0] == "CMD-SHELL":
        argv: tuple[str, ...] = ("sh", "-c", " ".join(command[1:]))
    elif command[0] == "CMD":
        argv = tuple(command[1:])
    else:
        findings.append(
            at.finding(
                "health-check-command",
                "health check command starts with neither CMD nor CMD-SHELL; run as is",
                ".command[0]",
            )
        )
        argv = tuple(command)
    if not argv or not any(argv[-1:]):
        findings.append(at.finding("health-check-command", "empty health check command"))
        return None
    return Probe(
        kind="exec",
        command=argv,
        period_seconds=_positive(check.interval, 30),
        timeout_seconds=_positive(check.timeout, 5),
        failure_threshold=_positive(check.retries, 3),
        initial_delay_seconds=max(check.startPeriod or 0, 0),
    )


def readiness(
    group: TargetGroup, traffic_port: int, at: Source, findings: list[Finding]
) -> Probe | None:
    """Defaults are the ALB's for HTTP target groups (30 s / 5 s / 5 healthy / 2 unhealthy).

    `traffic-port` means the port the target is registered with, i.e. the container port
    named in the ECS service's `loadBalancers` entry.
    """
    if group.HealthCheckEnabled is False:
        return None
    protocol = (group.HealthCheckProtocol or group.Protocol or "HTTP").upper()
    port = traffic_port
    if group.HealthCheckPort not in (None, "traffic-port"):
        text = group.HealthCheckPort
        if text.isascii() and text.isdigit() and 0 < int(text) < 65536:
            port = int(text)
        else:
            findings.append(
                at.finding(
                    "health-check-port",
                    f"health check port {text!r} is not a port number; using {port}",
                    ".HealthCheckPort",
                )
            )
    grpc = (group.ProtocolVersion or "").upper() == "GRPC"
    kind = "grpc" if grpc else "http" if protocol in ("HTTP", "HTTPS") else "tcp"
    matcher = None
    if kind != "tcp":
        matcher = (
            (group.Matcher.GrpcCode if grpc else group.Matcher.HttpCode) if group.Matcher else None
        )
        matcher = matcher or ("12" if grpc else "200")
        if kind == "http":
            _check_matcher(matcher, at, findings)
    return Probe(
        kind=kind,
        path=(group.HealthCheckPath or "/") if kind == "http" else None,
        port=port,
        scheme=protocol if kind == "http" else None,
        period_seconds=_positive(group.HealthCheckIntervalSeconds, 30),
        timeout_seconds=_positive(group.HealthCheckTimeoutSeconds, 5),
        success_threshold=_positive(group.HealthyThresholdCount, 5),
        failure_threshold=_positive(group.UnhealthyThresholdCount, 2),
        matcher=matcher,
    )


def _check_matcher(matcher: str, at: Source, findings: list[Finding]) -> None:
    """Kubernetes HTTP probes pass on 200–399 only; say so if the ALB accepted others."""
    outside = []
    for part in matcher.split(","):
        found = _RANGE.match(part.strip())
        if found is None:
            outside.append(part.strip())
            continue
        low = int(found[1])
        high = int(found[2] or low)
        if low < 200 or high > 399:
            outside.append(part.strip())
    if outside:
        findings.append(
            at.finding(
                "health-matcher",
                f"the ALB counted {', '.join(outside)} as healthy; Kubernetes probes only "
                "accept 200-399",
                ".Matcher",
            )
        )


def _positive(value: int | None, default: int) -> int:
    return value if value is not None and value > 0 else default
