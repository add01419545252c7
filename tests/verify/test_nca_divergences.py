"""Where nca departs from Kubernetes, pinned so a fixed nca (or a wrong claim) gets noticed.

Each test states the Kubernetes answer (which the analyzer gives) and nca's answer on the
raw documents; see nca_harness.KNOWN_NCA_DIVERGENCES.
"""

from __future__ import annotations

import pytest

from netgen.targets.networkpolicy.readback import PeerModel, PortKey, compute_connectivity

from .builders import namespace, netpol, port, workload
from .nca_harness import nca_connectivity

PEERS = PeerModel()
A = workload("ns", "a", {"app": "a"}, [port(80)])
B = workload("ns", "b", {"app": "b"}, [port(80)])
HTTP = (PortKey("TCP", 80),)


def test_1_empty_egress_without_policy_types() -> None:
    docs = [
        namespace("ns"),
        A,
        B,
        netpol("ns", "p", podSelector={"matchLabels": {"app": "a"}}, ingress=[{}], egress=[]),
    ]
    assert compute_connectivity(docs, PEERS).ports("ns/a", "ns/b") == HTTP
    assert nca_connectivity(docs, PEERS, admit=False).ports("ns/a", "ns/b") == ()
    assert nca_connectivity(docs, PEERS).ports("ns/a", "ns/b") == HTTP


@pytest.mark.parametrize(
    "spec",
    [
        {"policyTypes": ["Egress"], "ingress": [{}], "egress": [{}]},
        {"policyTypes": ["Egress", "Ingress"]},
    ],
    ids=["2-ignored-ingress-rules", "3-policy-types-order"],
)
def test_2_3_documents_nca_rejects(spec: dict) -> None:
    docs = [namespace("ns"), A, B, netpol("ns", "p", **spec)]
    compute_connectivity(docs, PEERS)
    with pytest.raises(RuntimeError, match=r"policyTypes|Ingress"):
        nca_connectivity(docs, PEERS, admit=False)
    nca_connectivity(docs, PEERS)  # fine once admitted


def test_4_exists_pod_selector_under_namespace_selector() -> None:
    caller = workload("other", "c", {"app": "c", "role": "client"}, [])
    pol = netpol(
        "ns",
        "p",
        policyTypes=["Ingress"],
        ingress=[
            {
                "from": [
                    {
                        "namespaceSelector": {},
                        "podSelector": {
                            "matchExpressions": [{"key": "role", "operator": "Exists"}]
                        },
                    }
                ]
            }
        ],
    )
    docs = [namespace("ns"), namespace("other"), A, caller, pol]
    assert compute_connectivity(docs, PEERS).ports("other/c", "ns/a") == HTTP
    assert nca_connectivity(docs, PEERS).ports("other/c", "ns/a") == ()


@pytest.mark.parametrize("operator", ["In", "NotIn"])
def test_5_empty_label_value_in_namespace_selector(operator: str) -> None:
    caller = workload("other", "c", {"app": "c"}, [])
    pol = netpol(
        "ns",
        "p",
        policyTypes=["Ingress"],
        ingress=[
            {
                "from": [
                    {
                        "namespaceSelector": {
                            "matchExpressions": [
                                {"key": "team", "operator": operator, "values": [""]}
                            ]
                        }
                    }
                ]
            }
        ],
    )
    docs = [namespace("ns"), namespace("other"), A, caller, pol]  # neither has a `team` label
    k8s = HTTP if operator == "NotIn" else ()
    nca = () if operator == "NotIn" else HTTP
    assert compute_connectivity(docs, PEERS).ports("other/c", "ns/a") == k8s
    assert nca_connectivity(docs, PEERS).ports("other/c", "ns/a") == nca
