"""An environment removed from (or renamed in) the blueprint: its generated files, which
OUT's state says this blueprint built, are pruned by `build` and reported by `build --check`
and `diff`; never another blueprint's, never a foreign file, never an environment still
declared but not asked for (`--env`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from netgen.output import write

TWO = ("from netgen import *\nenv('staging', namespace='stg')\n"
       "env('production', namespace='prod')\nservice('web', port=80, image='web:1')\n")
ONE = TWO.replace("env('staging', namespace='stg')\n", "")


def netgen(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def generated(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def built(tmp_path: Path, both_ways: str) -> tuple[Path, Path]:
    bp, out = tmp_path / "bp.py", tmp_path / "out"
    bp.write_text(TWO)
    code, _, stderr = netgen("build", bp, "--out", out)
    assert code == 0, stderr
    bp.write_text(ONE)
    return bp, out


def test_check_and_diff_report_the_removed_environment(built: tuple[Path, Path]) -> None:
    bp, out = built
    files = generated(out / "staging")
    code, _, stderr = netgen("build", bp, "--out", out, "--check")
    assert code == 1
    assert stderr.splitlines()[:-1] == [f" removed  {out / 'staging' / f}" for f in files]
    code, stdout, stderr = netgen("diff", bp, "--out", out, "--summary")
    assert code == 1
    assert [line.split()[:2] for line in stdout.splitlines()] == [
        ["removed", f"staging/{f}"] for f in files]
    assert stderr == f"netgen: {bp} vs {out}: {len(files)} removed\n"


def test_build_removes_it_and_then_is_up_to_date(built: tuple[Path, Path]) -> None:
    bp, out = built
    n = len(generated(out / "staging"))
    code, stdout, _ = netgen("build", bp, "--out", out)
    assert code == 0
    assert stdout.startswith(f"netgen: {bp} -> {out} (production): {n} removed")
    assert stdout.endswith("; staging no longer in the blueprint: its files removed\n")
    assert not os.path.lexists(out / "staging")
    assert not (out / ".netgen" / "state-staging.json").exists()
    assert [e for e in os.listdir(out / ".netgen") if e.startswith(".netgen-")] == []
    assert netgen("build", bp, "--out", out, "--check")[0] == 0
    assert netgen("diff", bp, "--out", out)[0] == 0
    assert netgen("build", bp, "--out", out)[1] == (
        f"netgen: {bp} -> {out} (production): no changes\n")


def test_foreign_files_are_kept(built: tuple[Path, Path]) -> None:
    bp, out = built
    (out / "staging" / "notes.txt").write_text("ours\n")
    (out / "staging" / "extra").mkdir()
    assert netgen("build", bp, "--out", out)[0] == 0
    assert generated(out / "staging") == ["extra", "notes.txt"]
    assert (out / "staging" / "notes.txt").read_text() == "ours\n"


def test_an_environment_still_declared_is_kept_with_env(built: tuple[Path, Path]) -> None:
    bp, out = built
    bp.write_text(TWO.replace("web:1", "web:2"))
    before = generated(out / "staging")
    code, stdout, _ = netgen("build", bp, "--out", out, "--env", "production")
    assert code == 0 and "removed" not in stdout
    assert generated(out / "staging") == before
    assert netgen("build", bp, "--out", out, "--check", "--env", "production")[0] == 0


def test_another_blueprints_environment_is_kept(built: tuple[Path, Path], tmp_path: Path
                                                 ) -> None:
    _, out = built
    other = tmp_path / "other.py"
    other.write_text(ONE)
    before = generated(out / "staging")
    assert netgen("build", other, "--out", out, "--check")[0] == 1  # production's header
    code, stdout, _ = netgen("build", other, "--out", out)
    assert code == 0 and "staging" not in stdout
    assert generated(out / "staging") == before


def test_a_state_without_its_blueprint_leaves_the_folder_alone(built: tuple[Path, Path]
                                                               ) -> None:
    bp, out = built
    (out / ".netgen" / "state-staging.json").write_text('{"fingerprint": "x", "files": {}}')
    before = generated(out / "staging")
    assert netgen("build", bp, "--out", out, "--check")[0] == 0
    assert netgen("build", bp, "--out", out)[0] == 0
    assert generated(out / "staging") == before


def test_an_interrupted_removal_is_finished_by_the_next_build(built: tuple[Path, Path]
                                                              ) -> None:
    bp, out = built
    # as if killed between moving the folder aside and deleting it
    os.rename(out / "staging", out / ".netgen" / ".netgen-gone-staging")
    assert netgen("build", bp, "--out", out)[0] == 0
    assert not os.path.lexists(out / "staging")
    assert not os.path.lexists(out / ".netgen" / ".netgen-gone-staging")
    assert not (out / ".netgen" / "state-staging.json").exists()
    assert write._GONE == ".netgen-gone-"
