"""One analysed ECS service → a `service(...)` call and the comments a reviewer needs.

Settings every version shares are written once on the service; the rest go into each
`version(...)`. Environment values that name Cloud Map or Service Connect hosts are
rewritten to cluster DNS names (each rewrite is listed in a comment), RDS host names are
kept, and secrets become `secret_ref(...)`s whose AWS origin is listed in the header.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from attrs import frozen

from netgen.importers.ecs.discovery import host_pattern
from netgen.importers.ecs.model import (
    Container,
    EcsSystem,
    EnvVar,
    Probe,
    SecretRef,
    Service,
    Version,
)
from netgen.importers.ecs.naming import dns_label, unique
from netgen.importers.ecs.normalise import TASK_SET
from netgen.importers.ecs.problems import Finding, Source
from netgen.importers.ecs.pysource import Call, Name, Node, call, mapping, sequence
from netgen.importers.ecs.secrets import SecretNames
from netgen.importers.ecs.vias import ImportVia
from netgen.values import fqdn

DATA_VOLUMES = ("efs", "fsx")


@frozen
class Claim:
    """A PersistentVolumeClaim the blueprint mounts and someone must create."""

    name: str
    service: str
    source: str


@frozen
class Written:
    comments: tuple[str, ...]
    node: Call


def service_port(system: EcsSystem, service: Service) -> int | None:
    """The port clients use: a Service Connect alias port when there is one (clients dial
    it), else the container port (Cloud Map names resolve to task IPs)."""
    for name in system.dns_names:
        if name.target == service.name and name.kind == "service-connect" and name.port:
            return name.port
    return service.ports[0].port if service.ports else None


class ServiceWriter:
    def __init__(
        self,
        system: EcsSystem,
        namespace: str,
        secrets: SecretNames,
        locate: Callable[[str], Source],
        findings: list[Finding],
        via: ImportVia,
    ) -> None:
        self.via = via
        self.system = system
        self.namespace = namespace
        self.secrets = secrets
        self.locate = locate
        self.findings = findings
        self.claims: list[Claim] = []
        self.ports = {s.name: service_port(system, s) for s in system.services}

    def write(self, s: Service) -> Written | None:
        primary = s.versions[0]
        at = self.locate(primary.ecs_service_arn)
        comments = [self._origin(s)]
        if not s.ports:
            comments.append("No container port: a worker (a Deployment without a Service); "
                            "it may call others, nothing calls it.")
            return self._worker(s, comments)
        main = s.ports[0]
        if len(s.ports) > 1:
            extra = ", ".join(f"{p.name} {p.port}" for p in s.ports[1:])
            self.findings.append(at.finding(
                "extra-ports", f"{s.name} also listens on {extra}; netgen gives a service one "
                               f"port, so only {main.name} {main.port} is reachable"))
        port = self.ports[s.name] or main.port
        self._other_alias_ports(s, port)
        app_protocol = self._protocol(s, main.app_protocol, at)
        netgen_default = ("grpc" if app_protocol == "grpc"
                          else "http" if main.protocol == "TCP" else "tcp")
        head: dict[str, Node] = {
            "port": port,
            "target_port": main.port if main.port != port else None,
            "port_name": main.name if main.name != netgen_default else None,
            "protocol": main.protocol if main.protocol != "TCP" else None,
            "app_protocol": app_protocol,
        }
        per_version = [self._settings(s, v, comments) for v in s.versions]
        shared, own = _split(per_version)
        kwargs: dict[str, Node] = {}
        if "image" in shared:
            kwargs["image"] = shared.pop("image")
        kwargs.update(head)
        if "replicas" in shared:
            kwargs["replicas"] = shared.pop("replicas")
        kwargs.update(shared)
        if len(s.versions) > 1:
            kwargs["versions"] = self._versions(s, own)
        kwargs.update(self._pod(s, comments, at))
        comments += self._notes(s)
        return Written(tuple(comments), call("service", s.name, **kwargs))

    def _other_alias_ports(self, s: Service, port: int) -> None:
        """A Service Connect alias on another port than the Service's: clients dialled it
        there. Values naming it are rewritten to the Service's port (`_rewrite`); a client
        that adds the port itself (a bare host name, a port in code) would reach nothing."""
        for name in self.system.dns_names:
            if (name.target == s.name and name.kind == "service-connect" and name.port
                    and name.port != port and name.at is not None):
                self.findings.append(name.at.finding(
                    "service-connect-alias-port",
                    f"{s.name}: clients called {name.host} on {name.port}; the Service listens "
                    f"on {port} only: environment values naming it are rewritten to {port}, "
                    "a client that adds the port itself must be changed"))

    def _protocol(self, s: Service, declared: str | None, at: Source) -> str | None:
        """The container's appProtocol, else what the target group spoke: HTTPS means TLS
        to the pods (a via with Feature.BACKEND_TLS says so, ALB and NGINX; Gateway API needs
        a BackendTLSPolicy), GRPC is
        gRPC; HTTP2 (cleartext or TLS) is not carried."""
        target = s.versions[0].target_protocol
        own = _app_protocol(declared)
        if own is not None or target is None:
            return own
        if speaks_grpc(s):
            return "grpc"
        if target == "HTTPS" and self.via.backend_tls:
            return "https"
        how = ("a BackendTLSPolicy naming the pods' CA and host name" if target == "HTTPS"
               else "the load balancer's backend protocol by hand")
        if not self.via.in_cluster:
            self.findings.append(at.finding(
                "target-protocol", f"{s.name}: the target group spoke {target} to the tasks; "
                f"with --via {self.via.name} netgen does not say so to the proxy: add {how}"))
        return "https" if target == "HTTPS" else None

    def _worker(self, s: Service, comments: list[str]) -> Written:
        per_version = [self._settings(s, v, comments) for v in s.versions]
        shared, own = _split(per_version)
        kwargs: dict[str, Node] = {k: shared.pop(k) for k in ("image", "replicas")
                                   if k in shared}
        kwargs.update(shared)
        if len(s.versions) > 1:  # versions need a port (their Services): the primary's
            self.findings.append(self.locate(s.versions[0].ecs_service_arn).finding(
                "no-port", f"{s.name}: a worker cannot have versions (they are told apart by "
                f"their Services); the blueprint runs {s.versions[0].ecs_service}'s settings"))
            kwargs.update({k: v for k, v in own[0].items() if k not in kwargs})
        kwargs.update(self._pod(s, comments, self.locate(s.versions[0].ecs_service_arn)))
        comments += self._notes(s)
        return Written(tuple(comments), call("service", s.name, **kwargs))

    # --- settings ----------------------------------------------------------------------

    def _settings(self, s: Service, v: Version, comments: list[str]) -> dict[str, Node]:
        c = v.container
        out: dict[str, Node] = {"image": c.image, "replicas": v.replicas}
        if c.command:
            out["command"] = sequence(list(c.command))
        if c.args:
            out["args"] = sequence(list(c.args))
        for var in c.env:
            out[f"env:{var.name}"] = self._env_value(var, comments)
        for ref in c.secrets:
            key = self.secrets.key_for(ref)
            out[f"secret:{ref.name}"] = call("secret_ref", key.secret, key.key)
        r = c.resources
        out["cpu"] = _cpu(r.cpu_request_millicores)
        out["cpu_limit"] = _cpu(r.cpu_limit_millicores)
        out["memory"] = _memory(r.memory_request_mib)
        out["memory_limit"] = _memory(r.memory_limit_mib)
        out["liveness"] = _probe(c.liveness, c)
        out["readiness"] = _probe(c.readiness, c)
        out["rollout"] = call("rollout", max_surge=f"{v.rollout.max_surge_percent}%",
                              max_unavailable=f"{v.rollout.max_unavailable_percent}%")
        volumes = self._volumes(s, v, comments)
        if volumes:
            out["volumes"] = sequence(volumes)
        return {k: val for k, val in out.items() if val is not None}

    def _env_value(self, var: EnvVar, comments: list[str]) -> str:
        value = var.value
        for link in var.links:
            port = self.ports.get(link.service)
            new = "http://" + fqdn(link.service, self.namespace) + (
                f":{port}" if port not in (None, 80) else "")
            value = value.replace(link.text, new)
            note = (f"{var.name}: {link.text} (the load balancer, {link.rule}) -> {new}: "
                    "called directly in the cluster")
            if link.scheme == "https":
                note += " (plain HTTP: the ALB terminated TLS before)"
            if note not in comments:
                comments.append(note)
        for host in var.hosts:
            name = self.system.dns_name(host)
            if name is None:
                continue
            if name.kind == "rds":
                note = (f"{var.name} keeps the RDS endpoint name {host}, so TLS hostname "
                        "verification still works")
            else:
                value = self._rewrite(value, host, name.target,
                                      name.port if name.kind == "service-connect" else None)
                kind = {"cloud-map": "Cloud Map", "app-mesh": "App Mesh virtual service"}.get(
                    name.kind, "Service Connect")
                note = f"{var.name}: {host} ({kind}) -> {fqdn(name.target, self.namespace)}"
            if note not in comments:
                comments.append(note)
        return value

    def _rewrite(self, value: str, host: str, target: str, alias_port: int | None = None
                 ) -> str:
        """Replaces the host; a port after it that was the container port, or the Service
        Connect alias's own (`alias_port`: one of several aliases on other ports), becomes
        the Service's port when they differ, and so does the port a URL's scheme implied."""
        new = fqdn(target, self.namespace)
        service = self.system.service(target)
        container = service.ports[0].port if service.ports else None
        port = self.ports.get(target)
        dialled = {p for p in (container, alias_port) if p is not None}
        out, last = [], 0
        for m in host_pattern(host).finditer(value):
            before = value[last:m.start()] + m.group(1)
            out.append(before + new)
            last = m.end()
            suffix = value[last:].split("/", 1)[0]
            if port is None:
                continue
            if suffix.startswith(":") and suffix[1:].isdigit():
                if int(suffix[1:]) in dialled and int(suffix[1:]) != port:
                    out.append(f":{port}")
                    last += len(suffix)
            else:
                scheme = _SCHEME.search(before)
                implied = _SCHEME_PORTS.get(scheme[1].lower()) if scheme else None
                if implied is not None and implied == alias_port and implied != port:
                    out.append(f":{port}")
        return "".join(out) + value[last:]

    def _volumes(self, s: Service, v: Version, comments: list[str],
                 container: Container | None = None) -> list[Node]:
        """The mounts of the main container (or of `container`, another one of the task:
        a volume of the same name is the same volume in the pod)."""
        volumes = {vol.name: vol for vol in v.volumes}
        out: list[Node] = []
        used: set[str] = set()
        for mount in (container or v.container).mounts:
            vol = volumes.get(mount.volume)
            kind = vol.kind if vol else "ephemeral"
            name = unique(dns_label(mount.volume, "vol"), used)  # ECS allows "Orders_Data"
            claim = None
            if kind in DATA_VOLUMES:
                claim = name
                found = Claim(claim, s.name, f"{kind.upper()} {vol.source if vol else ''}")
                if found not in self.claims:
                    self.claims.append(found)
                note = (f"volume {mount.volume}: {found.source} -> PersistentVolumeClaim "
                        f"{claim} (create it and copy the data; see the header)")
            elif kind != "ephemeral":
                note = (f"volume {mount.volume} was {kind} {vol.source if vol else ''}; it is "
                        "scratch space (emptyDir) now")
            else:
                note = ""
            if note and note not in comments:
                comments.append(note)
            out.append(call("volume", name, mount.path, claim=claim,
                            read_only=True if mount.read_only else None))
        return out

    def _versions(self, s: Service, own: list[dict[str, Node]]) -> Node:
        if not any(own):
            return sequence([v.name for v in s.versions])
        return mapping({v.name or "": _version_call(o) for v, o in zip(s.versions, own,
                                                                        strict=True)})

    def _pod(self, s: Service, comments: list[str], at: Source) -> dict[str, Node]:
        """The task's other application containers and its platform, from the primary
        version (the language keeps them per service)."""
        primary = s.versions[0]
        out: dict[str, Node] = {}
        if primary.containers:
            out["containers"] = sequence([self._companion(s, c, comments)
                                          for c in primary.containers])
            names = ", ".join(c.name for c in primary.containers)
            comments.append(f"containers: {names} ran in the same task (awsvpc: one network "
                            "namespace), so they run in the same pod and reach each other on "
                            "localhost.")
        if primary.node_selector:
            out["node_selector"] = mapping(dict(primary.node_selector))
        run_as = primary.run_as
        out.update({k: v for k, v in (
            ("run_as_user", run_as.user), ("run_as_group", run_as.group),
            ("read_only_root", True if run_as.read_only_root else None),
            ("capabilities", sequence(list(run_as.capabilities)) if run_as.capabilities
             else None)) if v is not None})
        for v in s.versions[1:]:
            if ([c.name for c in v.containers] != [c.name for c in primary.containers]
                    or v.node_selector != primary.node_selector or v.run_as != primary.run_as):
                self.findings.append(at.finding(
                    "version-containers", f"{s.name} {v.name}: its task's other containers, "
                    f"platform or user differ from {primary.name}'s; the blueprint gives every "
                    f"version {primary.name}'s"))
        return out

    def _companion(self, s: Service, c: Container, comments: list[str]) -> Call:
        kwargs: dict[str, Node] = {"image": c.image}
        if c.ports:
            kwargs["ports"] = sequence([p.port for p in c.ports])
        env = {var.name: self._env_value(var, comments) for var in c.env}
        if env:
            kwargs["env_vars"] = mapping(env)
        secrets = {ref.name: call("secret_ref", *self._secret(ref)) for ref in c.secrets}
        if secrets:
            kwargs["secrets"] = mapping(secrets)
        if c.command:
            kwargs["command"] = sequence(list(c.command))
        if c.args:
            kwargs["args"] = sequence(list(c.args))
        r = c.resources
        kwargs.update({"cpu": _cpu(r.cpu_request_millicores),
                       "cpu_limit": _cpu(r.cpu_limit_millicores),
                       "memory": _memory(r.memory_request_mib),
                       "memory_limit": _memory(r.memory_limit_mib),
                       "liveness": _probe(c.liveness, c)})
        volumes = self._volumes(s, s.versions[0], comments, c)
        if volumes:
            kwargs["volumes"] = sequence(volumes)
        return call("container", dns_label(c.name, "c"), **kwargs)

    def _secret(self, ref: SecretRef) -> tuple[str, str]:
        key = self.secrets.key_for(ref)
        return key.secret, key.key

    # --- comments ----------------------------------------------------------------------

    def _origin(self, s: Service) -> str:
        if len(s.versions) == 1:
            v = s.versions[0]
            return f"{s.name}: ECS service {v.ecs_service}, task definition {v.task_definition}."
        task_sets = all(TASK_SET in v.ecs_service_arn for v in s.versions)
        what = "task sets" if task_sets else "ECS services"
        lines = [f"{s.name}: {len(s.versions)} {what}, run as versions of one service "
                 "(primary first):"]
        lines += [f"  {v.name}: {_runs(v)}, task definition {v.task_definition}"
                  for v in s.versions]
        return "\n".join(lines)

    def _notes(self, s: Service) -> list[str]:
        notes = []
        for v in s.versions:
            label = f" ({v.name})" if v.name else ""
            for side in v.sidecars:
                notes.append(f"Not carried over{label}: sidecar container {side.name} "
                             f"({side.image}).")
            if v.rollout.rollback_on_failure:
                self.findings.append(self.locate(v.ecs_service_arn).finding(
                    "rollback",
                    f"{v.ecs_service}: ECS rolled failed deployments back (circuit breaker); "
                    "a Deployment only stops progressing: roll back with `kubectl rollout "
                    "undo` or use Argo Rollouts", ".deploymentConfiguration"))
        return notes


# --- values ----------------------------------------------------------------------------------


def _split(settings: list[dict[str, Node]]) -> tuple[dict[str, Node], list[dict[str, Node]]]:
    """(what every version has alike, what each version has of its own), as keyword
    arguments; env vars and secrets are merged back into `env_vars=` and `secrets=`.
    A version can only add to its service, so whatever one version lacks stays per version."""
    first = settings[0]
    shared = {k: v for k, v in first.items()
              if all(k in o and o[k] == v for o in settings[1:])}
    own = [{k: v for k, v in o.items() if k not in shared} for o in settings]
    return _fold(shared), [_fold(o) for o in own]


def _fold(flat: dict[str, Node]) -> dict[str, Node]:
    out: dict[str, Node] = {}
    env = {k.split(":", 1)[1]: v for k, v in flat.items() if k.startswith("env:")}
    secrets = {k.split(":", 1)[1]: v for k, v in flat.items() if k.startswith("secret:")}
    order = ("image", "replicas", "command", "args", "env_vars", "secrets", "cpu", "cpu_limit",
             "memory", "memory_limit", "liveness", "readiness", "rollout", "volumes")
    for key in order:
        if key == "env_vars" and env:
            out[key] = mapping(env)
        elif key == "secrets" and secrets:
            out[key] = mapping(secrets)
        elif key in flat:
            out[key] = flat[key]
    return out


def _runs(v: Version) -> str:
    """What ran the version on ECS: a service, or one task set of it."""
    if TASK_SET in v.ecs_service_arn:
        return f"task set {v.ecs_service_arn.split(TASK_SET, 1)[1]} of ECS service {v.ecs_service}"
    return f"ECS service {v.ecs_service}"


def _version_call(settings: dict[str, Node]) -> Call:
    return call("version", **settings)


def _cpu(millicores: int | None) -> str | None:
    if millicores is None:
        return None
    return str(millicores // 1000) if millicores % 1000 == 0 else f"{millicores}m"


def _memory(mib: int | None) -> str | None:
    if mib is None:
        return None
    return f"{mib // 1024}Gi" if mib % 1024 == 0 else f"{mib}Mi"


_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://$")
_SCHEME_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def speaks_grpc(s: Service) -> bool:
    """The service's container says gRPC (appProtocol), or says nothing and its target group
    speaks it: what `app_protocol="grpc"` is written for."""
    own = _app_protocol(s.ports[0].app_protocol) if s.ports else None
    return own == "grpc" or (own is None and s.versions[0].target_protocol == "GRPC")


def _app_protocol(value: str | None) -> str | None:
    """ECS `http2` is cleartext HTTP/2 (Kubernetes' `kubernetes.io/h2c`); plain `http` is
    what netgen assumes anyway."""
    return {"grpc": "grpc", "http2": "kubernetes.io/h2c"}.get((value or "").lower())


def _probe(p: Probe | None, c: Container) -> Call | None:
    if p is None:
        return None
    container_port = c.ports[0].port if c.ports else None
    kwargs: dict[str, Any] = {}
    if p.kind == "exec":
        kwargs["exec"] = sequence(list(p.command))
    elif p.kind == "http":
        kwargs["http"] = p.path or "/"
    else:
        kwargs[p.kind if p.kind == "grpc" else "tcp"] = Name("True")
    if p.kind != "exec" and p.port is not None and p.port != container_port:
        kwargs["port"] = p.port
    if p.kind == "http" and p.scheme == "HTTPS":
        kwargs["scheme"] = "HTTPS"
    kwargs["period"] = p.period_seconds
    kwargs["timeout"] = p.timeout_seconds
    kwargs["failures"] = p.failure_threshold
    if p.success_threshold != 1:
        kwargs["successes"] = p.success_threshold
    if p.initial_delay_seconds:
        kwargs["initial_delay"] = p.initial_delay_seconds
    return call("probe", **kwargs)
