"""Each via is described once, by its target (a ViaSpec); that no other module keeps a list or
a table of vias is tests/targets/test_tokens.py's."""

from pathlib import Path

from netgen.render import template_folders
from netgen.targets.registry import REGISTRY

NETGEN = Path(__file__).resolve().parents[2] / "netgen"


def test_every_via_is_described_by_exactly_one_target() -> None:
    vias = REGISTRY.vias()
    assert len({id(v) for v in vias}) == len({v.name for v in vias}) == len(vias)
    assert all(REGISTRY.spec(v) is not None for v in vias)


def test_every_target_with_templates_has_its_folder() -> None:
    folders = template_folders()
    targets = {p.name for p in (NETGEN / "targets").iterdir() if (p / "lower.py").is_file()}
    assert set(folders) == targets
    assert all(any(f.glob("*.yaml.j2")) for f in folders.values())


def test_mesh_kinds_come_from_the_targets() -> None:
    """mesh(ISTIO) and mesh(LINKERD) pick their targets' hooks; a via that is no mesh picks
    nothing."""
    from netgen import ISTIO, LINKERD, NGINX
    istio, linkerd = REGISTRY.meshes()
    assert REGISTRY.mesh(ISTIO) is istio and REGISTRY.mesh("ISTIO") is istio
    assert REGISTRY.mesh(LINKERD) is linkerd and REGISTRY.mesh("LINKERD") is linkerd
    assert REGISTRY.mesh(NGINX) is None
    assert istio.control_plane({"istio_namespace": "mesh"}).namespace == "mesh"
    assert linkerd.control_plane({"linkerd_namespace": "l5d"}).namespace == "l5d"


def test_resolve_names_no_via() -> None:
    """Which via or mesh does what is the targets' knowledge: resolve asks the registry."""
    named = {p.relative_to(NETGEN).as_posix()
             for p in (NETGEN / "resolve").rglob("*.py") if "Via." in p.read_text()}
    assert named == set()


def test_istio_objects_are_planned_and_read_back_by_its_target_only() -> None:
    """The neutral stages hold no Istio object, setting or constant: MeshPlan keeps what every
    mesh reads and Istio's own part sits in `MeshPlan.target` (targets/istio/plan.py)."""
    istio_only = ("IstioPlan", "VirtualServicePlan", "DestinationRulePlan", "ServiceEntryPlan",
                  "GatewayPlan", "PeerAuthPlan", "istio_ingress_namespace", "istio_namespace",
                  "istio-injection", "istio.io/rev", "ingressgateway", "15012")
    neutral = [p for folder in ("plan", "resolve", "readback", "lint", "check", "output")
               for p in (NETGEN / folder).rglob("*.py")]
    named = {f"{p.relative_to(NETGEN).as_posix()}: {word}" for p in neutral
             for word in istio_only if word in p.read_text()}
    assert named == set()


def test_a_mesh_target_plans_its_own_part() -> None:
    """mesh(ISTIO)'s objects come from its `plan` hook, kept in MeshPlan.target; Linkerd has
    no such hook and its lowering reads the neutral MeshPlan alone."""
    from netgen.targets.istio.plan import IstioPlan
    from tests.conftest import BLUEPRINTS, build

    istio = build(BLUEPRINTS / "mesh.py")[0].plan.mesh
    linkerd = build(BLUEPRINTS / "linkerd.py")[0].plan.mesh
    assert istio is not None and isinstance(istio.target, IstioPlan)
    assert istio.target.virtual_services and istio.target.peer_authentications
    assert linkerd is not None and linkerd.target is None
    assert REGISTRY.mesh(linkerd.kind).plan is None


def test_the_neutral_stages_import_no_target() -> None:
    """resolve, plan, render, lower, output, read-back, lint and check reach the targets only
    through the Registry they are handed (or netgen.targets.registry), never a target
    package by name: adding a target must not need an edit there. The DSL imports the two
    tokens that are its defaults (`expose(via=CLUSTER)`, `mesh(ISTIO)`), from tokens.py."""
    import ast

    targets = {p.name for p in (NETGEN / "targets").iterdir() if (p / "__init__.py").is_file()}
    neutral = [NETGEN / "lower.py", NETGEN / "pipeline.py", NETGEN / "intent.py",
               *(p for folder in ("resolve", "plan", "render", "output", "readback", "lint",
                                  "check", "validate")
                 for p in (NETGEN / folder).rglob("*.py"))]
    found = set()
    for path in neutral:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[:2] == ["netgen", "targets"] and len(parts) > 2 and parts[2] in targets:
                    found.add(f"{path.relative_to(NETGEN).as_posix()}: {node.module}")
    assert found == set()


MESH_ONLY = ("netgen.targets.istio.plan", "netgen.targets.istio.planning",
             "netgen.targets.istio.readback", "netgen.targets.linkerd.readback")


def _mesh_modules_loaded(blueprint: str, tmp_path: Path) -> list[str]:
    import subprocess
    import sys

    probe = ("import sys\n"
             "from pathlib import Path\n"
             "from netgen.cli.build_core import run\n"
             f"run(Path({blueprint!r}), Path({str(tmp_path / 'out')!r}), [], False, False, [], "
             "True)\n"
             f"print(' '.join(m for m in {MESH_ONLY!r} if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    return done.stdout.split()


def test_a_build_without_a_mesh_loads_no_mesh_planning(tmp_path: Path) -> None:
    """Start-up is most of a small build: what only mesh(...) needs is imported on use."""
    blueprints = NETGEN.parent / "blueprints"
    assert _mesh_modules_loaded(str(blueprints / "shop.py"), tmp_path / "shop") == []
    assert "netgen.targets.istio.planning" in _mesh_modules_loaded(
        str(blueprints / "mesh.py"), tmp_path / "mesh")
