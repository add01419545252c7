"""The Pod Security Standards, written from Kubernetes' page
(https://kubernetes.io/docs/concepts/security/pod-security-standards/, v1.33), as an
independent checker of pod specs: it knows nothing of netgen's code.

`violations(pod_spec, level)` lists every control of `level` (and of the levels below it)
the pod breaks; empty means Pod Security Admission would admit it in a namespace enforcing
that level.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

LEVELS = ("privileged", "baseline", "restricted")

BASELINE_CAPABILITIES = {
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                      "persistentVolumeClaim", "projected", "secret"}


def _containers(pod: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key in ("containers", "initContainers", "ephemeralContainers"):
        yield from pod.get(key) or ()


def _ctx(c: dict[str, Any]) -> dict[str, Any]:
    return c.get("securityContext") or {}


def violations(pod: dict[str, Any], level: str) -> list[str]:
    """Every control of `level` that `pod` (a PodSpec) breaks."""
    out: list[str] = []
    if LEVELS.index(level) >= 1:
        out += _baseline(pod)
    if LEVELS.index(level) >= 2:
        out += _restricted(pod)
    return out


def _baseline(pod: dict[str, Any]) -> list[str]:
    out = []
    psc = pod.get("securityContext") or {}
    if (psc.get("windowsOptions") or {}).get("hostProcess"):
        out.append("HostProcess")
    for c in _containers(pod):
        if (_ctx(c).get("windowsOptions") or {}).get("hostProcess"):
            out.append(f"HostProcess: {c['name']}")
    for ns in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(ns):
            out.append(f"host namespaces: {ns}")
    for c in _containers(pod):
        name = c["name"]
        if _ctx(c).get("privileged"):
            out.append(f"privileged containers: {name}")
        added = set((_ctx(c).get("capabilities") or {}).get("add") or ())
        if added - BASELINE_CAPABILITIES:
            out.append(f"capabilities: {name} adds {sorted(added - BASELINE_CAPABILITIES)}")
        for p in c.get("ports") or ():
            if p.get("hostPort"):
                out.append(f"host ports: {name} {p['hostPort']}")
        if _ctx(c).get("procMount", "Default") != "Default":
            out.append(f"/proc mount type: {name}")
        out += _seccomp_not_unconfined(_ctx(c), name)
        out += _selinux(_ctx(c), name)
        out += _apparmor(_ctx(c), name)
    for v in pod.get("volumes") or ():
        if "hostPath" in v:
            out.append(f"hostPath volumes: {v['name']}")
    out += _seccomp_not_unconfined(psc, "pod")
    out += _selinux(psc, "pod")
    out += _apparmor(psc, "pod")
    for s in psc.get("sysctls") or ():
        if s["name"] not in SAFE_SYSCTLS:
            out.append(f"sysctls: {s['name']}")
    return out


def _seccomp_not_unconfined(ctx: dict[str, Any], where: str) -> list[str]:
    kind = (ctx.get("seccompProfile") or {}).get("type")
    return [f"seccomp: {where} is Unconfined"] if kind == "Unconfined" else []


def _selinux(ctx: dict[str, Any], where: str) -> list[str]:
    se = ctx.get("seLinuxOptions") or {}
    if se.get("type", "") not in SELINUX_TYPES or se.get("user") or se.get("role"):
        return [f"SELinux: {where}"]
    return []


def _apparmor(ctx: dict[str, Any], where: str) -> list[str]:
    kind = (ctx.get("appArmorProfile") or {}).get("type")
    return [f"AppArmor: {where} is {kind}"] if kind not in (None, "RuntimeDefault",
                                                              "Localhost") else []


def _restricted(pod: dict[str, Any]) -> list[str]:
    out = []
    psc = pod.get("securityContext") or {}
    for v in pod.get("volumes") or ():
        kinds = set(v) - {"name"}
        if not kinds <= RESTRICTED_VOLUMES:
            out.append(f"volume types: {v['name']} is {sorted(kinds)}")
    pod_non_root = psc.get("runAsNonRoot")
    pod_seccomp = (psc.get("seccompProfile") or {}).get("type")
    if psc.get("runAsUser") == 0:
        out.append("running as non-root user: the pod's runAsUser is 0")
    if pod_non_root is False:
        out.append("running as non-root: the pod sets runAsNonRoot false")
    for c in _containers(pod):
        name, ctx = c["name"], _ctx(c)
        if ctx.get("allowPrivilegeEscalation") is not False:
            out.append(f"privilege escalation: {name} does not set it false")
        non_root = ctx.get("runAsNonRoot", pod_non_root)
        if non_root is not True:
            out.append(f"running as non-root: {name}")
        if ctx.get("runAsUser") == 0:
            out.append(f"running as non-root user: {name} runs as 0")
        seccomp = (ctx.get("seccompProfile") or {}).get("type", pod_seccomp)
        if seccomp not in ("RuntimeDefault", "Localhost"):
            out.append(f"seccomp: {name} has {seccomp!r}")
        caps = ctx.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or ()):
            out.append(f"capabilities: {name} does not drop ALL")
        if set(caps.get("add") or ()) - {"NET_BIND_SERVICE"}:
            out.append(f"capabilities: {name} adds {sorted(caps['add'])}")
    return out
