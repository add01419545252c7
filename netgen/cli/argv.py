"""Reading a command line against a table of its options, without typer: the fast path
(`netgen.cli.fast`) of each command it takes is this one parser and that command's `Syntax`.

The parser is deliberately narrow. It takes a command line only when it understands all of
it, the way typer would read it, and returns None for anything else (help, an unknown or
repeated option, a missing or empty value, a value that looks like an option, a value not
among the choices, `--`, bundled or attached short flags, a second positional argument): typer
then runs the command line and prints its usual help or error. So a `Syntax` must name every
option of the typer command, as the tests check.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: `netgen --version` need not import typing

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence


class Syntax:
    """One command's options as its typer command declares them: each option name (long and
    short) to the key of the keyword argument it sets, which keys are flags or repeatable,
    which become paths, the values a key may take, and the default of every key. The one
    positional argument is `blueprint`, a path."""

    def __init__(self, names: Mapping[str, str], defaults: Mapping[str, object], *,
                 flags: Iterable[str] = (), repeatable: Iterable[str] = (),
                 paths: Iterable[str] = (), choices: Mapping[str, Sequence[str]] | None = None
                 ) -> None:
        self.names = dict(names)
        self.defaults = dict(defaults)
        self.flags = frozenset(flags)
        self.repeatable = frozenset(repeatable)
        self.paths = frozenset(paths)
        self.choices = dict(choices or {})


def parse(syntax: Syntax, args: Sequence[str]) -> dict[str, object] | None:
    """The keyword arguments of the command's function (`blueprint` and every key of
    `syntax`), or None when typer must read `args`."""
    from pathlib import Path

    values: dict[str, object] = {}
    blueprint = None
    i = 0
    while i < len(args):
        arg = args[i]
        name, _, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        key = syntax.names.get(name)
        if key is None:
            if not arg or arg.startswith("-") or blueprint is not None:
                return None
            blueprint = arg
        elif key in syntax.flags:
            if name != arg or key in values:
                return None
            values[key] = True
        else:
            if inline:
                value = inline
            elif "=" in arg or i + 1 >= len(args):
                return None
            else:
                i += 1
                value = args[i]
            if not value or value.startswith("-"):
                return None
            if key in syntax.choices and value not in syntax.choices[key]:
                return None
            if key in syntax.repeatable:
                values.setdefault(key, []).append(value)  # type: ignore[attr-defined]
            elif key in values:
                return None
            else:
                values[key] = value
        i += 1
    if blueprint is None:
        return None
    parsed: dict[str, object] = {"blueprint": Path(blueprint)}
    for key, default in syntax.defaults.items():
        value = values.get(key, default)
        if key in syntax.repeatable:
            value = [Path(v) if key in syntax.paths else v
                     for v in value]  # type: ignore[attr-defined]
        elif key in syntax.paths and value is not None:
            value = Path(value)  # type: ignore[arg-type]
        parsed[key] = value
    return parsed
