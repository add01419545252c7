"""The Plan: one environment with every name, namespace, label, FQDN and weight decided.

Backends and templates only print a Plan; if a value has to be computed, it is computed
here or in `resolve`, so every backend agrees on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from netgen.model import (
    BasicAuth,
    HeaderMatch,
    HealthCheck,
    Isolation,
    PodSecurity,
    RateLimit,
    SourceLoc,
    Tls,
    Via,
)

if TYPE_CHECKING:
    from netgen.plan.mesh import MeshPlan


Labels = tuple[tuple[str, str], ...]


@frozen
class EnvPlan:
    name: str
    namespace: str
    replicas: int
    isolation: Isolation
    tls: Tls | None
    labels: Labels
    settings: Mapping[str, Any] = field(factory=dict)
    loc: SourceLoc | None = None
    pod_security: PodSecurity = PodSecurity.RESTRICTED


@frozen
class PortPlan:
    name: str
    port: int
    target_port: int
    protocol: str
    app_protocol: str | None = None


@frozen
class EnvVar:
    name: str
    value: str


@frozen
class ContainerPlan:
    """A further container of a workload's pods (`container(...)`)."""

    name: str
    image: str
    ports: tuple[int, ...] = ()
    env: tuple[EnvVar, ...] = ()
    secret_env: tuple[SecretEnvVar, ...] = ()
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    resources: ResourcesPlan | None = None
    liveness: ProbePlan | None = None
    readiness: ProbePlan | None = None
    volumes: tuple[VolumePlan, ...] = ()


@frozen
class Workload:
    """One Deployment or StatefulSet: a service, or one version of a versioned service."""

    name: str
    service: str
    version: str | None
    namespace: str
    kind: str
    image: str
    replicas: int
    labels: Labels
    selector: Labels
    port: PortPlan | None
    health: str | None
    env: tuple[EnvVar, ...]
    governing_service: str | None
    loc: SourceLoc
    extra: Mapping[str, Any] = field(factory=dict)
    service_account: str | None = None
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    secret_env: tuple[SecretEnvVar, ...] = ()
    resources: ResourcesPlan | None = None
    liveness: ProbePlan | None = None
    readiness: ProbePlan | None = None
    rollout: RolloutPlan | None = None
    volumes: tuple[VolumePlan, ...] = ()
    security: SecurityPlan | None = None  # None only while resolving
    storage: StoragePlan | None = None
    disruption_budget: bool = False
    containers: tuple[ContainerPlan, ...] = ()
    node_selector: Labels = ()


@frozen
class VersionPlan:
    name: str
    service_name: str
    fqdn: str
    selector: Labels


@frozen
class ServicePlan:
    name: str
    namespace: str
    fqdn: str
    port: PortPlan | None
    """None: a worker (`service()` without `port=`), which gets no Service object."""
    selector: Labels
    labels: Labels
    versions: tuple[VersionPlan, ...]
    stateful: bool
    headless: bool
    headless_name: str | None
    pod_fqdns: tuple[str, ...]
    health: str | None
    tier: str | None
    loc: SourceLoc
    extra: Mapping[str, Any] = field(factory=dict)


@frozen
class ExternalPlan:
    name: str
    namespace: str
    host: str
    port: int
    protocol: str
    cidr: tuple[str, ...]  # empty: found by name
    alias: bool
    fqdn: str
    loc: SourceLoc
    app_protocol: str | None = None


@frozen
class CallPlan:
    """A declared edge, with the callee's kind so policies need no lookups."""

    src: str
    dst: str
    dst_kind: str  # "service" | "external"
    loc: SourceLoc


@frozen
class WeightedBackend:
    service: str  # the Kubernetes Service name traffic goes to
    port: int
    weight: int  # percent; the weights of one route add up to 100
    version: str | None = None


@frozen
class RoutePlan:
    """One exposure, lowered to the terms every HTTP/L4 backend shares."""

    name: str
    service: str
    namespace: str
    via: Via
    host: str | None
    path: str | None
    path_type: str
    matches: tuple[HeaderMatch, ...]
    backends: tuple[WeightedBackend, ...]
    tls: Tls | None
    redirect_https: bool
    node_port: int | None
    ports: tuple[int, ...]
    scheme: str
    health: HealthCheck | None
    rewrite: str | None
    rate_limit: RateLimit | None
    auth: BasicAuth | None
    group: str | None
    grpc: bool
    target_port: int
    loc: SourceLoc
    options: Mapping[str, Any] = field(factory=dict)
    route: str | None = None  # the user's name for the route object (`expose(route=...)`)
    part: str = ""  # "-2"...: exposures sharing route=; "-match": a canary's header half
    query: tuple[tuple[str, str], ...] = ()
    methods: tuple[str, ...] = ()
    source_ips: tuple[str, ...] = ()
    layer: str = "l7"
    """What the via forwards (its ViaSpec's Layer value): "l7" HTTP, "l4" ports, "cluster"."""
    backend_tls: bool = False
    """The pods serve TLS (`service(app_protocol="https")`): ALB and ingress-nginx connect
    with TLS (`backend-protocol: HTTPS`); Gateway API would need a BackendTLSPolicy, which
    netgen does not write (the Service's appProtocol says `https` all the same)."""

    @property
    def object_name(self) -> str:
        """The name of this route's own object (an Ingress)."""
        return f"{self.route}{self.part}" if self.route else self.name

    @property
    def canary(self) -> WeightedBackend | None:
        return self.backends[-1] if len(self.backends) > 1 else None


DNS_SERVER_SUFFIX = ".server"  # the coredns-custom ConfigMap key of a zone: `<zone>.server`


@frozen
class DnsForwardPlan:
    zone: str
    to: tuple[str, ...]
    policy: str | None
    loc: SourceLoc


@frozen
class DnsPlan:
    """CoreDNS customisation of one environment: forwarded zones and query logging."""

    forwards: tuple[DnsForwardPlan, ...]
    log_classes: tuple[str, ...] | None  # None: no logging; () : log everything
    loc: SourceLoc


@frozen
class Plan:
    blueprint: str
    source: str
    env: EnvPlan
    namespaces: tuple[str, ...]
    services: tuple[ServicePlan, ...]
    workloads: tuple[Workload, ...]
    externals: tuple[ExternalPlan, ...]
    calls: tuple[CallPlan, ...]
    routes: tuple[RoutePlan, ...]
    domain: str | None = None
    settings: Mapping[str, Any] = field(factory=dict)
    dns: DnsPlan | None = None
    mesh: MeshPlan | None = None
    namespace_labels: Mapping[str, Labels] = field(factory=dict)
    namespace_annotations: Mapping[str, Labels] = field(factory=dict)  # a mesh's (Linkerd's)
    network: NetworkPlan = field(factory=lambda: NetworkPlan())
    loc: SourceLoc | None = None  # the blueprint() call, for errors in its settings

    def setting(self, key: str, default: Any = None) -> Any:
        """An environment's setting, else the blueprint's, else `default`."""
        return self.env.settings.get(key, self.settings.get(key, default))

    def setting_loc(self, key: str) -> SourceLoc | None:
        return self.env.loc if key in self.env.settings else self.loc

    def service(self, name: str) -> ServicePlan:
        for s in self.services:
            if s.name == name:
                return s
        raise KeyError(name)


# --- a workload's container settings (service(env_vars=..., liveness=..., ...)) ------


@frozen
class SecretEnvVar:
    """An environment variable read from a Secret's key (`valueFrom.secretKeyRef`)."""

    name: str
    secret: str
    key: str


@frozen
class ProbePlan:
    """A probe with its port decided (the container port's name unless given; gRPC probes
    need a number). Unset timings are left to Kubernetes' defaults."""

    kind: str  # "exec" | "http" | "tcp" | "grpc"
    command: tuple[str, ...] = ()
    path: str | None = None
    port: int | str | None = None
    scheme: str | None = None
    period: int | None = None
    timeout: int | None = None
    failures: int | None = None
    successes: int | None = None
    initial_delay: int | None = None


@frozen
class ResourcesPlan:
    """Requests and limits as Kubernetes quantities, in the order cpu, memory."""

    requests: tuple[tuple[str, str], ...] = ()
    limits: tuple[tuple[str, str], ...] = ()


@frozen
class RolloutPlan:
    max_surge: int | str | None = None
    max_unavailable: int | str | None = None


@frozen
class VolumePlan:
    name: str
    path: str
    claim: str | None = None
    read_only: bool = False
    size_limit: str | None = None


@frozen
class IpBlock:
    """Addresses outside the cluster, as a NetworkPolicy ipBlock: `cidr` minus `excluded`."""

    cidr: str
    excluded: tuple[str, ...] = ()


@frozen
class IngressSource:
    """Where one exposure's traffic reaches the service's pods from, once the load balancer
    or proxy has forwarded it: the pods of a namespace (ingress controller, Gateway, a
    mesh's ingress gateway) or address ranges (load balancer, nodes)."""

    route: str
    service: str
    via: Via
    namespace: str | None
    cidrs: tuple[str, ...]
    loc: SourceLoc
    setting: str | None = None  # the env/blueprint setting naming `cidrs`; None: a default
    # (protocol, port) the source reaches besides the service's port: the load balancer's
    # TCP health check of a UDP target
    health_ports: tuple[tuple[str, int], ...] = ()


@frozen
class ExternalTarget:
    """The addresses an external is reached at, as NetworkPolicy can name them."""

    external: str
    blocks: tuple[IpBlock, ...]


@frozen
class ClusterPods:
    """Pods netgen does not manage that every workload must reach: the cluster DNS, a
    mesh's control plane."""

    name: str  # endpoint `<namespace>/<name>`; a control plane's NetworkPolicy `allow-<name>`
    namespace: str
    labels: Labels
    ports: tuple[tuple[str, int], ...]  # (protocol, port)


KUBE_DNS = ClusterPods("kube-dns", "kube-system", (("k8s-app", "kube-dns"),),
                       (("UDP", 53), ("TCP", 53)))


@frozen
class NetworkPlan:
    """Everything the NetworkPolicies let through, decided in `resolve`: the cluster DNS,
    the mesh's control plane, the source of every exposure and the addresses of every
    external."""

    dns: ClusterPods = KUBE_DNS
    control_plane: ClusterPods | None = None  # the mesh target's (MeshHooks.control_plane)
    sources: tuple[IngressSource, ...] = ()
    externals: tuple[ExternalTarget, ...] = ()

    def external(self, name: str) -> ExternalTarget:
        for x in self.externals:
            if x.external == name:
                return x
        raise KeyError(name)


# --- how a workload's pods run (pod security, identity, storage, host network) -----------

PSA_VERSION = "v1.33"  # the Pod Security Standards version every namespace label pins
SCRATCH = VolumePlan("tmp", "/tmp")  # the writable /tmp of a read-only root filesystem


def psa_labels(level: PodSecurity) -> Labels:
    """Pod Security Admission enforces, warns about and audits `level`, pinned to one version
    of the standards so a cluster upgrade cannot tighten them under running workloads."""
    return tuple(
        pair for mode in ("enforce", "warn", "audit")
        for pair in ((f"pod-security.kubernetes.io/{mode}", level.value),
                     (f"pod-security.kubernetes.io/{mode}-version", PSA_VERSION))
    )


@frozen
class SecurityPlan:
    """A pod's security settings, decided: `level` is the Pod Security Standards level the
    pod is written to meet (the service's own, else its environment's)."""

    level: PodSecurity
    run_as_non_root: bool = True
    run_as_user: int | None = None
    run_as_group: int | None = None
    fs_group: int | None = None
    read_only_root: bool = False
    capabilities: tuple[str, ...] = ()  # added after dropping ALL
    mount_token: bool = False
    host_network: bool = False


@frozen
class StoragePlan:
    """One PersistentVolumeClaim per pod of a StatefulSet (its volumeClaimTemplate)."""

    name: str
    size: str
    path: str
    access_mode: str
    storage_class: str | None = None
