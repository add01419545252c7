"""The one quoting rule for every value a template prints.

Templates write YAML text directly (a PyYAML round trip of every document would cost more
than the whole build), so safety comes from here: a value is printed plain only when no
YAML 1.1 or 1.2 parser can read it as anything but the same string, and double-quoted with
escapes otherwise. Jinja's `finalize` applies this to every `{{ }}`, so no template can
forget it.
"""

from __future__ import annotations

import marshal
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any


class Raw(str):
    """YAML text already built by this module; printed as is."""

    __slots__ = ()


# First character a letter or '/', no characters with meaning in YAML, not ending in ':'.
_PLAIN = re.compile(r"[A-Za-z/](?:[A-Za-z0-9._/:-]*[A-Za-z0-9._/-])?").fullmatch
# Words some YAML parser reads as a boolean, null or special float (YAML 1.1 includes y/n).
_KEYWORDS = frozenset(
    ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "nan", "inf"]
)
# Everything that is not printable ASCII other than '"' and '\\' is escaped: line separators
# (U+0085, U+2028, U+2029) would be folded by YAML 1.1 parsers, BOM and controls are not
# allowed raw. Other printable Unicode stays readable. Written as the characters escaped
# rather than as the negation of those kept (the same set): compiling the negated class
# cost 12 ms on every start. Even so its surrogate range costs 4.5 M instructions to compile,
# so the whole set (`_escape_any`) waits for the first non-ASCII text; ASCII text is
# checked against the set's ASCII part.
_ESCAPE_ASCII = re.compile(r"[\x00-\x1f\x22\x5c\x7f]")

_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r", '"': '\\"', "\\": "\\\\", "\0": "\\0"}


@lru_cache(maxsize=1)
def _escape_any() -> re.Pattern[str]:
    return re.compile(r"[\x00-\x1f\x22\x5c\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


def _escapes(text: str) -> re.Pattern[str]:
    """The characters `text` must escape, as a pattern."""
    return _ESCAPE_ASCII if text.isascii() else _escape_any()


def _needs_escape(text: str) -> bool:
    return _escapes(text).search(text) is not None


def _escape(m: re.Match[str]) -> str:
    ch = m.group()
    named = _NAMED.get(ch)
    if named:
        return named
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def quote(text: str) -> str:
    """Double quotes with escapes; text whose only special characters are '"' and '\\'
    (JSON in an annotation) reads better single-quoted, where nothing is an escape."""
    if '"' in text and not _needs_escape(text.replace('"', "").replace("\\", "")):
        return "'" + text.replace("'", "''") + "'"
    return '"' + _escapes(text).sub(_escape, text) + '"'


# The caches here hold what a N=10,000 build prints more than once (150,000 scalars, 72,000
# block texts, 48,000 label sets), so they do not start over in the middle of one: with room
# for a sixth of that, a N=10,000 build cleared them 30 times and took 40% more CPU. Each
# text kept is also in the output, which a build holds until it is written.
_SCALARS_MAX = 1 << 18
_TEXTS_MAX = 1 << 17


@lru_cache(maxsize=_SCALARS_MAX, typed=True)
def scalar(value: Any) -> str:
    """Render one value as a YAML scalar that reads back exactly as `value`.

    Cached (typed, so a Raw never stands in for an equal str): names, namespaces and labels
    repeat across thousands of documents."""
    kind = type(value)
    if kind is Raw:
        return value
    if kind is str:
        if _PLAIN(value) and (len(value) > 5 or value.lower() not in _KEYWORDS):
            return value
        return quote(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if value is None:
        return "null"
    if kind is float:
        return repr(value)
    if isinstance(value, str):  # str subclasses such as enum values
        return scalar(str.__str__(value))
    shown = str(value)  # an undefined template variable raises its own, clearer error here
    raise TypeError(f"cannot print {kind.__name__} as a YAML scalar: {shown!r}")


def block(value: Mapping[str, Any] | Sequence[Any], indent: int) -> Raw:
    """A mapping or list as block YAML starting on the next line, every leaf quoted.

    A tuple of (key, value) pairs, such as a Plan's labels, is a mapping; its rendering is
    remembered because the same labels appear on every object of a service. A tuple seen
    before is looked up first: telling pairs from other tuples, item by item, cost more
    than printing them (41,000 blocks at N=1000)."""
    if isinstance(value, tuple) and value:
        try:
            return _PAIRS[value, indent]
        except (KeyError, TypeError):
            pass
        if all(isinstance(p, tuple) and len(p) == 2 for p in value):
            return _pairs_block(value, indent)
    return _render_block(value, indent)


# Texts of tuples of pairs of str, by the tuple and indent; emptied when full. Only str
# pairs are stored: equal tuples must print alike, and (("k", 1),) == (("k", True),).
_PAIRS: dict[tuple[tuple[tuple[str, Any], ...], int], Raw] = {}


def _pairs_block(pairs: tuple[tuple[str, Any], ...], indent: int) -> Raw:
    text = _render_block(dict(pairs), indent)
    if all(type(k) is str and type(v) is str for k, v in pairs):
        if len(_PAIRS) >= _TEXTS_MAX:
            _PAIRS.clear()
        _PAIRS[pairs, indent] = text
    return text


# Block texts by the exact content of the value (see `_render_block`); emptied when full.
_TEXTS: dict[tuple[bytes, int], Raw] = {}


def _render_block(value: Mapping[str, Any] | Sequence[Any], indent: int) -> Raw:
    """Remembered by content: lowering builds a fresh mapping per workload (its security
    context, resources, probes), but a few hundred distinct ones among 16,000 at N=1000.
    `marshal` is the key because it is exact, in C: it writes plain dicts, lists, tuples,
    str, int, float, bool and None with their types and order (True is not 1, 1.0 is not
    1), and refuses anything else (a `Raw`, a str enum, another Mapping), which is then
    printed without the cache. Version 2 writes no back-references, so equal values give
    equal keys."""
    try:
        key = (marshal.dumps(value, 2), indent)
    except ValueError:
        return _print_block(value, indent)
    text = _TEXTS.get(key)
    if text is None:
        if len(_TEXTS) >= _TEXTS_MAX:
            _TEXTS.clear()
        text = _TEXTS[key] = _print_block(value, indent)
    return text


def _print_block(value: Mapping[str, Any] | Sequence[Any], indent: int) -> Raw:
    lines: list[str] = []
    _block(value, indent, lines)
    if not lines:
        return Raw(" " * indent + ("{}" if isinstance(value, Mapping) else "[]"))
    return Raw("\n".join(lines))


_SCALARS = frozenset({str, int, bool, float, type(None), Raw})
_KINDS: dict[type, str] = dict.fromkeys(_SCALARS, "scalar")


def _kind(value: Any) -> str:
    """'scalar', 'map' or 'list'; decided once per type (an ABC `isinstance` per value was
    a fifth of rendering)."""
    kind = _KINDS.get(type(value))
    if kind is None:
        kind = _KINDS[type(value)] = (
            "map" if isinstance(value, Mapping)
            else "list" if isinstance(value, list | tuple) else "scalar")
    return kind


# YAML reads a plain `key: value` key only up to 1024 characters (a header name can be
# longer); a longer key is written in the explicit form.
_IMPLICIT_KEY_MAX = 1000


def _block(value: Any, indent: int, out: list[str]) -> None:
    pad = " " * indent
    kinds = _KINDS
    if _kind(value) == "map":
        for k, v in value.items():
            kind = kinds.get(type(v)) or _kind(v)
            key = scalar(k)
            if len(key) > _IMPLICIT_KEY_MAX:  # `? key` / `: value`, YAML's explicit key
                out.append(f"{pad}? {key}")
                key = ""
            if kind == "scalar":
                out.append(f"{pad}{key}: {scalar(v)}")
            elif v:
                out.append(f"{pad}{key}:")
                _block(v, indent + 2, out)
            else:
                out.append(f"{pad}{key}: {_leaf(v, kind)}")
    else:
        for item in value:
            kind = kinds.get(type(item)) or _kind(item)
            if kind == "scalar":
                out.append(f"{pad}- {scalar(item)}")
            elif kind == "map" and item:
                first = len(out)
                _block(item, indent + 2, out)
                out[first] = f"{pad}- " + out[first][indent + 2 :]
            elif kind == "list" and item:
                out.append(f"{pad}-")
                _block(item, indent + 2, out)
            else:
                out.append(f"{pad}- {_leaf(item, kind)}")


def _leaf(value: Any, kind: str) -> str:
    if kind == "map":
        return "{}"
    if kind == "list":
        return "[]"
    return scalar(value)


def literal(text: str, indent: int) -> Raw:
    """Multi-line text (a Corefile, a script) as a `|` block scalar, readable as the user
    wrote it; falls back to a quoted scalar whenever a block could read back differently
    (control characters, trailing blank lines, leading or whitespace-only lines)."""
    if type(text) is not str:
        return Raw(scalar(text))
    body = text[:-1] if text.endswith("\n") else text
    lines = body.split("\n")
    first = next((line for line in lines if line), "")
    if (
        "\n" not in text
        or not first
        or first[0] in " \t"
        or body.endswith("\n")
        or any(line.strip() == "" and line for line in lines)
        or any(line != line.rstrip() for line in lines)
        or _needs_escape(body.replace("\n", ""))
    ):
        return Raw(scalar(text))
    pad = " " * indent
    indicator = "|" if text.endswith("\n") else "|-"
    return Raw(indicator + "".join(f"\n{pad}{line}" if line else "\n" for line in lines))
