"""The CLI around the commands: version, shell completion, progress only on a terminal."""

from __future__ import annotations

import io
from pathlib import Path

import typer
from rich.console import Console
from typer.testing import CliRunner

from netgen import __version__
from netgen.cli import app
from netgen.cli.console import progress
from tests.conftest import BLUEPRINTS


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"netgen {__version__}\n")


def test_every_command_is_listed() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "diff", "graph", "init", "explain"):
        assert f" {command} " in result.stdout


def test_show_completion_script() -> None:
    result = CliRunner().invoke(app, ["--show-completion", "bash"], prog_name="netgen")
    assert result.exit_code == 0
    assert "_NETGEN_COMPLETE=complete_bash" in result.stdout
    assert "complete -o default -F _netgen_completion netgen" in result.stdout


def complete(words: str) -> list[str]:
    result = CliRunner().invoke(app, [], prog_name="netgen", env={
        "_NETGEN_COMPLETE": "complete_bash", "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))})
    assert result.exit_code == 0
    return result.stdout.split()


def test_completion_of_commands_and_options() -> None:
    assert {"build", "check", "diff", "graph", "init", "explain", "verify"} <= set(
        complete("netgen "))
    assert complete("netgen check x --format ") == ["text", "json", "sarif"]
    assert complete("netgen gr") == ["graph"]
    assert "--against" in complete("netgen diff --ag")
    assert sorted(complete("netgen explain ")) == ["connectivity", "dns"]
    assert complete("netgen graph x --format ") == ["mermaid", "dot", "svg", "png"]


def test_progress_is_shown_on_a_terminal_only() -> None:
    buffer = io.StringIO()
    terminal = Console(file=buffer, force_terminal=True, width=60)
    with progress(False, console=terminal) as stage:
        stage("resolving")
    assert "netgen:" in buffer.getvalue()

    quiet = io.StringIO()
    with progress(True, console=Console(file=quiet, force_terminal=True)) as stage:
        stage("resolving")
    assert quiet.getvalue() == ""

    piped = io.StringIO()
    with progress(False, console=Console(file=piped, force_terminal=False)) as stage:
        stage("resolving")
    assert piped.getvalue() == ""


def test_build_output_stays_plain_when_piped(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["build", str(BLUEPRINTS / "shop.py"), "--out",
                                      str(tmp_path)])
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout.startswith("netgen: ") and "\x1b" not in result.stdout
    quiet = CliRunner().invoke(app, ["build", str(BLUEPRINTS / "shop.py"), "--out",
                                     str(tmp_path), "--quiet"])
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")


def _commands(group: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if hasattr(group, "commands"):
        return [p for name, sub in group.commands.items()
                for p in _commands(sub, (*path, name))]
    return [path]


def test_help_shows_flags_as_flags() -> None:
    """`--stdout` takes no value; typer's rich help printed it as `--stdout <bool>`."""
    commands = _commands(typer.main.get_command(app))
    assert ("build",) in commands and ("explain", "dns") in commands
    for command in commands:
        result = CliRunner().invoke(app, [*command, "--help"], prog_name="netgen")
        assert result.exit_code == 0, command
        assert "<bool>" not in result.stdout, command
        assert "<list[" not in result.stdout, command


def test_one_stale_file_and_a_templates_file_are_said_rightly(tmp_path: Path) -> None:
    """'(1 file differ)'; a file given as --templates was 'does not exist'."""
    bp = tmp_path / "bp.py"
    bp.write_text('from netgen import *\nservice("a", port=80, image="a:1")\n')
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["build", str(bp), "-o", str(out), "-q"]).exit_code == 0
    with (out / "default" / "Service.a.yaml").open("a") as f:
        f.write("# edited\n")
    checked = runner.invoke(app, ["build", str(bp), "-o", str(out), "--check"])
    assert checked.exit_code == 1
    assert checked.stderr.splitlines()[-1] == (
        f"netgen: {out} is not up to date with {bp} (1 file differs)")
    wrong = runner.invoke(app, ["build", str(bp), "-o", str(out), "--templates", str(bp)])
    assert wrong.exit_code == 1
    assert f"error: template folder {bp} is a file, not a folder" in wrong.stderr
