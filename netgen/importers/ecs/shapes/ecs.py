"""The parts of `aws ecs describe-task-definition` / `describe-services` output netgen reads.

Field names are the exact camelCase keys of the ECS API (botocore `ecs/2014-11-13`), so a
structuring error names the key the user sees in the file. Fields netgen cannot do without
have no default and are therefore required; everything else is optional because AWS omits
empty values. Unknown keys are ignored: AWS keeps adding fields.
"""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

# --- describe-task-definition -----------------------------------------------------------


@frozen
class PortMapping:
    # Optional because mappings with `containerPortRange` have no single port.
    containerPort: int | None = None
    hostPort: int | None = None
    protocol: str | None = None
    name: str | None = None
    appProtocol: str | None = None
    containerPortRange: str | None = None


@frozen
class KeyValuePair:
    name: str
    value: str


@frozen
class Secret:
    name: str
    valueFrom: str


@frozen
class EnvironmentFile:
    value: str
    type: str | None = None


@frozen
class HealthCheck:
    command: tuple[str, ...]
    interval: int | None = None
    timeout: int | None = None
    retries: int | None = None
    startPeriod: int | None = None


@frozen
class Ulimit:
    name: str
    softLimit: int
    hardLimit: int


@frozen
class MountPoint:
    sourceVolume: str
    containerPath: str
    readOnly: bool | None = None


@frozen
class RepositoryCredentials:
    credentialsParameter: str


@frozen
class ContainerDependency:
    containerName: str
    condition: str | None = None


@frozen
class FirelensConfiguration:
    type: str | None = None


@frozen
class HostEntry:
    hostname: str
    ipAddress: str


@frozen
class KernelCapabilities:
    add: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()


@frozen
class Device:
    hostPath: str
    containerPath: str | None = None


@frozen
class Tmpfs:
    containerPath: str
    size: int


@frozen
class LinuxParameters:
    capabilities: KernelCapabilities | None = None
    devices: tuple[Device, ...] = ()
    initProcessEnabled: bool | None = None
    sharedMemorySize: int | None = None
    tmpfs: tuple[Tmpfs, ...] = ()
    maxSwap: int | None = None
    swappiness: int | None = None


@frozen
class SystemControl:
    namespace: str | None = None
    value: str | None = None


@frozen
class ContainerDefinition:
    name: str
    image: str
    cpu: int | None = None
    memory: int | None = None
    memoryReservation: int | None = None
    essential: bool | None = None
    portMappings: tuple[PortMapping, ...] = ()
    environment: tuple[KeyValuePair, ...] = ()
    environmentFiles: tuple[EnvironmentFile, ...] = ()
    secrets: tuple[Secret, ...] = ()
    command: tuple[str, ...] | None = None
    entryPoint: tuple[str, ...] | None = None
    healthCheck: HealthCheck | None = None
    ulimits: tuple[Ulimit, ...] = ()
    mountPoints: tuple[MountPoint, ...] = ()
    repositoryCredentials: RepositoryCredentials | None = None
    links: tuple[str, ...] = ()
    dependsOn: tuple[ContainerDependency, ...] = ()
    firelensConfiguration: FirelensConfiguration | None = None
    # How it runs: the pod's security context where netgen has a word for it, else a warning.
    user: str | None = None
    readonlyRootFilesystem: bool | None = None
    privileged: bool | None = None
    linuxParameters: LinuxParameters | None = None
    workingDirectory: str | None = None
    extraHosts: tuple[HostEntry, ...] = ()
    dnsServers: tuple[str, ...] = ()
    dnsSearchDomains: tuple[str, ...] = ()
    hostname: str | None = None
    disableNetworking: bool | None = None
    dockerSecurityOptions: tuple[str, ...] = ()
    systemControls: tuple[SystemControl, ...] = ()
    startTimeout: int | None = None
    stopTimeout: int | None = None


@frozen
class HostVolumeProperties:
    sourcePath: str | None = None


@frozen
class EFSVolumeConfiguration:
    fileSystemId: str
    rootDirectory: str | None = None


@frozen
class DockerVolumeConfiguration:
    scope: str | None = None
    autoprovision: bool | None = None
    driver: str | None = None


@frozen
class FSxWindowsFileServerVolumeConfiguration:
    fileSystemId: str
    rootDirectory: str | None = None


@frozen
class Volume:
    name: str
    host: HostVolumeProperties | None = None
    efsVolumeConfiguration: EFSVolumeConfiguration | None = None
    dockerVolumeConfiguration: DockerVolumeConfiguration | None = None
    fsxWindowsFileServerVolumeConfiguration: FSxWindowsFileServerVolumeConfiguration | None = None
    configuredAtLaunch: bool | None = None


@frozen
class RuntimePlatform:
    operatingSystemFamily: str | None = None
    cpuArchitecture: str | None = None


@frozen
class ProxyConfiguration:
    type: str | None = None
    containerName: str | None = None


@frozen
class TaskDefinition:
    """A registered task definition (describe-task-definition), or the registration form
    kept in repositories (`register-task-definition --cli-input-json`), which has neither
    ARN nor revision."""

    family: str
    containerDefinitions: tuple[ContainerDefinition, ...]
    taskDefinitionArn: str | None = None
    revision: int | None = None
    networkMode: str | None = None
    cpu: str | None = None  # a string in the API ("256"), unlike the container's integer
    memory: str | None = None
    volumes: tuple[Volume, ...] = ()
    requiresCompatibilities: tuple[str, ...] = ()
    status: str | None = None
    registeredAt: datetime | None = None
    runtimePlatform: RuntimePlatform | None = None
    proxyConfiguration: ProxyConfiguration | None = None

    def key(self) -> str:
        """How `Exports` indexes it: the ARN, else `family:revision`, else the family."""
        if self.taskDefinitionArn:
            return self.taskDefinitionArn
        return f"{self.family}:{self.revision}" if self.revision is not None else self.family

    def label(self) -> str:
        return f"{self.family}:{self.revision}" if self.revision is not None else self.family


@frozen
class Tag:
    key: str
    value: str | None = None


@frozen
class TaskDefinitionFile:
    """`aws ecs describe-task-definition [--include TAGS]`."""

    taskDefinition: TaskDefinition
    tags: tuple[Tag, ...] = ()


# --- describe-services ------------------------------------------------------------------


@frozen
class ServiceLoadBalancer:
    containerName: str
    containerPort: int
    targetGroupArn: str | None = None  # absent for Classic Load Balancers
    loadBalancerName: str | None = None


@frozen
class ServiceRegistry:
    registryArn: str
    port: int | None = None
    containerName: str | None = None
    containerPort: int | None = None


@frozen
class DeploymentCircuitBreaker:
    enable: bool
    rollback: bool


@frozen
class DeploymentConfiguration:
    maximumPercent: int | None = None
    minimumHealthyPercent: int | None = None
    deploymentCircuitBreaker: DeploymentCircuitBreaker | None = None
    strategy: str | None = None


@frozen
class AwsVpcConfiguration:
    subnets: tuple[str, ...] = ()
    securityGroups: tuple[str, ...] = ()
    assignPublicIp: str | None = None


@frozen
class NetworkConfiguration:
    awsvpcConfiguration: AwsVpcConfiguration | None = None


@frozen
class ServiceConnectClientAlias:
    port: int
    dnsName: str | None = None


@frozen
class TimeoutConfiguration:
    idleTimeoutSeconds: int | None = None
    perRequestTimeoutSeconds: int | None = None


@frozen
class ServiceConnectTlsConfiguration:
    kmsKey: str | None = None
    roleArn: str | None = None


@frozen
class ServiceConnectService:
    portName: str
    discoveryName: str | None = None
    clientAliases: tuple[ServiceConnectClientAlias, ...] = ()
    ingressPortOverride: int | None = None
    timeout: TimeoutConfiguration | None = None
    tls: ServiceConnectTlsConfiguration | None = None


@frozen
class ServiceConnectConfiguration:
    enabled: bool
    namespace: str | None = None
    services: tuple[ServiceConnectService, ...] = ()


@frozen
class ServiceConnectServiceResource:
    discoveryName: str | None = None
    discoveryArn: str | None = None


@frozen
class Deployment:
    status: str
    taskDefinition: str
    id: str | None = None
    desiredCount: int | None = None
    createdAt: datetime | None = None
    networkConfiguration: NetworkConfiguration | None = None
    serviceConnectConfiguration: ServiceConnectConfiguration | None = None
    serviceConnectResources: tuple[ServiceConnectServiceResource, ...] = ()


@frozen
class DeploymentController:
    type: str


@frozen
class Scale:
    value: float | None = None
    unit: str | None = None


@frozen
class TaskSet:
    """EXTERNAL / CODE_DEPLOY services run their tasks in task sets, one per version."""

    taskDefinition: str
    id: str | None = None
    taskSetArn: str | None = None
    status: str | None = None  # PRIMARY | ACTIVE | DRAINING
    computedDesiredCount: int | None = None
    scale: Scale | None = None
    loadBalancers: tuple[ServiceLoadBalancer, ...] = ()
    serviceRegistries: tuple[ServiceRegistry, ...] = ()
    networkConfiguration: NetworkConfiguration | None = None
    createdAt: datetime | None = None


@frozen
class Service:
    serviceArn: str
    serviceName: str
    desiredCount: int
    taskDefinition: str | None = None  # absent with EXTERNAL / CODE_DEPLOY (see taskSets)
    clusterArn: str | None = None
    status: str | None = None
    launchType: str | None = None
    schedulingStrategy: str | None = None
    loadBalancers: tuple[ServiceLoadBalancer, ...] = ()
    serviceRegistries: tuple[ServiceRegistry, ...] = ()
    deploymentConfiguration: DeploymentConfiguration | None = None
    deploymentController: DeploymentController | None = None
    deployments: tuple[Deployment, ...] = ()
    networkConfiguration: NetworkConfiguration | None = None
    healthCheckGracePeriodSeconds: int | None = None
    createdAt: datetime | None = None
    taskSets: tuple[TaskSet, ...] = ()


@frozen
class Failure:
    arn: str | None = None
    reason: str | None = None
    detail: str | None = None


@frozen
class ServicesFile:
    """`aws ecs describe-services` (at most 10 services per call, so often several files)."""

    services: tuple[Service, ...]
    failures: tuple[Failure, ...] = ()
