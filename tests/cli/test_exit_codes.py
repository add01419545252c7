"""What each exit code of `netgen build` means (docs/guarantees.md): 0 written or up to
date, 1 the blueprint has errors (or --check found differences), 2 the command line is
wrong, 3 out/ cannot be written, 70 a bug in netgen, 130 interrupted (saying which output is
in place), 141 the reader of stdout went away."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from netgen.output import layout, write
from tests.conftest import BLUEPRINTS

REPO = Path(__file__).resolve().parents[2]

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

    monkeypatch.setattr("netgen.lower.lower", broken)
    monkeypatch.setattr("netgen.pipeline.lower", broken)
    code, err = run("build", SHOP, "-o", str(tmp_path / "o"))
    assert code == 70
    assert err == ("netgen: internal error: RuntimeError: boom (this is a bug in netgen; rerun "
                   "with NETGEN_DEBUG=1 for details)\n")
    monkeypatch.setenv("NETGEN_DEBUG", "1")
    code, err = run("build", SHOP, "-o", str(tmp_path / "o"))
    assert code == 70 and "Traceback" in err
    assert not (tmp_path / "o").exists()


def _netgen(command: list[str], stdout: int, unbuffered: bool,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`netgen COMMAND` in a process of its own, as a shell runs it, with PYTHONUNBUFFERED
    set or not (container images often set it; Python's streams then write through)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    return subprocess.run([sys.executable, "-m", "netgen", *command], cwd=REPO, env=env,
                          stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=timeout)


# commands whose output goes out in different ways: typer.echo as it goes (diff, explain),
# written at the end (check, build --stdout), bytes (graph), the fast path (--version) and
# typer's own help
PRINTING = [["diff", SHOP, "-o", "nowhere"], ["explain", "dns", SHOP],
            ["build", SHOP, "--stdout"], ["check", SHOP], ["graph", SHOP], ["--version"],
            ["build", "--help"]]


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("command", PRINTING, ids=lambda c: " ".join(c[:2]).replace(SHOP, "shop"))
def test_a_closed_pipe_ends_quietly_like_other_tools(command: list[str],
                                                     unbuffered: bool) -> None:
    """`netgen diff | head`: the reader went away; no 'Broken pipe' message, no traceback,
    not Python's 120 for a failed final flush nor typer's 1 (which says the blueprint has
    errors) nor 3 (out/ could not be written), but 141 as a shell reports for
    `cat | head`."""
    read, write = os.pipe()
    os.close(read)
    try:
        result = _netgen(command, write, unbuffered)
    finally:
        os.close(write)
    assert (result.returncode, result.stderr) == (141, "")


def test_a_reader_leaving_mid_stream_is_141_with_unbuffered_output(tmp_path: Path) -> None:
    """With PYTHONUNBUFFERED=1 a long write to a pipe whose reader leaves takes only part
    of the stream, and Python's text layer dropped the rest and exited 0: `build --stdout |
    kubectl apply -f -` would look successful with kubectl gone."""
    services = "".join(f"service('svc-{i}', port=8080, image='img:{i}')\n" for i in range(250))
    blueprint = tmp_path / "big.py"
    blueprint.write_text(f"from netgen import *\nenv('prod', namespace='prod')\n{services}")
    reader = subprocess.Popen(["head", "-c", "100"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL)
    assert reader.stdin is not None
    try:
        result = _netgen(["build", str(blueprint), "--stdout"], reader.stdin.fileno(), True)
    finally:
        reader.stdin.close()
        reader.wait(timeout=60)
    assert (result.returncode, result.stderr) == (141, "")
    streamed = subprocess.run([sys.executable, "-m", "netgen", "build", str(blueprint),
                               "--stdout"], capture_output=True, cwd=REPO, timeout=120)
    assert len(streamed.stdout) > 200_000  # more than a pipe holds: the write had to wait


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("command", PRINTING[2:],
                         ids=lambda c: " ".join(c[:2]).replace(SHOP, "shop"))
def test_stdout_on_a_full_disk_is_said_once_and_exits_3(command: list[str],
                                                        unbuffered: bool) -> None:
    """`netgen check > report` with no room left: one message naming stdout and exit 3,
    not Python's 'Exception ignored' and 120 (the report was buffered to the end) or a
    traceback (typer's help)."""
    with open("/dev/full", "w") as full:
        result = _netgen(command, full.fileno(), unbuffered)
    assert (result.returncode, result.stderr) == (
        3, "netgen: No space left on device: stdout\n")


@pytest.mark.parametrize(("command", "code"), [
    (["--version"], 3), (["check", SHOP], 3), (["build", SHOP, "--stdout"], 3),
    (["build", "--help"], 0), (["build", SHOP, "-o", "OUT", "--quiet"], 0),
    (["build", SHOP, "-o", "OUT"], 0)], ids=["version", "check", "stdout", "help", "quiet",
                                             "summary"])
def test_a_closed_stdout_is_said_where_the_output_is_the_point(
        command: list[str], code: int, tmp_path: Path) -> None:
    """Started with stdout closed (`>&-`), as `ls` does: a command whose output is the point
    says so and exits 3; a build into OUT still builds and skips its summary line, as
    `print` would. It was an internal error (70), and a traceback once stdout was flushed
    at the end."""
    builds = "OUT" in command
    command = [str(tmp_path / "out") if c == "OUT" else c for c in command]
    result = subprocess.run([sys.executable, "-m", "netgen", *command], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            timeout=120, preexec_fn=lambda: os.close(1))
    assert (result.returncode, result.stderr) == (
        code, "netgen: Bad file descriptor: stdout\n" if code else "")
    assert (tmp_path / "out" / "production").is_dir() == builds


def _two_env_trees(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and layout.HIDDEN not in p.parts}


def test_ctrl_c_during_the_swap_finishes_it_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once one environment's new tree is in place, the others follow before Ctrl-C is
    acted on, and the message says the new output is in place (not the previous one)."""
    out, ref = tmp_path / "out", tmp_path / "ref"
    changed = tmp_path / "shop.py"
    changed.write_text(Path(SHOP).read_text().replace("shop/web:1.4", "shop/web:1.5"))
    assert run("build", SHOP, "-o", str(out))[0] == 0
    assert run("build", str(changed), "-o", str(ref))[0] == 0
    real_swap = write._swap

    def swap_then_ctrl_c(*args: Path) -> None:
        real_swap(*args)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(write, "_swap", swap_then_ctrl_c)
    code, err = run("build", str(changed), "-o", str(out))
    assert code == 130
    assert err == f"netgen: interrupted; {out} already holds the new output, whole\n"
    assert _two_env_trees(out) == _two_env_trees(ref)


_SWAP_THEN_SIGTERM = """
import os, signal, sys
from netgen.cli import main
from netgen.output import write

real_swap = write._swap

def swap_then_sigterm(*args):
    real_swap(*args)
    os.kill(os.getpid(), signal.SIGTERM)

write._swap = swap_then_sigterm
sys.argv = ["netgen", "build", *sys.argv[1:]]
main()
"""


def test_sigterm_during_the_swap_finishes_it_and_says_so(tmp_path: Path) -> None:
    """SIGTERM (a cancelled CI job, `timeout`) is held through the swap as Ctrl-C is: no
    build ends with some environments new and others old. In a process of its own: the
    signal's default action would end the test run."""
    out, ref = tmp_path / "out", tmp_path / "ref"
    changed = tmp_path / "shop.py"
    changed.write_text(Path(SHOP).read_text().replace("shop/web:1.4", "shop/web:1.5"))
    assert run("build", SHOP, "-o", str(out))[0] == 0
    assert run("build", str(changed), "-o", str(ref))[0] == 0
    result = subprocess.run([sys.executable, "-c", _SWAP_THEN_SIGTERM, str(changed), "-o",
                             str(out)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stderr) == (
        130, f"netgen: interrupted; {out} already holds the new output, whole\n")
    assert _two_env_trees(out) == _two_env_trees(ref)


def test_ctrl_c_after_writing_does_not_claim_the_previous_output_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from netgen.cli import build_core

    real_echo, calls = build_core.echo, []

    def echo(*args: object, **kwargs: object) -> None:
        calls.append(args)
        if len(calls) == 1:  # Ctrl-C while the summary is printed
            raise KeyboardInterrupt
        real_echo(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build_core, "echo", echo)
    out = tmp_path / "out"
    code, err = run("build", SHOP, "-o", str(out))
    assert code == 130
    assert err == f"netgen: interrupted; {out} already holds the new output, whole\n"
    assert (out / "production" / "Kustomization").exists()


def test_ctrl_c_before_the_swap_leaves_the_previous_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(write, "_stage", interrupted)
    code, err = run("build", SHOP, "-o", str(tmp_path / "out"))
    assert code == 130
    assert err == "netgen: interrupted; nothing was written\n"
    assert not (tmp_path / "out" / "production").exists()
