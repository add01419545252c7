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
    RunAs,
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
        containers, infra = [], set()
        main_def = task.containerDefinitions[main_index]
        run_as = self._run_as(main_def, task_at.at(f".containerDefinitions[{main_index}]"))
        for i, definition in enumerate(task.containerDefinitions):
            c_at = task_at.at(f".containerDefinitions[{i}]")
            containers.append(self._container(definition, task, c_at, task_at))
            role = None if i == main_index else infrastructure(definition)
            if role is not None:
                infra.add(i)
                self.findings.append(c_at.finding(
                    "sidecar", f"container {definition.name} ({definition.image}) is {role}; "
                    f"it is not carried over: {_INSTEAD[role]}"))
                continue
            self._not_carried(definition, c_at)
            if i != main_index:
                self._companion(definition, main_name, c_at)
                self._runs_as_main(definition, main_def, c_at)
        self._links(task, task_at, containers,
                    {task.containerDefinitions[i].name for i in infra})
        self._shared_size(task, task_at, [d for i, d in enumerate(task.containerDefinitions)
                                          if i not in infra])
        main = _traffic_port_first(containers[main_index],
                                   _traffic_port(service, task.containerDefinitions[main_index]))
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
            sidecars=tuple(c for i, c in enumerate(containers) if i in infra),
            containers=tuple(c for i, c in enumerate(containers)
                             if i != main_index and i not in infra),
            node_selector=self._platform(task, task_at),
            target_protocol=self._target_protocol(service),
            volumes=self._volumes(task, task_at),
            rollout=self._rollout(service, at),
            run_as=run_as,
        )

    # --- containers ---------------------------------------------------------------------

    def _companion(self, c: ContainerDefinition, main: str, at: Source) -> None:
        """An application container beside the main one: same pod, so localhost."""
        if c.essential is False:
            self.findings.append(at.finding(
                "container-not-essential",
                f"container {c.name} was not essential (the task kept running when it "
                "stopped); in the pod it is restarted like the others", ".essential"))
        if c.portMappings:
            ports = ", ".join(str(m.containerPort) for m in c.portMappings if m.containerPort)
            self.findings.append(at.finding(
                "container-ports",
                f"container {c.name} listens on {ports}: {main} reaches it on localhost, as in "
                "the task; the Service reaches the main container only", ".portMappings"))

    def _run_as(self, c: ContainerDefinition, at: Source) -> RunAs:
        """The pod's user, group, root filesystem and capabilities, from the container the
        Service reaches (a pod has one user for all its containers in netgen's language)."""
        user = group = None
        if c.user is not None:
            user, group = _numeric_user(c.user)
            if user is None:
                self.findings.append(at.finding(
                    "container-user",
                    f"container {c.name} ran as user {c.user!r}, a name: Kubernetes runs a "
                    "container as numbers; set run_as_user= (and run_as_group=) to the ids the "
                    "image gives that name", ".user"))
            elif user == 0:  # root: a RESTRICTED pod refuses it, the blueprint would not build
                user = group = None
                self.findings.append(at.finding(
                    "container-user",
                    f"container {c.name} ran as root (user {c.user!r}); not carried over: pods "
                    "run as non-root by default; give the image a user of its own, or set "
                    "pod_security=BASELINE on the service and its environment and "
                    "run_as_user=0", ".user"))
        caps = c.linuxParameters.capabilities if c.linuxParameters else None
        added = tuple(x.upper().removeprefix("CAP_") for x in caps.add) if caps else ()
        kept = tuple(x for x in added if x == "NET_BIND_SERVICE")
        others = [x for x in added if x != "NET_BIND_SERVICE"]
        if others:
            self.findings.append(at.finding(
                "container-capabilities",
                f"container {c.name} added the capabilities {', '.join(others)}: not carried "
                "over, since a RESTRICTED pod may add NET_BIND_SERVICE only; if it needs them, "
                "set pod_security=BASELINE on the service and its environment and "
                "capabilities=[...]", ".linuxParameters.capabilities.add"))
        return RunAs(user, group, c.readonlyRootFilesystem is True, kept)

    def _runs_as_main(self, c: ContainerDefinition, main: ContainerDefinition, at: Source
                      ) -> None:
        """netgen gives a pod's containers one user and one root filesystem setting: the
        main container's."""
        differs = [f"{what} {mine!r} (the pod gets {main.name}'s {theirs!r})"
                   for what, mine, theirs in (
                       ("user", c.user, main.user),
                       ("readonlyRootFilesystem", c.readonlyRootFilesystem,
                        main.readonlyRootFilesystem))
                   if mine is not None and mine != theirs]
        if differs:
            self.findings.append(at.finding(
                "container-user", f"container {c.name} ran with {'; '.join(differs)}"))

    def _not_carried(self, c: ContainerDefinition, at: Source) -> None:
        """Settings of an application container the language has no word for: each named
        where it was read, with what to do instead."""
        def say(code: str, path: str, message: str) -> None:
            self.findings.append(at.finding(code, f"container {c.name}: {message}", path))

        if c.privileged:
            say("container-privileged", ".privileged",
                "ran privileged; not carried over: a privileged container needs "
                "pod_security=PRIVILEGED on the service and its environment")
        for j, h in enumerate(c.extraHosts):
            say("extra-hosts", f".extraHosts[{j}]",
                f"{h.hostname} resolved to {h.ipAddress} (/etc/hosts); not carried over: the "
                "name no longer resolves, and under STRICT the address is denied: give it a DNS "
                f'record and declare external("name", host="{h.hostname}", port=..., '
                f'cidr="{h.ipAddress}/32") and calls(...)')
        if c.dnsServers or c.dnsSearchDomains:
            which = ", ".join(x for x, v in (("dnsServers", c.dnsServers),
                                             ("dnsSearchDomains", c.dnsSearchDomains)) if v)
            say("container-dns", f".{'dnsServers' if c.dnsServers else 'dnsSearchDomains'}",
                f"{which} not carried over: pods ask the cluster DNS; forward a zone to other "
                "servers with dns_forward(zone, to=[...])")
        settings = [f"{name} {value!r}" for name, value in (
            ("workingDirectory", c.workingDirectory), ("hostname", c.hostname),
            ("stopTimeout", c.stopTimeout), ("startTimeout", c.startTimeout),
            ("disableNetworking", c.disableNetworking or None),
            ("dockerSecurityOptions", list(c.dockerSecurityOptions) or None),
            ("systemControls", [f"{x.namespace}={x.value}" for x in c.systemControls] or None),
        ) if value is not None]
        p = c.linuxParameters
        if p is not None:
            settings += [f"linuxParameters.{name}" for name, value in (
                ("initProcessEnabled", p.initProcessEnabled), ("tmpfs", p.tmpfs),
                ("devices", p.devices), ("sharedMemorySize", p.sharedMemorySize),
                ("maxSwap", p.maxSwap), ("swappiness", p.swappiness)) if value]
        if settings:
            say("container-settings", "",
                f"{', '.join(settings)} not carried over (a pod's default applies: the "
                "image's working directory, 30 s to stop, no tmpfs or devices); set them in "
                "the image, or in the generated YAML by hand")

    def _links(self, task: TaskDefinition, at: Source, containers: list[Container],
               dropped: set[str]) -> None:
        """`links` named a container by host name (bridge mode); in a pod it is localhost.
        Environment values naming the alias as a host are rewritten; `dependsOn` order is
        not kept (a pod starts its containers together)."""
        for i, c in enumerate(task.containerDefinitions):
            for j, link in enumerate(c.links):
                name, _, alias = link.partition(":")
                alias = alias or name
                containers[i] = _localhost(containers[i], alias)
                self.findings.append(at.finding(
                    "container-links",
                    f"{c.name} reached {name} as host {alias!r} (links); in one pod it is "
                    f"localhost: environment values naming {alias!r} are rewritten to "
                    f"127.0.0.1; if the application uses the name otherwise (code, defaults "
                    f"such as the image's), point it at 127.0.0.1",
                    f".containerDefinitions[{i}].links[{j}]"))
            for j, dep in enumerate(c.dependsOn):
                if dep.containerName in dropped or c.name in dropped:
                    continue
                self.findings.append(at.finding(
                    "container-order",
                    f"{c.name} waited for {dep.containerName} to {dep.condition or 'START'}; "
                    "a pod starts its containers together (a COMPLETE/SUCCESS step belongs in "
                    "an init container, a HEALTHY one in the application's retries)",
                    f".containerDefinitions[{i}].dependsOn[{j}]"))

    def _platform(self, task: TaskDefinition, at: Source) -> tuple[tuple[str, str], ...]:
        platform = task.runtimePlatform
        if platform is None:
            return ()
        selector = []
        family = (platform.operatingSystemFamily or "").upper()
        if family.startswith("WINDOWS"):
            selector.append(("kubernetes.io/os", "windows"))
        elif family == "LINUX":
            selector.append(("kubernetes.io/os", "linux"))
        arch = {"ARM64": "arm64", "X86_64": "amd64"}.get(
            (platform.cpuArchitecture or "").upper())
        if arch is not None:
            selector.append(("kubernetes.io/arch", arch))
        if (family and family != "LINUX") or arch == "arm64":
            self.findings.append(at.finding(
                "runtime-platform",
                f"the task ran on {platform.operatingSystemFamily or 'Linux'}"
                f"/{platform.cpuArchitecture or 'X86_64'}: the pods get the node selector "
                f"{', '.join(f'{k}={v}' for k, v in selector)}; the cluster needs such nodes"
                + (f" ({platform.operatingSystemFamily} nodes of the matching Windows version)"
                   if family.startswith("WINDOWS") else ""), ".runtimePlatform"))
        return tuple(selector)

    def _main_container(self, service: EcsService, task: TaskDefinition) -> int:
        """The container traffic goes to: named by a load balancer, Service Connect or
        Cloud Map entry, else the first essential application container with ports, else
        the first essential application container (not a log router or proxy)."""
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
        apps = [(i, c) for i, c in enumerate(task.containerDefinitions)
                if infrastructure(c) is None] or list(enumerate(task.containerDefinitions))
        for i, c in apps:
            if c.essential is not False and c.portMappings:
                return i
        return next((i for i, c in apps if c.essential is not False), apps[0][0])

    def _container(self, c: ContainerDefinition, task: TaskDefinition, at: Source,
                   task_at: Source) -> Container:
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
            resources=self._resources(c, task, task_at, at),
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

    def _resources(self, c: ContainerDefinition, task: TaskDefinition, task_at: Source,
                   at: Source) -> Resources:
        """Container values first. Task-level CPU/memory (Fargate sizes, hard caps) count
        for a single-container task only, as there is no fair way to split them
        (`_shared_size` says so)."""
        alone = len(task.containerDefinitions) == 1
        task_cpu = (_task_size(task.cpu, _CPU, "vcpu", task_at, ".cpu", self.findings)
                    if alone else None)
        task_mem = (_task_size(task.memory, _MEMORY, "gb", task_at, ".memory", self.findings)
                    if alone else None)
        cpu_units = c.cpu if c.cpu and c.cpu > 0 else task_cpu
        memory_limit = c.memory if c.memory and c.memory > 0 else task_mem
        reservation = (
            c.memoryReservation if c.memoryReservation and c.memoryReservation > 0 else None
        )
        # ECS refuses both at registration; kept, the blueprint would not build
        if cpu_units is not None and task_cpu is not None and cpu_units > task_cpu:
            self.findings.append(at.finding(
                "task-size", f"container {c.name} asks for {cpu_units} CPU units, more than "
                f"the task's {task_cpu}; it requests the task's", ".cpu"))
            cpu_units = task_cpu
        if reservation is not None and memory_limit is not None and reservation > memory_limit:
            self.findings.append(at.finding(
                "task-size", f"container {c.name} reserves {reservation} MiB, more than its "
                f"limit of {memory_limit}; it requests the limit",
                ".memoryReservation"))
            reservation = memory_limit
        return Resources(
            cpu_request_millicores=_millicores(cpu_units),
            cpu_limit_millicores=_millicores(task_cpu),
            memory_request_mib=reservation or memory_limit,
            memory_limit_mib=memory_limit,
        )

    def _shared_size(self, task: TaskDefinition, at: Source,
                     apps: list[ContainerDefinition]) -> None:
        """The task's CPU and memory were one budget for all its containers: with more than
        one, an application container without values of its own gets none."""
        if len(task.containerDefinitions) < 2:
            return
        for field, size, own in (("cpu", task.cpu, lambda c: c.cpu),
                                 ("memory", task.memory,
                                  lambda c: c.memory or c.memoryReservation)):
            bare = [c.name for c in apps if not (own(c) or 0) > 0]
            if size is not None and bare:
                self.findings.append(at.finding(
                    "task-size-shared",
                    f"the task's {field} {size} was shared by its "
                    f"{len(task.containerDefinitions)} containers; netgen does not split it, "
                    f"so {', '.join(bare)} get{'s' if len(bare) == 1 else ''} no {field} "
                    f"request or limit: set {field}= on the service (or its container(...))",
                    f".{field}"))

    def _target_protocol(self, service: EcsService) -> str | None:
        for lb in service.loadBalancers:
            group = self.x.target_groups.get(lb.targetGroupArn or "")
            if group is None:
                continue
            version = (group.ProtocolVersion or "").upper()
            if version in ("GRPC", "HTTP2"):
                return version
            if (group.Protocol or "").upper() == "HTTPS":
                return "HTTPS"
        return None

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
        if controller != "ECS" and ".taskSets[" not in at.json_path:  # task-set says it
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


def _numeric_user(user: str) -> tuple[int | None, int | None]:
    """ECS `user`: "uid", "uid:gid", or names; only numbers say who a pod runs as."""
    name, _, group = user.partition(":")
    if not name.isdigit() or (group and not group.isdigit()):
        return None, None
    return int(name), int(group) if group else None


def _traffic_port(service: EcsService, main: ContainerDefinition) -> int | None:
    """The container port the service's traffic reaches, as the service names it: a load
    balancer's, a Cloud Map entry's, a Service Connect endpoint's. The writer gives a
    service one port, the first: the order of the port mappings says nothing."""
    for lb in service.loadBalancers:
        if lb.containerName == main.name:
            return lb.containerPort
    for r in service.serviceRegistries:
        if r.containerName == main.name and r.containerPort:
            return r.containerPort
    found = primary_deployment(service)
    config = found[1].serviceConnectConfiguration if found else None
    for sc in config.services if config else ():
        for m in main.portMappings:
            if m.name == sc.portName and m.containerPort:
                return m.containerPort
    return None


def _traffic_port_first(c: Container, port: int | None) -> Container:
    ordered = sorted(c.ports, key=lambda p: p.port != port)  # stable: the rest keep order
    return c if port is None or tuple(ordered) == c.ports else attrs.evolve(
        c, ports=tuple(ordered))


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


_INSTEAD = {
    "an Envoy proxy (App Mesh)": "the mesh netgen generates injects its own proxy",
    "the X-Ray daemon": "run the X-Ray or OpenTelemetry collector as a DaemonSet",
    "a FireLens log router": "use the cluster's log collection (Fluent Bit DaemonSet)",
    "the CloudWatch agent": "run the CloudWatch agent as a DaemonSet (Container Insights)",
}


def infrastructure(c: ContainerDefinition) -> str | None:
    """What a known infrastructure sidecar is, by its image (or FireLens configuration);
    None for an application container."""
    image = c.image.lower().rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
    if c.firelensConfiguration is not None or image in ("aws-for-fluent-bit", "fluent-bit"):
        return "a FireLens log router"
    if image in ("aws-appmesh-envoy", "envoy") or "appmesh-envoy" in image:
        return "an Envoy proxy (App Mesh)"
    if image in ("aws-xray-daemon", "xray-daemon", "aws-xray-daemon-amd64"):
        return "the X-Ray daemon"
    if image in ("cloudwatch-agent", "amazon-cloudwatch-agent"):
        return "the CloudWatch agent"
    return None


def _localhost(c: Container, alias: str) -> Container:
    pattern = re.compile(rf"(^|//|@){re.escape(alias)}(?=$|:\d|/)", re.IGNORECASE)
    env = tuple(attrs.evolve(e, value=pattern.sub(r"\g<1>127.0.0.1", e.value)) for e in c.env)
    return attrs.evolve(c, env=env)
