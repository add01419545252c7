"""The fast path of `netgen`: `--version` and a plain `build` command line, run without
importing typer (and the pydantic it brings) or the other commands.

It takes only command lines it understands completely; it returns None for anything else
(help, an unknown or repeated option, a missing value, `--`, bundled short flags), and
`netgen.cli.main` hands that to the typer app, which prints the usual help and errors.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: `netgen --version` need not import typing

if TYPE_CHECKING:
    from collections.abc import Sequence

_VALUED = {"--out": "out", "-o": "out", "--env": "env", "-e": "env",
           "--templates": "templates"}
_FLAGS = {"--stdout": "stdout", "--check": "check", "--quiet": "quiet", "-q": "quiet"}
_REPEATABLE = {"env", "templates"}


def run(argv: Sequence[str]) -> int | None:
    """The exit code of the command, or None when typer must run it."""
    if list(argv) == ["--version"]:
        from netgen._version import __version__

        print(f"netgen {__version__}", flush=True)
        return 0
    from netgen.cli.attrs_code import install

    install()  # every other command makes netgen's attrs classes
    if argv[:1] == ["build"]:
        parsed = parse_build(argv[1:])
        if parsed is not None:
            return _build(parsed)
    return None


def parse_build(args: Sequence[str]) -> dict[str, object] | None:
    from pathlib import Path

    values: dict[str, object] = {"env": [], "templates": []}
    blueprint = None
    i = 0
    while i < len(args):
        arg = args[i]
        name, _, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in _VALUED:
            key = _VALUED[name]
            if inline:
                value = inline
            elif "=" in arg or i + 1 >= len(args):
                return None
            else:
                i += 1
                value = args[i]
            if not value or value.startswith("-"):
                return None
            if key in _REPEATABLE:
                values[key].append(value)  # type: ignore[attr-defined]
            elif key in values:
                return None
            else:
                values[key] = value
        elif arg in _FLAGS and _FLAGS[arg] not in values:
            values[_FLAGS[arg]] = True
        elif arg and not arg.startswith("-") and blueprint is None:
            blueprint = arg
        else:
            return None
        i += 1
    if blueprint is None:
        return None
    return {"blueprint": Path(blueprint), "out": Path(str(values.get("out", "out"))),
            "env": values["env"], "stdout": bool(values.get("stdout")),
            "check": bool(values.get("check")),
            "templates": [Path(t) for t in values["templates"]],  # type: ignore[attr-defined]
            "quiet": bool(values.get("quiet"))}


def _build(parsed: dict[str, object]) -> int:
    from netgen.cli.build_core import run as build
    from netgen.cli.errors import handled

    try:
        build(**parsed)  # type: ignore[arg-type]
    except BaseException as e:
        code = handled(e)
        if code is None:
            raise
        return code
    return 0
