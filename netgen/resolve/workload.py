"""A service's container settings: checked once per declaration, merged per version, and
turned into the Plan's terms (env vars, secret references, resources, probes, rollout,
volumes).

A `version(...)` overrides its service: scalar settings replace the service's, `env_vars`
and `secrets` add keys (a version cannot remove a service-wide variable; declare it per
version instead).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from attrs import evolve, fields

from netgen import values as checks
from netgen.model import (
    Container,
    Probe,
    Rollout,
    SecretKeyRef,
    Service,
    SourceLoc,
    Volume,
    WorkloadSettings,
)
from netgen.plan import (
    ContainerPlan,
    EnvVar,
    PortPlan,
    ProbePlan,
    ResourcesPlan,
    RolloutPlan,
    SecretEnvVar,
    VolumePlan,
)
from netgen.problems import Collector
from netgen.values import fullmatch, show

if TYPE_CHECKING:
    from decimal import Decimal

_ENV_NAME = fullmatch(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
_SECRET_KEY = fullmatch(r"[-._a-zA-Z0-9]{1,253}")
# Kubernetes quantities without a sign (a request cannot be negative): a decimal number,
# then for CPU 'm' (thousandths) or a decimal exponent ('1e3'), for memory a binary or
# decimal SI suffix or an exponent. 'E' alone is exa; 'E3' is an exponent.
_EXPONENT = r"[eE][-+]?\d{1,9}"
_CPU = fullmatch(rf"(\d+(?:\.\d*)?|\.\d+)(m|{_EXPONENT})?")
_MEMORY = fullmatch(rf"(\d+(?:\.\d*)?|\.\d+)({_EXPONENT}|Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?")
_PERCENT = fullmatch(r"\d{1,9}%")
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}

MERGED = ("env_vars", "secrets")


# --- checks ------------------------------------------------------------------------------


def validate_service_settings(s: Service, c: Collector) -> None:
    """The service's own settings, then each version's, each reported at the service's line."""
    d = f"service({s.name!r})"
    report = _reporter(c, s.loc)
    _check(d, s.settings, report, stateful=s.stateful)
    missing = _without_image(s)
    if missing:
        report(f"{d}: image= is required unless every version(...) sets its own "
               f"(missing for {', '.join(missing)})")
    if s.health is not None and s.settings.readiness is not None:
        report(f"{d}: health= and readiness= both set the readiness probe; keep one")
    for name, settings in s.version_settings:
        where = f"{d}: versions[{name!r}]"
        if not isinstance(settings, WorkloadSettings):
            report(f"{where} must be version(...), not {settings!r}")
            continue
        _check(where, settings, report, stateful=s.stateful)
        merged = effective(s, name)
        _check_pairs(where, merged, report)
        if s.health is not None and settings.readiness is not None:
            report(f"{where}: readiness= conflicts with the service's health=; keep one")
    _check_containers(s, d, report)
    if s.port is None:
        for what in ("liveness", "readiness"):
            p = getattr(s.settings, what)
            if isinstance(p, Probe) and p.exec is None and p.port is None:
                report(f"{d}: {what}=probe(...) needs port= (the service has none)")
    if not isinstance(s.node_selector, Mapping):
        report(f"{d}: node_selector={s.node_selector!r} must be a mapping of node labels")
    else:
        problem = checks.labels(dict(s.node_selector))
        if problem:
            report(f"{d}: node_selector: {problem}")


def _check_containers(s: Service, d: str, report: Any) -> None:
    """`containers=[container(...)]`: each needs a unique name (not the service's: the main
    container has it) and an image; ports are whole numbers other containers do not use."""
    if not isinstance(s.containers, tuple):
        report(f"{d}: containers={s.containers!r} must be a list of container(...)")
        return
    names: set[Any] = {s.name}
    ports: set[Any] = {s.target_port or s.port} - {None}
    for c in s.containers:
        if not isinstance(c, Container):
            report(f"{d}: containers: {c!r} must be container('name', image=...)")
            continue
        where = f"{d}: container({c.name!r})"
        problem = checks.dns1123(c.name, "container name")
        if problem:
            report(f"{where}: {problem}")
        elif c.name in names:
            report(f"{where}: the name is taken (the main container is named after the service)")
        names.add(c.name)
        if c.settings.image is None:
            report(f"{where}: image= is required")
        for port in c.ports if isinstance(c.ports, tuple) else (c.ports,):
            problem = checks.port(port, "port")
            if problem:
                report(f"{where}: {problem}")
            elif port in ports:
                report(f"{where}: port {port} is already used by another container of the pod "
                       "(they share one network namespace)")
            ports.add(port)
        _check(where, c.settings, report, stateful=False)


def _without_image(s: Service) -> list[str]:
    """Versions left without an image when the service gives none (checked only when some
    version(...) is given; a plain service without image= is checked with the others)."""
    if s.image is not None or not s.version_settings:
        return []
    given = {name for name, v in s.version_settings
             if isinstance(v, WorkloadSettings) and v.image is not None}
    return [v for v in s.versions if v not in given]


def _reporter(c: Collector, loc: SourceLoc) -> Any:
    def report(message: str) -> None:
        c.error(loc, message)

    return report


def _check(d: str, w: WorkloadSettings, report: Any, *, stateful: bool) -> None:
    problems: list[str | None] = []
    if w.image is not None:
        problems.append(checks.text(w.image, "image"))
    if w.replicas is not None:
        problems.append(checks.count(w.replicas, "replicas"))
    problems += _env_vars(w.env_vars)
    problems += _secrets(w.secrets)
    for what in ("command", "args"):
        problems.append(_strings(getattr(w, what), what))
    problems += [_quantity(w.cpu, "cpu", _CPU), _quantity(w.cpu_limit, "cpu_limit", _CPU),
                 _quantity(w.memory, "memory", _MEMORY),
                 _quantity(w.memory_limit, "memory_limit", _MEMORY)]
    problems += _probe(w.liveness, "liveness") + _probe(w.readiness, "readiness")
    problems.append(_rollout(w.rollout, stateful))
    problems += _volumes(w.volumes)
    _check_pairs(d, w, report)
    for p in problems:
        if p:
            report(f"{d}: {p}")


def _check_pairs(d: str, w: WorkloadSettings, report: Any) -> None:
    """Checks between settings, made on a version's merged settings too."""
    if isinstance(w.env_vars, Mapping) and isinstance(w.secrets, Mapping):
        for name in sorted(set(w.env_vars) & set(w.secrets), key=str):
            report(f"{d}: {name!r} is both in env_vars and in secrets")
    for request, limit, pattern in (("cpu", "cpu_limit", _CPU),
                                    ("memory", "memory_limit", _MEMORY)):
        low, high = getattr(w, request), getattr(w, limit)
        if (low is not None and high is not None and _quantity(low, request, pattern) is None
                and _quantity(high, limit, pattern) is None
                and _amount(high, pattern) < _amount(low, pattern)):
            report(f"{d}: {limit}={high!r} is less than {request}={low!r} "
                   "(Kubernetes rejects a request above its limit)")


def _env_vars(value: Any) -> list[str | None]:
    if not isinstance(value, Mapping):
        return [f"env_vars={value!r} must be a mapping of names to strings"]
    out: list[str | None] = []
    for name, text in value.items():
        out.append(_env_name(name))
        if not isinstance(text, str):
            out.append(f"env_vars[{name!r}]={text!r} must be a string (quote numbers: '8080')")
    return out


def _env_name(name: Any) -> str | None:
    if not isinstance(name, str) or not _ENV_NAME(name):
        return (f"environment variable name {name!r} must be letters, digits, '_', '-' and "
                "'.', not starting with a digit")
    return None


def _secrets(value: Any) -> list[str | None]:
    if not isinstance(value, Mapping):
        return [f"secrets={value!r} must be a mapping of names to secret_ref(...)"]
    out: list[str | None] = []
    for name, ref in value.items():
        out.append(_env_name(name))
        if not isinstance(ref, SecretKeyRef):
            out.append(f"secrets[{name!r}] must be secret_ref('secret-name', 'key'), not "
                       f"{type(ref).__name__} (never put a secret's value in a blueprint)")
            continue
        if (not isinstance(ref.name, str) or len(ref.name) > 253
                or not checks.is_subdomain(ref.name)):
            out.append(f"secrets[{name!r}]: Secret name {ref.name!r} is not a valid DNS "
                       "subdomain (lowercase letters, digits, '-' and '.')")
        if not isinstance(ref.key, str) or not _SECRET_KEY(ref.key):
            out.append(f"secrets[{name!r}]: key {ref.key!r} must be letters, digits, '-', "
                       "'_' and '.'")
    return out


def _strings(value: Any, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
        return f"{what}={value!r} must be a list of strings, such as ['/app/run', '--port']"
    if not value:
        return f"{what}= must not be empty; leave it out to use the image's own"
    return None


def _quantity(value: Any, what: str, pattern: Any) -> str | None:
    if value is None or (isinstance(value, str) and pattern(value)):
        return None
    if pattern is _CPU:
        return (f"{what}={show(value)} must be a number of CPUs such as '2' or '0.5', in "
                "thousandths such as '500m', or with an exponent such as '1e3'")
    return (f"{what}={show(value)} must be a number of bytes such as '1000000', with a suffix "
            "(Ki, Mi, Gi, Ti, Pi, Ei or k, M, G, T, P, E) such as '512Mi', or with an "
            "exponent such as '5e8'")


def _amount(text: str, pattern: Any) -> Decimal:
    # here: only a request compared with its limit needs decimal
    from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal

    found = pattern(text)
    number = Decimal(found[1])
    unit = found[2] or ""
    exact = Context(prec=60, Emax=MAX_EMAX, Emin=MIN_EMIN)
    if unit[:1] in ("e", "E") and len(unit) > 1:
        return number.scaleb(int(unit[1:]), exact)
    if pattern is _CPU:
        return number / 1000 if unit == "m" else number
    return exact.multiply(number, _BINARY.get(unit, _DECIMAL.get(unit, 1)))


def _probe(p: Any, what: str) -> list[str | None]:
    if p is None:
        return []
    if not isinstance(p, Probe):
        return [f"{what}= must be probe(...), not {p!r}"]
    kinds = [k for k, on in (("exec", p.exec is not None), ("http", p.http is not None),
                             ("tcp", p.tcp is True), ("grpc", p.grpc is True)) if on]
    if len(kinds) != 1:
        return [f"{what}=probe(...) needs exactly one of exec=[...], http='/path', tcp=True "
                f"or grpc=True{' (got ' + ', '.join(kinds) + ')' if kinds else ''}"]
    out: list[str | None] = []
    if p.exec is not None:
        out.append(_strings(p.exec, f"{what}: exec"))
    if p.http is not None and (not isinstance(p.http, str) or not p.http.startswith("/")):
        out.append(f"{what}: http={p.http!r} must be a path starting with '/'")
    if p.scheme is not None and (p.http is None or p.scheme not in ("HTTP", "HTTPS")):
        out.append(f"{what}: scheme={p.scheme!r} must be 'HTTP' or 'HTTPS', with http=")
    if p.port is not None:
        if p.exec is not None:
            out.append(f"{what}: port= does not apply to an exec probe")
        elif isinstance(p.port, str) and not p.grpc:
            out.append(checks.port_name(p.port))
        else:
            out.append(checks.port(p.port, f"{what}: port"))
    for field_name, least in (("period", 1), ("timeout", 1), ("failures", 1), ("successes", 1),
                              ("initial_delay", 0)):
        value = getattr(p, field_name)
        if value is not None:
            out.append(checks.count(value, f"{what}: {field_name}", least))
    if what == "liveness" and p.successes not in (None, 1):
        out.append(f"liveness: successes={p.successes!r} must be 1 (Kubernetes requires it)")
    return out


def _rollout(r: Any, stateful: bool) -> str | None:
    if r is None:
        return None
    if not isinstance(r, Rollout):
        return f"rollout= must be rollout(max_surge=..., max_unavailable=...), not {r!r}"
    if stateful:
        return "rollout= applies to Deployments; a stateful service updates pod by pod"
    for what, value in (("max_surge", r.max_surge), ("max_unavailable", r.max_unavailable)):
        if value is None:
            continue
        if isinstance(value, str) and _PERCENT(value):
            if what == "max_unavailable" and int(value[:-1]) > 100:
                return f"rollout: max_unavailable={value!r} cannot exceed '100%'"
        elif type(value) is not int or value < 0:
            return f"rollout: {what}={value!r} must be a pod count or a percentage like '25%'"
        elif value > checks.MAX_INT32:
            return f"rollout: {checks.count(value, what)}"
    if _zero(r.max_surge) and _zero(r.max_unavailable):
        return "rollout: max_surge and max_unavailable cannot both be 0 (nothing could change)"
    return None


def _zero(value: int | str | None) -> bool:
    if isinstance(value, str) and _PERCENT(value):
        return int(value[:-1]) == 0
    return type(value) is int and value == 0


def _volumes(value: Any) -> list[str | None]:
    if value is None:
        return []
    if not isinstance(value, tuple):
        return [f"volumes={value!r} must be a list of volume(...)"]
    out: list[str | None] = []
    names: set[Any] = set()
    paths: set[Any] = set()
    for v in value:
        if not isinstance(v, Volume):
            out.append(f"volumes: {v!r} must be volume('name', '/path')")
            continue
        out.append(checks.dns1123(v.name, "volume name"))
        if not isinstance(v.path, str) or not v.path.startswith("/"):
            out.append(f"volume {v.name!r}: path={v.path!r} must be an absolute path")
        if v.claim is not None and (not isinstance(v.claim, str)
                                    or not checks.is_subdomain(v.claim)):
            out.append(f"volume {v.name!r}: claim={v.claim!r} is not a valid claim name")
        if v.size_limit is not None:
            if v.claim is not None:
                out.append(f"volume {v.name!r}: size_limit= applies to scratch volumes only")
            out.append(_quantity(v.size_limit, f"volume {v.name!r}: size_limit", _MEMORY))
        for seen, key, what in ((names, v.name, "name"), (paths, v.path, "path")):
            if isinstance(key, str) and key in seen:
                out.append(f"volumes: two volumes use the {what} {key!r}")
            seen.add(key)
    return out


# --- merging and planning ------------------------------------------------------------------


def effective(s: Service, version: str | None) -> WorkloadSettings:
    """The settings a workload runs with: the service's, overridden by its version's.
    Planning runs even when checks failed (to report every problem), so it tolerates
    ill-typed values; the Plan is discarded then."""
    base = evolve(s.settings, image=s.image, replicas=s.replicas)
    own = dict(s.version_settings).get(version) if version is not None else None
    if not isinstance(own, WorkloadSettings):
        return base
    changes: dict[str, Any] = {}
    for f in fields(WorkloadSettings):
        value = getattr(own, f.name)
        if f.name in MERGED:
            if value and isinstance(value, Mapping) and isinstance(getattr(base, f.name), Mapping):
                changes[f.name] = {**getattr(base, f.name), **value}
        elif value is not None:
            changes[f.name] = value
    return evolve(base, **changes)


def env_vars(w: WorkloadSettings, discovery: tuple[EnvVar, ...]) -> tuple[EnvVar, ...]:
    """Discovery variables first (so the user's values may refer to them as `$(API_HOST)`),
    then the user's; a name the user sets replaces the discovery variable."""
    own = dict(w.env_vars) if isinstance(w.env_vars, Mapping) else {}
    secrets = w.secrets if isinstance(w.secrets, Mapping) else {}
    kept = tuple(v for v in discovery if v.name not in own and v.name not in secrets)
    return kept + tuple(EnvVar(k, v) for k, v in own.items())


def secret_env(w: WorkloadSettings) -> tuple[SecretEnvVar, ...]:
    if not isinstance(w.secrets, Mapping):
        return ()
    return tuple(SecretEnvVar(k, ref.name, ref.key) for k, ref in w.secrets.items()
                 if isinstance(ref, SecretKeyRef))


def resources(w: WorkloadSettings) -> ResourcesPlan | None:
    requests = tuple((k, v) for k, v in (("cpu", w.cpu), ("memory", w.memory)) if v is not None)
    limits = tuple(
        (k, v) for k, v in (("cpu", w.cpu_limit), ("memory", w.memory_limit)) if v is not None
    )
    return ResourcesPlan(requests, limits) if requests or limits else None


def probe_plan(p: Probe | None, port: PortPlan | None) -> ProbePlan | None:
    if not isinstance(p, Probe):
        return None
    if p.exec is not None:
        kind = "exec"
    elif p.http is not None:
        kind = "http"
    else:
        kind = "grpc" if p.grpc else "tcp"
    target: int | str | None = None
    if kind != "exec" and (p.port is not None or port is not None):
        target = p.port if p.port is not None else (
            port.target_port if kind == "grpc" else port.name)  # type: ignore[union-attr]
    return ProbePlan(
        kind=kind, command=tuple(p.exec or ()), path=p.http, port=target, scheme=p.scheme,
        period=p.period, timeout=p.timeout, failures=p.failures, successes=p.successes,
        initial_delay=p.initial_delay,
    )


def rollout_plan(r: Rollout | None) -> RolloutPlan | None:
    return RolloutPlan(r.max_surge, r.max_unavailable) if isinstance(r, Rollout) else None


def volume_plans(volumes: tuple[Volume, ...] | None) -> tuple[VolumePlan, ...]:
    return tuple(
        VolumePlan(v.name, v.path, v.claim, bool(v.read_only), v.size_limit)
        for v in (volumes if isinstance(volumes, tuple) else ())
        if isinstance(v, Volume)
    )


def container_plans(s: Service, port: PortPlan | None) -> tuple[ContainerPlan, ...]:
    """The pod's further containers; each probe's default port is the container's first."""
    out = []
    for c in s.containers if isinstance(s.containers, tuple) else ():
        if not isinstance(c, Container):
            continue
        w = c.settings
        ports = tuple(p for p in c.ports if isinstance(p, int)) if isinstance(
            c.ports, tuple) else ()
        own = PortPlan("", ports[0], ports[0], "TCP") if ports else port
        out.append(ContainerPlan(
            name=c.name, image=w.image or "", ports=ports, env=env_vars(w, ()),
            secret_env=secret_env(w), command=tuple(w.command or ()), args=tuple(w.args or ()),
            resources=resources(w), liveness=_own_port(probe_plan(w.liveness, own), own),
            readiness=_own_port(probe_plan(w.readiness, own), own),
            volumes=volume_plans(w.volumes)))
    return tuple(out)


def _own_port(p: ProbePlan | None, port: PortPlan | None) -> ProbePlan | None:
    """A probe of another container defaults to that container's port by number (its
    ports have no names)."""
    if p is None or p.port != "" or port is None:
        return p
    return evolve(p, port=port.target_port)
