"""The typer app imports a command's module only when that command is looked up: running
`netgen routes` or printing `netgen check --help` does not import the ECS importer (which
`netgen import ecs` needs for its help text) nor any other command."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest
import typer.main
from typer.testing import CliRunner

from netgen.cli.commands import COMMANDS, app, main_options
from tests.conftest import BLUEPRINTS, REPO

MODULES = [f"netgen.cli.{module}" for module, _ in COMMANDS.values()]


def loaded_after(*argv: str) -> tuple[int, list[str]]:
    """The exit code, and which command modules (and the importers) were imported."""
    probe = ("import json, sys\nsys.argv = ['netgen', *sys.argv[1:]]\n"
             "from netgen.cli import main\n"
             "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
             f"print(json.dumps([code, sorted(m for m in {[*MODULES, 'netgen.importers']!r}"
             " if m in sys.modules)]), file=sys.stderr)\n")
    run = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True,
                         cwd=REPO, check=False)
    code, modules = json.loads(run.stderr.strip().splitlines()[-1])
    return code, modules


@pytest.mark.parametrize("argv, code, modules", [
    (["routes", str(BLUEPRINTS / "shop.py")], 0, ["netgen.cli.routes"]),
    (["check", "--help"], 0, ["netgen.cli.check"]),
    (["check", "x.py", "--format", "xml"], 2, ["netgen.cli.check"]),
    (["explain", "connectivity", "--help"], 0, ["netgen.cli.explain", "netgen.cli.verify"]),
    (["nosuch"], 2, []),
])
def test_only_the_command_run_is_imported(argv: list[str], code: int, modules: list[str]
                                          ) -> None:
    assert loaded_after(*argv) == (code, modules)


def test_the_help_lists_every_command_in_order() -> None:
    """`netgen --help` builds every command, in the order typer listed them before."""
    # commands registered before sub-apps, as commands.py did
    assert list(COMMANDS) == ["build", "routes", "check", "diff", "graph", "init", "verify",
                              "import", "explain"]
    group = typer.main.get_command(app)
    assert group.list_commands(None) == list(COMMANDS)  # type: ignore[arg-type]
    assert [group.commands[n].name for n in COMMANDS] == list(COMMANDS)  # type: ignore[attr-defined]


def eager() -> typer.Typer:
    """The app as it was built before: every command registered up front."""
    full = typer.Typer(name="netgen", help=app.info.help, no_args_is_help=True,
                       pretty_exceptions_enable=False, rich_markup_mode=None)
    full.callback()(main_options)
    for name, (module, attribute) in COMMANDS.items():
        found = getattr(importlib.import_module(f"netgen.cli.{module}"), attribute)
        if isinstance(found, typer.Typer):
            full.add_typer(found, name=name)
        else:
            full.command(name)(found)
    return full


def test_help_and_usage_errors_are_those_of_the_eager_app() -> None:
    typer.main.get_command(app).commands["explain"]  # type: ignore[attr-defined]  # registers connectivity
    full = eager()
    paths = [[], ["--help"], ["nosuch"], ["buil"], ["check"], ["import", "ecs"], ["explain"]]
    group = typer.main.get_command(full)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        paths.append([name, "--help"])
        paths += [[name, sub, "--help"] for sub in getattr(command, "commands", {})]
    assert ["explain", "connectivity", "--help"] in paths
    for argv in paths:
        want = CliRunner().invoke(full, argv, prog_name="netgen")
        got = CliRunner().invoke(app, argv, prog_name="netgen")
        assert (got.exit_code, got.stdout, got.stderr) == (
            want.exit_code, want.stdout, want.stderr), argv
