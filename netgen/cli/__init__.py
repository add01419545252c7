"""The `netgen` command. `command` is the console script; the typer app lives in
`netgen.cli.commands` and is built only when a command needs it.

Start-up is what users feel (CI, pre-commit hooks and editors run netgen on every change), so
`netgen --version` and a well-formed `netgen build` or `netgen check` take a fast path
(`netgen.cli.fast`) that imports neither typer nor the other commands; anything else,
including every help text and usage error, goes through the typer app unchanged.
"""

from __future__ import annotations

import sys
from typing import NoReturn


def command() -> NoReturn:
    """The console script and `python -m netgen`: `main`, then the process ends without
    the interpreter's teardown where nothing needs it (`startup.leave`; a profiler or
    coverage tool around `-m netgen` gets the usual end). To go on after the command in
    the same process, call `main`: it ends with `SystemExit`."""
    from netgen.cli.errors import EXIT_INTERRUPTED, flushed
    from netgen.cli.startup import leave
    from netgen.cli.streams import own_streams

    own_streams()
    try:
        main()
    except SystemExit as e:
        leave(flushed(e.code))
    except KeyboardInterrupt:  # where no command handles it (waiting for typer's output)
        leave(flushed(EXIT_INTERRUPTED))
    leave(flushed(0))


def main() -> None:
    from netgen.cli.startup import begin, importing

    begin()
    from netgen.cli.fast import run

    code = run(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    with importing():
        from netgen.cli.commands import app
    stdout, stderr = sys.stdout, sys.stderr
    try:
        app()
    except SystemExit as e:
        # typer's own output (help, usage) to a reader that went away: typer wraps stdout
        # to quiet the final flush and exits 1, which says the blueprint has errors
        if e.code == 1 and stdout is not None and getattr(sys.stdout, "wrapped", None) is stdout:
            from netgen.cli.errors import EXIT_BROKEN_PIPE, quiet_stdout

            quiet_stdout()  # what typer left buffered must not fail again at the end
            sys.stdout, sys.stderr = stdout, stderr  # unwrapped (typer wraps a None too)
            raise SystemExit(EXIT_BROKEN_PIPE) from None
        raise
    except OSError as e:  # the commands are `guarded`: typer's own output failed (a full disk)
        from netgen.cli.errors import handled, stdout_failed

        raise SystemExit(handled(stdout_failed(e))) from None


def __getattr__(name: str) -> object:
    """`from netgen.cli import app` keeps working, importing the app on first use."""
    if name == "app":
        from netgen.cli.commands import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
