"""A tiny code model and formatter for the generated blueprint.

The writer builds calls, dicts and lists as data and this module prints them the way
`black` / `ruff format` would (88 columns, a call that does not fit puts its arguments on
one indented line, or one per line with a trailing comma), so the blueprint reads like code
a person formatted and re-formatting it changes nothing. Strings are printed with `repr`
(then double quotes when that needs no escapes), so any value survives as a valid literal.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence

from attrs import frozen

WIDTH = 88
INDENT = "    "
VERBATIM = "    "
"""A comment line indented this far (a Corefile line, say) is printed as it is, however
long: wrapping it would break it for whoever pastes it."""


@frozen
class Name:
    """A bare name such as `ALB`, `STRICT` or `True`."""

    text: str


@frozen
class Call:
    func: str
    args: tuple[Node, ...] = ()
    kwargs: tuple[tuple[str, Node], ...] = ()


@frozen
class Dict:
    items: tuple[tuple[Node, Node], ...]


@frozen
class List:
    items: tuple[Node, ...]


Node = Name | Call | Dict | List | str | int | float | bool | None


def call(func: str, *args: Node, **kwargs: Node) -> Call:
    """A call; keyword arguments whose value is None are left out."""
    return Call(func, args, tuple((k, v) for k, v in kwargs.items() if v is not None))


def mapping(items: Mapping[str, Node] | Iterable[tuple[str, Node]]) -> Dict:
    pairs = items.items() if isinstance(items, Mapping) else items
    return Dict(tuple((k, v) for k, v in pairs))


def sequence(items: Sequence[Node]) -> List:
    return List(tuple(items))


def literal(value: str | int | float | bool | None) -> str:
    if isinstance(value, str):
        text = repr(value)
        if text.startswith("'") and '"' not in value:
            text = f'"{text[1:-1]}"'
        return text
    return repr(value)


def _brackets(node: Node) -> tuple[str, str, list[tuple[str, Node]]] | None:
    """(opening, closing, [(prefix, element)]) for a node that can be split over lines."""
    if isinstance(node, Call):
        elements = [("", a) for a in node.args] + [(f"{k}=", v) for k, v in node.kwargs]
        return f"{node.func}(", ")", elements
    if isinstance(node, Dict):
        return "{", "}", [(f"{flat(k)}: ", v) for k, v in node.items]
    if isinstance(node, List):
        return "[", "]", [("", v) for v in node.items]
    return None


def flat(node: Node) -> str:
    """The node on one line."""
    found = _brackets(node)
    if found is None:
        return node.text if isinstance(node, Name) else literal(node)  # type: ignore[arg-type]
    opening, closing, elements = found
    return opening + ", ".join(p + flat(e) for p, e in elements) + closing


def lines(node: Node, indent: str = "", prefix: str = "", trailer: str = "") -> list[str]:
    """The node as source lines, split like black's right-hand split."""
    one = f"{indent}{prefix}{flat(node)}{trailer}"
    found = _brackets(node)
    if len(one) <= WIDTH or found is None or not found[2]:
        return [one]
    opening, closing, elements = found
    inner = indent + INDENT
    body = ", ".join(p + flat(e) for p, e in elements)
    out = [f"{indent}{prefix}{opening}"]
    # A call's arguments may share one indented line; a split dict or list literal gets
    # one element per line and a trailing comma, as black and ruff format print it.
    if len(inner + body) <= WIDTH and isinstance(node, Call):
        out.append(inner + body)
    elif len(elements) == 1:
        out += lines(elements[0][1], inner, elements[0][0])
    else:
        for p, e in elements:
            out += lines(e, inner, p, ",")
    out.append(f"{indent}{closing}{trailer}")
    return out


def statement(node: Node) -> str:
    return "\n".join(lines(node)) + "\n"


def comment(text: str, indent: str = "") -> str:
    """`text` as comment lines, wrapped at the formatter's width; blank lines stay `#`."""
    out = []
    for paragraph in text.split("\n"):
        if not paragraph.strip():
            out.append(f"{indent}#")
            continue
        if paragraph.startswith(VERBATIM):  # a line to paste as it is: never wrapped
            out.append(f"{indent}# {paragraph}".rstrip())
            continue
        stripped = paragraph.lstrip(" ")
        lead = paragraph[: len(paragraph) - len(stripped)]
        hang = lead + ("  " if stripped.startswith("- ") else "")
        wrapped = textwrap.wrap(
            stripped, WIDTH - len(indent) - 2 - len(lead), break_long_words=False,
            break_on_hyphens=False,
            subsequent_indent=" " * (len(hang) - len(lead)),
        )
        out += [f"{indent}# {lead}{w}".rstrip() for w in wrapped]
    return "\n".join(out) + "\n"
