"""A generated blueprint as data, printed as Python source.

Strategies build a `Spec` rather than text so the properties know what the user said (the
strings that must come out of the YAML as given) and can print the same blueprint with
its declarations in another order.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from attrs import frozen


@frozen
class Sym:
    """A name the blueprint imports from netgen (ALB, STRICT), printed bare."""

    name: str


@frozen
class Expr:
    """A DSL call used as a value (`acm(...)`, `header(...)`), or any Python expression
    when `fn` is empty and `args` holds its source text."""

    fn: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()


@frozen
class Decl:
    """One statement of the blueprint: a DSL call that records a declaration.

    `key` groups declarations whose relative order matters (the exposures of one service
    are numbered in order: `web`, `web-2`); None means free."""

    fn: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    key: str | None = None


@frozen
class Supplied:
    """A user string that must come out of the YAML of each of `envs` exactly as written
    (`where` names its declaration, for failure messages). Strings whose use the Plan
    decides (an environment's certificate is used only by backends that inherit it) are
    not listed: the property checks them against the Plan."""

    value: str
    what: str
    where: str
    envs: tuple[str, ...]


@frozen
class Spec:
    head: tuple[Decl, ...]  # blueprint() and env() declarations: they come first, in order
    body: tuple[Decl, ...]  # blueprint-wide declarations
    scoped: tuple[tuple[str, tuple[Decl, ...]], ...]  # `with env(name):` blocks
    supplied: tuple[Supplied, ...] = ()
    envs: tuple[str, ...] = ()  # the environments the build must produce

    def source(self, shuffle: random.Random | None = None) -> str:
        """The blueprint's text; with `shuffle`, the order-free declarations (and the env
        declarations, whose order only decides the order of environments) are reordered."""
        head = list(self.head)
        body = _reorder(self.body, shuffle)
        blocks = [(name, _reorder(decls, shuffle)) for name, decls in self.scoped]
        if shuffle is not None:
            infos = [d for d in head if d.fn != "env"]
            envs = [d for d in head if d.fn == "env"]
            shuffle.shuffle(envs)
            head = infos + envs
            shuffle.shuffle(blocks)
        lines = ["from netgen import *", ""]
        lines += [statement(d) for d in head]
        lines += [statement(d) for d in body]
        for name, decls in blocks:
            if not decls:
                continue
            lines.append(f"with env({name!r}):")
            lines += ["    " + statement(d) for d in decls]
        return "\n".join(lines) + "\n"


def _reorder(decls: Iterable[Decl], shuffle: random.Random | None) -> list[Decl]:
    """A random order that keeps declarations of one `key` in their relative order."""
    items = list(decls)
    if shuffle is None:
        return items
    slots = list(range(len(items)))
    shuffle.shuffle(slots)
    by_key: dict[str | None, list[Decl]] = {}
    for d in items:
        by_key.setdefault(d.key, []).append(d)
    # Fill a shuffled sequence of keys; each key's own declarations keep their order.
    keys = [items[i].key for i in slots]
    free = [items[i] for i in slots if items[i].key is None]
    out: list[Decl] = []
    for k in keys:
        out.append(free.pop(0) if k is None else by_key[k].pop(0))
    return out


def statement(d: Decl) -> str:
    return f"{d.fn}({_arguments(d.args, d.kwargs)})"


def _arguments(args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]) -> str:
    parts = [literal(a) for a in args] + [f"{k}={literal(v)}" for k, v in kwargs]
    return ", ".join(parts)


def literal(value: Any) -> str:
    """Python source for a value; `repr` of a str escapes whatever a source file cannot hold
    (newlines, controls, lone surrogates), so the blueprint reads back the exact string."""
    if isinstance(value, Sym):
        return value.name
    if isinstance(value, Expr):
        if not value.fn:
            return str(value.args[0])
        return f"{value.fn}({_arguments(value.args, value.kwargs)})"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + "".join(literal(v) + ", " for v in value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float) and value != value:
        return "float('nan')"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return f"float({str(value)!r})"
    return repr(value)
