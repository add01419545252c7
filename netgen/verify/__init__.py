"""Prove that emitted NetworkPolicies allow exactly the connectivity a blueprint declares.

`compute_connectivity` evaluates Kubernetes semantics over a build's documents plus a
`PeerModel` of what surrounds the workloads (kube-dns, the ingress controller, outside IPs);
`diff` compares that against an expectation; the renderers print either for humans.
"""

from netgen.verify.analyze import compute_connectivity
from netgen.verify.diff import ConnectivityDiff, diff
from netgen.verify.model import PROTOCOLS, Allow, Connectivity, PortKey, parse_allows
from netgen.verify.peers import (
    KUBE_DNS,
    ClusterPeer,
    ContainerPort,
    ExternalPeer,
    PeerModel,
    default_peers,
    ingress_controller,
)
from netgen.verify.render import render_allows, render_matrix
from netgen.verify.selectors import PolicyError

__all__ = [
    "KUBE_DNS",
    "PROTOCOLS",
    "Allow",
    "ClusterPeer",
    "Connectivity",
    "ConnectivityDiff",
    "ContainerPort",
    "ExternalPeer",
    "PeerModel",
    "PolicyError",
    "PortKey",
    "compute_connectivity",
    "default_peers",
    "diff",
    "ingress_controller",
    "parse_allows",
    "render_allows",
    "render_matrix",
]
