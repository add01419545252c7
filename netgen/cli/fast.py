"""The fast path of `netgen`: `--version` and a plain `build` or `check` command line, run
without importing typer (and the pydantic it brings) or the other commands.

It takes only command lines it understands completely (`netgen.cli.argv`, with the command's
`SYNTAX`, beside the `run` that both it and the typer command call); it returns None for
anything else (help, an unknown or repeated option, a missing value, `--`, bundled short
flags), and `netgen.cli.main` hands that to the typer app, which prints the usual help and
errors.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: `netgen --version` need not import typing

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


def run(argv: Sequence[str]) -> int | None:
    """The exit code of the command, or None when typer must run it."""
    if list(argv) == ["--version"]:
        return _call(_version, {})
    if argv[:1] == ["build"]:
        from netgen.cli import build_core as core
    elif argv[:1] == ["check"]:
        from netgen.cli import check_core as core  # type: ignore[no-redef]
    else:
        return None
    from netgen.cli.argv import parse

    parsed = parse(core.SYNTAX, argv[1:])
    return None if parsed is None else _call(core.run, parsed)


def _version() -> None:
    from netgen._version import __version__
    from netgen.cli.errors import write_out

    write_out(f"netgen {__version__}\n")


def _call(command: Callable[..., int | None], parsed: dict[str, object]) -> int:
    from netgen.cli.errors import handled

    try:
        return command(**parsed) or 0
    except BaseException as e:
        code = handled(e)
        if code is None:
            raise
        return code
