"""What each exit code of `netgen build` means (docs/guarantees.md): 0 written or up to
date, 1 the blueprint has errors (or --check found differences), 2 the command line is
wrong, 3 out/ cannot be written, 70 a bug in netgen, 130 interrupted."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from tests.conftest import BLUEPRINTS

SHOP = str(BLUEPRINTS / "shop.py")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stderr


def test_0_when_written_and_when_up_to_date(tmp_path: Path) -> None:
    assert run("build", SHOP, "-o", str(tmp_path), "-q")[0] == 0
    assert run("build", SHOP, "-o", str(tmp_path), "--check")[0] == 0


def test_1_for_blueprint_errors(blueprint_file, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file("from netgen import *\nservice('web', port=0, image='w')\n")
    code, err = run("build", str(path), "-o", str(tmp_path))
    assert code == 1 and err.endswith("netgen: 1 error, nothing written\n")


def test_2_for_a_wrong_command_line(tmp_path: Path) -> None:
    code, err = run("build", SHOP, "--no-such-option")
    assert code == 2 and "No such option" in err


def test_3_when_out_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "out"
    blocker.write_text("a file where the output folder should be\n")
    code, err = run("build", SHOP, "-o", str(blocker))
    assert code == 3 and err.startswith("netgen: ")
    assert "Traceback" not in err


def test_70_for_a_bug_in_netgen_with_details_on_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("netgen.lower.lowering.lower", broken)
    monkeypatch.setattr("netgen.pipeline.lower", broken)
    code, err = run("build", SHOP, "-o", str(tmp_path / "o"))
    assert code == 70
    assert err == ("netgen: internal error: RuntimeError: boom (this is a bug in netgen; rerun "
                   "with NETGEN_DEBUG=1 for details)\n")
    monkeypatch.setenv("NETGEN_DEBUG", "1")
    code, err = run("build", SHOP, "-o", str(tmp_path / "o"))
    assert code == 70 and "Traceback" in err
    assert not (tmp_path / "o").exists()
