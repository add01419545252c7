"""The endpoints connectivity is computed over: emitted workloads plus the surrounding peers.

A workload counts once however many replicas it has, because every replica carries the same
pod-template labels and ports and so is treated identically by every policy; traffic from a
workload to itself stands for replica-to-replica traffic.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from attrs import field, frozen

from netgen.targets.networkpolicy.readback.peers import ContainerPort, IpAddress, PeerModel
from netgen.targets.networkpolicy.readback.policy import Policy, parse_policy
from netgen.targets.networkpolicy.readback.selectors import PolicyError

WORKLOAD_KINDS = frozenset(
    {
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "ReplicationController",
        "Job",
        "CronJob",
        "Pod",
    }
)
NAME_LABEL = "kubernetes.io/metadata.name"


@frozen
class Endpoint:
    """One row/column of the matrix; in-cluster iff `namespace` is set, external iff `ip` is."""

    id: str
    namespace: str | None = None
    labels: Mapping[str, str] = field(factory=dict)
    namespace_labels: Mapping[str, str] = field(factory=dict)
    ip: IpAddress | None = None
    ports: tuple[ContainerPort, ...] = ()

    @property
    def in_cluster(self) -> bool:
        return self.namespace is not None


@frozen
class Topology:
    endpoints: tuple[Endpoint, ...]
    policies: tuple[Policy, ...]


def iter_documents(docs: Iterable[Mapping[str, Any] | None]) -> Iterator[Mapping[str, Any]]:
    """Flatten `kind: List` wrappers and skip empty YAML documents."""
    for doc in docs:
        if not doc:
            continue
        if doc.get("kind") == "List" or str(doc.get("kind", "")).endswith("List"):
            yield from iter_documents(doc.get("items") or [])
        else:
            yield doc


def pod_template(doc: Mapping[str, Any]) -> tuple[Mapping[str, str], list[Mapping[str, Any]]]:
    """Labels and containers of the pods a workload object runs."""
    kind = doc.get("kind")
    if kind == "Pod":
        return (doc.get("metadata") or {}).get("labels") or {}, (doc.get("spec") or {}).get(
            "containers"
        ) or []
    spec = doc.get("spec") or {}
    if kind == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    template = spec.get("template") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    return labels, (template.get("spec") or {}).get("containers") or []


def container_ports(containers: Iterable[Mapping[str, Any]]) -> tuple[ContainerPort, ...]:
    ports: list[ContainerPort] = []
    for container in containers:
        for p in container.get("ports") or []:
            ports.append(
                ContainerPort(int(p["containerPort"]), p.get("protocol") or "TCP", p.get("name"))
            )
    return tuple(ports)


def build_topology(docs: Iterable[Mapping[str, Any] | None], peers: PeerModel) -> Topology:
    """Collect endpoints (sorted workloads, then `peers.cluster`, then `peers.external`)."""
    documents = list(iter_documents(docs))
    ns_labels: dict[str, dict[str, str]] = {
        ns: dict(labels) for ns, labels in peers.namespace_labels.items()
    }
    for doc in documents:
        if doc.get("kind") == "Namespace":
            meta = doc.get("metadata") or {}
            ns_labels.setdefault(meta["name"], {}).update(meta.get("labels") or {})

    def labels_of(namespace: str) -> dict[str, str]:
        # the API server always sets this label to the namespace name and forbids changing it
        return {**ns_labels.get(namespace, {}), NAME_LABEL: namespace}

    workloads: dict[str, Endpoint] = {}
    policies: list[Policy] = []
    for doc in documents:
        kind = doc.get("kind")
        if kind == "NetworkPolicy":
            policies.append(parse_policy(doc))
        elif kind in WORKLOAD_KINDS:
            meta = doc.get("metadata") or {}
            namespace = meta.get("namespace") or "default"
            ident = f"{namespace}/{meta['name']}"
            if ident in workloads:
                raise PolicyError(f"two workloads named {ident}")
            labels, containers = pod_template(doc)
            declared = container_ports(containers)
            keys = {p.key for p in declared}
            asked = tuple(p for p in peers.workload_ports.get(ident, ()) if p.key not in keys)
            workloads[ident] = Endpoint(
                ident,
                namespace,
                dict(labels),
                labels_of(namespace),
                ports=declared + asked,
            )

    endpoints = [workloads[k] for k in sorted(workloads)]
    for peer in peers.cluster:
        if peer.id in workloads:
            raise PolicyError(f"peer {peer.id} collides with an emitted workload")
        endpoints.append(
            Endpoint(
                peer.id,
                peer.namespace,
                dict(peer.labels),
                labels_of(peer.namespace),
                ports=peer.ports,
            )
        )
    for ext in peers.external:
        ports = tuple(ContainerPort(k.port, k.protocol) for k in ext.ports)
        endpoints.append(Endpoint(ext.id, ip=ipaddress.ip_address(ext.ip), ports=ports))
    ids = [e.id for e in endpoints]
    if len(set(ids)) != len(ids):
        raise PolicyError(f"duplicate endpoint ids in {ids}")
    return Topology(tuple(endpoints), tuple(policies))
