"""A third mesh, written here and nowhere else, plugs into netgen through its hooks alone.

The claim of issue 17 is that a mesh is a target package plus one registry line. This test
holds that claim to account without touching netgen: a toy mesh (its token, its `MeshHooks`,
its lowering, its one template) is handed to the neutral stages in a Registry of its own,
and a blueprint choosing it gets the neutral mesh decisions (identities, who may call whom,
the control plane kept reachable by the NetworkPolicies, the namespace's injection
annotation) and none of the other meshes' objects.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
import yaml

from netgen.loader import load_blueprint
from netgen.lower import lower
from netgen.model import Token
from netgen.plan import ClusterPods, Plan
from netgen.plan.mesh import MeshPlan
from netgen.problems import ProblemError
from netgen.render import Document, Renderer
from netgen.resolve import resolve_all
from netgen.targets.base import Backend, MeshHooks
from netgen.targets.registry import REGISTRY

TOY = Token("TOY", "toy")


def _control_plane(namespaces: Mapping[str, str | None]) -> ClusterPods:
    return ClusterPods("toy", "toy-system", (("app", "toy-control"),), (("TCP", 7070),))


def _annotations(mesh: MeshPlan, raw: object) -> tuple[tuple[str, str], ...]:
    return (("toy.example/inject", "true"),)


def _lower(plan: Plan, r: Renderer) -> Iterator[Document]:
    mesh = plan.mesh
    if mesh is None or mesh.kind != TOY.name:
        return
    for a in mesh.authorizations:
        callers = sorted(p for rule in a.rules for p in rule.principals)
        yield r.document("toy/allow.yaml.j2", api_version="v1", kind="ConfigMap",
                         name=f"toy-{a.name}", namespace=a.namespace, callers=callers)


TOY_BACKEND = Backend(name="Toy", lower=_lower, mesh=MeshHooks(
    kind=TOY, control_plane=_control_plane, namespace_annotations=_annotations))
WITH_TOY = type(REGISTRY)((*REGISTRY.backends, TOY_BACKEND),
                          schema_folders=REGISTRY.schema_folders)

TEMPLATE = """apiVersion: {{ api_version }}
kind: {{ kind }}
metadata:
  name: {{ name }}
  namespace: {{ namespace }}
data:
  callers: {{ callers | join(",") }}
"""

BLUEPRINT = """from netgen import *
from tests.targets.test_a_new_mesh_plugs_in import TOY

blueprint("toyshop")
env("prod", isolation=STRICT)
mesh(TOY{options})
service("web", image="web:1", port=8080)
service("api", image="api:1", port=8080)
calls("web", "api")
"""


def _build(tmp_path: Path, options: str = "") -> tuple[Plan, list[dict]]:
    source = tmp_path / "toyshop.py"
    source.write_text(BLUEPRINT.format(options=options))
    templates = tmp_path / "templates" / "toy"
    templates.mkdir(parents=True)
    (templates / "allow.yaml.j2").write_text(TEMPLATE)
    [plan] = resolve_all(load_blueprint(source), WITH_TOY)
    docs = lower(plan, Renderer([tmp_path / "templates"]), WITH_TOY)
    return plan, [yaml.safe_load(d.text) for d in docs]


def test_a_toy_mesh_gets_the_neutral_decisions_and_writes_its_own_objects(
        tmp_path: Path) -> None:
    plan, docs = _build(tmp_path)
    assert plan.mesh is not None and plan.mesh.kind == "TOY" and plan.mesh.target is None
    kinds = {d["kind"] for d in docs}
    assert not kinds & {"AuthorizationPolicy", "PeerAuthentication", "VirtualService",
                        "Server", "MeshTLSAuthentication"}, kinds
    # who may call whom: the neutral allow intent, lowered by the toy
    allows = {d["metadata"]["name"]: d["data"]["callers"] for d in docs
              if d["kind"] == "ConfigMap" and d["metadata"]["name"].startswith("toy-")}
    # (STRICT: a namespace-wide allow-nothing, and api open to web's identity only)
    assert allows == {"toy-api": "cluster.local/ns/prod/sa/web", "toy-allow-nothing": ""}
    # the NetworkPolicies keep the toy's control plane reachable (and no other mesh's)
    egress = [rule for d in docs if d["kind"] == "NetworkPolicy"
              for rule in d["spec"].get("egress", ())]
    control = [rule for rule in egress for peer in rule.get("to", ())
               if peer.get("namespaceSelector", {}).get("matchLabels", {})
               .get("kubernetes.io/metadata.name") == "toy-system"]
    assert control and control[0]["ports"] == [{"protocol": "TCP", "port": 7070}]
    assert not any("istio" in str(rule) or "linkerd" in str(rule) for rule in egress)
    # the namespace carries the toy's injection annotation
    [ns] = [d for d in docs if d["kind"] == "Namespace"]
    assert ns["metadata"]["annotations"] == {"toy.example/inject": "true"}


def test_istio_only_options_are_refused_for_the_toy(tmp_path: Path) -> None:
    with pytest.raises(ProblemError) as e:
        _build(tmp_path, ', ingress_selector={"app": "gw"}')
    assert "mesh(TOY)" in str(e.value.problems[0].message)
