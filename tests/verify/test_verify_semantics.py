"""Corner cases of NetworkPolicy semantics, each checked against a hand-written answer and,
where nca models Kubernetes faithfully, against nca too."""

from __future__ import annotations

from typing import Any

import pytest

from netgen.targets.networkpolicy.readback import (
    ExternalPeer,
    PeerModel,
    PolicyError,
    PortKey,
    compute_connectivity,
    diff,
    parse_allows,
    render_allows,
)

from .builders import namespace, netpol, port, workload
from .nca_harness import nca_connectivity

INTERNET = ExternalPeer("internet", "203.0.113.10", [PortKey("TCP", 443)])
PEERS = PeerModel(external=(INTERNET,))

A = workload("ns", "a", {"app": "a"}, [port(8080, name="http")])
B = workload("ns", "b", {"app": "b", "tier": "db"}, [port(5432), port(9000, "SCTP")])


def check(docs: list[dict[str, Any]], expected: str, peers: PeerModel = PEERS) -> None:
    ours = compute_connectivity(docs, peers)
    delta = diff(parse_allows(expected), ours)
    assert delta.ok, f"{delta.render()}\n--- actual ---\n{render_allows(ours)}"
    theirs = nca_connectivity(docs, peers)
    assert diff(theirs, ours).ok, "nca disagrees:\n" + diff(theirs, ours).render()


OPEN_AB = """
ns/a -> ns/a: TCP/8080
ns/a -> ns/b: TCP/5432,SCTP/9000
ns/b -> ns/a: TCP/8080
ns/b -> ns/b: TCP/5432,SCTP/9000
ns/a -> internet: TCP/443
ns/b -> internet: TCP/443
internet -> ns/a: TCP/8080
internet -> ns/b: TCP/5432,SCTP/9000
"""


def test_no_policies_everything_open() -> None:
    check([namespace("ns"), A, B], OPEN_AB)


def test_missing_policy_types_with_empty_egress_is_ingress_only() -> None:
    # API-server defaulting: Egress is implied only by a non-empty egress list
    pol = netpol("ns", "p", podSelector={"matchLabels": {"app": "a"}}, ingress=[], egress=[])
    expected = (
        OPEN_AB.replace("ns/a -> ns/a: TCP/8080\n", "")
        .replace("ns/b -> ns/a: TCP/8080\n", "")
        .replace("internet -> ns/a: TCP/8080\n", "")
    )
    check([namespace("ns"), A, B, pol], expected)


def test_missing_policy_types_with_egress_rules_governs_egress() -> None:
    pol = netpol(
        "ns", "p", podSelector={"matchLabels": {"app": "a"}}, egress=[{"ports": [{"port": 443}]}]
    )
    check(
        [namespace("ns"), A, B, pol],
        """
        ns/a -> internet: TCP/443
        ns/b -> ns/b: TCP/5432,SCTP/9000
        ns/b -> internet: TCP/443
        internet -> ns/b: TCP/5432,SCTP/9000
        """,
    )


def test_ingress_rules_ignored_when_policy_types_is_egress_only() -> None:
    pol = netpol(
        "ns",
        "p",
        policyTypes=["Egress"],
        ingress=[{"from": []}],
        egress=[{}],
    )
    check([namespace("ns"), A, B, pol], OPEN_AB)


def test_end_port_range_and_protocols() -> None:
    pol = netpol(
        "ns",
        "p",
        podSelector={"matchLabels": {"app": "b"}},
        policyTypes=["Ingress"],
        ingress=[
            {"ports": [{"port": 5000, "endPort": 5432}]},  # TCP by default
            {"ports": [{"port": 9000, "protocol": "TCP"}]},  # wrong protocol for SCTP/9000
        ],
    )
    check(
        [namespace("ns"), A, B, pol],
        OPEN_AB.replace("TCP/5432,SCTP/9000", "TCP/5432"),
    )


def test_sctp_and_whole_protocol_rules() -> None:
    pol = netpol(
        "ns",
        "p",
        podSelector={"matchLabels": {"app": "b"}},
        policyTypes=["Ingress"],
        ingress=[{"ports": [{"protocol": "SCTP"}]}],
    )
    check([namespace("ns"), A, B, pol], OPEN_AB.replace("TCP/5432,SCTP/9000", "SCTP/9000"))


def test_not_in_and_does_not_exist_match_missing_keys() -> None:
    pol = netpol(
        "ns",
        "p",
        podSelector={
            "matchExpressions": [
                {"key": "tier", "operator": "NotIn", "values": ["web"]},
                {"key": "app", "operator": "Exists"},
            ]
        },
        policyTypes=["Ingress"],
        ingress=[
            {
                "from": [
                    {
                        "podSelector": {
                            "matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]
                        }
                    }
                ]
            }
        ],
    )
    # both a (no tier) and b (tier=db) are selected; only a (no tier key) may connect in
    check(
        [namespace("ns"), A, B, pol],
        """
        ns/a -> ns/a: TCP/8080
        ns/a -> ns/b: TCP/5432,SCTP/9000
        ns/a -> internet: TCP/443
        ns/b -> internet: TCP/443
        """,
    )


def test_ip_block_matches_outside_addresses_only() -> None:
    pol = netpol(
        "ns",
        "p",
        policyTypes=["Ingress", "Egress"],
        ingress=[{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}],
        egress=[{"to": [{"ipBlock": {"cidr": "203.0.113.0/24"}}]}],
    )
    check(
        [namespace("ns"), A, B, pol],
        """
        ns/a -> internet: TCP/443
        ns/b -> internet: TCP/443
        internet -> ns/a: TCP/8080
        internet -> ns/b: TCP/5432,SCTP/9000
        """,
    )


def test_empty_namespace_selector_means_every_pod_but_no_outside_address() -> None:
    pol = netpol(
        "ns", "p", policyTypes=["Ingress"], ingress=[{"from": [{"namespaceSelector": {}}]}]
    )
    other = workload("other", "c", {"app": "c"}, [])
    expected = OPEN_AB.replace("internet -> ns/a: TCP/8080\n", "").replace(
        "internet -> ns/b: TCP/5432,SCTP/9000\n", ""
    )
    expected += "other/c -> ns/a: TCP/8080\nother/c -> ns/b: TCP/5432,SCTP/9000\n"
    expected += "other/c -> internet: TCP/443\n"
    check([namespace("ns"), namespace("other"), A, B, other, pol], expected)


def test_policy_selects_only_its_own_namespace() -> None:
    deny = netpol("other", "deny-all", policyTypes=["Ingress", "Egress"])
    check([namespace("ns"), namespace("other"), A, B, deny], OPEN_AB)


def test_metadata_name_label_cannot_be_faked() -> None:
    fake = namespace("evil", **{"kubernetes.io/metadata.name": "ns"})
    intruder = workload("evil", "x", {"app": "a"}, [])
    pol = netpol(
        "ns",
        "p",
        policyTypes=["Ingress"],
        ingress=[
            {
                "from": [
                    {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ns"}}}
                ]
            }
        ],
    )
    conn = compute_connectivity([namespace("ns"), fake, A, B, intruder, pol], PEERS)
    assert not conn.ports("evil/x", "ns/a")
    assert conn.ports("ns/b", "ns/a") == (PortKey("TCP", 8080),)


@pytest.mark.parametrize(
    "spec",
    [
        {"ingress": [{"ports": [{"port": "http", "endPort": 9000}]}]},
        {"ingress": [{"ports": [{"port": 9000, "endPort": 80}]}]},
        {"ingress": [{"ports": [{"port": 80, "protocol": "ICMP"}]}]},
        {"ingress": [{"ports": [{"port": "80"}]}]},
        {"ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8", "except": ["11.0.0.0/8"]}}]}]},
        {"ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}}]}]},
        {"ingress": [{"from": [{}]}]},
        {"podSelector": {"matchExpressions": [{"key": "a", "operator": "In"}]}},
        {
            "podSelector": {
                "matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]
            }
        },
        {"podSelector": {"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]}},
        {"policyTypes": ["Sideways"]},
    ],
)
def test_invalid_policies_are_rejected(spec: dict[str, Any]) -> None:
    with pytest.raises(PolicyError):
        compute_connectivity([namespace("ns"), A, netpol("ns", "bad", **spec)], PEERS)


def test_missing_pod_selector_is_rejected() -> None:
    doc = netpol("ns", "bad")
    del doc["spec"]["podSelector"]
    with pytest.raises(PolicyError):
        compute_connectivity([A, doc], PEERS)


def test_named_port_resolves_with_its_protocol() -> None:
    # `dns` is UDP/53 and `dns-tcp` is TCP/53 on the destination: {port: dns, protocol: TCP}
    # names a port that does not exist for TCP, so it allows nothing
    dns = workload(
        "ns", "dns", {"app": "dns"}, [port(53, "UDP", "dns"), port(53, "TCP", "dns-tcp")]
    )
    pol = netpol(
        "ns",
        "p",
        podSelector={"matchLabels": {"app": "dns"}},
        policyTypes=["Ingress"],
        ingress=[
            {"ports": [{"port": "dns", "protocol": "TCP"}, {"port": "dns", "protocol": "UDP"}]}
        ],
    )
    check(
        [namespace("ns"), A, dns, pol],
        """
        ns/a -> ns/a: TCP/8080
        ns/a -> ns/dns: UDP/53
        ns/dns -> ns/a: TCP/8080
        ns/dns -> ns/dns: UDP/53
        ns/a -> internet: TCP/443
        ns/dns -> internet: TCP/443
        internet -> ns/a: TCP/8080
        internet -> ns/dns: UDP/53
        """,
    )


def test_default_peers_are_used_when_none_given() -> None:
    conn = compute_connectivity([namespace("ns"), A])
    assert conn.endpoints == (
        "ns/a",
        "kube-system/kube-dns",
        "ingress-nginx/controller",
        "internet",
        "public-dns",
        "vpc",
    )
    assert conn.ports("ns/a", "public-dns") == (PortKey("TCP", 53), PortKey("UDP", 53))


def test_lists_and_empty_documents_are_flattened() -> None:
    docs = [None, {"apiVersion": "v1", "kind": "List", "items": [namespace("ns"), A]}]
    assert compute_connectivity(docs, PEERS).ports("ns/a", "ns/a") == (PortKey("TCP", 8080),)


def test_duplicate_workload_ids_are_rejected() -> None:
    with pytest.raises(PolicyError):
        compute_connectivity([A, workload("ns", "a", {}, [], kind="StatefulSet")], PEERS)
