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


@pytest.mark.parametrize("command", [["diff", SHOP, "-o", "nowhere"],
                                     ["explain", "dns", SHOP],
                                     ["build", SHOP, "--stdout"]])
def test_a_closed_pipe_ends_quietly_like_other_tools(command: list[str]) -> None:
    """`netgen diff | head`: the reader went away; no 'Broken pipe' message and not exit 3
    (which says out/ could not be written), but 141 as a shell reports for `cat | head`."""
    read, write = os.pipe()
    os.close(read)
    try:
        result = subprocess.run([sys.executable, "-m", "netgen", *command], cwd=REPO,
                                stdout=write, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write)
    assert result.returncode == 141
    assert "Broken pipe" not in result.stderr and "Traceback" not in result.stderr


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
