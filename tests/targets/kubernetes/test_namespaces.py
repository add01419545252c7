"""`kubectl apply -f out/<blueprint>/<env>` on an empty cluster never fails for a missing
namespace: every namespaced object's namespace is created in the same folder, unless it is
one every cluster has or the blueprint says it exists (`existing_namespaces=`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from netgen.problems import ProblemError
from netgen.targets.kubernetes.lower import SYSTEM_NAMESPACES
from tests.conftest import EXAMPLES, REPO, build, documents

# out/<bp>/.netgen holds netgen's lock and cache, not manifests.
FOLDERS = sorted(p for p in (REPO / "out").glob("*/*") if p.is_dir() and p.name != ".netgen")


def test_every_example_has_its_output_folders() -> None:
    assert {f.parent.name for f in FOLDERS} == {e.stem for e in EXAMPLES}


def missing(docs: list[dict]) -> set[str]:
    declared = {d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"}
    used = {d["metadata"]["namespace"] for d in docs if d["metadata"].get("namespace")}
    return used - declared - SYSTEM_NAMESPACES


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_namespace_is_created_in_the_same_folder(folder: Path) -> None:
    docs = [d for f in sorted(folder.glob("*.yaml"))
            for d in yaml.safe_load_all(f.read_text()) if d]
    assert docs
    assert missing(docs) == set()


def test_the_gateway_namespace_is_created() -> None:
    """The case a real cluster rejected: production's Gateway in `gateway-system`."""
    (production,) = build(REPO / "blueprints" / "gateway_api.py", ("production",))
    docs = documents(production)
    assert [d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"] == [
        "gateway-system", "production"]
    assert any(d["kind"] == "Gateway" and d["metadata"]["namespace"] == "gateway-system"
               for d in docs)


BP = """from netgen import *
env('prod', namespace='prod', gateway_namespace='edge'{extra})
service('web', port=80, image='web:1.0')
expose('web', via=GATEWAY, host='a.example.com')
"""


def namespaces(blueprint_file: Callable[[str], Path], extra: str) -> list[str]:
    (compiled,) = build(blueprint_file(BP.format(extra=extra)))
    return sorted(d["metadata"]["name"] for d in documents(compiled) if d["kind"] == "Namespace")


def test_namespaces_managed_elsewhere_are_not_created(
    blueprint_file: Callable[[str], Path]
) -> None:
    assert namespaces(blueprint_file, "") == ["edge", "prod"]
    assert namespaces(blueprint_file, ", existing_namespaces=['edge']") == ["prod"]
    assert namespaces(blueprint_file, ", existing_namespaces=['edge', 'prod']") == []


@pytest.mark.parametrize("value", ["'Edge'", "[1]", "{'a': 1}"])
def test_existing_namespaces_must_be_names(blueprint_file: Callable[[str], Path],
                                           value: str) -> None:
    with pytest.raises(ProblemError) as e:
        build(blueprint_file(BP.format(extra=f", existing_namespaces={value}")))
    assert "existing_namespaces=" in str(e.value)
    assert "must be a list of namespace names" in str(e.value)
