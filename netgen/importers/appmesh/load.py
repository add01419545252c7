"""Read the `aws appmesh` exports of an export folder into `MeshExports`.

App Mesh output is recognised by its top-level key, as the ECS loader recognises its own
(`virtualNode`, `routes`, ...); the ECS loader skips these files (`is_appmesh`). A `list-*`
output only names objects: an object listed but never described is a warning, because its
routes or backends are then unknown. Task definitions are read again here, as raw JSON,
for what only App Mesh cares about: `proxyConfiguration` and the Envoy container's
`APPMESH_VIRTUAL_NODE_NAME` / `APPMESH_RESOURCE_ARN`, which name the task's virtual node.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from attrs import Factory, define

from netgen.importers.appmesh import shapes
from netgen.importers.ecs.convert import CONVERTER, error_paths
from netgen.importers.ecs.problems import ExportError, Finding, Problem, Source

DESCRIBED: dict[str, tuple[str, type, str]] = {
    # top-level key -> (command, shape, MeshExports attribute)
    "mesh": ("aws appmesh describe-mesh", shapes.Mesh, "meshes"),
    "virtualService": ("aws appmesh describe-virtual-service", shapes.VirtualService,
                       "virtual_services"),
    "virtualRouter": ("aws appmesh describe-virtual-router", shapes.VirtualRouter,
                      "virtual_routers"),
    "route": ("aws appmesh describe-route", shapes.Route, "routes"),
    "virtualNode": ("aws appmesh describe-virtual-node", shapes.VirtualNode, "virtual_nodes"),
    "virtualGateway": ("aws appmesh describe-virtual-gateway", shapes.VirtualGateway,
                       "virtual_gateways"),
    "gatewayRoute": ("aws appmesh describe-gateway-route", shapes.GatewayRoute,
                     "gateway_routes"),
}
LISTED = {
    "meshes": "aws appmesh list-meshes",
    "virtualServices": "aws appmesh list-virtual-services",
    "virtualRouters": "aws appmesh list-virtual-routers",
    "routes": "aws appmesh list-routes",
    "virtualNodes": "aws appmesh list-virtual-nodes",
    "virtualGateways": "aws appmesh list-virtual-gateways",
    "gatewayRoutes": "aws appmesh list-gateway-routes",
}
PROXY_ENV = ("APPMESH_VIRTUAL_NODE_NAME", "APPMESH_RESOURCE_ARN")
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def is_appmesh(doc: Any) -> bool:
    """An App Mesh describe/list output: one of its keys, with App Mesh's `meshName` inside."""
    if not isinstance(doc, dict):
        return False
    for key in DESCRIBED:
        if isinstance(doc.get(key), dict) and "meshName" in doc[key]:
            return True
    for key in LISTED:
        value = doc.get(key)
        if isinstance(value, list) and all(isinstance(i, dict) and "meshName" in i
                                           for i in value):
            return True
    return False


@define
class TaskProxy:
    """What a task definition says about App Mesh."""

    node: str | None  # "mesh/<mesh>/virtualNode/<name>" or the ARN, as written
    appmesh_proxy: bool  # proxyConfiguration.type == "APPMESH"
    infrastructure: list[str]  # container names: Envoy, X-Ray daemon
    source: Source


@define
class MeshExports:
    meshes: dict[str, shapes.Mesh] = Factory(dict)
    virtual_services: dict[str, shapes.VirtualService] = Factory(dict)
    virtual_routers: dict[str, shapes.VirtualRouter] = Factory(dict)
    routes: dict[str, shapes.Route] = Factory(dict)
    virtual_nodes: dict[str, shapes.VirtualNode] = Factory(dict)
    virtual_gateways: dict[str, shapes.VirtualGateway] = Factory(dict)
    gateway_routes: dict[str, shapes.GatewayRoute] = Factory(dict)
    listed: list[tuple[str, shapes.Ref, Source]] = Factory(list)
    tasks: dict[str, TaskProxy] = Factory(dict)  # by taskDefinitionArn
    sources: dict[str, Source] = Factory(dict)  # by ARN
    findings: list[Finding] = Factory(list)

    @property
    def empty(self) -> bool:
        return not (self.virtual_services or self.virtual_routers or self.routes
                    or self.virtual_nodes or self.virtual_gateways or self.gateway_routes
                    or self.meshes or self.listed)

    def source(self, arn: str) -> Source:
        return self.sources.get(arn, Source("", "$"))


def load_mesh(folder: Path) -> MeshExports:
    """Raises `ExportError` (every problem at once) when an App Mesh file has a wrong shape."""
    documents: dict[str, bytes] = {}
    for path in sorted(Path(folder).rglob("*.json")):
        name = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in Path(name).parts) or not path.is_file():
            continue
        documents[name] = path.read_bytes()
    return parse_mesh(documents)


def parse_mesh(documents: Mapping[str, bytes]) -> MeshExports:
    out = MeshExports()
    problems: list[Problem] = []
    for name in sorted(documents):
        doc = _json(documents[name])
        if is_appmesh(doc):
            _add(out, name, doc, problems)
        elif isinstance(doc, dict) and isinstance(doc.get("taskDefinition"), dict):
            _task(out, name, doc["taskDefinition"], "$.taskDefinition")
        elif isinstance(doc, dict) and "containerDefinitions" in doc:
            _task(out, name, doc, "$")
    if problems:
        raise ExportError.of(problems)
    _check_listed(out)
    return out


def _json(data: bytes) -> Any:
    """Malformed files are the ECS loader's to report; here they are simply not App Mesh."""
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), "utf-8")
    try:
        return json.loads(data.decode(encoding))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def _add(out: MeshExports, name: str, doc: dict[str, Any], problems: list[Problem]) -> None:
    for key, (_command, shape, attribute) in DESCRIBED.items():
        if key not in doc:
            continue
        try:
            obj = CONVERTER.structure(doc[key], shape)
        except Exception as exc:
            problems += [Problem(name, f"$.{key}" + path[1:], message)
                         for path, message in error_paths(exc)]
            continue
        arn = obj.metadata.arn
        bucket = getattr(out, attribute)
        if arn in bucket and bucket[arn] != obj:
            first = out.sources[arn]
            out.findings.append(Finding(
                "duplicate-object", f"{arn} is also in {first.file} at {first.json_path} with "
                                    "different content; using that one", name, f"$.{key}"))
            continue
        bucket.setdefault(arn, obj)
        out.sources.setdefault(arn, Source(name, f"$.{key}"))
    for key in LISTED:
        if isinstance(doc.get(key), list):
            for i, item in enumerate(doc[key]):
                try:
                    ref = CONVERTER.structure(item, shapes.Ref)
                except Exception as exc:
                    problems += [Problem(name, f"$.{key}[{i}]" + path[1:], message)
                                 for path, message in error_paths(exc)]
                    continue
                out.listed.append((key, ref, Source(name, f"$.{key}[{i}]")))
            if doc.get("nextToken"):
                out.findings.append(Finding(
                    "truncated-listing", f"{LISTED[key]} output has nextToken: the listing is "
                                         "incomplete; export without --max-items", name,
                    "$.nextToken"))


def _check_listed(out: MeshExports) -> None:
    described = {arn for attribute in ("meshes", "virtual_services", "virtual_routers",
                                       "routes", "virtual_nodes", "virtual_gateways",
                                       "gateway_routes")
                 for arn in getattr(out, attribute)}
    for key, ref, at in out.listed:
        if ref.arn not in described:
            command = LISTED[key].replace("list-", "describe-").rstrip("s")
            command = command.replace("describe-meshe", "describe-mesh")
            out.findings.append(at.finding(
                "appmesh-not-described",
                f"{ref.arn} is listed but not described, so what it routes or calls is "
                f"unknown and not carried over; export it with {command}"))


def _task(out: MeshExports, name: str, task: dict[str, Any], path: str) -> None:
    arn = task.get("taskDefinitionArn")
    if not isinstance(arn, str):
        family, revision = task.get("family"), task.get("revision")
        arn = f"{family}:{revision}" if family else name
    proxy = task.get("proxyConfiguration")
    appmesh = isinstance(proxy, dict) and proxy.get("type") == "APPMESH"
    node = None
    infrastructure = []
    for c in task.get("containerDefinitions") or ():
        if not isinstance(c, dict):
            continue
        env = {e.get("name"): e.get("value") for e in c.get("environment") or ()
               if isinstance(e, dict)}
        image = str(c.get("image") or "")
        named = next((env[k] for k in PROXY_ENV if isinstance(env.get(k), str)), None)
        if named or _is_infrastructure(image, str(c.get("name") or "")):
            infrastructure.append(str(c.get("name")))
        node = node or named
    if appmesh or node:
        out.tasks[arn] = TaskProxy(node, appmesh, infrastructure, Source(name, path))


def _is_infrastructure(image: str, name: str) -> bool:
    """App Mesh's Envoy image and the X-Ray daemon that traces through it."""
    return ("aws-appmesh-envoy" in image or "xray-daemon" in image or "aws-xray" in image
            or name in ("envoy", "xray-daemon", "xray"))
