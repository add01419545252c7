"""A neutral picture of one environment: clients -> entry points (load balancer, ingress,
gateway; one per backend) -> Services -> pods, the declared calls between services and
to externals, namespaces as clusters, and traffic weights on the edges.

Built from the Plan only, so it shows what netgen decided, not what the blueprint said.
"""

from __future__ import annotations

import re

from attrs import frozen

from netgen.model import Via
from netgen.plan import Plan, RoutePlan, WeightedBackend
from netgen.plan.routes import mesh_steps
from netgen.targets.registry import REGISTRY

CLIENT, ENTRY, SERVICE, WORKLOAD, EXTERNAL = "client", "entry", "service", "workload", "external"
TRAFFIC, SELECTS, CALLS = "traffic", "selects", "calls"


@frozen
class Node:
    id: str
    kind: str
    lines: tuple[str, ...]
    cluster: str | None = None


@frozen
class Edge:
    src: str
    dst: str
    kind: str
    label: str | None = None


@frozen
class Cluster:
    id: str
    label: str


@frozen
class Graph:
    title: str
    clusters: tuple[Cluster, ...]
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


class _Ids:
    """Identifiers every renderer accepts unquoted: letters, digits and '_', unique."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, *parts: str) -> str:
        base = re.sub(r"[^A-Za-z0-9]+", "_", "_".join(parts)).strip("_")
        candidate, n = base, 1
        while candidate in self.used:
            n += 1
            candidate = f"{base}_{n}"
        self.used.add(candidate)
        return candidate


def build_graph(plan: Plan) -> Graph:
    ids = _Ids()
    nodes: list[Node] = []
    edges: list[Edge] = []
    clusters = {ns: Cluster(ids.make("ns", ns), f"namespace {ns}") for ns in plan.namespaces}

    services: dict[str, str] = {}
    for s in plan.services:
        sid = services[s.name] = ids.make("svc", s.namespace, s.name)
        kind = "headless Service" if s.headless and not s.stateful else "Service"
        lines = [s.name, f"{kind} :{s.port.port}" if s.port else "no Service (worker)"]
        if s.stateful and s.headless_name:
            lines.append(f"+ headless {s.headless_name}")
        nodes.append(Node(sid, SERVICE, tuple(lines), clusters[s.namespace].id))

    workloads: dict[tuple[str, str], str] = {}
    for w in plan.workloads:
        wid = workloads[(w.namespace, w.name)] = ids.make("pods", w.namespace, w.name)
        pods = f"{w.replicas} pod" + ("s" if w.replicas != 1 else "")
        nodes.append(Node(wid, WORKLOAD, (w.name, f"{w.kind}, {pods}"),
                          clusters[w.namespace].id))
        edges.append(Edge(services[w.service], wid, SELECTS))

    externals: dict[str, str] = {}
    for x in plan.externals:
        xid = externals[x.name] = ids.make("ext", x.name)
        nodes.append(Node(xid, EXTERNAL, (x.name, f"{x.host}:{x.port}")))

    for c in plan.calls:
        dst = services.get(c.dst) if c.dst_kind == "service" else externals.get(c.dst)
        if c.src in services and dst is not None:
            edges.append(Edge(services[c.src], dst, CALLS))

    entries: dict[tuple[Via, str | None], str] = {}
    route_edges: list[Edge] = []
    for r in plan.routes:
        spec = REGISTRY.spec(r.via)
        label = spec.graph_label if spec is not None else ()
        if not label:
            continue  # CLUSTER: reachable inside the cluster only, no entry point
        key = (r.via, r.group)
        if key not in entries:
            entries[key] = ids.make("entry", r.via.value, r.group or "")
            lines = label + ((f"group {r.group}",) if r.group else ())
            nodes.append(Node(entries[key], ENTRY, lines))
        for target, label in _route_targets(plan, r, services, workloads):
            route_edges.append(Edge(entries[key], target, TRAFFIC, label))
    if entries:
        nodes.insert(0, Node("clients", CLIENT, ("Clients",)))
        edges[:0] = [Edge("clients", e, TRAFFIC) for e in entries.values()]
        edges.extend(route_edges)

    used = {n.cluster for n in nodes}
    return Graph(
        title=f"{plan.blueprint} ({plan.env.name})",
        clusters=tuple(c for c in clusters.values() if c.id in used),
        nodes=tuple(nodes),
        edges=tuple(edges),
    )


def _route_targets(
    plan: Plan, r: RoutePlan, services: dict[str, str], workloads: dict[tuple[str, str], str]
) -> list[tuple[str, str | None]]:
    """A route to the whole service points at its Service; a split or pinned route points
    at each version's pods, with its weight, and so does a route whose gateway takes the
    service's in-mesh split (`mesh_steps`), with each mesh route's conditions."""
    base = _describe(r)
    steps = mesh_steps(plan, r)
    if steps is not None:
        return [(workloads.get((r.namespace, svc), services[r.service]),
                 " ".join(p for p in (base, then, f"{weight}%") if p))
                for then, backends, _ in steps for svc, weight in backends]
    only = r.backends[0] if len(r.backends) == 1 else None
    if only is not None and only.version is None:
        return [(services[r.service], base or None)]
    out: list[tuple[str, str | None]] = []
    for b in r.backends:
        target = workloads.get((r.namespace, b.service), services[r.service])
        out.append((target, " ".join(p for p in (base, _weight(b, len(r.backends))) if p)))
    return out


def _weight(b: WeightedBackend, count: int) -> str:
    return f"{b.weight}%" if count > 1 else (b.version or "")


def _describe(r: RoutePlan) -> str:
    """The route's conditions, all of them, so two edges of one host and path (an Exact path
    beside a Prefix, a route by method or query parameter beside one without) read apart."""
    parts = []
    if r.host or r.path:
        parts.append(f"{r.host or ''}{r.path or ''}")
    if r.path_type == "Exact" and r.path:
        parts.append("(exact)")
    parts.extend(f"{m.name}: {'always' if m.value is None else m.value}"  # the switch's
                 for m in r.matches)  # `always` is what reaches this route's versions
    parts.extend(sorted(set(r.methods)))
    parts.extend(f"?{k}={v}" for k, v in r.query)
    parts.extend(f"from {ip}" for ip in r.source_ips)
    if r.node_port is not None:
        parts.append(f":{r.node_port}")
    if r.ports:
        parts.append(":" + ",".join(str(p) for p in r.ports))
    return " ".join(parts)
