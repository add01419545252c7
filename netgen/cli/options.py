"""What every command shares: exit codes, option types, and `guarded`, the only place that
turns errors into messages and exit codes.

Exit codes: 0 success; 1 the blueprint or input has errors, or a check found differences;
2 the command line is wrong; 3 the output folder could not be written; 70 a bug in netgen;
130 interrupted (the message says whether the new output is in place); 141 stdout's reader
went away.

Command modules import this module, never `netgen.cli` itself, so the package has no cycle.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from netgen.cli.errors import (  # noqa: F401  (re-exported for the command modules)
    EXIT_BROKEN_PIPE,
    EXIT_BUG,
    EXIT_ERRORS,
    EXIT_OUTPUT,
    EXIT_USAGE,
    handled,
)

# Plain help (click's): typer's rich panels print a flag as `--stdout <bool>`, as if it
# took a value, and a list option's Python type (`<list[str]>`) instead of a metavar.
HELP = {"rich_markup_mode": None}

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = EXIT_ERRORS) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def guarded(fn: F, writes: bool = True) -> F:
    """User mistakes become diagnostics; only a netgen bug shows a traceback (on request).
    The messages and codes are `netgen.cli.errors.handled`'s, shared with the fast path."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except BaseException as e:
            code = handled(e, writes)
            if code is None:
                raise
            raise typer.Exit(code) from None

    return wrapper  # type: ignore[return-value]


def reading(fn: F) -> F:
    """`guarded`, for a command that writes no file (diff, routes, verify, explain): its
    errors do not end in 'nothing written'."""
    return guarded(fn, writes=False)


Blueprint = Annotated[
    Path, typer.Argument(metavar="BLUEPRINT", help="The blueprint file (a Python file).")
]
Envs = Annotated[
    list[str] | None,
    typer.Option("--env", "-e", metavar="NAME",
                 help="Only this environment (repeatable); default: all."),
]
Templates = Annotated[
    list[Path] | None,
    typer.Option("--templates", metavar="DIR",
                 help="A folder of template overrides, searched first."),
]
NoProgress = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]
