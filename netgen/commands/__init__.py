"""The commands around `build`, one module each; `register` adds them to the CLI.

They import the CLI's shared pieces (`guarded`, `fail`, option types) from `netgen.cli`,
which calls `register` once it has defined them. A new command (such as `check`) is one
module here and one line in `register`.
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    from netgen.commands import check, diff, explain, graph, init, verify

    app.command("check")(check.check)
    app.command("diff")(diff.diff)
    app.command("graph")(graph.graph)
    app.command("init")(init.init)
    app.add_typer(explain.app, name="explain")
    app.command("verify")(verify.verify)
    explain.app.command("connectivity")(verify.connectivity)


# Importing a command module first must still work: load the CLI (which calls `register`
# above) before any command module, so none is registered half-imported.
import netgen.cli  # noqa: E402, F401
