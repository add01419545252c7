"""ECS service + task definition → one `Version` (Deployment-shaped) of a netgen service."""

from __future__ import annotations

import math
import re

import attrs

from netgen.importers.ecs.discovery import hosts_in, primary_deployment
from netgen.importers.ecs.exports import Exports
from netgen.importers.ecs.grouping import Member
from netgen.importers.ecs.model import (
    Container,
    ContainerPort,
    DnsName,
    EnvVar,
    Mount,
    Probe,
    Resources,
    Rollout,
    SecretRef,
    Version,
    Volume,
)
from netgen.importers.ecs.naming import port_name
from netgen.importers.ecs.probes import liveness, readiness
from netgen.importers.ecs.problems import Finding, Source
from netgen.importers.ecs.shapes.ecs import ContainerDefinition, TaskDefinition
from netgen.importers.ecs.shapes.ecs import Service as EcsService

_CPU = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(vcpu)?\s*$", re.IGNORECASE)
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(gb)?\s*$", re.IGNORECASE)


class WorkloadBuilder:
    def __init__(
        self, exports: Exports, names: tuple[DnsName, ...], findings: list[Finding]
    ) -> None:
        self.x = exports
        self.names = names
        self.findings = findings

    def version(self, member: Member) -> Version | None:
        service, at = member.service, self.x.source(member.arn)
        task = self.x.task_definition(service.taskDefinition)
        if task is None or not task.containerDefinitions:
            return None
        task_at = self.x.source(task.key()).at("")
        self._service_warnings(service, task, at, task_at)
        main_index = self._main_container(service, task)
        main_name = task.containerDefinitions[main_index].name
        containers = []
        for i, definition in enumerate(task.containerDefinitions):
            c_at = task_at.at(f".containerDefinitions[{i}]")
            containers.append(self._container(definition, task, c_at))
            if i != main_index:
                self.findings.append(
                    c_at.finding(
                        "sidecar",
                        f"container {definition.name} runs next to {main_name}; "
                        "check it is still needed (log routers and proxies usually are not)",
                    )
                )
        main = containers[main_index]
        probe = self._readiness(service, at)
        if probe is not None:
            main = attrs.evolve(main, readiness=probe)
        return Version(
            name=member.version,
            ecs_service=service.serviceName,
            ecs_service_arn=member.arn,
            task_definition=task.label(),
            replicas=max(service.desiredCount, 0),
            container=main,
            sidecars=tuple(c for i, c in enumerate(containers) if i != main_index),
            volumes=self._volumes(task, task_at),
            rollout=self._rollout(service, at),
        )

    # --- containers ---------------------------------------------------------------------

    def _main_container(self, service: EcsService, task: TaskDefinition) -> int:
        """The container traffic goes to: named by a load balancer, Service Connect or
        Cloud Map entry, else the first essential container with ports, else the first."""
        names = [c.name for c in task.containerDefinitions]
        wanted = [lb.containerName for lb in service.loadBalancers]
        wanted += [r.containerName for r in service.serviceRegistries if r.containerName]
        found = primary_deployment(service)
        config = found[1].serviceConnectConfiguration if found else None
        for sc in config.services if config else ():
            wanted += [
                c.name
                for c in task.containerDefinitions
                if any(m.name == sc.portName for m in c.portMappings)
            ]
        for name in wanted:
            if name in names:
                return names.index(name)
        for i, c in enumerate(task.containerDefinitions):
            if c.essential is not False and c.portMappings:
                return i
        return next((i for i, c in enumerate(task.containerDefinitions) if c.essential), 0)

    def _container(self, c: ContainerDefinition, task: TaskDefinition, at: Source) -> Container:
        if c.ulimits:
            limits = ", ".join(f"{u.name}={u.softLimit}/{u.hardLimit}" for u in c.ulimits)
            self.findings.append(
                at.finding(
                    "ulimits-dropped",
                    f"ulimits ({limits}) are not carried over: Kubernetes has no per-pod ulimits; "
                    "set them in the image or the node's container runtime",
                    ".ulimits",
                )
            )
        if c.environmentFiles:
            self.findings.append(
                at.finding(
                    "environment-files",
                    "environment files from S3 are not carried over; turn them into a "
                    "ConfigMap or Secret",
                    ".environmentFiles",
                )
            )
        if c.repositoryCredentials is not None:
            self.findings.append(
                at.finding(
                    "private-registry",
                    "the image needs registry credentials; create an imagePullSecret",
                    ".repositoryCredentials",
                )
            )
        liveness_probe: Probe | None = None
        if c.healthCheck is not None:
            liveness_probe = liveness(c.healthCheck, at.at(".healthCheck"), self.findings)
        return Container(
            name=c.name,
            image=c.image,
            ports=self._ports(c, at),
            env=tuple(
                EnvVar(e.name, e.value, hosts_in(e.value, self.names)) for e in c.environment
            ),
            secrets=tuple(secret_ref(s.name, s.valueFrom) for s in c.secrets),
            command=c.entryPoint,
            args=c.command,
            resources=self._resources(c, task, at),
            liveness=liveness_probe,
            mounts=tuple(
                Mount(m.sourceVolume, m.containerPath, bool(m.readOnly)) for m in c.mountPoints
            ),
        )

    def _ports(self, c: ContainerDefinition, at: Source) -> tuple[ContainerPort, ...]:
        ports, used = [], set()
        for i, m in enumerate(c.portMappings):
            if m.containerPort is None:
                self.findings.append(
                    at.finding(
                        "port-range",
                        f"port range {m.containerPortRange} is not carried over",
                        f".portMappings[{i}]",
                    )
                )
                continue
            name = port_name(m.name, m.containerPort, m.appProtocol)
            if name in used:
                name = port_name(f"{name}-{m.containerPort}", m.containerPort, None)
            used.add(name)
            protocol = "UDP" if (m.protocol or "tcp").lower() == "udp" else "TCP"
            ports.append(ContainerPort(name, m.containerPort, protocol, m.appProtocol))
        return tuple(ports)

    def _resources(self, c: ContainerDefinition, task: TaskDefinition, at: Source) -> Resources:
        """Container values first. Task-level CPU/memory (Fargate sizes, hard caps) count
        for a single-container task only, as there is no fair way to split them."""
        alone = len(task.containerDefinitions) == 1
        task_cpu = _task_size(task.cpu, _CPU, "vcpu", at, ".cpu", self.findings) if alone else None
        task_mem = (
            _task_size(task.memory, _MEMORY, "gb", at, ".memory", self.findings) if alone else None
        )
        cpu_units = c.cpu if c.cpu and c.cpu > 0 else task_cpu
        memory_limit = c.memory if c.memory and c.memory > 0 else task_mem
        reservation = (
            c.memoryReservation if c.memoryReservation and c.memoryReservation > 0 else None
        )
        return Resources(
            cpu_request_millicores=_millicores(cpu_units),
            cpu_limit_millicores=_millicores(task_cpu),
            memory_request_mib=reservation or memory_limit,
            memory_limit_mib=memory_limit,
        )

    def _readiness(self, service: EcsService, at: Source) -> Probe | None:
        for lb in service.loadBalancers:
            group = self.x.target_groups.get(lb.targetGroupArn or "")
            if group is not None:
                tg_at = self.x.source(group.TargetGroupArn)
                return readiness(group, lb.containerPort, tg_at, self.findings)
        return None

    # --- task and service level --------------------------------------------------------

    def _volumes(self, task: TaskDefinition, at: Source) -> tuple[Volume, ...]:
        volumes = []
        for i, v in enumerate(task.volumes):
            if v.efsVolumeConfiguration is not None:
                efs = v.efsVolumeConfiguration
                volume = Volume(v.name, "efs", f"{efs.fileSystemId}:{efs.rootDirectory or '/'}")
            elif v.fsxWindowsFileServerVolumeConfiguration is not None:
                fsx = v.fsxWindowsFileServerVolumeConfiguration
                volume = Volume(v.name, "fsx", f"{fsx.fileSystemId}:{fsx.rootDirectory or '/'}")
            elif v.dockerVolumeConfiguration is not None:
                volume = Volume(v.name, "docker", v.dockerVolumeConfiguration.driver or "local")
            elif v.host is not None and v.host.sourcePath:
                volume = Volume(v.name, "host", v.host.sourcePath)
            else:
                volume = Volume(v.name, "ephemeral")
            volumes.append(volume)
            if volume.kind != "ephemeral":
                self.findings.append(
                    at.finding(
                        "volume-data",
                        f"volume {v.name} ({volume.kind} {volume.source}) holds data that must "
                        "be migrated or re-attached; netgen only carries the mount over",
                        f".volumes[{i}]",
                    )
                )
        return tuple(volumes)

    def _rollout(self, service: EcsService, at: Source) -> Rollout:
        config = service.deploymentConfiguration
        maximum = config.maximumPercent if config and config.maximumPercent is not None else 200
        minimum = (
            config.minimumHealthyPercent
            if config and config.minimumHealthyPercent is not None
            else 100
        )
        surge = max(maximum - 100, 0)
        unavailable = min(max(100 - minimum, 0), 100)
        if surge == 0 and unavailable == 0:
            self.findings.append(
                at.finding(
                    "rollout-blocked",
                    f"maximumPercent {maximum} and minimumHealthyPercent {minimum} leave no room "
                    "to roll out; using Kubernetes' default 25% surge",
                    ".deploymentConfiguration",
                )
            )
            surge = 25
        breaker = config.deploymentCircuitBreaker if config else None
        return Rollout(
            max_surge_percent=surge,
            max_unavailable_percent=unavailable,
            circuit_breaker=bool(breaker and breaker.enable),
            rollback_on_failure=bool(breaker and breaker.enable and breaker.rollback),
        )

    def _service_warnings(
        self, service: EcsService, task: TaskDefinition, at: Source, task_at: Source
    ) -> None:
        controller = service.deploymentController.type if service.deploymentController else "ECS"
        if controller != "ECS":
            self.findings.append(
                at.finding(
                    "deployment-controller",
                    f"deployments are run by {controller} (e.g. CodeDeploy blue/green); "
                    "netgen generates a rolling update instead",
                    ".deploymentController.type",
                )
            )
        if service.schedulingStrategy == "DAEMON":
            self.findings.append(
                at.finding(
                    "daemon-service",
                    "DAEMON services run one task per instance; consider a DaemonSet",
                    ".schedulingStrategy",
                )
            )
        if task.networkMode not in (None, "awsvpc"):
            self.findings.append(
                task_at.finding(
                    "network-mode",
                    f"network mode {task.networkMode}: host ports and instance security "
                    "groups do not carry over; only container ports are used",
                    ".networkMode",
                )
            )


def secret_ref(name: str, value_from: str) -> SecretRef:
    """Split ECS `valueFrom` into the store, the secret's ARN and the optional selectors.

    Secrets Manager: `arn:aws:secretsmanager:R:A:secret:NAME[:json-key[:stage[:id]]]`.
    SSM: a parameter ARN, or a bare parameter name in the task's own region.
    """
    parts = value_from.split(":")
    if len(parts) >= 7 and parts[0] == "arn" and parts[2] == "secretsmanager":
        extra = [p or None for p in parts[7:10]] + [None] * 3
        return SecretRef(name, "secretsmanager", ":".join(parts[:7]), *extra[:3])
    if (len(parts) >= 6 and parts[0] == "arn" and parts[2] == "ssm") or len(parts) == 1:
        return SecretRef(name, "ssm", value_from)
    return SecretRef(name, "unknown", value_from)


def _task_size(
    text: str | None,
    pattern: re.Pattern[str],
    big_unit: str,
    at: Source,
    suffix: str,
    findings: list[Finding],
) -> int | None:
    """Task CPU units / MiB from the API's strings ("1024", or "1 vCPU" / "2 GB")."""
    if text is None:
        return None
    found = pattern.match(text)
    if found is None:
        findings.append(at.finding("task-size", f"cannot read task size {text!r}", suffix))
        return None
    number = float(found[1]) * (1024 if found[2] else 1)
    return math.ceil(number) if number > 0 and math.isfinite(number) else None


def _millicores(units: int | None) -> int | None:
    if units is None or units <= 0:
        return None
    return -(-units * 1000 // 1024)
