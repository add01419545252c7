"""How a service's pods run: the Pod Security Standards level, user and group IDs,
capabilities, the service-account token, host networking, storage and disruption budgets.

Every pod is written as hardened as its service's settings allow (non-root, no privilege
escalation, every capability dropped, seccomp RuntimeDefault, no token); a setting that
needs more than the level in force (the service's `pod_security=`, else its environment's)
is an error at the service's line that names the environment's line too, so a blueprint
cannot quietly weaken a namespace. The levels' rules are Kubernetes' own
(https://kubernetes.io/docs/concepts/security/pod-security-standards/).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netgen import values as checks
from netgen.model import (
    Blueprint,
    BlueprintInfo,
    Env,
    Isolation,
    PodSecurity,
    PodSettings,
    Service,
    Storage,
)
from netgen.plan import (
    SCRATCH,
    EnvPlan,
    Labels,
    SecurityPlan,
    StoragePlan,
    Workload,
    psa_labels,
)
from netgen.problems import Collector
from netgen.values import fullmatch, show

RESTRICTED, BASELINE, PRIVILEGED = PodSecurity
# Capabilities each level lets a container add (after dropping ALL).
RESTRICTED_CAPABILITIES = frozenset({"NET_BIND_SERVICE"})
BASELINE_CAPABILITIES = frozenset({
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
})
ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
_CAPABILITY = fullmatch(r"[A-Z][A-Z0-9_]*")
_SIZE = fullmatch(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d{1,9}|Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?")
_MAX_ID = 2**31 - 1
LEVELS = "RESTRICTED, BASELINE or PRIVILEGED"


# --- checks of each declaration ------------------------------------------------------------


def validate_env_settings(decl: str, given: Env | BlueprintInfo, c: Collector) -> None:
    """`pod_security=` and `disruption_budgets=` of an `env(...)` or `blueprint(...)`."""
    level, budgets, loc = given.pod_security, given.disruption_budgets, given.loc
    if level is not None and not isinstance(level, PodSecurity):
        c.error(loc, f"{decl}: pod_security={level!r} must be {LEVELS}")
    if budgets is not None and not isinstance(budgets, bool):
        c.error(loc, f"{decl}: disruption_budgets={budgets!r} must be True or False")


def validate_pod_settings(s: Service, c: Collector) -> None:
    d = f"service({s.name!r})"
    for problem in _problems(s.pod, s):
        c.error(s.loc, f"{d}: {problem}")


def _problems(p: PodSettings, s: Service) -> list[str]:
    out: list[str | None] = []
    if p.pod_security is not None and not isinstance(p.pod_security, PodSecurity):
        out.append(f"pod_security={show(p.pod_security)} must be {LEVELS}")
    for what in ("run_as_user", "run_as_group", "fs_group"):
        value = getattr(p, what)
        if value is not None and (type(value) is not int or not 0 <= value <= _MAX_ID):
            out.append(f"{what}={show(value)} must be a whole number from 0 to {_MAX_ID}")
    for what in ("read_only_root", "service_account_token", "host_network"):
        value = getattr(p, what)
        if value is not None and not isinstance(value, bool):
            out.append(f"{what}={show(value)} must be True or False")
    out += _capability_problems(p.capabilities)
    if p.storage is not None:
        out += _storage_problems(p.storage, s)
    if p.read_only_root is True:
        for v in s.settings.volumes or ():
            if getattr(v, "name", None) == SCRATCH.name and getattr(v, "path", None) != "/tmp":
                out.append("read_only_root=True mounts a writable volume 'tmp' at /tmp; "
                           "rename your volume 'tmp'")
        st = p.storage
        if isinstance(st, Storage) and st.name == SCRATCH.name and st.path != SCRATCH.path:
            out.append("read_only_root=True mounts a writable volume 'tmp' at /tmp; "
                       "rename your storage 'tmp' (storage(..., name=...))")
    return [p for p in out if p]


def _capability_problems(caps: Any) -> list[str]:
    if caps is None:
        return []
    if not isinstance(caps, tuple) or not all(isinstance(x, str) for x in caps):
        return [f"capabilities={show(caps)} must be a list of names such as ['NET_BIND_SERVICE']"]
    out = []
    for cap in caps:
        if cap == "ALL" or not _CAPABILITY(cap) or cap.startswith("CAP_"):
            out.append(f"capabilities: {cap!r} must be one capability's name without 'CAP_', "
                       "such as 'NET_BIND_SERVICE'")
    if len(set(caps)) != len(caps):
        out.append("capabilities name the same capability twice")
    return out


def _storage_problems(st: Any, s: Service) -> list[str | None]:
    if not isinstance(st, Storage):
        return [f"storage= must be storage('10Gi', '/data'), not {st!r}"]
    out: list[str | None] = []
    if not s.stateful:
        out.append("storage= needs stateful=True (a StatefulSet gives each pod its own claim); "
                   "a Deployment mounts an existing claim with volumes=[volume(..., claim=...)]")
    if not isinstance(st.size, str) or not _SIZE(st.size):
        out.append(f"storage: size={st.size!r} must be a quantity such as '10Gi'")
    if not isinstance(st.path, str) or not st.path.startswith("/"):
        out.append(f"storage: path={st.path!r} must be an absolute path")
    if st.access_mode not in ACCESS_MODES:
        out.append(f"storage: access_mode={st.access_mode!r} must be one of "
                   f"{', '.join(ACCESS_MODES)}")
    if st.storage_class is not None:
        out.append(checks.subdomain(st.storage_class, "storage: storage_class"))
    out.append(checks.dns1123(st.name, "storage: name"))
    for v in s.settings.volumes or ():
        if getattr(v, "name", None) == st.name or getattr(v, "path", None) == st.path:
            out.append(f"storage: volume {getattr(v, 'name', v)!r} has the same name or path "
                       f"as the storage {st.name!r}")
    return out


# --- planning ---------------------------------------------------------------------------


def namespace_labels(
    labels: Mapping[str, Labels], namespaces: list[str], level: PodSecurity
) -> dict[str, Labels]:
    """The environment's level in every namespace netgen creates for its workloads."""
    psa = psa_labels(level)
    return {ns: (*labels.get(ns, ()), *psa) for ns in namespaces}


def env_level(bp: Blueprint, e: Env) -> PodSecurity:
    """The environment's own level, else the blueprint's, else RESTRICTED (the level
    Kubernetes recommends for applications, whatever the isolation)."""
    for level in (e.pod_security, bp.info.pod_security):
        if isinstance(level, PodSecurity):
            return level
    return RESTRICTED


def disruption_budgets(bp: Blueprint, e: Env) -> bool:
    """On unless the environment (or else the blueprint) says `disruption_budgets=False`."""
    said = e.disruption_budgets if e.disruption_budgets is not None else \
        bp.info.disruption_budgets
    return said is not False


def secure(
    workloads: list[dict[str, Any]],
    services: dict[str, Service],
    env: EnvPlan,
    meshed: bool,
    budgets: bool,
    c: Collector,
) -> list[Workload]:
    """Each workload, from its fields (see `environment.workloads`), with its security,
    identity, storage and disruption budget decided; settings that need more than the
    level in force are reported."""
    for s in services.values():
        _check_level(s, env, c)
    out = []
    for w in workloads:
        s = services[w["service"]]
        security = _security(s, env, meshed)
        volumes = w["volumes"]
        storage = _storage(s)
        # a writable /tmp, unless the pod mounts something there already (a volume, or
        # its claim: both writable unless read_only=True, which the user asked for)
        if security.read_only_root and all(v.path != SCRATCH.path for v in volumes) and (
                storage is None or storage.path != SCRATCH.path):
            volumes = (*volumes, SCRATCH)
        out.append(Workload(**{
            **w, "security": security, "volumes": volumes, "storage": storage,
            "service_account": w.get("service_account") or (
                s.name if security.mount_token else None),
            "disruption_budget": budgets and env.isolation is Isolation.STRICT
            and w["replicas"] >= 2,
        }))
    _check_host_ports(out, services, c)
    return out


def _capabilities(p: PodSettings) -> tuple[str, ...]:
    """The names asked for; planning runs even after a check failed (to report every
    problem), so values of another type are left to that check's message."""
    caps = p.capabilities
    return caps if isinstance(caps, tuple) and all(isinstance(x, str) for x in caps) else ()


def _own_level(s: Service) -> PodSecurity | None:
    return s.pod.pod_security if isinstance(s.pod.pod_security, PodSecurity) else None


def needs(p: PodSettings) -> list[tuple[str, PodSecurity]]:
    """What each setting asks of the level, as (setting, least level allowing it)."""
    out: list[tuple[str, PodSecurity]] = []
    if p.host_network is True:
        out.append(("host_network=True", PRIVILEGED))
    if p.run_as_user == 0:
        out.append(("run_as_user=0 (root)", BASELINE))
    for cap in _capabilities(p):
        if cap not in RESTRICTED_CAPABILITIES:
            level = BASELINE if cap in BASELINE_CAPABILITIES else PRIVILEGED
            out.append((f"capability {cap!r}", level))
    return out


def _check_level(s: Service, env: EnvPlan, c: Collector) -> None:
    d = f"service({s.name!r})"
    where = f"environment {env.name!r} ({env.loc})" if env.loc and env.loc.line else \
        f"environment {env.name!r}"
    own = _own_level(s)
    if own is not None and own.rank > env.pod_security.rank:
        c.error(s.loc, f"{d}: pod_security={own.name} is above the level of {where}, "
                       f"{env.pod_security.name}; set env({env.name!r}, pod_security="
                       f"{own.name}) or lower the service's")
        return
    level = own or env.pod_security
    for what, least in needs(s.pod):
        if least.rank > level.rank:
            fix = (f"set pod_security={least.name} on the service and the environment"
                   if least.rank > env.pod_security.rank else
                   f"set pod_security={least.name} on the service")
            source = "its own pod_security" if own is not None else where
            c.error(s.loc, f"{d}: {what} needs pod_security={least.name}, but the service "
                           f"runs at {level.name} ({source}); {fix}")


def _security(s: Service, env: EnvPlan, meshed: bool) -> SecurityPlan:
    p = s.pod
    own = _own_level(s)
    level = own if own is not None and own.rank <= env.pod_security.rank else env.pod_security
    root_allowed = own is not None and own is not RESTRICTED
    ids = {k: v if type(v) is int else None
           for k, v in (("run_as_user", p.run_as_user), ("run_as_group", p.run_as_group),
                        ("fs_group", p.fs_group))}
    token = p.service_account_token if isinstance(p.service_account_token, bool) else meshed
    return SecurityPlan(
        level=level,
        run_as_non_root=not root_allowed and ids["run_as_user"] != 0,
        **ids,
        read_only_root=p.read_only_root is True,
        capabilities=tuple(sorted(set(_capabilities(p)))),
        mount_token=token,
        host_network=p.host_network is True,
    )


def _storage(s: Service) -> StoragePlan | None:
    st = s.pod.storage
    if not isinstance(st, Storage) or not s.stateful:
        return None
    return StoragePlan(name=st.name, size=st.size, path=st.path, access_mode=st.access_mode,
                       storage_class=st.storage_class)


def _check_host_ports(workloads: list[Workload], services: dict[str, Service],
                      c: Collector) -> None:
    """Host-network pods bind their port on the node itself: two services binding the same
    port cannot share a node, and every node may run both. A service without a port (a
    node agent that only calls out) binds none."""
    owners: dict[tuple[str, int], str] = {}
    for w in workloads:
        if w.security is None or not w.security.host_network or w.port is None:
            continue
        key = (w.port.protocol, w.port.target_port)
        first = owners.setdefault(key, w.service)
        if first != w.service:
            s = services[w.service]
            c.error(s.loc, f"service({w.service!r}): host_network=True binds "
                           f"{key[0]} port {key[1]} on the nodes, as service({first!r}) at "
                           f"{services[first].loc} does; give one of them another "
                           "target_port")
