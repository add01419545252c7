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
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from netgen.problems import ProblemError

EXIT_ERRORS, EXIT_USAGE, EXIT_OUTPUT, EXIT_BUG = 1, 2, 3, 70
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `cat big | head`

# Plain help (click's): typer's rich panels print a flag as `--stdout <bool>`, as if it
# took a value, and a list option's Python type (`<list[str]>`) instead of a metavar.
HELP = {"rich_markup_mode": None}

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = EXIT_ERRORS) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def guarded(fn: F) -> F:
    """User mistakes become diagnostics; only a netgen bug shows a traceback (on request)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from netgen.output.reading import OutputError
        from netgen.output.write import Interrupted

        try:
            return fn(*args, **kwargs)
        except BrokenPipeError:
            _quiet_stdout()
            raise typer.Exit(EXIT_BROKEN_PIPE) from None
        except ProblemError as e:
            for d in e.problems:
                typer.echo(d.render(), err=True)
            n = sum(1 for d in e.problems if d.severity == "error")
            raise fail(f"netgen: {n} error{'s' if n != 1 else ''}, nothing written") from None
        except OutputError as e:
            raise fail(f"netgen: {e}", EXIT_OUTPUT) from None
        except OSError as e:
            raise fail(f"netgen: {e.strerror or e}: {e.filename or ''}".rstrip(": "),
                       EXIT_OUTPUT) from None
        except Interrupted as e:
            raise fail(f"netgen: interrupted; {e.out} already holds the new output, whole",
                       130) from None
        except KeyboardInterrupt:
            raise fail("netgen: interrupted; nothing was written", 130) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as e:
            if os.environ.get("NETGEN_DEBUG"):
                traceback.print_exc()
            raise fail(f"netgen: internal error: {type(e).__name__}: {e} (this is a bug in "
                       "netgen; rerun with NETGEN_DEBUG=1 for details)", EXIT_BUG) from None

    return wrapper  # type: ignore[return-value]


def _quiet_stdout() -> None:
    """The reader of our output went away (`netgen diff | head`): say nothing more, and
    point stdout at /dev/null so the interpreter's final flush cannot complain either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


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
