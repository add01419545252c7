"""Checks of `mesh(...)` and `traffic(...)` declarations on their own, once per blueprint.

`traffic(...)` speaks Envoy's vocabulary (the load balancer policies and retry conditions
Istio's CRDs enumerate; Linkerd's checks reject what it cannot express), so each value is
checked against those CRDs' enums, int32 ranges and the CEL `duration(self) >=
duration('1ms')` rule: a mistake is a `file:line` error here instead of an apply-time
rejection by the API server. The options one mesh target alone takes (`MeshHooks.options`)
are checked by that target.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from netgen import values as checks
from netgen.model import (
    Blueprint,
    Isolation,
    Mesh,
    Mtls,
    Outlier,
    Retries,
    Token,
    Traffic,
)
from netgen.plan.mesh import EXTERNAL_PROTOCOLS
from netgen.problems import Collector, did_you_mean
from netgen.resolve import mesh_splits
from netgen.targets.base import MeshHooks, Registry
from netgen.values import fullmatch

LB_POLICIES = ("ROUND_ROBIN", "LEAST_REQUEST", "LEAST_CONN", "RANDOM", "PASSTHROUGH")
# Envoy's retry-on conditions as Istio documents them (HTTP and gRPC); 3-digit status codes too.
RETRY_ON = (
    "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure",
    "envoy-ratelimited", "retriable-4xx", "refused-stream", "retriable-status-codes",
    "retriable-headers", "http3-post-connect-failure", "cancelled", "deadline-exceeded",
    "internal", "resource-exhausted", "unavailable",
)
INT32 = 2**31 - 1

_DURATION = fullmatch(r"(?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+")
_DURATION_PART = r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)"
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def duration_seconds(value: str) -> float:
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in re.findall(_DURATION_PART, value))


def duration(value: Any, what: str) -> str | None:
    """Go-style durations ('5s', '1m30s', '250ms'), as the CRDs' CEL `duration()` reads them."""
    if not isinstance(value, str) or not _DURATION(value):
        return f"{what}={value!r} must be a duration such as '5s', '250ms' or '1m30s'"
    if duration_seconds(value) < 1e-3:
        return f"{what}={value!r} must be at least 1ms"
    return None


def bounded(value: Any, what: str, low: int, high: int = INT32) -> str | None:
    if type(value) is not int or not low <= value <= high:
        upper = "" if high == INT32 else f" and at most {high}"
        return f"{what}={value!r} must be a whole number of at least {low}{upper}"
    return None


def mtls_mode(value: Any) -> Mtls | None:
    """`mtls=STRICT` reads naturally with the Isolation constant, so that is accepted too."""
    if isinstance(value, Mtls):
        return value
    if value is Isolation.STRICT:
        return Mtls.STRICT
    if isinstance(value, str) and value in Mtls.__members__:
        return Mtls[value]
    return None


def validate_declarations(bp: Blueprint, c: Collector, registry: Registry) -> None:
    first_mesh: dict[str | None, Mesh] = {}
    for m in bp.meshes:
        first = first_mesh.setdefault(m.scope, m)
        if first is not m:
            where = f"environment '{m.scope}'" if m.scope else "the blueprint"
            c.error(m.loc, f"mesh() is declared twice for {where} (first at {first.loc})")
        _check_mesh(m, c, registry)
    first_traffic: dict[tuple[str | None, object], Traffic] = {}
    for t in bp.traffic:
        key = (t.scope, t.service if isinstance(t.service, str) else id(t))
        first_t = first_traffic.setdefault(key, t)
        if first_t is not t:
            c.error(t.loc, f"traffic({t.service!r}) is declared twice (first at {first_t.loc})")
        _check_traffic(t, c)
    for x in bp.externals:
        if x.app_protocol is not None:
            problem = external_protocol(x.app_protocol)
            if problem:
                c.error(x.loc, f"external({x.name!r}): {problem}")


def _check_mesh(m: Mesh, c: Collector, registry: Registry) -> None:
    kind = m.kind.name if isinstance(m.kind, Token) else repr(m.kind)
    d = f"mesh({kind})"
    if m.kind is None:
        given = [n for n in ("mtls", "trust_domain", "ingress_selector", "ingress_principal",
                             "revision") if getattr(m, n) is not None]
        if given:
            c.error(m.loc, f"{d} switches the mesh off; {', '.join(given)}= would have no effect")
        return
    chosen = registry.mesh(m.kind) if isinstance(m.kind, Token) else None
    if chosen is None:
        kinds = " or ".join(h.kind.name for h in registry.meshes())
        only = "the only mesh netgen lowers" if len(registry.meshes()) == 1 else \
            "the meshes netgen lowers"
        c.error(m.loc, f"{d}: the mesh must be {kinds} ({only}), or None to switch it off")
    else:
        _check_options(m, d, chosen, registry, c)
    if m.mtls is not None and mtls_mode(m.mtls) is None:
        hint = " (OPEN is an isolation level, not an mTLS mode)" if m.mtls is Isolation.OPEN else ""
        c.error(m.loc, f"{d}: mtls={m.mtls!r} must be STRICT, PERMISSIVE or DISABLE{hint}")
    if m.trust_domain is not None:
        problem = checks.hostname(m.trust_domain, wildcard=False)
        if problem:
            c.error(m.loc, f"{d}: trust_domain: {problem}")
    for hooks in registry.meshes():  # each target checks the values of its own options
        for problem in hooks.check_options(m) if hooks.check_options else ():
            c.error(m.loc, f"{d}: {problem}")


def _check_options(m: Mesh, d: str, chosen: MeshHooks, registry: Registry,
                   c: Collector) -> None:
    """An option of another mesh target than the one chosen would do nothing."""
    theirs = {n: h.kind.name for h in registry.meshes() for n in h.options}
    given = [n for n in theirs if getattr(m, n) is not None and n not in chosen.options]
    if given:
        owners = " or ".join(dict.fromkeys(f"mesh({theirs[n]})" for n in given))
        c.error(m.loc, f"{d}: {', '.join(n + '=' for n in given)} are options of "
                       f"{owners} only")


def _check_traffic(t: Traffic, c: Collector) -> None:
    d = f"traffic({t.service!r})"
    problems: list[str | None] = []
    if not isinstance(t.service, str):
        problems.append("the first argument must be a service name")
    if t.lb is not None and t.lb not in LB_POLICIES:
        problems.append(f"lb={t.lb!r} must be one of {', '.join(LB_POLICIES)}"
                        f"{did_you_mean(str(t.lb), LB_POLICIES)}")
    for name in ("max_connections", "http1_max_pending", "http2_max_requests",
                 "max_requests_per_connection"):
        value = getattr(t, name)
        if value is not None:
            problems.append(bounded(value, name, 1))
    for name in ("connect_timeout", "timeout"):
        value = getattr(t, name)
        if value is not None:
            problems.append(duration(value, name))
    if t.outlier is not None:
        problems.extend(_outlier_problems(t.outlier))
    if t.retries is not None:
        problems.extend(_retry_problems(t.retries))
    problems.extend(mesh_splits.declaration_problems(t, duration, _retry_problems))
    if all(getattr(t, n) is None for n in (
        "lb", "max_connections", "connect_timeout", "http1_max_pending", "http2_max_requests",
        "max_requests_per_connection", "outlier", "timeout", "retries",
    )) and not mesh_splits.says_something(t):
        problems.append("says nothing; give at least one of lb=, max_connections=, "
                        "outlier=, timeout=, retries=, split=, routes=, ...")
    for p in problems:
        if p:
            c.error(t.loc, f"{d}: {p}")


def _outlier_problems(o: Any) -> list[str | None]:
    if not isinstance(o, Outlier):
        return [f"outlier={o!r} must be outlier(consecutive_5xx=..., interval=..., ejection=...)"]
    out: list[str | None] = []
    for name in ("consecutive_5xx", "consecutive_gateway_errors"):
        value = getattr(o, name)
        if value is not None:
            out.append(bounded(value, f"outlier {name}", 0))
    for name in ("interval", "ejection"):
        value = getattr(o, name)
        if value is not None:
            out.append(duration(value, f"outlier {name}"))
    if o.max_ejection_percent is not None:
        out.append(bounded(o.max_ejection_percent, "outlier max_ejection_percent", 0, 100))
    if o.consecutive_5xx is None and o.consecutive_gateway_errors is None:
        out.append("outlier() needs consecutive_5xx= or consecutive_gateway_errors= "
                   "(what counts as failing)")
    return out


def _retry_problems(r: Any) -> list[str | None]:
    if not isinstance(r, Retries):
        return [f"retries={r!r} must be retries(3, per_try='2s', on='5xx,reset')"]
    out: list[str | None] = [bounded(r.attempts, "retries attempts", 0)]
    if r.per_try is not None:
        out.append(duration(r.per_try, "retries per_try"))
    if r.on is not None:
        out.append(retry_on(r.on))
    return out


def retry_on(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return f"retries on={value!r} must be a comma-separated list such as '5xx,reset'"
    for token in value.split(","):
        if token in RETRY_ON or (token.isdigit() and len(token) == 3 and 100 <= int(token) <= 599):
            continue
        return (f"retries on={value!r}: {token!r} is not a retry condition "
                f"({', '.join(RETRY_ON)} or an HTTP status code){did_you_mean(token, RETRY_ON)}")
    return None


def external_protocol(value: Any) -> str | None:
    if not isinstance(value, str) or value.upper() not in EXTERNAL_PROTOCOLS:
        return f"app_protocol={value!r} must be one of {', '.join(EXTERNAL_PROTOCOLS)}"
    return None


def labels_of(value: Mapping[str, str] | None) -> tuple[tuple[str, str], ...] | None:
    return tuple(sorted(value.items())) if value else None
