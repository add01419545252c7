"""What lives around the workloads a build emits, since policies are written against it too.

A build's YAML mentions kube-dns, the ingress controller's namespace and the internet only
through selectors and CIDRs; to decide whether traffic to or from them is allowed the analyzer
needs concrete stand-ins: pods with the labels those components really carry, and one
representative IP address per kind of outside destination.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from attrs import field, frozen

from netgen.targets.networkpolicy.readback.model import PortKey

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _frozen_labels(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return dict(value or {})


@frozen
class ContainerPort:
    """A port a pod listens on; `name` matters because policies may refer to ports by name."""

    port: int
    protocol: str = "TCP"
    name: str | None = None

    @property
    def key(self) -> PortKey:
        return PortKey(self.protocol, self.port)


@frozen
class ClusterPeer:
    """A pod in the cluster that the build does not emit (kube-dns, the ingress controller)."""

    namespace: str
    name: str
    labels: Mapping[str, str] = field(converter=_frozen_labels, factory=dict)
    ports: tuple[ContainerPort, ...] = field(converter=tuple, default=())

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.name}"


def _check_external_name(_instance: object, _attribute: object, value: str) -> None:
    if not value or "/" in value:
        raise ValueError(f"external peer names must be non-empty and contain no '/': {value!r}")


@frozen
class ExternalPeer:
    """A representative address outside the cluster; `ports` are what it serves as a destination."""

    name: str = field(validator=_check_external_name)
    ip: IpAddress = field(converter=ipaddress.ip_address)
    ports: tuple[PortKey, ...] = field(converter=tuple, default=())

    @property
    def id(self) -> str:
        return self.name


@frozen
class PeerModel:
    """Everything outside the build that connectivity is computed against.

    `namespace_labels` gives extra labels for namespaces the build does not emit (the label
    `kubernetes.io/metadata.name` is always added, as the API server does). `workload_ports`
    are ports an emitted workload (`<namespace>/<name>`) is asked about besides its
    containerPorts: a policy admits a port whether or not a container declares it (a load
    balancer's TCP health check of a UDP port, say).
    """

    cluster: tuple[ClusterPeer, ...] = field(converter=tuple, default=())
    external: tuple[ExternalPeer, ...] = field(converter=tuple, default=())
    namespace_labels: Mapping[str, Mapping[str, str]] = field(factory=dict)
    workload_ports: Mapping[str, tuple[ContainerPort, ...]] = field(factory=dict)


KUBE_DNS = ClusterPeer(
    namespace="kube-system",
    name="kube-dns",
    labels={"k8s-app": "kube-dns"},
    ports=(ContainerPort(53, "UDP", "dns"), ContainerPort(53, "TCP", "dns-tcp")),
)


def ingress_controller(namespace: str = "ingress-nginx", name: str = "controller") -> ClusterPeer:
    """The ingress-nginx controller pod as its Helm chart labels it; it serves 80 and 443."""
    return ClusterPeer(
        namespace=namespace,
        name=name,
        labels={
            "app.kubernetes.io/name": "ingress-nginx",
            "app.kubernetes.io/instance": "ingress-nginx",
            "app.kubernetes.io/component": "controller",
        },
        ports=(ContainerPort(80, "TCP", "http"), ContainerPort(443, "TCP", "https")),
    )


def default_peers(
    ingress_namespace: str | None = "ingress-nginx",
    internet_ip: str = "203.0.113.10",
    public_dns_ip: str = "8.8.8.8",
    vpc_ip: str = "10.0.5.5",
) -> PeerModel:
    """kube-dns, an ingress controller, a public host, a public resolver and a VPC-private host."""
    cluster = [KUBE_DNS]
    if ingress_namespace:
        cluster.append(ingress_controller(ingress_namespace))
    tcp = [PortKey("TCP", 443), PortKey("TCP", 80)]
    return PeerModel(
        cluster=tuple(cluster),
        external=(
            ExternalPeer("internet", internet_ip, tcp),
            ExternalPeer("public-dns", public_dns_ip, (PortKey("UDP", 53), PortKey("TCP", 53))),
            ExternalPeer("vpc", vpc_ip, (PortKey("TCP", 443), PortKey("TCP", 5432))),
        ),
    )
