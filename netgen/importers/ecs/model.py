"""`EcsSystem`: what the analysed ECS export means, in Kubernetes terms, for the blueprint writer.

Everything here is already decided (names are DNS-1035 labels, CPU is in millicores, memory
in MiB, probes and rollouts use Kubernetes semantics); the writer should only have to spell
it as netgen DSL calls. AWS identifiers are kept next to each translated value so that
generated code can say where it came from. All collections are tuples in a deterministic
order, so two analyses of the same export compare equal.
"""

from __future__ import annotations

from attrs import field, frozen

from netgen.importers.ecs.problems import Finding, Source

# --- workloads --------------------------------------------------------------------------


@frozen
class ContainerPort:
    name: str
    """An IANA service name (≤15 chars), usable as a Kubernetes port name."""
    port: int
    protocol: str = "TCP"
    """"TCP" or "UDP"."""
    app_protocol: str | None = None
    """ECS `appProtocol` ("http", "http2", "grpc") when set."""


@frozen
class EnvVar:
    name: str
    value: str
    hosts: tuple[str, ...] = ()
    """Host names in `value` that are keys of `EcsSystem.dns_names`, for later rewriting."""
    links: tuple[LoadBalancerLink, ...] = ()
    """URLs in `value` that reached a migrated service through an old load balancer's DNS
    name: rewritten to the service's cluster name."""


@frozen
class LoadBalancerLink:
    """`text` (`scheme://lb-dns-name[:port]`) in an environment value went through a load
    balancer rule to `service`; in the cluster it calls the service directly."""

    text: str
    service: str
    scheme: str
    rule: str
    """The rule that routed it (for the comment)."""


@frozen
class SecretRef:
    """A secret the container reads from AWS; only the reference, never the value."""

    name: str
    """The environment variable it is exposed as."""
    store: str
    """"secretsmanager", "ssm" or "unknown"."""
    ref: str
    """The secret or parameter ARN (or parameter name), without ECS's `:json-key:…` suffix."""
    json_key: str | None = None
    version_stage: str | None = None
    version_id: str | None = None


@frozen
class Resources:
    """ECS CPU units / 1024 = cores, rounded up to whole millicores; MiB maps to `Mi`."""

    cpu_request_millicores: int | None = None
    cpu_limit_millicores: int | None = None
    memory_request_mib: int | None = None
    memory_limit_mib: int | None = None


@frozen
class Probe:
    kind: str
    """"exec" (uses `command`), "http" (`path`, `port`, `scheme`) or "tcp" (`port`)."""
    period_seconds: int
    timeout_seconds: int
    failure_threshold: int
    success_threshold: int = 1
    initial_delay_seconds: int = 0
    command: tuple[str, ...] = ()
    path: str | None = None
    port: int | None = None
    scheme: str | None = None
    """"HTTP" or "HTTPS"."""
    matcher: str | None = None
    """ALB success codes ("200", "200-299", "200,302"); Kubernetes accepts 200–399."""


@frozen
class Mount:
    volume: str
    path: str
    read_only: bool = False


@frozen
class Container:
    name: str
    image: str
    ports: tuple[ContainerPort, ...] = ()
    env: tuple[EnvVar, ...] = ()
    secrets: tuple[SecretRef, ...] = ()
    command: tuple[str, ...] | None = None
    """Kubernetes `command`, from ECS `entryPoint`."""
    args: tuple[str, ...] | None = None
    """Kubernetes `args`, from ECS `command`."""
    resources: Resources = Resources()
    liveness: Probe | None = None
    """From the ECS container `healthCheck`."""
    readiness: Probe | None = None
    """From the target group health check (main container only)."""
    mounts: tuple[Mount, ...] = ()


@frozen
class Volume:
    name: str
    kind: str
    """"efs", "fsx", "host", "docker" or "ephemeral" (scratch space, no data to move)."""
    source: str | None = None
    """EFS/FSx file system id and root, host path, or docker driver."""


@frozen
class Rollout:
    """Kubernetes RollingUpdate in percent: surge = max% − 100, unavailable = 100 − min%."""

    max_surge_percent: int
    max_unavailable_percent: int
    circuit_breaker: bool = False
    rollback_on_failure: bool = False


@frozen
class RunAs:
    """How the task's main container ran, in the pod settings netgen has: its numeric user
    and group, a read-only root filesystem, and the added capability a RESTRICTED pod may
    keep (NET_BIND_SERVICE); the rest is a warning where it was read."""

    user: int | None = None
    group: int | None = None
    read_only_root: bool = False
    capabilities: tuple[str, ...] = ()


@frozen
class Version:
    """One ECS service, running as one version of a netgen service."""

    name: str | None
    """"v1", "v2", …; None when the service has only one version (no version label)."""
    ecs_service: str
    ecs_service_arn: str
    task_definition: str
    """`family:revision`."""
    replicas: int
    container: Container
    sidecars: tuple[Container, ...] = ()
    """Known infrastructure containers (Envoy, X-Ray, FireLens, CloudWatch agent): dropped."""
    volumes: tuple[Volume, ...] = ()
    rollout: Rollout = Rollout(100, 0)
    containers: tuple[Container, ...] = ()
    """The task's other application containers: more containers of the same pod."""
    node_selector: tuple[tuple[str, str], ...] = ()
    """From `runtimePlatform`: kubernetes.io/os and kubernetes.io/arch."""
    target_protocol: str | None = None
    """How the load balancer spoke to the tasks: "HTTPS" (TLS to the pods), "GRPC" or
    "HTTP2" (target group protocol version); None for plain HTTP/1.1 or no target group."""
    run_as: RunAs = RunAs()


@frozen
class Service:
    name: str
    """DNS-1035 label, unique within the system."""
    versions: tuple[Version, ...]
    """Primary (most traffic / oldest) first; at least one."""
    ports: tuple[ContainerPort, ...] = ()
    """The ports clients reach: the union of the versions' main-container ports."""


# --- discovery and externals --------------------------------------------------------------


@frozen
class DnsName:
    """A name ECS clients used to reach something, and what it means now."""

    host: str
    """Lower-case FQDN (or Service Connect short alias) as written in env values."""
    kind: str
    """"cloud-map", "service-connect" or "rds"."""
    target: str
    """Name of a `Service` (cloud-map, service-connect) or an `External` (rds)."""
    port: int | None = None
    at: Source | None = field(default=None, eq=False, repr=False)
    """Where the export gave the name, for a warning about it."""


@frozen
class External:
    """Something outside the cluster that services keep calling by its real host name."""

    name: str
    kind: str
    """"rds", or "url" (a host named in an environment value)."""
    host: str | None
    """Kept as AWS's endpoint name so TLS hostname verification keeps working."""
    port: int | None
    engine: str | None = None
    arn: str = ""
    ranges: tuple[str, ...] = ()
    """The CIDRs of its subnets (an RDS subnet group); empty when not known."""


# --- traffic ---------------------------------------------------------------------------------


@frozen
class PathMatch:
    kind: str
    """"exact" or "prefix" (whole path segments, as Gateway API `PathPrefix`)."""
    value: str
    pattern: str
    """The ALB path pattern it came from."""
    exact_translation: bool = True
    """False when the ALB glob could not be expressed exactly (a warning says how)."""


@frozen
class HeaderMatch:
    name: str
    values: tuple[str, ...]
    """Any of these (ALB header values match case-insensitively)."""


@frozen
class QueryMatch:
    key: str | None
    value: str
    condition: int = 0
    """Which query-string condition of the rule it is a value of: values of one condition
    are alternatives, conditions must all match."""


@frozen
class Backend:
    service: str
    version: str | None
    """None: all versions of the service (single-version services)."""
    port: int
    weight: int
    """Relative, as on the ALB (80/20 stays 80/20)."""
    target_group: str


@frozen
class Forward:
    backends: tuple[Backend, ...]


@frozen
class Redirect:
    """`None` fields keep the request's value (ALB `#{host}`-style placeholders)."""

    status_code: int
    scheme: str | None = None
    host: str | None = None
    port: int | None = None
    path: str | None = None
    query: str | None = None


@frozen
class FixedResponse:
    status_code: int
    content_type: str | None = None
    body: str | None = None


@frozen
class Route:
    """One listener rule. Conditions of different kinds must all match; values of one
    kind are alternatives. Routes are listed in ALB evaluation order: priority ascending,
    the default rule (priority None) last."""

    priority: int | None
    action: Forward | Redirect | FixedResponse
    hosts: tuple[str, ...] = ()
    paths: tuple[PathMatch, ...] = ()
    headers: tuple[HeaderMatch, ...] = ()
    methods: tuple[str, ...] = ()
    queries: tuple[QueryMatch, ...] = ()
    rule_arn: str = ""
    source_ips: tuple[str, ...] = ()
    """CIDRs the client address must be in (a source-ip condition)."""


@frozen
class TlsCertificate:
    arn: str
    domains: tuple[str, ...] = ()
    """Domain name and SANs from ACM; empty when the certificate was not exported."""
    issued_by_amazon: bool = True
    """Amazon-issued ACM keys cannot be exported: a new certificate is needed."""


@frozen
class Listener:
    port: int
    protocol: str
    routes: tuple[Route, ...]
    tls: tuple[TlsCertificate, ...] = ()
    ssl_policy: str | None = None
    https_redirect: bool = False
    """Plain-HTTP listener whose default action redirects to HTTPS; its default route is
    represented by this flag and left out of `routes`."""


@frozen
class Ingress:
    name: str
    """From the load balancer name."""
    load_balancer_arn: str
    internet_facing: bool
    listeners: tuple[Listener, ...]
    dns_name: str | None = None
    network: bool = False
    """A Network Load Balancer (TCP/TLS listeners), not an Application one."""
    source_ranges: tuple[str, ...] = ()
    """The CIDRs of the load balancer's subnets: its nodes connect to targets from there.
    Empty when the subnets are not in the export."""


@frozen
class Endpoint:
    kind: str
    """"service", "ingress", "external" or "cidr"."""
    name: str
    """Service/Ingress/External name, or the CIDR."""


@frozen
class Flow:
    """`source` may open connections to `destination` on these ports (from a security group
    ingress rule). Ports are inclusive; both None means all ports."""

    source: Endpoint
    destination: Endpoint
    protocol: str
    """"TCP", "UDP" or "ANY"."""
    port_from: int | None
    port_to: int | None
    at: Source | None = field(default=None, eq=False, repr=False)
    """The security-group rule it came from (one of them, if several said the same), so a
    warning about it can point there; not part of what the flow is."""


@frozen
class EgressCall:
    """`source` called `target` (a service, or an `External` of kind "url") according to
    its environment value `variable`; becomes `calls(source, target)`."""

    source: str
    target: str
    variable: str
    port: int | None = None
    checked: bool = True
    """The source's security groups were in the export, so their egress rules were read."""


@frozen
class EcsSystem:
    services: tuple[Service, ...]
    ingresses: tuple[Ingress, ...] = ()
    flows: tuple[Flow, ...] = ()
    externals: tuple[External, ...] = ()
    dns_names: tuple[DnsName, ...] = ()
    warnings: tuple[Finding, ...] = ()
    egress: tuple[EgressCall, ...] = ()
    """Calls found in environment values (URLs, host:port), allowed by the tasks' egress."""
    cluster: str | None = None
    """The ECS cluster's name as AWS spells it (the most common one if services span
    several), for naming the blueprint and its namespace."""

    def service(self, name: str) -> Service:
        for service in self.services:
            if service.name == name:
                return service
        raise KeyError(name)

    def dns_name(self, host: str) -> DnsName | None:
        return next((d for d in self.dns_names if d.host == host.lower()), None)
