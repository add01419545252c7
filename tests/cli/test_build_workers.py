"""`netgen build` with each environment in a forked worker (`netgen.build`,
`netgen.workers`) writes, tells and refuses exactly what it does with the environments
built one after the other."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from netgen.output import layout
from tests.conftest import BLUEPRINTS


def build(monkeypatch: pytest.MonkeyPatch, jobs: str, *args: str) -> tuple[int, str, str]:
    monkeypatch.setenv("NETGEN_JOBS", jobs)
    result = CliRunner().invoke(app, ["build", *args])
    return result.exit_code, result.stdout, result.stderr


def tree(out: Path) -> dict[str, bytes]:
    """Every file of OUT but netgen's own folder, and the fingerprint of each state."""
    files = {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
             if p.is_file() and layout.HIDDEN not in p.parts}
    for state in sorted(layout.hidden(out).glob("state-*.json")):
        files[state.name] = json.loads(state.read_text())["fingerprint"].encode()
    return files


@pytest.mark.parametrize("name", ["gateway_api.py", "linkerd.py", "mesh.py", "shop.py"])
def test_forked_and_serial_builds_write_the_same(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str) -> None:
    blueprint = str(BLUEPRINTS / name)
    serial = build(monkeypatch, "1", blueprint, "-o", str(tmp_path / "serial"))
    forked = build(monkeypatch, "2", blueprint, "-o", str(tmp_path / "forked"))
    assert serial[0] == forked[0] == 0
    assert (serial[1].replace(str(tmp_path / "serial"), "OUT")
            == forked[1].replace(str(tmp_path / "forked"), "OUT"))
    assert tree(tmp_path / "serial") == tree(tmp_path / "forked")
    assert len(tree(tmp_path / "forked")) > 10
    assert not [p for p in os.listdir(layout.hidden(tmp_path / "forked"))
                if p.startswith(".netgen-")]


BROKEN = '''from netgen import *

blueprint("broken")
env("development", namespace="dev")
env("staging", namespace="stage")
env("production", namespace="prod")
env("qa", namespace="stage")

service("web", port=80, image="web:1")
with env("development"):
    service("cache", port=6379, image="redis:7")
with env("production"):
    service("search", port=9200, image="search:8")

calls("web", "cache")
calls("web", "search")
'''


def test_every_environments_problems_are_told_together_and_nothing_is_written(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blueprint = tmp_path / "broken.py"
    blueprint.write_text(BROKEN)
    out = tmp_path / "out"
    serial = build(monkeypatch, "1", str(blueprint), "-o", str(out))
    forked = build(monkeypatch, "2", str(blueprint), "-o", str(out))
    assert serial == forked
    code, _, err = forked
    assert code == 1
    # each environment's own, and the one only all of them together show
    assert "'cache' does not exist in environment 'staging'" in err
    assert "'search' does not exist in environment 'development'" in err
    assert "namespace 'stage' is already environment 'staging'" in err
    assert not out.exists()


def test_a_template_failing_in_one_environment_stops_the_build_whole(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Rendering fails for production only: the other environments, built meanwhile in
    their workers, are not written either."""
    templates = tmp_path / "templates" / "kubernetes"
    templates.mkdir(parents=True)
    builtin = (Path(__file__).resolve().parents[2] / "netgen" / "targets" / "kubernetes"
               / "templates" / "service.yaml.j2").read_text()
    (templates / "service.yaml.j2").write_text(
        '{% if namespace == "production" %}{{ no_such_value }}{% endif %}' + builtin)
    args = (str(BLUEPRINTS / "shop.py"), "-o", str(tmp_path / "out"), "--templates",
            str(tmp_path / "templates"))
    serial = build(monkeypatch, "1", *args)
    forked = build(monkeypatch, "2", *args)
    assert serial == forked
    code, _, err = forked
    assert code == 1 and "'no_such_value' is undefined" in err
    assert "service.yaml.j2:1:" in err
    assert not (tmp_path / "out").exists()


def test_check_tells_the_same_drift_forked(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    blueprint, out = str(BLUEPRINTS / "gateway_api.py"), tmp_path / "out"
    assert build(monkeypatch, "1", blueprint, "-o", str(out))[0] == 0
    envs = sorted(p for p in out.iterdir() if p.name != layout.HIDDEN)
    assert len(envs) > 1
    first, last = (sorted(e.glob("*.yaml")) for e in (envs[0], envs[-1]))
    first[0].write_text(first[0].read_text() + "# edited\n")
    last[-1].unlink()
    serial = build(monkeypatch, "1", blueprint, "-o", str(out), "--check")
    forked = build(monkeypatch, "2", blueprint, "-o", str(out), "--check")
    assert serial == forked
    code, _, err = forked
    assert code == 1
    assert err.splitlines()[:2] == [f" changed  {first[0]}", f"   added  {last[-1]}"]
    assert "(2 files differ)" in err
