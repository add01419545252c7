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
