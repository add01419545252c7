"""What each exit code of `netgen build` means (docs/guarantees.md): 0 written or up to
date, 1 the blueprint has errors (or --check found differences), 2 the command line is
wrong, 3 out/ cannot be written, 70 a bug in netgen, 130 interrupted (saying which output is
in place), 141 the reader of stdout went away."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


def _netgen(command: list[str], stdout: int, unbuffered: bool = False,
            stderr: int = subprocess.PIPE,
            closed: tuple[int, ...] = ()) -> subprocess.CompletedProcess[str]:
    """`netgen COMMAND` in a process of its own, as a shell runs it, with PYTHONUNBUFFERED
    set or not (container images often set it; Python's streams then write through), and
    the descriptors `closed` closed as `>&-` does."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"

    def close() -> None:
        for fd in closed:
            os.close(fd)

    return subprocess.run([sys.executable, "-m", "netgen", *command], cwd=REPO, env=env,
                          stdout=stdout, stderr=stderr, text=True, timeout=120,
                          preexec_fn=close)


@contextmanager
def _gone_reader() -> Iterator[int]:
    """The writing end of a pipe whose reader has already gone (`netgen ... | true`)."""
    read, end = os.pipe()
    os.close(read)
    try:
        yield end
    finally:
        os.close(end)


def _big_blueprint(folder: Path, calls: bool = True) -> Path:
    """400 services in a ring of calls: its YAML stream (750 KB) and its connectivity table
    are more than a pipe holds; without the calls, `netgen check` warns of every service
    (no traffic may reach it), 100 KB."""
    services = "".join(f"service('svc-{i}', port=8080, image='img:{i}')\n" for i in range(400))
    ring = "".join(f"calls('svc-{i}', 'svc-{(i + 1) % 400}')\n" for i in range(400))
    blueprint = folder / "big.py"
    blueprint.write_text("from netgen import *\nenv('prod', namespace='prod', isolation=STRICT)\n"
                         f"{services}{ring if calls else ''}")
    return blueprint


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
    with _gone_reader() as stdout:
        result = _netgen(command, stdout, unbuffered)
    assert (result.returncode, result.stderr) == (141, "")


@pytest.mark.parametrize("command", [["build", "--stdout"], ["explain", "connectivity"]])
def test_a_reader_leaving_mid_stream_is_141_with_unbuffered_output(
        command: list[str], tmp_path: Path) -> None:
    """With PYTHONUNBUFFERED=1 a long write to a pipe whose reader leaves takes only part
    of the stream, and Python's text layer dropped the rest and exited 0: `build --stdout |
    kubectl apply -f -` would look successful with kubectl gone. Written at the end
    (`build --stdout`) or line by line through typer (`explain`)."""
    command = [*command, str(_big_blueprint(tmp_path))]
    reader = subprocess.Popen(["head", "-c", "100"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL)
    assert reader.stdin is not None
    try:
        result = _netgen(command, reader.stdin.fileno(), True, subprocess.PIPE)
    finally:
        reader.stdin.close()
        reader.wait(timeout=60)
    assert (result.returncode, result.stderr) == (141, "")
    whole = _netgen(command, subprocess.PIPE, True, subprocess.PIPE)
    assert len(whole.stdout) > 200_000  # more than a pipe holds: the write had to wait


# the big blueprint's place in each command line: typer's commands print line by line
# (`explain connectivity`, `diff`), build and check at the end
BIG = [["build", "BIG", "--stdout"], ["check", "BIG"], ["explain", "connectivity", "BIG"],
       ["diff", "BIG", "-o", "nowhere"]]


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("command", BIG, ids=lambda c: " ".join(c[:2]))
def test_a_non_blocking_stdout_gets_the_whole_output(command: list[str], unbuffered: bool,
                                                     tmp_path: Path) -> None:
    """A stdout another program made non-blocking (Node.js does, for the pipes its
    children share) refuses a write while it is full: the output is waited for, whichever
    way the command prints, not cut (exit 3 buffered, and unbuffered exit 0 with what
    fitted)."""
    import fcntl
    import threading

    blueprint = str(_big_blueprint(tmp_path, calls=command[0] != "check"))
    command = [blueprint if c == "BIG" else c for c in command]
    read, write = os.pipe()
    fcntl.fcntl(write, fcntl.F_SETFL, fcntl.fcntl(write, fcntl.F_GETFL) | os.O_NONBLOCK)
    received: list[bytes] = []

    def drain() -> None:
        time.sleep(1)  # long enough for the pipe to fill
        while chunk := os.read(read, 1 << 16):
            received.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        result = _netgen(command, write, unbuffered, subprocess.PIPE)
    finally:
        os.close(write)
        reader.join(timeout=60)
        os.close(read)
    expected = _netgen(command, subprocess.PIPE)
    assert (result.returncode, result.stderr) == (expected.returncode, expected.stderr)
    assert b"".join(received).decode() == expected.stdout
    assert len(expected.stdout) > 70_000  # more than the pipe holds


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("command", [*PRINTING, ["routes", SHOP], ["verify", SHOP]],
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
    result = _netgen(command, subprocess.DEVNULL, stderr=subprocess.PIPE, closed=(1,))
    assert (result.returncode, result.stderr) == (
        code, "netgen: Bad file descriptor: stdout\n" if code else "")
    assert (tmp_path / "out" / "production").is_dir() == builds


def test_a_closed_stream_keeps_the_verdict(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """A blueprint's errors are exit 1 whichever stream is closed (`>&-`, `2>&-`), and a
    build with stderr closed still builds (the progress display asked a closed stderr
    whether it was a terminal: 70)."""
    broken = str(blueprint_file("from netgen import *\nservice('web', port=0, image='w')\n"))
    for command, closed in [(["routes", broken], 1), (["diff", SHOP, "-o", "nowhere"], 1),
                            (["check", broken], 2), (["routes", broken], 2)]:
        result = _netgen(command, subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         closed=(closed,))
        assert result.returncode == 1, (command, closed)
    assert _netgen(["build", SHOP, "--stdout"], subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, closed=(2,)).returncode == 0


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_stderr_keeps_the_verdict(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """With stderr on a full disk nothing can be said, and the exit code is all the caller
    gets: still the verdict (diff's 1 for changes, 1 for a blueprint's errors, 2 for a
    usage error), where the commands printing through typer made it 3."""
    broken = str(blueprint_file("from netgen import *\nservice('web', port=0, image='w')\n"))
    with open("/dev/full", "w") as full:
        for command, code in [(["diff", SHOP, "-o", "nowhere"], 1), (["routes", broken], 1),
                              (["explain", "dns", broken], 1), (["verify", broken], 1),
                              (["check", broken], 1), (["build", broken, "-o", "nowhere"], 1),
                              (["routes", "--nope"], 2), (["build", "--nope"], 2)]:
            result = _netgen(command, subprocess.DEVNULL, stderr=full.fileno())
            assert result.returncode == code, command


@pytest.mark.parametrize("both", [False, True], ids=["stdout", "2>&1"])
@pytest.mark.parametrize("non_blocking", [False, True], ids=["blocking", "non-blocking"])
@pytest.mark.parametrize("command", [["diff", "BIG", "-o", "nowhere"],
                                     ["build", "BIG", "--stdout"]], ids=lambda c: c[0])
def test_ctrl_c_while_waiting_for_a_reader_ends_the_command(
        command: list[str], non_blocking: bool, both: bool, tmp_path: Path) -> None:
    """A reader that stopped reading (a paused pager, a stuck pipeline) leaves netgen
    waiting to write; Ctrl-C ends it with 130, not a wait at the end for what is left in
    the buffer (`diff` prints line by line: a hang only SIGKILL ended, and a traceback on a
    second Ctrl-C; with stderr on the same pipe, `2>&1 | less`, the message about the
    interruption waited for it too)."""
    import fcntl

    command = [str(_big_blueprint(tmp_path)) if c == "BIG" else c for c in command]
    read, write = os.pipe()
    if non_blocking:
        fcntl.fcntl(write, fcntl.F_SETFL, fcntl.fcntl(write, fcntl.F_GETFL) | os.O_NONBLOCK)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    process = subprocess.Popen([sys.executable, "-m", "netgen", *command], cwd=REPO, env=env,
                               stdout=write, stderr=write if both else subprocess.PIPE,
                               text=True)
    os.close(write)
    try:
        waited = time.monotonic() + 60
        while not _waits_to_write(process.pid):
            assert time.monotonic() < waited, "netgen never waited for its reader"
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
        os.close(read)
    said = "interrupted" if command[0] == "diff" else "interrupted; nothing was written"
    assert (process.returncode, err) == (130, None if both else f"netgen: {said}\n")


def _waits_to_write(pid: int) -> bool:
    """The process sleeps in a pipe write or in select (its wait for room)."""
    try:
        wchan = Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return False
    return any(w in wchan for w in ("pipe_write", "poll_schedule", "select"))


def test_a_partial_line_on_unbuffered_stderr_is_seen_at_once(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """PYTHONUNBUFFERED=1 makes stderr unbuffered: what a blueprint writes there comes
    before what a child process writes after it, even without a line end."""
    path = blueprint_file("import os, sys\nsys.stderr.write('A-partial ')\n"
                          "os.system('echo B-child >&2')\nfrom netgen import *\n"
                          "service('web', port=80, image='w')\n")
    result = _netgen(["routes", str(path)], subprocess.DEVNULL, unbuffered=True)
    assert result.stderr.startswith("A-partial B-child\n")


@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
def test_what_a_blueprint_writes_to_the_original_stdout_goes_to_stderr(
        unbuffered: bool, blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """`sys.__stdout__` is stdout too: a blueprint's text there joins its other output on
    stderr, not the YAML stream (it came after the YAML, at the process's end)."""
    path = blueprint_file("import sys\nsys.__stdout__.write('from the blueprint\\n')\n"
                          "from netgen import *\nservice('web', port=80, image='w')\n")
    result = _netgen(["build", str(path), "--stdout"], subprocess.PIPE, unbuffered)
    assert (result.returncode, result.stderr) == (0, "from the blueprint\n")
    assert result.stdout.startswith("---\n") and "from the blueprint" not in result.stdout
    if Path("/dev/full").exists():  # nor when stderr fails: it stayed in stdout's buffer
        with open("/dev/full", "w") as full:
            result = _netgen(["build", str(path), "--stdout"], subprocess.PIPE, unbuffered,
                             stderr=full.fileno())
        assert result.returncode == 0
        assert result.stdout.startswith("---\n") and "from the blueprint" not in result.stdout


def test_a_usage_error_to_a_gone_reader_is_141() -> None:
    """`netgen build --nope 2>&1 | head`: the usage message stayed in stderr's buffer and
    the interpreter's last flush failed on it: Python's 120."""
    with _gone_reader() as both:
        result = _netgen(["build", "--nope"], both, stderr=both)
    assert result.returncode == 141


def test_a_message_to_a_gone_stderr_reader_is_141(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """Whichever stream's reader went away, the command ends as SIGPIPE would end it: a
    blueprint's errors said to a gone stderr were exit 1 from `routes` and `graph`, and 141
    from `diff`, which printed through typer."""
    broken = str(blueprint_file("from netgen import *\nservice('web', port=0, image='w')\n"))
    with _gone_reader() as stderr:
        for command in [["routes", broken], ["graph", broken], ["diff", SHOP, "-o", "nowhere"],
                        ["build", "--nope"]]:
            result = _netgen(command, subprocess.DEVNULL, stderr=stderr)
            assert result.returncode == 141, command


def test_help_to_a_gone_reader_with_stderr_closed_is_141() -> None:
    """typer quiets stdout and stderr for the interpreter's last flush by wrapping them,
    and wrapped a closed stderr too, whose flush then failed: Python's 120."""
    with _gone_reader() as stdout:
        result = _netgen(["--help"], stdout, stderr=subprocess.DEVNULL, closed=(2,))
    assert result.returncode == 141
    if Path("/dev/full").exists():
        with open("/dev/full", "w") as full:
            assert _netgen(["--version"], subprocess.DEVNULL,
                           stderr=full.fileno()).returncode == 0


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

if os.environ.get("IGNORE_TERM"):  # as `trap '' TERM` or nohup-like callers leave it
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

real_swap = write._swap

def swap_then_sigterm(*args):
    real_swap(*args)
    os.kill(os.getpid(), signal.SIGTERM)

write._swap = swap_then_sigterm
sys.argv = ["netgen", "build", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("ignored", [False, True], ids=["default", "ignored"])
def test_sigterm_during_the_swap_finishes_it_and_says_so(tmp_path: Path, ignored: bool) -> None:
    """SIGTERM (a cancelled CI job, `timeout`) is held through the swap as Ctrl-C is: no
    build ends with some environments new and others old; a caller that ignores SIGTERM
    gets a build that ignores it. In a process of its own: the signal's default action
    would end the test run."""
    out, ref = tmp_path / "out", tmp_path / "ref"
    changed = tmp_path / "shop.py"
    changed.write_text(Path(SHOP).read_text().replace("shop/web:1.4", "shop/web:1.5"))
    assert run("build", SHOP, "-o", str(out))[0] == 0
    assert run("build", str(changed), "-o", str(ref))[0] == 0
    result = subprocess.run([sys.executable, "-c", _SWAP_THEN_SIGTERM, str(changed), "-o",
                             str(out), "-q"], cwd=REPO, capture_output=True, text=True,
                            timeout=120, env={**os.environ, "IGNORE_TERM": "1" if ignored else ""})
    assert (result.returncode, result.stderr) == ((0, "") if ignored else (
        130, f"netgen: interrupted; {out} already holds the new output, whole\n"))
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


@pytest.mark.parametrize("command", [["routes"], ["verify"], ["diff"], ["explain", "dns"]])
def test_a_command_that_writes_nothing_does_not_say_it_wrote_nothing(
        command: list[str], tmp_path: Path) -> None:
    """Their errors ended in 'nothing written', which only a command that writes can say."""
    bp = tmp_path / "bp.py"
    bp.write_text("from netgen import *\ncalls('a', 'b')\n")
    done = subprocess.run([sys.executable, "-m", "netgen", *command, str(bp)], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == "netgen: 2 errors"
