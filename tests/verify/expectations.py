"""Hand-written expected connectivity for the fixture systems, in `render_allows` format.

Peers sit in namespaces without policies, so among themselves everything they listen on is
reachable; `peer_baseline` writes that part out instead of repeating it per fixture.
"""

from __future__ import annotations

from netgen.targets.networkpolicy.readback import (
    KUBE_DNS,
    ExternalPeer,
    PeerModel,
    PortKey,
    ingress_controller,
)

TCP443, TCP5432 = PortKey("TCP", 443), PortKey("TCP", 5432)

PEERS = PeerModel(
    cluster=(KUBE_DNS, ingress_controller()),
    external=(
        ExternalPeer("internet", "203.0.113.10", [TCP443]),
        ExternalPeer("vpc", "10.0.5.5", [TCP5432]),
    ),
)

# what the seed guide silently assumes: someone labelled namespaces with `name=<name>`
PEERS_NAME_LABELLED = PeerModel(
    cluster=PEERS.cluster,
    external=PEERS.external,
    namespace_labels={
        "ingress-nginx": {"name": "ingress-nginx"},
        "kube-system": {"name": "kube-system"},
    },
)

PEERS_IPBLOCK = PeerModel(
    cluster=PEERS.cluster,
    external=(
        ExternalPeer("internet", "203.0.113.10", [TCP443, TCP5432]),
        ExternalPeer("vpc", "10.0.5.5", [TCP5432]),
        ExternalPeer("office", "192.168.1.20", [TCP5432]),
        ExternalPeer("partner", "172.20.1.1", [TCP5432]),  # inside 172.16.0.0/12
        ExternalPeer("edge", "172.32.0.1", [TCP5432]),  # just past 172.31.255.255
    ),
)

PEER_PORTS = {
    "kube-system/kube-dns": "TCP/53,UDP/53",
    "ingress-nginx/controller": "TCP/80,TCP/443",
}


def peer_baseline(peers: PeerModel) -> str:
    ports = {**PEER_PORTS, **{e.name: ",".join(map(str, e.ports)) for e in peers.external}}
    cluster = [p.id for p in peers.cluster]
    lines = [f"{s} -> {d}: {ports[d]}" for s in cluster for d in ports]
    lines += [f"{e.name} -> {d}: {ports[d]}" for e in peers.external for d in cluster]
    return "\n".join(lines)


def fan(sources: list[str], destinations: list[str], ports: str) -> str:
    return "\n".join(f"{s} -> {d}: {ports}" for s in sources for d in destinations)


def to_peers(source: str, peers: PeerModel = PEERS) -> str:
    """`source` reaching every peer on every port: it has no egress policy of its own."""
    ports = {**PEER_PORTS, **{e.name: ",".join(map(str, e.ports)) for e in peers.external}}
    return "\n".join(f"{source} -> {d}: {p}" for d, p in ports.items())


ALL_PEERS = ["kube-system/kube-dns", "ingress-nginx/controller", "internet", "vpc"]

A_SEED_WITH_NAME_LABELS = """
ingress-nginx/controller -> production/web: TCP/8080
production/web -> production/database: TCP/5432
production/web -> ingress-nginx/controller: TCP/443
production/web -> internet: TCP/443
production/database -> kube-system/kube-dns: UDP/53
"""

# without `name` labels the seed's namespaceSelectors match nothing: the ingress controller
# cannot reach web and the database loses DNS; api is fully isolated by default-deny-all
# (its own egress is denied, so the database's "from api" rule never gets used)
A_SEED_AS_DEPLOYED = """
production/web -> production/database: TCP/5432
production/web -> ingress-nginx/controller: TCP/443
production/web -> internet: TCP/443
"""

B_DEVELOPMENT = "\n".join(
    [
        "development/app -> development/app: TCP/8080",
        "development/app -> development/db: TCP/5432",
        "development/db -> development/app: TCP/8080",
        "development/db -> development/db: TCP/5432",
        fan(
            ["development/app", "development/db", "staging/client"], ["staging/client"], "TCP/8000"
        ),
        to_peers("development/app"),
        to_peers("development/db"),
        to_peers("staging/client"),
        fan(ALL_PEERS, ["staging/client"], "TCP/8000"),
    ]
)

C_CROSS_NAMESPACE = "\n".join(
    [
        "frontend/web -> backend/api: TCP/9000",
        "frontend/web -> kube-system/kube-dns: TCP/53,UDP/53",
        fan(
            ["frontend/admin", "other/web", "backend/api", *ALL_PEERS],
            ["frontend/web", "frontend/admin", "other/web"],
            "TCP/8080",
        ),
        to_peers("frontend/admin"),
        to_peers("other/web"),
        to_peers("backend/api"),
    ]
)

IPBLOCK_PEERS = [*ALL_PEERS, "office", "partner", "edge"]

D_IPBLOCK = "\n".join(
    [
        "payments/worker -> internet: TCP/5432",
        "payments/worker -> edge: TCP/5432",
        fan(["payments/db", *IPBLOCK_PEERS], ["payments/worker"], "TCP/8080"),
        fan(["payments/db", *IPBLOCK_PEERS], ["payments/db"], "TCP/5432"),
        to_peers("payments/db", PEERS_IPBLOCK),
    ]
)

E_NAMED_PORTS = "\n".join(
    [
        "shop/web -> shop/api: TCP/8080",
        "shop/web -> shop/legacy: TCP/8081",
        "shop/web -> kube-system/kube-dns: TCP/53,UDP/53",
        "monitoring/prometheus -> shop/api: TCP/9100",
        fan(
            ["monitoring/prometheus", "shop/api", "shop/legacy", *ALL_PEERS],
            ["shop/web"],
            "TCP/3000",
        ),
        fan(
            ["monitoring/prometheus", "shop/api", "shop/legacy", *ALL_PEERS],
            ["monitoring/prometheus"],
            "TCP/9090",
        ),
        to_peers("monitoring/prometheus"),
        to_peers("shop/api"),
        to_peers("shop/legacy"),
    ]
)
