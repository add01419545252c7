"""The NetworkPolicy target's read-back (`netgen verify`): prove that the emitted
NetworkPolicies allow exactly the connectivity a blueprint declares.

`compute_connectivity` evaluates Kubernetes semantics over a build's documents plus a
`PeerModel` of what surrounds the workloads (kube-dns, the ingress controller, outside IPs);
`diff` compares that against an expectation; the renderers print either for humans.
`against_intent.verify_policies` asks it the questions the target-neutral intent
(`netgen.intent`) answers, and is what the backend's `readback` hook runs.
"""

from netgen.targets.networkpolicy.readback.analyze import compute_connectivity
from netgen.targets.networkpolicy.readback.diff import ConnectivityDiff, diff
from netgen.targets.networkpolicy.readback.model import (
    PROTOCOLS,
    Allow,
    Connectivity,
    PortKey,
    parse_allows,
)
from netgen.targets.networkpolicy.readback.peers import (
    KUBE_DNS,
    ClusterPeer,
    ContainerPort,
    ExternalPeer,
    PeerModel,
    default_peers,
    ingress_controller,
)
from netgen.targets.networkpolicy.readback.render import render_allows, render_matrix
from netgen.targets.networkpolicy.readback.selectors import PolicyError

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
