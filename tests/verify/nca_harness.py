"""Second opinion on connectivity: IBM's network-config-analyzer (nca) run on the same documents.

Nothing here uses the NetworkPolicy read-back (`netgen.targets.networkpolicy.readback`) except
its result types, so a misreading of Kubernetes semantics in the analyzer shows up as a
disagreement instead of being copied.

Two ways in, both producing a `Connectivity`:

* `nca_connectivity` (10-50 ms for a fixture-sized system after a ~0.2 s first import;
  ~3 s for 55 workloads with 55 policies, half of it nca's own computation): builds nca's
  `NetworkConfig` in-process and asks its computed connection set, one (source pods,
  destination pods, protocol, port) cube at a time, whether it is allowed.
* `nca_cli_connectivity` (~0.4 s per run): runs `python -m nca --connectivity ... -o
  txt_no_fw_rules --output_endpoints pods` and parses the printed map; used to check that the
  in-process path asks nca the same thing its CLI answers.

Before nca sees the documents they get what the API server would do to them on admission
(explicit `policyTypes`, rules of an ungoverned direction dropped), because nca does not apply
Kubernetes' defaulting itself (see KNOWN_NCA_DIVERGENCES).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import ipaddress
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from netgen.targets.networkpolicy.readback.model import Allow, Connectivity, PortKey
from netgen.targets.networkpolicy.readback.peers import PeerModel

WORKLOADS = frozenset(
    {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}
    | {"CronJob", "Pod"}
)

KNOWN_NCA_DIVERGENCES = """\
1. policyTypes missing + `egress: []`: Kubernetes defaults policyTypes to [Ingress] (egress
   rules are empty); nca treats the mere `egress` key as making the policy an Egress policy,
   i.e. deny-all egress.  (K8sPolicyYamlParser.parse_policy)
2. `ingress:` present while policyTypes lacks Ingress (or the same for egress): Kubernetes
   accepts and ignores it; nca raises SyntaxError.
3. policyTypes must be exactly [Ingress], [Egress] or [Ingress, Egress] in nca;
   [Egress, Ingress] is a SyntaxError.
4. A podSelector with matchExpressions Exists/DoesNotExist inside a peer that also has a
   namespaceSelector only matches pods of the *policy's* namespace in nca (get_peers_with_key
   is called with the policy namespace), so cross-namespace peers written that way select
   nothing outside the policy namespace.
5. namespaceSelector requirements on an empty label value: nca compares
   `namespace.labels.get(key, '')`, so `In ['']` matches namespaces lacking the key and
   `NotIn ['']` fails to match them; Kubernetes does the opposite for both.
6. CLI only: when a selector matches no pod but looks like it means kube-dns (or an Ingress
   has no controller), nca "livesim" adds pods of its own, e.g. kube-system/kube-dns-livesim,
   and a kube-system Namespace that replaces the given one's labels. The in-process path
   skips livesim; the CLI path drops connections of pods it does not know.
Items 1-3 are neutralised by the API-server defaulting applied before nca runs; 4 and 5 are
avoided by the generated examples and pinned by tests in test_nca_divergences.py.
"""


# ---------------------------------------------------------------- documents for nca


def _flatten(docs: Iterable[Mapping[str, Any] | None]) -> Iterator[Mapping[str, Any]]:
    for doc in docs:
        if not doc:
            continue
        if str(doc.get("kind", "")).endswith("List"):
            yield from _flatten(doc.get("items") or [])
        else:
            yield doc


def apiserver_defaults(policy: Mapping[str, Any]) -> dict[str, Any]:
    """The policy as stored after admission: policyTypes explicit, ignored rule lists gone."""
    out = copy.deepcopy(dict(policy))
    spec = out.setdefault("spec", {})
    types = spec.get("policyTypes") or (
        ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
    )
    spec["policyTypes"] = [t for t in ("Ingress", "Egress") if t in types]
    if "Ingress" not in types:
        spec.pop("ingress", None)
    if "Egress" not in types:
        spec.pop("egress", None)
    return out


def nca_documents(
    docs: Iterable[Mapping[str, Any] | None],
    peers: PeerModel,
    *,
    replicas: int | None = None,
    admit: bool = True,
) -> list[dict[str, Any]]:
    """Namespaces, pods-making workloads and policies, in the shape nca reads best.

    Peer-model pods become Deployments; with `replicas` every workload becomes a Deployment
    with that many replicas, which the CLI needs to print replica-to-replica traffic.
    `admit=False` skips API-server defaulting, to show what nca makes of raw documents.
    """
    docs = list(_flatten(docs))
    namespaces: dict[str, dict[str, str]] = {
        ns: dict(labels) for ns, labels in peers.namespace_labels.items()
    }
    workloads: list[dict[str, Any]] = []
    policies: list[dict[str, Any]] = []
    for doc in docs:
        kind = doc.get("kind")
        meta = doc.get("metadata") or {}
        if kind == "Namespace":
            namespaces.setdefault(meta["name"], {}).update(meta.get("labels") or {})
        elif kind in WORKLOADS:
            namespaces.setdefault(meta.get("namespace") or "default", {})
            workloads.append(_as_deployment(doc, replicas) if replicas else copy.deepcopy(doc))
        elif kind == "NetworkPolicy":
            policies.append(apiserver_defaults(doc) if admit else copy.deepcopy(dict(doc)))
    for peer in peers.cluster:
        namespaces.setdefault(peer.namespace, {})
        ports = [
            {
                k: v
                for k, v in (("containerPort", p.port), ("protocol", p.protocol), ("name", p.name))
                if v is not None
            }
            for p in peer.ports
        ]
        workloads.append(
            _deployment(peer.namespace, peer.name, dict(peer.labels), ports, replicas or 1)
        )
    ns_docs = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": ns, "labels": {**labels, "kubernetes.io/metadata.name": ns}},
        }
        for ns, labels in namespaces.items()
    ]
    return ns_docs + workloads + policies


def _template(doc: Mapping[str, Any]) -> tuple[dict[str, str], list[Any]]:
    if doc.get("kind") == "Pod":
        return dict((doc.get("metadata") or {}).get("labels") or {}), list(
            (doc.get("spec") or {}).get("containers") or []
        )
    spec = doc.get("spec") or {}
    if doc.get("kind") == "CronJob":
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    template = spec.get("template") or {}
    return (
        dict((template.get("metadata") or {}).get("labels") or {}),
        list((template.get("spec") or {}).get("containers") or []),
    )


def _as_deployment(doc: Mapping[str, Any], replicas: int) -> dict[str, Any]:
    meta = doc.get("metadata") or {}
    labels, containers = _template(doc)
    ports = [p for c in containers for p in (c.get("ports") or [])]
    return _deployment(meta.get("namespace") or "default", meta["name"], labels, ports, replicas)


def _deployment(
    namespace: str, name: str, labels: dict[str, str], ports: list[Any], replicas: int
) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "main", "image": "x", "ports": ports}]},
            },
        },
    }


# ---------------------------------------------------------------- the endpoint universe


def _universe(
    docs: list[dict[str, Any]], peers: PeerModel
) -> tuple[list[str], dict[str, list[PortKey]]]:
    """Endpoint ids in display order and the ports each listens on, read from nca's input."""
    cluster: dict[str, list[PortKey]] = {}
    for doc in docs:
        if doc["kind"] not in WORKLOADS:
            continue
        meta = doc["metadata"]
        _, containers = _template(doc)
        ident = f"{meta.get('namespace') or 'default'}/{meta['name']}"
        cluster[ident] = sorted(
            {
                PortKey(p.get("protocol") or "TCP", int(p["containerPort"]))
                for c in containers
                for p in c.get("ports") or []
            }
            | {p.key for p in peers.workload_ports.get(ident, ())}
        )
    peer_ids = [p.id for p in peers.cluster]
    ids = sorted(set(cluster) - set(peer_ids)) + peer_ids + [e.name for e in peers.external]
    ports = dict(cluster)
    ports.update({e.name: list(e.ports) for e in peers.external})
    return ids, ports


# ---------------------------------------------------------------- in-process


def nca_connectivity(
    docs: Iterable[Mapping[str, Any] | None], peers: PeerModel, *, admit: bool = True
) -> Connectivity:
    """Ask nca's own connection set about every (endpoint, endpoint, listening port)."""
    from nca.CoreDS.ConnectivityProperties import ConnectivityProperties
    from nca.CoreDS.Peer import BasePeerSet, IpBlock, PeerSet
    from nca.CoreDS.PortSet import PortSet
    from nca.CoreDS.ProtocolSet import ProtocolSet
    from nca.NetworkConfig.NetworkConfig import NetworkConfig
    from nca.NetworkConfig.ResourcesHandler import ResourcesParser
    from nca.Resources.PolicyResources.NetworkPolicy import PolicyConnectionsFilter

    nca_docs = nca_documents(docs, peers, admit=admit)
    ids, ports = _universe(nca_docs, peers)
    log = io.StringIO()
    BasePeerSet.reset()  # nca keeps every peer it ever saw in this singleton
    try:
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            # what ResourcesHandler.get_network_config does, minus files and "livesim", which
            # would invent a kube-dns pod of nca's own when a selector matches none of ours
            parser = ResourcesParser()
            for doc in nca_docs:
                parser.ns_finder.parse_yaml_code_for_ns(doc)
            parser.pods_finder.namespaces_finder = parser.ns_finder
            for doc in nca_docs:
                parser.pods_finder.add_eps_from_yaml(doc)
            container = parser.build_peer_container("netgen")
            parser.policies_finder.set_peer_container(container)
            for doc in nca_docs:
                parser.policies_finder.parse_yaml_code_for_policy(doc, "netgen")
            parser.policies_finder.parse_policies_in_parse_queue()
            config = NetworkConfig("netgen", container, parser.policies_finder)
            conns = config.allowed_connections(
                res_conns_filter=PolicyConnectionsFilter.only_all_allowed_connections()
            ).all_allowed_conns
    except Exception as exc:
        raise RuntimeError(f"nca failed: {exc}\n--- nca output ---\n{log.getvalue()}") from exc

    nca_peers: dict[str, Any] = {}
    for pod in container.get_all_peers_group():
        ident = f"{pod.namespace.name}/{pod.owner_name or pod.name}"
        nca_peers[ident] = nca_peers.get(ident, PeerSet()) | PeerSet({pod})
    external_ips = {e.name: e.ip for e in peers.external}
    for name, ip in external_ips.items():
        nca_peers[name] = PeerSet({IpBlock(f"{ip}/{ip.max_prefixlen}")})
    missing = [i for i in ids if i not in nca_peers]
    if missing:
        raise RuntimeError(f"nca created no pods for {missing}\n{log.getvalue()}")

    def props(**dims: Any) -> Any:
        return ConnectivityProperties.make_conn_props_from_dict(dims)

    @functools.cache
    def to(dst: str, protocol: str, numbers: tuple[int, ...]) -> Any:
        port_set = PortSet()
        for n in numbers:
            port_set.add_port(n)
        return props(dst_peers=nca_peers[dst], dst_ports=port_set,
                     protocols=ProtocolSet.get_protocol_set_with_single_protocol(protocol))

    # cubes are costly to make: one per source, one per destination and protocol, and
    # halves of a port list only where some ports of a pair are allowed and some not (every
    # destination listens on every probe port, of which a pair is allowed one or two)
    sources = {src: props(src_peers=nca_peers[src]) for src in ids}

    def allowed(out: Any, src: str, dst: str, protocol: str, keys: list[PortKey]) -> list[PortKey]:
        """The keys src reaches on dst; `out` is what src reaches at all (a smaller set than
        `conns` to intersect with, and the same answer: the pair is src's)."""
        pair = sources[src] & to(dst, protocol, tuple(k.port for k in keys))
        if not pair & out:
            return []
        if pair.contained_in(out):
            return keys
        half = len(keys) // 2
        return [*allowed(out, src, dst, protocol, keys[:half]),
                *allowed(out, src, dst, protocol, keys[half:])] if half else []

    allows = set()
    for src in ids:
        # the destinations some connection of src reaches: nca's own projection, which
        # spares asking the many pairs that are denied outright
        out = sources[src] & conns
        reach = out.project_on_one_dimension("dst_peers")
        for dst in ids:
            if (src in external_ips and dst in external_ips) or not (nca_peers[dst] & reach):
                continue
            for protocol in sorted({k.protocol for k in ports[dst]}):
                keys = [k for k in ports[dst] if k.protocol == protocol]
                allows.update(Allow(src, dst, protocol, k.port)
                              for k in allowed(out, src, dst, protocol, keys))
    return Connectivity(tuple(ids), frozenset(allows))


# ---------------------------------------------------------------- CLI


def run_nca_cli(nca_docs: list[dict[str, Any]], *extra: str) -> str:
    """`nca --connectivity` on the documents; returns the map nca writes to its output file."""
    with tempfile.TemporaryDirectory(prefix="netgen-nca-") as tmp:
        src = Path(tmp) / "system.yaml"
        out = Path(tmp) / "map.txt"
        src.write_text(yaml.safe_dump_all(nca_docs, sort_keys=False))
        cmd = [
            sys.executable,
            "-m",
            "nca",
            "--connectivity",
            str(src),
            "--resource_list",
            str(src),
            "-f",
            str(out),
            *extra,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        if proc.returncode != 0 or not out.exists():
            raise RuntimeError(f"nca exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        return out.read_text()


_LINE = re.compile(r"^(?P<src>\S+) => (?P<dst>\S+) : (?P<conn>.+)$")


def nca_cli_connectivity(
    docs: Iterable[Mapping[str, Any] | None], peers: PeerModel
) -> Connectivity:
    """The connectivity nca's CLI prints, read back per endpoint and listening port."""
    nca_docs = nca_documents(docs, peers, replicas=2)
    ids, ports = _universe(nca_docs, peers)
    text = run_nca_cli(nca_docs, "-o", "txt_no_fw_rules", "--output_endpoints", "pods")
    externals = {e.name: e.ip for e in peers.external}
    allows = set()
    for line in text.splitlines():
        m = _LINE.match(line.strip())
        if not m:
            continue
        allowed = parse_conn(m["conn"])
        for src in _endpoint_ids(m["src"], externals):
            for dst in _endpoint_ids(m["dst"], externals):
                # pods nca invented itself ("livesim") are not endpoints of ours
                if src not in ports or dst not in ports or (src in externals and dst in externals):
                    continue
                for key in ports.get(dst, []):
                    if allowed(key.protocol, key.port):
                        allows.add(Allow(src, dst, key.protocol, key.port))
    return Connectivity(tuple(ids), frozenset(allows))


def _endpoint_ids(name: str, externals: Mapping[str, Any]) -> list[str]:
    """Map a printed peer (`ns/web-1` or `0.0.0.0-9.255.255.255`) to our endpoint ids."""
    if "/" in name and not re.match(r"^[0-9a-f.:]+/\d+$", name):
        namespace, pod = name.split("/", 1)
        return [f"{namespace}/{re.sub(r'-[0-9]+$', '', pod)}"]
    if "-" in name:
        lo, hi = (ipaddress.ip_address(x) for x in name.split("-", 1))
        return [n for n, ip in externals.items() if ip.version == lo.version and lo <= ip <= hi]
    net = ipaddress.ip_network(name, strict=False)
    return [n for n, ip in externals.items() if ip in net]


def parse_conn(text: str) -> Callable[[str, int], bool]:
    """nca's connection text (`All connections`, `{protocols:TCP, UDP,dst_ports:53,80-90}`,
    `All but {...}`) as a predicate over (protocol, port)."""
    text = text.strip()
    if text == "All connections":
        return lambda _proto, _port: True
    if text == "No connections":
        return lambda _proto, _port: False
    if text.startswith("All but "):
        inner = parse_conn(text[len("All but ") :])
        return lambda proto, port: not inner(proto, port)
    cubes = [_parse_cube(body) for body in re.findall(r"\{([^{}]*)\}", text)]
    if not cubes:
        raise ValueError(f"unrecognised nca connection text: {text!r}")
    return lambda proto, port: any(c(proto, port) for c in cubes)


def _parse_cube(body: str) -> Callable[[str, int], bool]:
    dims: dict[str, list[str]] = {}
    current = None
    for token in (t.strip() for t in body.split(",")):
        if ":" in token:
            current, _, token = token.partition(":")
            dims[current] = []
        if current is None:
            raise ValueError(f"unrecognised nca cube: {body!r}")
        dims[current].append(token.strip())
    unknown = set(dims) - {"protocols", "dst_ports"}
    if unknown:
        raise ValueError(f"nca cube has dimensions this harness does not model: {unknown}")
    protocols = set(dims.get("protocols", []))
    ranges = []
    for item in dims.get("dst_ports", []):
        lo, _, hi = item.partition("-")
        ranges.append((int(lo), int(hi or lo)))

    def allowed(proto: str, port: int) -> bool:
        if protocols and proto not in protocols:
            return False
        return not ranges or any(lo <= port <= hi for lo, hi in ranges)

    return allowed
