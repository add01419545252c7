"""out/ is replaced whole or not at all, foreign files survive, and rebuilds are quiet."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from netgen.cli import app
from netgen.output import layout, write
from tests.conftest import BLUEPRINTS, parse

SHOP = str(BLUEPRINTS / "shop.py")

pytestmark = pytest.mark.usefixtures("both_ways")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def snapshot_tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_ino)
        for p in sorted(root.rglob("*")) if p.is_file() and layout.HIDDEN not in p.parts
    }


def test_build_writes_one_file_per_object_and_a_kustomization(tmp_path: Path) -> None:
    code, _, _ = run("build", SHOP, "-o", str(tmp_path))
    assert code == 0
    prod = tmp_path / "production"
    files = sorted(p.name for p in prod.iterdir() if not p.name.startswith("."))
    assert files[0] == "00-Namespace.production.yaml"
    kustomization = yaml.safe_load((prod / "Kustomization").read_text())
    assert kustomization["resources"] == [f for f in files if f.endswith(".yaml")]
    for f in files:
        if f.endswith(".yaml"):
            (doc,) = parse((prod / f).read_text())
            assert f.startswith(f"{doc['kind']}.{doc['metadata']['name']}") or f.startswith("00-")


def test_rebuild_with_no_change_writes_nothing(tmp_path: Path) -> None:
    run("build", SHOP, "-o", str(tmp_path))
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    code, out, _ = run("build", SHOP, "-o", str(tmp_path))
    assert code == 0 and "no changes" in out
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == before


def test_unchanged_rebuild_skips_rendering_but_repairs_edits(tmp_path: Path) -> None:
    run("build", SHOP, "-o", str(tmp_path))
    code, out, _ = run("build", SHOP, "-o", str(tmp_path))
    assert code == 0 and "objects rendered" not in out
    web = tmp_path / "production" / "Service.web.yaml"
    original = web.read_text()
    web.write_text(original.replace("port: 80", "port: 81"))
    code, out, _ = run("build", SHOP, "-o", str(tmp_path))
    assert "1 changed" in out and "objects rendered" in out
    assert web.read_text() == original
    web.unlink()
    code, out, _ = run("build", SHOP, "-o", str(tmp_path))
    assert "1 added" in out and web.read_text() == original


def test_template_override_invalidates_the_cache(tmp_path: Path) -> None:
    out_dir, house = tmp_path / "out", tmp_path / "house" / "kubernetes"
    run("build", SHOP, "-o", str(out_dir))
    house.mkdir(parents=True)
    builtin = Path(__file__).resolve().parents[2] / "netgen/targets/kubernetes/templates"
    text = (builtin / "namespace.yaml.j2").read_text()
    text = text.replace("  labels:\n", "  labels:\n    house: x\n")
    (house / "namespace.yaml.j2").write_text(text)
    code, out, _ = run("build", SHOP, "-o", str(out_dir), "--templates", str(tmp_path / "house"))
    assert code == 0 and "2 changed" in out
    assert "house: x" in (out_dir / "production" / "00-Namespace.production.yaml").read_text()


def test_foreign_files_survive_and_owned_stale_files_are_pruned(tmp_path: Path) -> None:
    run("build", SHOP, "-o", str(tmp_path))
    prod = tmp_path / "production"
    (prod / "my-secret.yaml").write_text("kind: Secret\n")
    (prod / "notes").mkdir()
    (prod / "notes" / "a.txt").write_text("keep")
    stale = prod / "Service.old.yaml"
    stale.write_text((prod / "Service.web.yaml").read_text())
    code, out, _ = run("build", SHOP, "-o", str(tmp_path))
    assert code == 0 and "1 removed" in out
    assert (prod / "my-secret.yaml").read_text() == "kind: Secret\n"
    assert (prod / "notes" / "a.txt").read_text() == "keep"
    assert not stale.exists()


def test_a_rebuilt_environment_folder_keeps_its_mode(tmp_path: Path) -> None:
    """The swap puts a new folder in place; it was 755 whatever the old one's mode."""
    run("build", SHOP, "-o", str(tmp_path))
    prod = tmp_path / "production"
    prod.chmod(0o2750)
    with (prod / "Service.web.yaml").open("a") as f:
        f.write("# edited\n")
    code, out, _ = run("build", SHOP, "-o", str(tmp_path))
    assert code == 0 and "1 changed" in out
    assert prod.stat().st_mode & 0o7777 == 0o2750


def test_foreign_file_in_the_way_is_an_error_not_overwritten(tmp_path: Path) -> None:
    prod = tmp_path / "production"
    prod.mkdir(parents=True)
    (prod / "Service.web.yaml").write_text("mine\n")
    code, _, err = run("build", SHOP, "-o", str(tmp_path))
    assert code == 3
    assert "production/Service.web.yaml exists and was not written by netgen" in err
    assert (prod / "Service.web.yaml").read_text() == "mine\n"


def test_failure_while_writing_leaves_previous_output_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("build", SHOP, "-o", str(tmp_path))
    (tmp_path / "production" / "extra.txt").write_text("user file")
    before = snapshot_tree(tmp_path)
    source = Path(SHOP).read_text().replace("shop/web:1.4", "shop/web:1.5")
    changed = tmp_path.parent / "changed" / "shop.py"
    changed.parent.mkdir(exist_ok=True)
    changed.write_text(source)

    real_open = os.open

    def failing_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
        # the second environment's first file: the first one's tree is staged by then
        # (serial), or being staged by another process (forked)
        if flags & os.O_WRONLY and f"{write._NEW}production" in str(path):
            raise OSError(28, "No space left on device", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr("os.open", failing_open)
    code, _, err = run("build", str(changed), "-o", str(tmp_path))
    monkeypatch.undo()
    assert code == 3 and "No space left on device" in err
    assert snapshot_tree(tmp_path) == before
    assert not [p for p in os.listdir(layout.hidden(tmp_path)) if p.startswith(".netgen-")]


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="finds a file by its descriptor")
def test_a_full_disk_while_writing_names_the_file_and_leaves_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk fails the write, not the open, and a write's error names no file: the
    message must (it said only 'No space left on device')."""
    run("build", SHOP, "-o", str(tmp_path))
    before = snapshot_tree(tmp_path)
    changed = tmp_path.parent / "changed" / "shop.py"
    changed.parent.mkdir(exist_ok=True)
    changed.write_text(Path(SHOP).read_text().replace("shop/web:1.4", "shop/web:1.5"))
    real_write = os.write

    def full(fd: int, data: bytes) -> int:  # the staged files only, not a worker's pipes
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if write._NEW in target:
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr("os.write", full)
    code, _, err = run("build", str(changed), "-o", str(tmp_path))
    monkeypatch.undo()
    assert code == 3
    assert err.startswith(f"netgen: No space left on device: {layout.hidden(tmp_path)}/")
    assert snapshot_tree(tmp_path) == before
    assert not [p for p in os.listdir(layout.hidden(tmp_path)) if p.startswith(".netgen-")]


def test_interrupted_swap_is_recovered_by_the_next_build(tmp_path: Path) -> None:
    run("build", SHOP, "-o", str(tmp_path))
    before = snapshot_tree(tmp_path / "production")
    # A build killed between its two renames leaves the old tree aside and a staged one.
    os.rename(tmp_path / "production", layout.hidden(tmp_path) / f"{write._OLD}production")
    (layout.hidden(tmp_path) / f"{write._NEW}production").mkdir()
    write.recover(tmp_path)
    assert snapshot_tree(tmp_path / "production") == before
    assert sorted(os.listdir(tmp_path)) == [layout.HIDDEN, "development", "production"]
    assert not [p for p in os.listdir(layout.hidden(tmp_path)) if p.startswith(".netgen-")]


def test_second_concurrent_build_is_refused_clearly(tmp_path: Path) -> None:
    layout.hidden(tmp_path).mkdir(parents=True)
    with open(layout.hidden(tmp_path) / layout.LOCK, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        code, _, err = run("build", SHOP, "-o", str(tmp_path))
    assert code == 3
    assert "another netgen build is writing to" in err
    assert not (tmp_path / "production").exists()


def test_check_reports_drift_and_exits_1(tmp_path: Path) -> None:
    code, _, _ = run("build", SHOP, "--check", "-o", str(tmp_path))
    assert code == 1
    run("build", SHOP, "-o", str(tmp_path))
    code, out, _ = run("build", SHOP, "--check", "-o", str(tmp_path))
    assert code == 0 and "up to date" in out
    (tmp_path / "production" / "Service.web.yaml").write_text("# Generated by netgen edited\n")
    code, _, err = run("build", SHOP, "--check", "-o", str(tmp_path))
    assert code == 1 and "changed" in err and "Service.web.yaml" in err


def test_stdout_is_one_stream_for_kubectl(tmp_path: Path) -> None:
    code, out, _ = run("build", SHOP, "--stdout", "-e", "production")
    assert code == 0
    docs = parse(out)
    assert docs[0]["kind"] == "Namespace"
    assert {d["metadata"].get("namespace", "production") for d in docs} == {"production"}
    assert not list(tmp_path.iterdir())
