"""`netgen import ecs` reads App Mesh exports too: virtual routers become in-mesh splits
(`traffic(split=, routes=)`), virtual-node backends `calls`, virtual gateways exposures.

The ECS importer calls `appmesh_stage` once; everything App Mesh-specific lives here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs


def appmesh_stage(
    folder: Path, exports: Any, mesh: str | None, via: str = "ALB"
) -> tuple[Any, Callable[[Any], Any], Callable[[Any], Callable[[list[Any]], list[str]] | None]]:
    """(index for `analyse`, a relabelling of the analysed system's warnings, the writer's
    extra statements for a system). No App Mesh export and no `mesh`: all no-ops. `via`
    (`--via`) exposes the virtual gateways' routes when the mesh has no ingress gateway."""
    from netgen.importers.appmesh.analyse import MeshIndex
    from netgen.importers.appmesh.load import load_mesh
    from netgen.importers.appmesh.meshes import importable_meshes, mesh_profile
    from netgen.importers.appmesh.section import MeshSection
    from netgen.importers.ecs.pysource import Name, call, statement
    from netgen.importers.ecs.vias import import_via

    found = load_mesh(folder)
    if found.empty and not found.tasks:
        if mesh is None:
            return None, lambda system: system, lambda system: None
        only = [statement(call("mesh", Name(mesh)))]
        return None, lambda system: system, lambda system: (lambda findings: only)
    index = MeshIndex(found, exports)
    proxy = mesh_profile(mesh or importable_meshes()[0].kind).proxy

    def relabel(system: Any) -> Any:
        return attrs.evolve(system, warnings=tuple(infrastructure_notes(found, system.warnings,
                                                                        proxy)),
                            services=tuple(listener_protocols(index, s)
                                           for s in system.services))

    return index, relabel, lambda system: MeshSection(index, system, mesh,
                                                      import_via(via)).statements


def infrastructure_notes(found: Any, warnings: tuple[Any, ...], replaced_by: str
                         ) -> list[Any]:
    """The Envoy and X-Ray containers of App Mesh tasks are its data plane, not sidecars a
    reviewer must judge: one note per task instead of a sidecar warning per container.
    `replaced_by`: what replaces them ("Istio injects its own sidecar")."""
    from netgen.importers.ecs.problems import Finding, at

    out = []
    infra = {}
    for task in found.tasks.values():
        for name in task.infrastructure:
            infra[(task.source.file, name)] = task
    noted = set()
    for w in warnings:
        hit = None
        if w.code == "sidecar":
            name = w.message.split(" ", 2)[1] if w.message.startswith("container ") else ""
            hit = infra.get((at(w).file, name))
        if hit is None:
            out.append(w)
            continue
        if id(hit) not in noted:
            noted.add(id(hit))
            proxy = " and proxyConfiguration APPMESH" if hit.appmesh_proxy else ""
            out.append(Finding(
                "appmesh-proxy", f"containers {', '.join(hit.infrastructure)}{proxy} are App "
                                 f"Mesh's data plane (Envoy, X-Ray); not carried over: "
                                 f"{replaced_by}",
                                 hit.source.file, hit.source.json_path))
    return out


def listener_protocols(index: Any, service: Any) -> Any:
    """A port ECS left unlabelled speaks what its virtual node's listener says (http, http2,
    grpc): the mesh needs to know to route requests rather than connections."""
    from netgen.importers.ecs.naming import port_name

    arns = {v.ecs_service_arn for v in service.versions}
    said: dict[int, str] = {}
    for node, running in index.node_services.items():
        if arns & set(running) and node in index.nodes:
            for li in index.nodes[node].spec.listeners:
                said.setdefault(li.portMapping.port, li.portMapping.protocol.lower())
    ports = []
    for p in service.ports:
        proto = said.get(p.port)
        if p.app_protocol is None and proto in ("http", "http2", "grpc"):
            name = p.name
            if name == f"tcp-{p.port}":
                name = port_name(None, p.port, proto)
            elif name != proto and not name.startswith(proto + "-"):
                name = port_name(f"{proto}-{name}", p.port, None)  # Istio reads the prefix
            p = attrs.evolve(p, name=name, app_protocol=proto)
        ports.append(p)
    return attrs.evolve(service, ports=tuple(ports))
