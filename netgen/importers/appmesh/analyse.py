"""What an App Mesh export means for the blueprint.

Virtual nodes are matched to ECS services first by the task definition's Envoy container
(`APPMESH_VIRTUAL_NODE_NAME` / `APPMESH_RESOURCE_ARN`), else by service discovery (the
node's DNS host name or Cloud Map service equals the ECS service's Cloud Map name). The
nodes one virtual router sends to are versions of one service (`ties`), and the virtual
service's name then means that service over all its versions (`names`), so a caller's
environment value is rewritten to the whole service, not to the version whose Cloud Map
name happens to equal the virtual service's.
"""

from __future__ import annotations

from collections import defaultdict

from netgen.importers.appmesh import shapes
from netgen.importers.appmesh.load import MeshExports
from netgen.importers.ecs.exports import Exports
from netgen.importers.ecs.grouping import Group
from netgen.importers.ecs.model import DnsName
from netgen.importers.ecs.problems import Finding


def node_name(reference: str) -> tuple[str, str] | None:
    """("virtualNode" | "virtualGateway", name) from `mesh/M/virtualNode/N` or an ARN."""
    parts = reference.split("/")
    for kind in ("virtualNode", "virtualGateway"):
        if kind in parts and parts.index(kind) + 1 < len(parts):
            return kind, parts[parts.index(kind) + 1]
    return None


def node_host(node: shapes.VirtualNode) -> str | None:
    discovery = node.spec.serviceDiscovery
    if discovery is None:
        return None
    if discovery.dns is not None:
        return discovery.dns.hostname.lower()
    if discovery.awsCloudMap is not None:
        cm = discovery.awsCloudMap
        return f"{cm.serviceName}.{cm.namespaceName}".lower()
    return None


class MeshIndex:
    """The App Mesh objects by name, and which ECS services each virtual node runs as."""

    def __init__(self, mesh: MeshExports, exports: Exports) -> None:
        self.mesh = mesh
        self.x = exports
        self.findings: list[Finding] = list(mesh.findings)
        self.nodes = {n.virtualNodeName: n for n in mesh.virtual_nodes.values()}
        self.routers = {r.virtualRouterName: r for r in mesh.virtual_routers.values()}
        self.services = {s.virtualServiceName.lower(): s for s in mesh.virtual_services.values()}
        self.routes: dict[str, list[shapes.Route]] = defaultdict(list)
        for route in mesh.routes.values():
            self.routes[route.virtualRouterName].append(route)
        self.gateway_tasks: dict[str, str] = {}  # ECS service ARN -> virtual gateway name
        self.node_services = self._match_nodes()

    def _ecs_hosts(self, arn: str) -> list[str]:
        hosts = []
        for registry in self.x.services[arn].serviceRegistries:
            d = self.x.discovery_by_arn(registry.registryArn)
            if d is None:
                continue
            ns = self.x.namespaces.get(d.namespace_id() or "")
            if ns is None and len(self.x.namespaces) == 1:
                ns = next(iter(self.x.namespaces.values()))
            if ns is not None:
                hosts.append(f"{d.Name}.{ns.Name}".lower())
        return hosts

    def _match_nodes(self) -> dict[str, list[str]]:
        by_node: dict[str, list[str]] = defaultdict(list)
        unmatched = []
        for arn, service in sorted(self.x.services.items()):
            task = self.x.task_definitions.get(service.taskDefinition)
            proxy = self.mesh.tasks.get(task.taskDefinitionArn) if task else None
            named = node_name(proxy.node) if proxy and proxy.node else None
            if named and named[0] == "virtualGateway":
                self.gateway_tasks[arn] = named[1]
                continue
            if named and named[1] in self.nodes:
                by_node[named[1]].append(arn)
            else:
                unmatched.append(arn)
        hosts = {node_host(n): name for name, n in self.nodes.items() if node_host(n)}
        for arn in unmatched:
            for host in self._ecs_hosts(arn):
                if host in hosts:
                    by_node[hosts[host]].append(arn)
                    break
        for name, node in sorted(self.nodes.items()):
            if name not in by_node:
                self.findings.append(self.mesh.source(node.metadata.arn).finding(
                    "appmesh-node-unmatched",
                    f"virtual node {name} runs as no ECS service in the export (neither a task "
                    "definition's Envoy names it nor does its service discovery name a Cloud "
                    "Map service of one); routes to it are left out", ".spec.serviceDiscovery"))
        return dict(by_node)

    def router_of(self, vs: shapes.VirtualService) -> str | None:
        p = vs.spec.provider
        return p.virtualRouter.virtualRouterName if p and p.virtualRouter else None

    def targets(self, router: str) -> list[str]:
        """Every virtual node the router's routes send to, in first-seen order."""
        seen: dict[str, None] = {}
        for route in self.routes.get(router, ()):
            for t in _action(route.spec).weightedTargets if _action(route.spec) else ():
                seen.setdefault(t.virtualNode)
        return list(seen)

    def ties(self) -> list[list[str]]:
        """ECS services that are versions of one service: a router's targets."""
        out = []
        for router in sorted(self.routers):
            arns = [a for node in self.targets(router) for a in self.node_services.get(node, ())]
            if len(arns) > 1:
                out.append(arns)
        return out

    def provider_services(self, vs: shapes.VirtualService) -> list[str]:
        """The ECS services behind a virtual service."""
        p = vs.spec.provider
        if p is None:
            return []
        if p.virtualNode is not None:
            return list(self.node_services.get(p.virtualNode.virtualNodeName, ()))
        if p.virtualRouter is not None:
            return [a for node in self.targets(p.virtualRouter.virtualRouterName)
                    for a in self.node_services.get(node, ())]
        return []

    def names(self, groups: list[Group]) -> list[DnsName]:
        """Each virtual service's name -> the service of all the versions behind it. A
        version's own discovery name now names the whole service too, which a warning says."""
        group_of = {m.arn: g.name for g in groups for m in g.members}
        tied = {a for t in self.ties() for a in t}
        for g in groups:
            for m in g.members:
                if m.arn not in tied or m.version is None:
                    continue
                for host in self._ecs_hosts(m.arn):
                    if host not in self.services:
                        self.findings.append(self.x.source(m.arn).finding(
                            "appmesh-version-name", f"{host} was the discovery name of "
                            f"{m.service.serviceName} alone; it now means {g.name}, every "
                            f"version (a caller meaning this version only: "
                            f"{g.name}-{m.version}.<namespace>.svc.cluster.local)",
                            ".serviceRegistries"))
        out = []
        for host, vs in sorted(self.services.items()):
            found = [group_of[a] for a in self.provider_services(vs) if a in group_of]
            if found:
                port = _listener_port(self, vs)
                out.append(DnsName(host, "app-mesh", found[0], port))
        return out


def _action(spec: shapes.RouteSpec) -> shapes.RouteAction | None:
    route = spec.httpRoute or spec.http2Route or spec.grpcRoute or spec.tcpRoute
    return route.action if route is not None else None


def _listener_port(index: MeshIndex, vs: shapes.VirtualService) -> int | None:
    router = index.router_of(vs)
    if router and router in index.routers and index.routers[router].spec.listeners:
        return index.routers[router].spec.listeners[0].portMapping.port
    p = vs.spec.provider
    node = index.nodes.get(p.virtualNode.virtualNodeName) if p and p.virtualNode else None
    if node is not None and node.spec.listeners:
        return node.spec.listeners[0].portMapping.port
    return None
