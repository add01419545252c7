"""The `netgen` typer app and the list of its commands, one module each.

The shared pieces (exit codes, option types, `guarded`) live in `netgen.cli.options`;
command modules import those, never this module, so there is no import cycle. A new
command is one module in this package and one line below. `netgen.cli.main` builds this
app only when the fast path (`netgen.cli.fast`) does not take the command line.
"""

from __future__ import annotations

from typing import Annotated

import typer

from netgen._version import __version__
from netgen.cli import build, check, diff, explain, graph, import_ecs, init, routes, verify
from netgen.cli.options import HELP

app = typer.Typer(
    name="netgen",
    help="Compile a Python blueprint into Kubernetes networking YAML.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    **HELP,  # type: ignore[arg-type]
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"netgen {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Compile a Python blueprint into Kubernetes networking YAML."""


app.command("build")(build.build)
app.add_typer(import_ecs.app, name="import")
app.command("routes")(routes.routes)
app.command("check")(check.check)
app.command("diff")(diff.diff)
app.command("graph")(graph.graph)
app.command("init")(init.init)
app.add_typer(explain.app, name="explain")
app.command("verify")(verify.verify)
explain.app.command("connectivity")(verify.connectivity)
