"""A build killed with SIGKILL at any point of writing leaves out/<env>/ whole (the previous
tree, or the new one once it was swapped in), and the next build finishes the job; a
second build while one is writing is refused with a clear message.

The kill is deterministic: `paused_build` runs the real CLI in a subprocess and stops at a
named point of `netgen.output.write` (see that module), the test kills it there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from netgen.output import layout, write

REPO = Path(__file__).resolve().parents[2]
SERVICES = 12


def blueprint(tmp_path: Path, version: int) -> Path:
    """Two versions whose every generated file differs (the blueprint name is in every
    header and label)."""
    lines = ["from netgen import *", f"blueprint('shop{version}')",
             "env('prod', namespace='prod')"]
    lines += [f"service('s{i}', port=80, image='img:{version}')" for i in range(SERVICES)]
    path = tmp_path / f"v{version}" / "bp.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def build(bp: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["build", str(bp), "-o", str(out), "-q"])
    return result.exit_code, result.stderr


def tree(folder: Path) -> dict[str, bytes] | None:
    """Every file of an env's folder (netgen's own state is in OUT/.netgen, not here)."""
    if not folder.is_dir():
        return None
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def leftovers(out: Path) -> list[str]:
    return sorted(n for n in os.listdir(layout.hidden(out))
                  if n.startswith((write._NEW, write._OLD)))


def start_paused(point: str, bp: Path, out: Path, tmp_path: Path, jobs: str = "1"
                 ) -> subprocess.Popen[str]:
    """In a session of its own, so a test can interrupt the build and its workers together
    as a terminal's Ctrl-C does."""
    marker = tmp_path / f"reached-{point}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.output.paused_build", point, str(marker), str(bp),
         "-o", str(out), "-q"],
        cwd=REPO, env={**os.environ, "NETGEN_JOBS": jobs, "PYTHONPATH": os.pathsep.join(
            filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))}, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"the build ended before reaching {point}: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the build did not reach {point}")
        time.sleep(0.02)
    return proc


def kill(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL


@pytest.fixture
def trees(tmp_path: Path) -> dict[str, object]:
    """out/ built from v1 with a user's file in it, and what v2 must make of it."""
    v1, v2 = blueprint(tmp_path, 1), blueprint(tmp_path, 2)
    out, ref = tmp_path / "out", tmp_path / "ref"
    for folder, bp in ((out, v1), (ref, v2)):
        assert build(bp, folder)[0] == 0
        (folder / "prod" / "notes.txt").write_text("a user's file\n")
    return {"v2": v2, "out": out, "old": tree(out / "prod"), "new": tree(ref / "prod")}


# Where the kill lands, and what out/prod must hold right after it.
POINTS = {
    "locked": "old",
    "staging": "old",
    "staged": "old",
    "swapped": "new",
}


@pytest.mark.parametrize("point", POINTS)
def test_killed_build_leaves_a_whole_tree(point: str, trees, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = trees["out"]
    assert trees["old"] != trees["new"]
    kill(start_paused(point, trees["v2"], out, tmp_path))
    assert tree(out / "prod") == trees[POINTS[point]]
    code, err = build(trees["v2"], out)
    assert code == 0, err
    assert tree(out / "prod") == trees["new"]
    assert leftovers(out) == []


def test_swap_interrupted_between_renames_is_restored(trees, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Without an atomic exchange (not Linux, or a file system without it) the swap is two
    renames; killed between them, out/prod is briefly missing, and the next build puts the
    previous tree back before anything else."""
    out = trees["out"]
    kill(start_paused("half-swap", trees["v2"], out, tmp_path))
    assert tree(out / "prod") is None
    assert tree(layout.hidden(out) / f"{write._OLD}prod") == trees["old"]
    write.recover(out)
    assert tree(out / "prod") == trees["old"] and leftovers(out) == []
    code, err = build(trees["v2"], out)
    assert code == 0, err
    assert tree(out / "prod") == trees["new"]


def test_second_build_is_refused_while_the_first_writes(trees, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = trees["out"]
    first = start_paused("locked", trees["v2"], out, tmp_path)
    try:
        code, err = build(trees["v2"], out)
        assert code == 3
        lock = layout.hidden(out) / layout.LOCK
        assert err == (f"netgen: another netgen build is writing to {out} ({lock} "
                       "is locked); try again when it has finished\n")
        assert tree(out / "prod") == trees["old"]
    finally:
        kill(first)
    code, err = build(trees["v2"], out)  # the lock died with the process
    assert code == 0, err
    assert tree(out / "prod") == trees["new"]


def test_ctrl_c_while_workers_render_writes_nothing_and_leaves_no_process(
        tmp_path: Path) -> None:
    """Ctrl-C reaches a build and its forked workers together: the build says so, exits
    130, and neither OUT nor a worker is left."""
    bp = tmp_path / "bp.py"
    bp.write_text("from netgen import *\nblueprint('shop')\nenv('dev', namespace='dev')\n"
                  "env('prod', namespace='prod')\nservice('web', port=80, image='web:1')\n")
    out = tmp_path / "out"
    proc = start_paused("rendering", bp, out, tmp_path, jobs="2")
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert err == "netgen: interrupted; nothing was written\n"
    assert not out.exists()
    with pytest.raises(ProcessLookupError):  # the whole session is gone
        os.killpg(proc.pid, 0)
