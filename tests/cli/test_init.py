"""`netgen init`: a commented starter that builds as it is; never overwrites."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from netgen.cli.starter import blueprint_name
from tests.conftest import build, documents


def netgen(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_init_then_build(tmp_path: Path) -> None:
    folder = tmp_path / "Payments Team"
    code, out, err = netgen("init", folder)
    assert (code, err) == (0, "")
    target = folder / "blueprint.py"
    assert out == (f"netgen: wrote {target}: a starter system to edit into yours.\n"
                   "Next, build it:\n"
                   f"  netgen build '{target}' --out '{folder / 'out'}'\n")
    text = target.read_text()
    assert 'blueprint("payments-team")' in text
    assert text.count("\n# ") >= 10  # it explains itself

    code, out, err = netgen("build", target, "--out", folder / "out")
    assert code == 0, err
    assert (folder / "out" / "development" / "Service.web-nodeport.yaml").is_file()
    assert (folder / "out" / "production" / "Service.web-lb.yaml").is_file()


def test_starter_is_a_complete_system(tmp_path: Path) -> None:
    netgen("init", tmp_path)
    dev, prod = build(tmp_path / "blueprint.py")
    kinds = sorted({(d["kind"], d["metadata"]["name"]) for d in documents(prod)})
    assert ("StatefulSet", "db") in kinds and ("Service", "db-headless") in kinds
    assert ("Deployment", "api-v2") in kinds and ("Service", "payments") in kinds
    assert dev.plan.env.namespace == f"{blueprint_name(tmp_path)}-dev"


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "blueprint.py").write_text("# mine\n")
    code, out, err = netgen("init", tmp_path)
    assert (code, out) == (1, "")
    assert err == (f"netgen: {tmp_path / 'blueprint.py'} already exists; not overwriting it "
                   "(remove it, or choose another folder)\n")
    assert (tmp_path / "blueprint.py").read_text() == "# mine\n"


@pytest.mark.parametrize("where", ["afile", "a link to nothing", "afile/sub"])
def test_a_file_where_the_folder_goes_is_said_so(tmp_path: Path, where: str) -> None:
    """It said `File exists: FILE` (or `Not a directory`) and exited 3."""
    (tmp_path / "afile").write_text("mine\n")
    folder = tmp_path / where
    if where == "a link to nothing":
        folder.symlink_to(tmp_path / "nowhere")
    code, out, err = netgen("init", folder)
    assert (code, out) == (1, "")
    assert err == (f"netgen: {folder} is not a folder; init writes blueprint.py into a folder "
                   "(created if missing)\n" if where != "afile/sub" else
                   f"netgen: {folder} cannot be a folder: part of its path is a file\n")
    assert (tmp_path / "afile").read_text() == "mine\n"
    assert not (tmp_path / "nowhere").exists()


def test_current_folder_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = netgen("init")
    assert code == 0
    assert out.endswith("  netgen build blueprint.py --out out\n")
    assert (tmp_path / "blueprint.py").is_file()


@pytest.mark.parametrize(("folder", "name"), [
    ("shop", "shop"), ("My_Shop 2", "my-shop-2"), ("---", "my-system"), ("Ünïcode", "unicode"),
    ("x" * 80, "x" * 40),
])
def test_names_are_valid(tmp_path: Path, folder: str, name: str) -> None:
    assert blueprint_name(tmp_path / folder) == name
