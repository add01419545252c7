"""OUT is hostile ground: a repository may have committed anything into out/. netgen never
follows a link there, never reads or replaces what is not a regular file it wrote, refuses
(exit 3, naming the path) what is in the way, and keeps its own state where git ignores it."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from netgen.output import layout
from tests.conftest import BLUEPRINTS

SHOP = str(BLUEPRINTS / "shop.py")
REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.usefixtures("both_ways")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def touch_generated(out: Path) -> None:
    """An edited generated file, so the next build rewrites (and re-saves its state)."""
    web = out / "production" / "Service.web.yaml"
    web.write_text(web.read_text() + "# edited\n")


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink()}


def build_in_subprocess(out: Path, memory: int = 1 << 30) -> subprocess.CompletedProcess[str]:
    """A real `netgen build` with a memory ceiling and a time limit: a build that reads a
    FIFO, /dev/zero or a huge file whole fails here instead of hanging the suite."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run(
        [sys.executable, "-m", "netgen", "build", SHOP, "-o", str(out), "-q"],
        cwd=REPO, capture_output=True, text=True, timeout=120, preexec_fn=limit,
    )


@pytest.mark.parametrize("planted", [
    "production/.netgen-state.tmp",  # where earlier versions wrote their cache
    "production/.netgen-state",
    ".netgen/state-production.json.tmp",
    ".netgen/state-production.json",
    ".netgen/.gitignore",
    ".netgen/.gitignore.tmp",
])
def test_a_planted_link_never_writes_outside_out(tmp_path: Path, planted: str) -> None:
    out, victim = tmp_path / "out", tmp_path / "victim.txt"
    assert run("build", SHOP, "-o", str(out))[0] == 0
    victim.write_text("precious\n")
    link = out / planted
    if link.exists():
        link.unlink()
    link.symlink_to(victim)
    touch_generated(out)
    code, _, err = run("build", SHOP, "-o", str(out))
    assert code in (0, 3), err
    assert victim.read_text() == "precious\n"


def test_a_symlinked_env_folder_is_refused_and_does_not_wedge_out(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine\n")
    out.mkdir()
    (out / "production").symlink_to(elsewhere)
    code, _, err = run("build", SHOP, "-o", str(out))
    assert code == 3
    assert f"{out / 'production'} is a symbolic link" in err
    assert files(elsewhere) == {"keep.txt": b"mine\n"}
    assert not (out / "development").exists()  # nothing written, not even the other env
    assert not layout.hidden(out).exists()  # refused before the lock made OUT/.netgen
    (out / "production").unlink()
    assert run("build", SHOP, "-o", str(out))[0] == 0  # not wedged


@pytest.mark.parametrize("kind", ["file", "fifo", "symlink", "out itself a file",
                                  "out a link to nothing", "out under a file", "--check"])
def test_what_stands_where_a_folder_goes_is_named_and_out_left_as_it_was(
    tmp_path: Path, kind: str
) -> None:
    """A file said to be "not a regular file", and a refused build that left a new
    OUT/.netgen behind (its lock and .gitignore), were both seen in a README walk-through."""
    out = tmp_path / "out"
    out.mkdir()
    where, said = out / "production", "is a file, not a folder netgen wrote"
    if kind == "file":
        where.write_text("mine\n")
    elif kind == "fifo":
        os.mkfifo(where)
        said = "is a FIFO, not a folder netgen wrote"
    elif kind == "symlink":
        where.symlink_to(tmp_path)
        said = "is a symbolic link, not a folder netgen wrote"
    elif kind == "out a link to nothing":  # it said `File exists`
        out.rmdir()
        out.symlink_to(tmp_path / "nowhere")
        where, said = out, "is a symbolic link to nothing; the output is a folder"
    elif kind == "out under a file":  # it said `Not a directory`
        (tmp_path / "afile").write_text("mine\n")
        where = out = tmp_path / "afile" / "out"
        said = "cannot be a folder: part of its path is a file"
    else:  # `--check` against a file: it said `Not a directory: OUT/development`
        out.rmdir()
        out.write_text("mine\n")
        where, said = out, "is a file, not a folder; the output is a folder"
    before = sorted(os.listdir(out)) if out.is_dir() else None
    code, _, err = run("build", SHOP, "-o", str(out), *(["--check"] if kind == "--check" else []))
    assert code == 3 and err.startswith(f"netgen: {where} {said}")
    assert (sorted(os.listdir(out)) if out.is_dir() else None) == before


@pytest.mark.parametrize("kind", ["folder", "symlink", "fifo"])
def test_something_else_at_a_generated_name_is_refused_and_kept(
    tmp_path: Path, kind: str
) -> None:
    out = tmp_path / "out"
    prod = out / "production"
    prod.mkdir(parents=True)
    target = prod / "Service.web.yaml"
    if kind == "folder":
        target.mkdir()
        (target / "inside.txt").write_text("mine\n")
    elif kind == "symlink":
        (tmp_path / "real.yaml").write_text("mine\n")
        target.symlink_to(tmp_path / "real.yaml")
    else:
        os.mkfifo(target)
    code, _, err = run("build", SHOP, "-o", str(out))
    assert code == 3
    assert f"{target} is a" in err and "not a file netgen wrote" in err
    if kind == "folder":
        assert (target / "inside.txt").read_text() == "mine\n"
    elif kind == "symlink":
        assert target.is_symlink() and (tmp_path / "real.yaml").read_text() == "mine\n"
    assert not (out / "development").exists()


def test_a_users_link_folder_and_fifo_elsewhere_in_out_are_carried_over(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", SHOP, "-o", str(out))[0] == 0
    prod = out / "production"
    (prod / "link.yaml").symlink_to("/dev/zero")
    os.mkfifo(prod / "pipe.yaml")
    touch_generated(out)
    result = build_in_subprocess(out)
    assert result.returncode == 0, result.stderr
    assert os.readlink(prod / "link.yaml") == "/dev/zero"
    assert (prod / "pipe.yaml").is_fifo()


@pytest.mark.parametrize("where", ["production/.netgen-state", ".netgen/state-production.json",
                                   ".netgen/lock"])
def test_special_files_at_netgens_own_names_neither_hang_nor_exhaust_memory(
    tmp_path: Path, where: str
) -> None:
    out = tmp_path / "out"
    assert run("build", SHOP, "-o", str(out))[0] == 0
    for special in ("fifo", "zero"):
        path = out / where
        path.unlink(missing_ok=True)
        if special == "fifo":
            os.mkfifo(path)
        else:
            path.symlink_to("/dev/zero")
        result = build_in_subprocess(out)
        if where == ".netgen/lock":
            assert result.returncode == 3 and str(path) in result.stderr
        else:
            assert result.returncode == 0, result.stderr


def test_a_huge_user_file_in_out_is_not_read_into_memory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("build", SHOP, "-o", str(out))[0] == 0
    with open(out / "production" / "big.yaml", "wb") as f:
        f.truncate(3 << 30)  # sparse: 3 GB to read, nothing on disk
    touch_generated(out)
    result = build_in_subprocess(out, memory=1 << 30)
    assert result.returncode == 0, result.stderr
    assert (out / "production" / "big.yaml").stat().st_size == 3 << 30


def test_a_symlinked_state_folder_is_refused(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / layout.HIDDEN).symlink_to(elsewhere)
    code, _, err = run("build", SHOP, "-o", str(out))
    assert code == 3 and f"{out / layout.HIDDEN} is a symbolic link" in err
    assert list(elsewhere.iterdir()) == []


def git(folder: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True,
                          check=True, env=env).stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_two_builds_look_the_same_to_git_and_a_rebuild_leaves_it_clean(tmp_path: Path) -> None:
    seen = []
    for name in ("a", "b"):
        repo = tmp_path / name
        repo.mkdir()
        git(repo, "init", "-q")
        assert run("build", SHOP, "-o", str(repo / "out"))[0] == 0
        git(repo, "add", "-A")
        seen.append(git(repo, "ls-files", "-s"))
        git(repo, "commit", "-qm", "build")
        touch_generated(repo / "out")
        assert run("build", SHOP, "-o", str(repo / "out"))[0] == 0
        assert git(repo, "status", "--porcelain") == ""
    assert seen[0] == seen[1]
    assert layout.HIDDEN not in seen[0] and ".netgen" not in seen[0]
    assert "production/Kustomization" in seen[0]
