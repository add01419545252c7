"""The L7 allow matrix that generated Istio YAML really enforces, and the plan's own.

`allow_matrix` knows nothing of the blueprint: it takes the workloads (Deployments and
StatefulSets with their service accounts and container ports), the PeerAuthentications and
the AuthorizationPolicies of a build, and evaluates Istio's rules for every source against
every workload port:

- mTLS first: a client without a mesh identity (PLAINTEXT) is refused where the effective
  mode is STRICT (workload port > workload > namespace > mesh-wide root namespace);
  where it is DISABLE no caller has a principal.
- then authorization: a matching DENY refuses; with no ALLOW policy selecting the workload
  everything passes; otherwise one ALLOW rule must match.

Sources are every workload's principal, every principal a policy names (the ingress
gateway), PLAINTEXT and OTHER, an identity nobody declared, which catches wildcards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from attrs import frozen

from netgen.plan import Plan
from netgen.plan.mesh import PLAINTEXT, Allow, principal
from netgen.targets.base import ReadbackError
from netgen.targets.istio.plan import istio_part

OTHER = "<undeclared mesh identity>"
ROOT_NAMESPACE = "istio-system"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


class AuthzReadError(ReadbackError):
    """A policy uses a field this evaluator does not model; no answer beats a wrong one."""


@frozen
class MeshWorkload:
    namespace: str
    name: str
    labels: Mapping[str, str]
    service_account: str
    ports: tuple[int, ...]


def workloads(docs: Iterable[Mapping[str, Any] | None]) -> list[MeshWorkload]:
    out = []
    for d in docs:
        if not d or d.get("kind") not in WORKLOAD_KINDS:
            continue
        pod = d["spec"]["template"]
        ports = tuple(sorted({p["containerPort"] for c in pod["spec"].get("containers", ())
                              for p in c.get("ports", ())}))
        out.append(MeshWorkload(
            namespace=d["metadata"].get("namespace", "default"), name=d["metadata"]["name"],
            labels=dict(pod.get("metadata", {}).get("labels") or {}),
            service_account=pod["spec"].get("serviceAccountName") or "default", ports=ports,
        ))
    return out


def _of_kind(docs: list[Mapping[str, Any]], kind: str) -> list[Mapping[str, Any]]:
    return [d for d in docs if d.get("kind") == kind
            and str(d.get("apiVersion", "")).startswith("security.istio.io/")]


def _selects(policy: Mapping[str, Any], w: MeshWorkload) -> bool:
    ns = policy["metadata"].get("namespace", "default")
    if ns not in (w.namespace, ROOT_NAMESPACE):
        return False
    spec = policy.get("spec") or {}
    if "targetRef" in spec or "targetRefs" in spec:
        raise AuthzReadError(f"{policy['metadata']['name']}: targetRef is not modelled")
    wanted = (spec.get("selector") or {}).get("matchLabels") or {}
    return all(w.labels.get(k) == v for k, v in wanted.items())


def _mtls_mode(peers: list[Mapping[str, Any]], w: MeshWorkload, port: int) -> str:
    """Most specific first; UNSET (or absent) inherits from the next level."""
    def selector(p: Mapping[str, Any]) -> Mapping[str, str]:
        return ((p.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}

    levels: list[str | None] = []
    for p in peers:
        if _selects(p, w) and selector(p) and p["metadata"].get("namespace") == w.namespace:
            spec = p.get("spec") or {}
            levels.append(((spec.get("portLevelMtls") or {}).get(str(port)) or {}).get("mode"))
            levels.append((spec.get("mtls") or {}).get("mode"))
    for namespace in (w.namespace, ROOT_NAMESPACE):
        for p in peers:
            if p["metadata"].get("namespace") == namespace and not selector(p):
                levels.append(((p.get("spec") or {}).get("mtls") or {}).get("mode"))
    return next((m for m in levels if m and m != "UNSET"), "PERMISSIVE")


def _string_match(pattern: str, value: str | None) -> bool:
    if value is None:
        return False
    if pattern == "*":
        return True
    if pattern.endswith("*"):
        return value.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return value.endswith(pattern[1:])
    return value == pattern


def _namespace_of(source: str | None) -> str | None:
    if source is None or "/ns/" not in source:
        return None
    return source.split("/ns/", 1)[1].split("/", 1)[0]


_SOURCE_FIELDS = {"principals", "notPrincipals", "namespaces", "notNamespaces"}
_OPERATION_FIELDS = {"ports", "notPorts"}


def _source_matches(source: Mapping[str, Any], who: str | None) -> bool:
    unknown = set(source) - _SOURCE_FIELDS
    if unknown:
        raise AuthzReadError(f"source fields {sorted(unknown)} are not modelled")
    ns = _namespace_of(who)
    checks = [
        ("principals", who, True), ("notPrincipals", who, False),
        ("namespaces", ns, True), ("notNamespaces", ns, False),
    ]
    for key, value, positive in checks:
        if key in source:
            hit = any(_string_match(p, value) for p in source[key])
            if hit != positive:
                return False
    return True


def _operation_matches(operation: Mapping[str, Any], port: int) -> bool:
    unknown = set(operation) - _OPERATION_FIELDS
    if unknown:
        raise AuthzReadError(f"operation fields {sorted(unknown)} are not modelled")
    if "ports" in operation and str(port) not in operation["ports"]:
        return False
    return not ("notPorts" in operation and str(port) in operation["notPorts"])


def _rule_matches(rule: Mapping[str, Any], who: str | None, port: int) -> bool:
    if rule.get("when"):
        raise AuthzReadError("`when` conditions are not modelled")
    sources = rule.get("from")
    if sources is not None and not any(_source_matches(f.get("source") or {}, who)
                                       for f in sources):
        return False
    operations = rule.get("to")
    return operations is None or any(_operation_matches(t.get("operation") or {}, port)
                                     for t in operations)


def _allowed(policies: list[Mapping[str, Any]], who: str | None, port: int) -> bool:
    by_action: dict[str, list[Mapping[str, Any]]] = {}
    for p in policies:
        action = (p.get("spec") or {}).get("action", "ALLOW")
        if action not in ("ALLOW", "DENY", "AUDIT"):
            raise AuthzReadError(f"{p['metadata']['name']}: action {action} is not modelled")
        by_action.setdefault(action, []).append(p)

    def any_rule(ps: list[Mapping[str, Any]]) -> bool:
        return any(_rule_matches(rule, who, port)
                   for p in ps for rule in (p.get("spec") or {}).get("rules") or ())

    if any_rule(by_action.get("DENY", [])):
        return False
    allows = by_action.get("ALLOW", [])
    return not allows or any_rule(allows)


def sources(docs: list[Mapping[str, Any]], trust_domain: str = "cluster.local") -> list[str]:
    named = {p for d in _of_kind(docs, "AuthorizationPolicy")
             for rule in (d.get("spec") or {}).get("rules") or ()
             for f in rule.get("from") or () for p in (f.get("source") or {}).get("principals", ())
             if "*" not in p}
    own = {principal(trust_domain, w.namespace, w.service_account) for w in workloads(docs)}
    return [*sorted(named | own), PLAINTEXT, OTHER]


def allow_matrix(
    docs: Iterable[Mapping[str, Any] | None], trust_domain: str = "cluster.local"
) -> frozenset[Allow]:
    docs = [d for d in docs if d]
    peers = _of_kind(docs, "PeerAuthentication")
    policies = _of_kind(docs, "AuthorizationPolicy")
    allowed: set[Allow] = set()
    for w in workloads(docs):
        selecting = [p for p in policies if _selects(p, w)]
        for port in w.ports:
            mode = _mtls_mode(peers, w, port)
            for src in sources(docs, trust_domain):
                if src == PLAINTEXT and mode == "STRICT":
                    continue
                who = None if src == PLAINTEXT or mode == "DISABLE" else src
                if who == OTHER:
                    who = f"{trust_domain}/ns/undeclared/sa/undeclared"
                if _allowed(selecting, who, port):
                    allowed.add(Allow(src, w.namespace, w.name, port))
    return frozenset(allowed)


def expected_allow_matrix(plan: Plan, universe: Iterable[str]) -> frozenset[Allow]:
    """What the blueprint declares, over the same sources: each call, the ingress gateway
    to `via=ISTIO` services, a Gateway's proxies that are Istio's own (`MeshPlan.proxies`) to
    the services they expose, clients outside the mesh to services exposed outside it, and
    under OPEN isolation anyone (mTLS permitting) to a service nobody's rules restrict."""
    mesh = plan.mesh
    if mesh is None:
        return frozenset()
    by_service: dict[str, set[str]] = {s.name: set() for s in plan.services}
    services = {s.name: s for s in plan.services}
    for call in plan.calls:
        if call.dst_kind == "service":
            src = services[call.src]
            by_service[call.dst].add(principal(mesh.trust_domain, src.namespace, src.name))
    restricted = set()
    proxies = dict(mesh.proxies)  # a Gateway whose proxies are Istio's: mTLS, by identity
    for r in plan.routes:
        if r.via.name == "ISTIO":
            by_service[r.service].add(istio_part(mesh).ingress_principal)
        elif r.via.name in proxies:
            by_service[r.service].add(proxies[r.via.name])
        elif r.via.name not in ("CLUSTER",):
            by_service[r.service].add(PLAINTEXT)
    restricted = {name for name, srcs in by_service.items() if srcs}
    strict = mesh.mtls == "STRICT"
    out: set[Allow] = set()
    all_sources = list(universe)
    for w in plan.workloads:
        if w.port is None:  # a worker accepts nothing
            continue
        port = w.port.target_port
        allowed = by_service[w.service]
        if w.service not in restricted and not mesh.deny_by_default:
            allowed = {s for s in all_sources if not (s == PLAINTEXT and strict)}
        out.update(Allow(s, w.namespace, w.name, port) for s in allowed)
    return frozenset(out)
