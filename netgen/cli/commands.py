"""The `netgen` typer app and the list of its commands, one module each.

The shared pieces (exit codes, option types, `guarded`) live in `netgen.cli.options`;
command modules import those, never this module, so there is no import cycle. A new
command is one module in this package and one line in `COMMANDS`. `netgen.cli.main` builds
this app only when the fast path (`netgen.cli.fast`) does not take the command line.

A command's module is imported only when that command is looked up: to run it, print its
help, or list it in `netgen --help`. So `netgen routes` does not import the ECS importer that
`netgen import ecs` needs for its help text (a fifth of a second), and typer reads the
signature of one command instead of all. Each command is built by typer exactly as if it
had been registered on the app, so its help, usage errors and completion are unchanged.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterator, MutableMapping
from typing import Annotated, Any

import typer
import typer.core
import typer.main

from netgen._version import __version__
from netgen.cli.options import HELP

# name -> (module in netgen.cli, its command function or typer sub-app), in the order
# `netgen --help` lists them (typer lists commands before sub-apps).
COMMANDS: dict[str, tuple[str, str]] = {
    "build": ("build", "build"),
    "routes": ("routes", "routes"),
    "check": ("check", "check"),
    "diff": ("diff", "diff"),
    "graph": ("graph", "graph"),
    "init": ("init", "init"),
    "verify": ("verify", "verify"),
    "import": ("import_ecs", "app"),
    "explain": ("explain", "app"),
}


@functools.cache
def _declared(name: str) -> typer.Typer:
    """A typer app holding only the command `name`, declared as on the full app (once per
    process: the sub-apps are module globals that this registers commands on)."""
    module, attribute = COMMANDS[name]
    found = getattr(importlib.import_module(f"netgen.cli.{module}"), attribute)
    one = typer.Typer(pretty_exceptions_enable=False, **HELP)  # type: ignore[arg-type]
    if isinstance(found, typer.Typer):
        one.add_typer(found, name=name)
    else:
        one.command(name)(found)
    if name == "explain":  # `explain connectivity` is verify's, shown under explain
        from netgen.cli import verify

        found.command("connectivity")(verify.connectivity)
    return one


class _Commands(MutableMapping[str, Any]):
    """A group's commands, each built on first lookup; iterating names them all."""

    def __init__(self, given: MutableMapping[str, Any]) -> None:
        self._built = dict(given)

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in COMMANDS:
                raise KeyError(name)
            self._built[name] = typer.main.get_group(_declared(name)).commands[name]
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        yield from COMMANDS
        yield from (n for n in self._built if n not in COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS) + sum(1 for n in self._built if n not in COMMANDS)


class _LazyGroup(typer.core.TyperGroup):
    def __init__(self, *, commands: MutableMapping[str, Any] | None = None,
                 **settings: Any) -> None:
        super().__init__(commands=_Commands(commands or {}), **settings)


app = typer.Typer(
    name="netgen",
    help="Compile a Python blueprint into Kubernetes networking YAML.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=_LazyGroup,
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
