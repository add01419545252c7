"""The types of every declared value, checked before anything else reads them.

A blueprint is Python, so any value can reach a declaration: a dict where a path belongs,
a float as a service name, a module, `10**5000`. Every later check assumes the types the
model declares, so this pass comes first and resolving stops after it when a value has the
wrong type. It is driven by the model's own annotations, so a field added to a declaration
is covered without an edit here.
"""

from __future__ import annotations

import enum
import functools
import inspect
import re
import sys
import types
import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from typing import Any

import attrs

from netgen import model
from netgen.problems import Collector
from netgen.values import show

# Every number a manifest can hold fits in 64 bits; larger ones cannot even be printed in
# a message once they pass Python's int-to-text limit.
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
_SKIPPED = frozenset({"loc", "scope"})  # set by netgen, not by the user

# How each declaration is named in messages, and by which field.
_DECLS: dict[type, tuple[str, str | None]] = {
    model.BlueprintInfo: ("blueprint", "name"),
    model.Env: ("env", "name"),
    model.Service: ("service", "name"),
    model.External: ("external", "name"),
    model.Call: ("calls", "src"),
    model.Exposure: ("expose", "service"),
    model.DnsForward: ("dns_forward", "zone"),
    model.DnsLog: ("dns_log", None),
}
# The DSL helper that makes each value class, for "must be acm('arn:...')".
_HELPERS: dict[type, str] = {
    model.AcmCert: "acm('arn:...')",
    model.TlsSecret: "tls_secret('name')",
    model.HeaderMatch: "header('Name', 'value')",
    model.HealthCheck: "a path or health_check('/path', ...)",
    model.RateLimit: "rate_limit(...)",
    model.BasicAuth: "basic('secret')",
}


def _lone_surrogate(text: str) -> str | None:
    """The first lone surrogate in `text`, if any. They are not Unicode characters: a str
    can hold them (from a "\\udc80" escape or a file name decoded with surrogateescape) but
    no YAML (or JSON) reader accepts them. ASCII text, nearly every value, holds none; the
    pattern is compiled when the first other text comes (2 M instructions, a 2,048-character
    range)."""
    if text.isascii():
        return None
    found = _surrogate_pattern().search(text)
    return found.group() if found else None


@functools.cache
def _surrogate_pattern() -> re.Pattern[str]:
    return re.compile("[\ud800-\udfff]")


Validator = Callable[[model.Blueprint, Collector], None]
# The values of a type the model cannot list: `Via` is a Token, and which tokens are vias
# the registry knows (resolve passes `{Via: registry.vias()}`). A field of that exact type
# fits when its value is one of them.
Choices = Mapping[Any, Sequence[Any]]


def validate_declarations(
    bp: model.Blueprint, c: Collector, validators: Sequence[Validator], choices: Choices
) -> None:
    """Runs the per-declaration `validators`. When a value has the wrong type, resolving
    stops here (ProblemError): each such declaration is reported with the validators'
    own words where they had some for that argument (they word most mistakes better), and
    with the type problem otherwise (a validator may have crashed on it)."""
    shapes = list(_shape_problems(bp, choices))
    if not shapes:
        for validate in validators:
            validate(bp, c)
        return
    if not any(message.endswith(_UNBOUNDED) for _, _, message in shapes):
        for validate in validators:  # (they would recurse as deep as the Python stack allows)
            with suppress(Exception):  # a value of the wrong type, reported just below
                validate(bp, c)
    said = c.items
    for loc, arguments, message in shapes:
        if not any(d.loc == loc and any(f"{a}=" in d.message for a in arguments)
                   for d in said):
            c.error(loc, message)
    c.raise_if_any()


def check_shapes(bp: model.Blueprint, c: Collector, choices: Choices) -> None:
    """Reports every value of the wrong type (see `validate_declarations`)."""
    for loc, _, message in _shape_problems(bp, choices):
        c.error(loc, message)


def _shape_problems(bp: model.Blueprint, choices: Choices
                    ) -> Iterator[tuple[Any, tuple[str, ...], str]]:
    """(loc, the arguments concerned, message) of every declaration the blueprint recorded:
    any tuple of located attrs records on the Blueprint, so a new kind is checked too."""
    decls: list[Any] = [bp.info] if bp.info.loc is not None else []
    for f in attrs.fields(type(bp)):
        value = getattr(bp, f.name)
        if isinstance(value, tuple):
            decls += [d for d in value if attrs.has(type(d)) and hasattr(d, "loc")]
    for decl in decls:
        fn, key = _DECLS.get(type(decl), (type(decl).__name__.lower(), None))
        named = f"{fn}({show(getattr(decl, key))})" if key else f"{fn}()"
        for arguments, problem in _problems(decl, choices):
            yield decl.loc, arguments, f"{named}: {problem}"


def _problems(obj: Any, choices: Choices) -> Iterator[tuple[tuple[str, ...], str]]:
    for name, arg, hint, decided in _checked_fields(type(obj), frozenset(choices)):
        value = getattr(obj, name)
        kind = type(value)
        fits = decided.get(kind)
        if fits is not None and (kind in _TYPE_DECIDED or (
                _INT_MIN <= value <= _INT_MAX if kind is int else not value)):
            # the common case, decided by the value's type
            if not fits:
                yield (arg,), f"{arg}={show(value)} must be {_describe(hint)}"
            elif kind is str and (found := _lone_surrogate(value)):
                yield (arg,), _surrogate_problem(arg, value, found)
            continue
        allowed = choices.get(hint)
        unbounded = _unbounded(value)
        if unbounded is not None:  # every check below recurses into the value
            # too deep a value's repr fails or not with the stack's depth and limit: its
            # type alone, whichever
            shown = show(value) if unbounded == _UNBOUNDED[0] else f"<{type(value).__name__}>"
            yield (arg,), f"{arg}={shown} {unbounded}"
            continue
        if allowed is not None:
            expected = None if any(value is v for v in allowed) else \
                _one_of([v.name for v in allowed])
        else:
            expected = _mismatch(value, hint)
        if expected is not None:
            yield (arg,), f"{arg}={show(value)} must be {expected}"
            continue
        bad = next(_surrogates(value), None)
        if bad is not None:
            yield (arg,), _surrogate_problem(arg, value, bad)
            continue
        for inner in _nested(value):
            for inner_args, problem in _problems(inner, choices):
                if name in _OWN_ARGUMENTS:
                    yield inner_args, problem
                else:
                    yield (arg, *inner_args), f"{arg}={show(value)}: {problem}"


def _surrogate_problem(arg: str, value: Any, bad: str) -> str:
    return (f"{arg}={show(value)} holds the lone surrogate U+{ord(bad):04X}, "
            "which is not a character and cannot be written as YAML")


@functools.cache
def _checked_fields(cls: type, chosen: frozenset[Any]
                    ) -> tuple[tuple[str, str, Any, dict[type, bool]], ...]:
    """(field, the DSL's argument name, type hint, `_decided(hint)`) of every field checked,
    once per class: 2,258 declarations with ~23 fields each at N=1000. A hint in `chosen`
    (the `choices` given) is decided by no type."""
    hints = _hints(cls)
    return tuple((f.name, _argument(f.name), hints[f.name],
                  {} if hints[f.name] in chosen else _decided(hints[f.name]))
                 for f in attrs.fields(cls) if f.name not in _SKIPPED and f.name in hints)


# Values whose fit to any hint depends on their type alone (`_fits` looks no further for
# them), and that hold nothing to recurse into; so do ints in range (`_fits` of an int only
# compares it with the 64-bit bounds) and empty tuples, lists and dicts. Together most of
# the ~52,000 values of N=1000.
_TYPE_DECIDED = frozenset({str, bool, type(None), float})
_EXAMPLES: dict[type, Any] = {str: "", bool: False, type(None): None, float: 0.0, int: 0,
                              tuple: (), list: [], dict: {}}


_DECIDED: dict[Any, dict[type, bool]] = {}


def _decided(hint: Any) -> dict[type, bool]:
    """Whether a value of each `_EXAMPLES` type fits `hint`, when its type decides it. Once
    per hint, not per field (`str | None` is 33 of the model's fields): eight `_fits` for
    each of ~100 fields were 8 M instructions of a 10-service build."""
    with suppress(KeyError, TypeError):  # (TypeError: an unhashable hint)
        return _DECIDED[hint]
    decided = {kind: _fits(example, hint) for kind, example in _EXAMPLES.items()}
    with suppress(TypeError):
        _DECIDED[hint] = decided
    return decided


MAX_DEPTH = 32  # far deeper than any setting (a probe in a version in a mapping is 4)
_UNBOUNDED = ("contains itself", f"is nested more than {MAX_DEPTH} levels deep")


def _unbounded(value: Any, depth: int = 0, inside: frozenset[int] = frozenset()) -> str | None:
    """Whether a value contains itself or nests deeper than MAX_DEPTH; either would make
    the recursive checks and the templates recurse without end. Bounded recursion itself."""
    if not isinstance(value, Mapping | tuple | list | set | frozenset):
        return None
    if id(value) in inside:
        return _UNBOUNDED[0]
    if depth >= MAX_DEPTH:
        return _UNBOUNDED[1]
    if isinstance(value, Mapping):
        children: Any = [x for kv in value.items() for x in kv]
    elif isinstance(value, tuple | list | set | frozenset):
        children = value
    else:  # a declaration inside (`version(...)`) is checked field by field on its own
        return None
    inside = inside | {id(value)}
    for child in children:
        problem = _unbounded(child, depth + 1, inside)
        if problem is not None:
            return problem
    return None


def _argument(field: str) -> str:
    """The DSL's spelling of a model field (`service(..., **extra)` keeps its own names)."""
    return {"service": "name", "dsts": "callees", "version_settings": "versions"}.get(
        field, field)


# Fields the DSL fills from the call's own arguments (`service(..., command=...)`): their
# problems are the call's, named by those arguments.
_OWN_ARGUMENTS = frozenset({"settings"})


def _surrogates(value: Any) -> Iterator[str]:
    """Lone surrogates anywhere in a value's strings (mapping keys included); nested
    declarations (`header(...)`) are checked field by field on their own."""
    if isinstance(value, str):
        found = _lone_surrogate(value)
        if found:
            yield found
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _surrogates(item)
    elif isinstance(value, Mapping):
        for k, item in value.items():
            yield from _surrogates(k)
            yield from _surrogates(item)


def _nested(value: Any) -> Iterator[Any]:
    """Declarations inside a value: `header(...)`, and the `version(...)` of each
    (name, settings) pair of `versions={...}`."""
    if attrs.has(type(value)):
        yield value
    elif isinstance(value, tuple):
        for v in value:
            if attrs.has(type(v)):
                yield v
            elif isinstance(v, tuple):
                yield from (w for w in v if attrs.has(type(w)))


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    """The class's field types, as `typing.get_type_hints(cls, <its module's globals>)`
    gives them for the model's annotations, which are plain expressions (`str | None`,
    `tuple[Env, ...]`): each class of the MRO's evaluated in its own namespace and the
    module's. get_type_hints compiled every annotation string anew and ran typing's checks
    over the result, 9.5 M instructions of a 10-service build for ~100 fields; here each
    distinct string is compiled once (`str | None` alone is 33 fields). None (nothing
    checked) if the annotations cannot be resolved from the class's module."""
    try:
        namespace = vars(sys.modules[cls.__module__])
        hints = {}
        for base in reversed(cls.__mro__):
            local = dict(vars(base))
            for name, value in inspect.get_annotations(base).items():
                if isinstance(value, str):
                    value = eval(_annotation(value), namespace, local)
                hints[name] = type(None) if value is None else value
        return hints
    except Exception:
        return {}


@functools.cache
def _annotation(text: str) -> types.CodeType:
    return compile(text, "<annotation>", "eval")


_PARTS: dict[Any, tuple[Any, tuple[Any, ...]]] = {}


def _parts(hint: Any) -> tuple[Any, tuple[Any, ...]]:
    """A hint's origin and arguments, taken apart once per hint rather than once per value
    checked (tens of thousands of values at N=1000)."""
    try:
        return _PARTS[hint]
    except KeyError:
        parts = _PARTS[hint] = (typing.get_origin(hint), typing.get_args(hint))
        return parts
    except TypeError:  # an unhashable hint: taken apart each time
        return typing.get_origin(hint), typing.get_args(hint)


def _mismatch(value: Any, hint: Any) -> str | None:
    """None when `value` fits `hint`, else what it must be, in a user's words."""
    return None if _fits(value, hint) else _describe(hint)


def _fits(value: Any, hint: Any) -> bool:
    if hint is Any:
        return True
    origin, args = _parts(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, a) for a in args)
    if hint is type(None):
        return value is None
    if hint is bool:
        return type(value) is bool
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool) and \
            _INT_MIN <= value <= _INT_MAX
    if hint is float:
        return (isinstance(value, float) or (isinstance(value, int)
                and not isinstance(value, bool) and _INT_MIN <= value <= _INT_MAX))
    if hint is str:
        return isinstance(value, str)
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_fits(v, args[0]) for v in value)
        return len(value) == len(args) and all(_fits(v, a) for v, a in
                                               zip(value, args, strict=True))
    if origin is not None and isinstance(origin, type) and issubclass(origin, Mapping):
        if not isinstance(value, Mapping):
            return False
        key, item = args or (Any, Any)
        return all(_fits(k, key) and _fits(v, item) for k, v in value.items())
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


def _describe(hint: Any) -> str:
    if hint is Any:
        return "a value"
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        shown = [_describe(a) for a in args if a is not type(None)]
        return " or ".join(dict.fromkeys(shown))
    if hint is bool:
        return "True or False"
    if hint is int:
        return "a whole number"
    if hint is float:
        return "a number"
    if hint is str:
        return "a string"
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return f"a list of {_plural(args[0])}"
        return "a tuple"
    if origin is not None and isinstance(origin, type) and issubclass(origin, Mapping):
        key, item = args or (Any, Any)
        if item is Any:
            return "a mapping"
        return f"a mapping of {_plural(key)} to {_plural(item)}"
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return _one_of([m.name for m in hint])
    if isinstance(hint, type) and hint in _HELPERS:
        return _HELPERS[hint]
    return getattr(hint, "__name__", str(hint))


def _one_of(names: Sequence[str]) -> str:
    return "one of " + ", ".join(names) if len(names) > 2 else " or ".join(names)


def _plural(hint: Any) -> str:
    described = _describe(hint)
    for article in ("a ", "an "):
        if described.startswith(article):
            return described[len(article):] + "s"
    return described
