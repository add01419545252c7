"""networking.k8s.io/v1 NetworkPolicy, read into a form whose meaning needs no more YAML rules.

Every defaulting rule the API server applies is settled here (policyTypes, protocol, empty
`from`/`to`/`ports`), so `analyze` only has to evaluate selectors, CIDRs and port ranges.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from typing import Any

from attrs import frozen

from netgen.targets.networkpolicy.readback.model import PROTOCOLS
from netgen.targets.networkpolicy.readback.selectors import PolicyError, Selector, parse_selector

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# IANA_SVC_NAME as the API server validates named ports: must contain a letter
_PORT_NAME = re.compile(r"^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$")


@frozen
class PodPeer:
    """Pods picked by label; `namespace_selector` None means "the policy's own namespace"."""

    pod_selector: Selector | None
    namespace_selector: Selector | None


@frozen
class IpBlockPeer:
    cidr: IpNetwork
    excepts: tuple[IpNetwork, ...]


Peer = PodPeer | IpBlockPeer


@frozen
class PortMatch:
    """One `ports` entry; `port` None means every port of `protocol`, a str is a named port."""

    protocol: str
    port: int | str | None
    end_port: int | None


@frozen
class Rule:
    """One ingress/egress rule; None for `peers`/`ports` means the field was absent or empty."""

    peers: tuple[Peer, ...] | None
    ports: tuple[PortMatch, ...] | None


@frozen
class Policy:
    """`ingress`/`egress` are None when the policy does not govern that direction at all."""

    namespace: str
    name: str
    pod_selector: Selector
    ingress: tuple[Rule, ...] | None
    egress: tuple[Rule, ...] | None

    @property
    def id(self) -> str:
        return f"{self.namespace}/{self.name}"


def parse_policy(doc: Mapping[str, Any]) -> Policy:
    meta = doc.get("metadata") or {}
    namespace = meta.get("namespace") or "default"
    name = meta.get("name") or "?"
    where = f"NetworkPolicy {namespace}/{name}"
    try:
        return _parse_policy(doc, namespace, name, where)
    except PolicyError:
        raise
    except (AttributeError, TypeError, KeyError, ValueError) as e:
        # a shape no API server accepts (a template override wrote it): name it, no crash
        raise PolicyError(f"{where}: malformed ({type(e).__name__}: {e})") from None


def _parse_policy(doc: Mapping[str, Any], namespace: str, name: str, where: str) -> Policy:
    if doc.get("apiVersion") != "networking.k8s.io/v1":
        raise PolicyError(f"{where}: unsupported apiVersion {doc.get('apiVersion')!r}")
    spec = doc.get("spec")
    if not isinstance(spec, Mapping):
        raise PolicyError(f"{where}: spec is missing")
    if "podSelector" not in spec:
        raise PolicyError(f"{where}: spec.podSelector is required (use {{}} for all pods)")
    pod_selector = parse_selector(spec["podSelector"], f"{where} spec.podSelector")
    types = _policy_types(spec, where)
    ingress = egress = None
    if "Ingress" in types:
        ingress = _rules(spec.get("ingress"), "from", f"{where} ingress")
    if "Egress" in types:
        egress = _rules(spec.get("egress"), "to", f"{where} egress")
    return Policy(namespace, name, pod_selector, ingress, egress)


def _policy_types(spec: Mapping[str, Any], where: str) -> frozenset[str]:
    types = spec.get("policyTypes") or []
    bad = [t for t in types if t not in ("Ingress", "Egress")]
    if bad:
        raise PolicyError(f"{where}: unknown policyTypes {bad}")
    if types:
        return frozenset(types)
    # API-server defaulting: Ingress always, Egress only when egress rules are non-empty
    return frozenset({"Ingress", "Egress"} if spec.get("egress") else {"Ingress"})


def _rules(raw: Sequence[Any] | None, peer_key: str, where: str) -> tuple[Rule, ...]:
    rules = []
    for i, rule in enumerate(raw or []):
        here = f"{where}[{i}]"
        if not isinstance(rule, Mapping):
            raise PolicyError(f"{here}: rule must be a mapping")
        unknown = set(rule) - {peer_key, "ports"}
        if unknown:
            raise PolicyError(f"{here}: unknown fields {sorted(unknown)}")
        peers = tuple(_peer(p, f"{here}.{peer_key}") for p in rule.get(peer_key) or [])
        ports = tuple(_port(p, f"{here}.ports") for p in rule.get("ports") or [])
        rules.append(Rule(peers or None, ports or None))
    return tuple(rules)


def _peer(raw: Mapping[str, Any], where: str) -> Peer:
    if not isinstance(raw, Mapping) or not raw:
        raise PolicyError(f"{where}: a peer needs podSelector, namespaceSelector or ipBlock")
    unknown = set(raw) - {"podSelector", "namespaceSelector", "ipBlock"}
    if unknown:
        raise PolicyError(f"{where}: unknown peer fields {sorted(unknown)}")
    if "ipBlock" in raw:
        if len(raw) > 1:
            raise PolicyError(f"{where}: ipBlock cannot be combined with selectors")
        return _ip_block(raw["ipBlock"], where)
    pods = raw.get("podSelector")
    namespaces = raw.get("namespaceSelector")
    return PodPeer(
        None if pods is None else parse_selector(pods, f"{where}.podSelector"),
        None if namespaces is None else parse_selector(namespaces, f"{where}.namespaceSelector"),
    )


def _ip_block(raw: Mapping[str, Any], where: str) -> IpBlockPeer:
    try:
        cidr = ipaddress.ip_network(raw["cidr"], strict=False)
        excepts = tuple(ipaddress.ip_network(e, strict=False) for e in raw.get("except") or [])
    except (KeyError, TypeError, ValueError) as exc:
        raise PolicyError(f"{where}.ipBlock: {exc}") from None
    for e in excepts:
        if e.version != cidr.version or e == cidr or not e.subnet_of(cidr):  # type: ignore[arg-type]
            raise PolicyError(f"{where}.ipBlock: except {e} is not strictly inside {cidr}")
    return IpBlockPeer(cidr, excepts)


def _port(raw: Mapping[str, Any], where: str) -> PortMatch:
    protocol = raw.get("protocol") or "TCP"
    if protocol not in PROTOCOLS:
        raise PolicyError(f"{where}: unknown protocol {protocol!r}")
    port = raw.get("port")
    end_port = raw.get("endPort")
    if isinstance(port, bool) or not isinstance(port, int | str | None):
        raise PolicyError(f"{where}: port must be a number or a name, got {port!r}")
    if isinstance(port, str) and not _PORT_NAME.match(port):
        raise PolicyError(f"{where}: {port!r} is not a valid port name")
    if isinstance(port, int) and not 1 <= port <= 65535:
        raise PolicyError(f"{where}: port {port} out of range")
    if end_port is not None:
        if not isinstance(port, int) or isinstance(end_port, bool) or not isinstance(end_port, int):
            raise PolicyError(f"{where}: endPort needs a numeric port")
        if not port <= end_port <= 65535:
            raise PolicyError(f"{where}: endPort {end_port} must be in [{port}, 65535]")
    return PortMatch(protocol, port, end_port)
