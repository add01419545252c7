"""Checks of each declaration on its own, done once whatever the number of environments."""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from netgen import dsl
from netgen import values as checks
from netgen.model import (
    AcmCert,
    Blueprint,
    Env,
    Exposure,
    External,
    HeaderMatch,
    Isolation,
    Service,
    SourceLoc,
    TlsSecret,
)
from netgen.naming import default_blueprint_name
from netgen.problems import Collector, did_you_mean
from netgen.resolve.podsecurity import validate_env_settings, validate_pod_settings
from netgen.resolve.settings import validate_settings
from netgen.resolve.workload import validate_service_settings
from netgen.targets.base import Registry
from netgen.values import fullmatch, show

PATH_TYPES = ("Prefix", "Exact", "Regex")


def _report(c: Collector, decl: str, loc: object, problem: str | None) -> None:
    if problem:
        c.error(loc, f"{decl}: {problem}")  # type: ignore[arg-type]


# Labels netgen sets itself: selectors rely on app/version, and every object carries
# part-of/managed-by; a user's value there would be overwritten or break a selector.
NETGEN_LABELS = ("app", "version", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by")


def _reserved_labels(labels: Mapping[str, str]) -> Iterator[str]:
    for key in NETGEN_LABELS:
        if key in labels:
            yield f"label {key!r} is set by netgen and cannot be overridden"


def validate_blueprint(bp: Blueprint, c: Collector, registry: Registry) -> None:
    _validate_name(bp, c)
    validate_settings(bp, c, registry)
    validate_env_settings(f"blueprint({bp.info.name!r})", bp.info, c)
    _undeclared_envs(bp, c)
    seen: dict[str, Env] = {}
    for e in bp.envs:
        first = seen.setdefault(e.name, e)
        if first is not e:
            c.error(e.loc, f"env({e.name!r}) is declared twice (first at {first.loc}); "
                           "use `with env(...)` without arguments to add to it")
        validate_env(e, c)
    for s in bp.services:
        validate_service(s, c)
    for x in bp.externals:
        validate_external(x, c)
    for x in bp.exposures:
        validate_exposure(x, c)


def _validate_name(bp: Blueprint, c: Collector) -> None:
    problem = checks.dns1123(bp.info.name, "blueprint name")
    if problem is None:
        return
    file = os.path.basename(bp.path)
    if bp.info.name == default_blueprint_name(bp.path):  # taken from the file name
        c.error(bp.info.loc or SourceLoc(bp.path, 1),
                f"no blueprint name can be made from the file name {file!r} (a DNS label "
                "needs ASCII letters or digits); name the system with blueprint(\"name\")")
    else:
        c.error(bp.info.loc, f"blueprint({bp.info.name!r}): {problem}")


def _undeclared_envs(bp: Blueprint, c: Collector) -> None:
    """`with env("prodution"):` must not quietly create a third environment: an env that
    only a `with` names, when others are declared, is a typo until declared."""
    only_with = set(bp.undeclared_envs)
    declared = sorted({e.name for e in bp.envs if (e.name, e.loc) not in only_with})
    if not declared:
        return
    for name, loc in bp.undeclared_envs:
        if name not in declared:
            c.error(loc, f"with env({name!r}): no environment {name!r} is declared"
                         f"{did_you_mean(name, declared)}; the blueprint declares "
                         f"{', '.join(declared)} (declare a new one with env({name!r}) first)")


def validate_env(e: Env, c: Collector) -> None:
    d = f"env({e.name!r})"
    _report(c, d, e.loc, checks.dns1123(e.name, "environment name"))
    if e.namespace is not None:
        _report(c, d, e.loc, checks.dns1123(e.namespace, "namespace"))
    if e.replicas is not None:
        _report(c, d, e.loc, checks.count(e.replicas, "replicas"))
    if e.isolation is not None and not isinstance(e.isolation, Isolation):
        c.error(e.loc, f"{d}: isolation={e.isolation!r} must be STRICT or OPEN")
    if e.tls is not None and not isinstance(e.tls, AcmCert | TlsSecret):
        c.error(e.loc, f"{d}: tls= must be acm('arn:...') or tls_secret('name')")
    _report(c, d, e.loc, _tls_secret(e.tls))
    _report(c, d, e.loc, checks.labels(e.labels))
    for problem in _reserved_labels(e.labels):
        c.error(e.loc, f"{d}: {problem}")
    validate_env_settings(d, e, c)


def _portless(s: Service) -> str | None:
    """A service without `port=` is a workload nobody calls (a worker): no Service object.
    What only makes sense with a port is an error."""
    needs = [name for name, given in (
        ("target_port", s.target_port is not None), ("port_name", s.port_name is not None),
        ("app_protocol", s.app_protocol is not None), ("health", s.health is not None),
        ("headless", bool(s.headless)), ("stateful", bool(s.stateful)),
        ("versions", bool(s.versions))) if given]
    if needs:
        return f"{', '.join(n + '=' for n in needs)} need{'s' if len(needs) == 1 else ''} port="
    return None


# The StatefulSet controller labels each pod `controller-revision-hash: <name>-<hash>` (a
# 10-character hash; kubernetes/kubernetes#64023): a label value has at most 63 characters,
# so a longer name gives a StatefulSet whose pods are never created. It also leaves room
# for `<name>-headless` (54).
MAX_STATEFUL_NAME = 63 - len("-") - 10


def validate_service(s: Service, c: Collector) -> None:
    d = f"service({s.name!r})"
    problems = [
        checks.dns1035(s.name, "service name"),
        checks.port(s.port) if s.port is not None else _portless(s),
        checks.port(s.target_port, "target_port") if s.target_port is not None else None,
        checks.text(s.image, "image") if s.image is not None or not s.version_settings else None,
        checks.labels(s.labels),
        checks.dns1123(s.namespace, "namespace") if s.namespace is not None else None,
        checks.count(s.replicas, "replicas") if s.replicas is not None else None,
        checks.http_path(s.health) if s.health is not None else None,
        checks.port_name(s.port_name) if s.port_name is not None else None,
        checks.label_value(s.tier, "tier") if s.tier is not None else None,
        checks.app_protocol(s.app_protocol) if s.app_protocol is not None else None,
    ]
    if s.protocol not in checks.PROTOCOLS:
        problems.append(f"protocol={s.protocol!r} must be one of {', '.join(checks.PROTOCOLS)}")
    problems.extend(_reserved_labels(s.labels))
    if s.tier is not None and "tier" in s.labels:
        problems.append(f"label 'tier' is set by tier={s.tier!r}; give one of them")
    if len(set(s.versions)) != len(s.versions):
        problems.append("versions must be unique")
    for v in s.versions:
        problems.append(checks.dns1035(v, "version"))
        if isinstance(v, str) and isinstance(s.name, str) and len(f"{s.name}-{v}") > 63:
            problems.append(f"'{s.name}-{v}' (the per-version Service) exceeds 63 characters")
    if s.stateful and s.versions:
        problems.append("a stateful service cannot have versions")
    problems.extend(unknown_arguments(s.extra, dsl.service))
    if s.stateful and isinstance(s.name, str) and len(s.name) > MAX_STATEFUL_NAME:
        problems.append(
            f"a stateful service name has at most {MAX_STATEFUL_NAME} characters, not "
            f"{len(s.name)}: its pods are labelled controller-revision-hash="
            f"'{s.name}-<10-character hash>', a label value of at most 63")
    for p in problems:
        _report(c, d, s.loc, p)
    validate_service_settings(s, c)
    validate_pod_settings(s, c)


_CODES = fullmatch(r"[1-5]\d\d(-[1-5]\d\d)?(,[1-5]\d\d(-[1-5]\d\d)?)*")
_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")


def _narrowing(x: Exposure) -> list[str | None]:
    """`query=`, `methods=`, `source_ips=` and header wildcards: well-formed values."""
    out: list[str | None] = []
    pairs = x.query if isinstance(x.query, tuple) else None
    if pairs is None or not all(isinstance(p, tuple) and len(p) == 2 and all(
            isinstance(v, str) and v for v in p) for p in pairs):
        out.append(f"query={x.query!r} must map query parameter names to values, such as "
                   "{'version': 'beta'}")
    if not isinstance(x.methods, tuple) or not all(m in _METHODS for m in x.methods):
        out.append(f"methods={x.methods!r} must be a list of HTTP methods such as ['GET', "
                   "'HEAD'] (upper case)")
    if not isinstance(x.source_ips, tuple):
        out.append(f"source_ips={x.source_ips!r} must be a list of CIDRs")
    else:
        out += [checks.cidr(v, "source_ips") for v in x.source_ips]
    out += [f"header {m.name!r}: wildcards={m.wildcards!r} must be True or False"
            for m in x.match if isinstance(m, HeaderMatch) and not isinstance(m.wildcards, bool)]
    return out


def _tls_secret(tls: object) -> str | None:
    """The Secret `tls_secret(name)` names: Ingress's secretName, a Gateway's
    certificateRef and Istio's credentialName all name a Secret, a DNS-1123 subdomain."""
    if not isinstance(tls, TlsSecret):
        return None
    return checks.subdomain(tls.secret, "tls_secret() name")


def validate_external(x: External, c: Collector) -> None:
    d = f"external({x.name!r})"
    for p in (
        checks.dns1035(x.name, "external name"),
        checks.external_host(x.host),
        checks.port(x.port),
        # shown as written: the DSL keeps a list as a tuple
        checks.cidrs(list(x.cidr) if isinstance(x.cidr, tuple) else x.cidr)
        if x.cidr is not None else None,
        checks.dns1123(x.namespace, "namespace") if x.namespace is not None else None,
        None if x.protocol in checks.PROTOCOLS else f"protocol={x.protocol!r} is not TCP/UDP/SCTP",
    ):
        _report(c, d, x.loc, p)


def validate_exposure(x: Exposure, c: Collector) -> None:
    d = f"expose({x.service!r})"
    problems: list[str | None] = [
        checks.route_host(x.host) if x.host not in (None, "*") else None,
        checks.http_path(x.path) if x.path is not None else None,
        checks.node_port(x.node_port) if x.node_port is not None else None,
        *(checks.port(p, "port") for p in x.ports),
        _tls_secret(x.tls),
    ]
    repeated = sorted({p for p in x.ports if isinstance(p, int) and x.ports.count(p) > 1})
    if repeated:
        problems.append(f"ports= names {', '.join(map(str, repeated))} more than once "
                        "(a Service's ports must be unique)")
    if x.path_type not in PATH_TYPES:
        problems.append(f"path_type={x.path_type!r} must be 'Prefix', 'Exact' or 'Regex'")
    elif x.path_type != "Regex" and isinstance(x.path, str) and x.path.startswith("/"):
        problems.append(checks.url_path(x.path))
    if x.path_type == "Regex" and x.path is None:
        problems.append("path_type='Regex' needs a path= regular expression")
    if x.rewrite is not None and (not isinstance(x.rewrite, str)
                                  or not x.rewrite.startswith("/")):
        problems.append(f"rewrite={x.rewrite!r} must start with '/'")
    if x.group is not None:
        problems.append(checks.group_name(x.group))
    if x.route is not None:
        problems.append(checks.dns1123(x.route, "route"))
    if x.rate_limit is not None:
        limits = {"rpm": x.rate_limit.rpm, "rps": x.rate_limit.rps,
                  "connections": x.rate_limit.connections}
        if all(v is None for v in limits.values()):
            problems.append("rate_limit() needs rpm=, rps= or connections=")
        problems.extend(checks.positive(v, k) for k, v in limits.items() if v is not None)
    if x.auth is not None:
        problems.append(checks.dns1123(x.auth.secret, "basic() secret"))
    if x.canary is not None and (
        isinstance(x.canary, bool)
        or not isinstance(x.canary, int | float)
        or not 0 <= x.canary <= 1
    ):
        problems.append(f"canary={x.canary!r} must be between 0 and 1")
    elif x.canary is not None and abs(x.canary * 100 - round(x.canary * 100)) > 1e-9:
        problems.append(f"canary={x.canary!r} must be a whole percentage (such as 0.05)")
    if x.canary is not None and x.version is not None:
        problems.append("canary= and version= cannot be combined: a pinned route has one backend")
    if x.scheme is not None and x.scheme not in ("internet-facing", "internal"):
        problems.append(f"scheme={x.scheme!r} must be 'internet-facing' or 'internal'")
    problems += _narrowing(x)
    for m in x.match:
        problems.append(checks.header_name(m.name))
        if m.value is None:  # ingress-nginx's switch: the capability table says where
            if m.wildcards is True:
                problems.append(f"header {m.name!r}: wildcards=True needs a value")
        elif not isinstance(m.value, str) or not m.value or len(m.value) > 4096:
            problems.append(f"header {m.name!r} value {m.value!r} must be a non-empty string "
                            "of at most 4096 characters")
    names = [m.name.lower() for m in x.match if isinstance(m.name, str)]
    if len(set(names)) != len(names):
        problems.append("match= names the same header twice")
    if x.health is not None:
        problems.append(checks.http_path(x.health.path))
        for what in ("interval", "timeout", "healthy", "unhealthy"):
            value = getattr(x.health, what)
            if value is not None:
                problems.append(checks.positive(value, f"health_check {what}"))
        codes = x.health.codes
        if codes is not None and (not isinstance(codes, str) or not _CODES(codes)):
            problems.append(f"health_check codes={codes!r} must be HTTP codes such as '200', "
                            "'200-299' or '200,302'")
    problems.extend(unknown_arguments(x.options, dsl.expose))
    for p in problems:
        _report(c, d, x.loc, p)


def unknown_arguments(given: Mapping[str, Any], fn: Callable[..., Any]) -> Iterator[str]:
    """Keyword arguments no backend reads: a misspelt `helth=` must not vanish silently."""
    if not given:
        return
    known = _keywords(fn)
    for name in sorted(given):
        yield f"unknown argument {name}={show(given[name])}{did_you_mean(name, known)}"


@functools.cache
def _keywords(fn: Callable[..., Any]) -> list[str]:
    """Once per DSL function, not once per declaration: signatures are slow to build."""
    return [name for name, p in inspect.signature(fn).parameters.items()
            if p.kind is p.KEYWORD_ONLY or p.kind is p.POSITIONAL_OR_KEYWORD]
