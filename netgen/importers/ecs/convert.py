"""The cattrs converter that turns parsed AWS CLI JSON into the shapes, and its error paths.

cattrs on its own is lenient in ways that would hide broken exports: `str(x)` accepts any
value, `int("80")` accepts strings, a string is an iterable of characters and a dict an
iterable of its keys. The hooks here accept exactly the JSON type the AWS API documents, so
that a wrong type is reported at its path instead of silently becoming a plausible value.
Unknown keys stay allowed: AWS adds fields to its output over time.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import attrs
from cattrs import Converter
from cattrs.cols import homogenous_tuple_structure_factory
from cattrs.errors import ClassValidationError, IterableValidationError
from cattrs.gen import make_dict_structure_fn, override

from netgen.importers.ecs.shapes.ecs import ContainerDefinition, HealthCheck, PortMapping, Service
from netgen.importers.ecs.shapes.elbv2 import Rule
from netgen.values import excerpt


class ShapeError(TypeError):
    """A JSON value of the wrong kind; the message is shown to the user as is."""


def describe(value: object) -> str:
    """How a JSON value reads in an error message: its JSON type and a short preview."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {json.dumps(value)}"
    if isinstance(value, int | float):
        return f"number {value!r}"
    if isinstance(value, str):
        return f"string {json.dumps(excerpt(value))}"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _expect(what: str, ok: Callable[[object], bool]) -> Callable[[object, object], Any]:
    def hook(value: object, _: object) -> Any:
        if not ok(value):
            raise ShapeError(f"expected {what}, got {describe(value)}")
        return value

    return hook


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _structure_timestamp(value: object, _: object) -> datetime:
    """CLI v2 prints ISO-8601 strings, CLI v1 the wire format: epoch seconds as a number.

    Naive ISO strings are taken as UTC, so all timestamps compare with each other.
    """
    if isinstance(value, datetime):  # YAML output (`--output yaml`) is parsed already
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ShapeError(f"expected an ISO-8601 timestamp, got {describe(value)}") from None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ShapeError(f"timestamp out of range: {value!r}") from None
    raise ShapeError(f"expected an ISO-8601 string or epoch number, got {describe(value)}")


def _structure_priority(value: object, _: object) -> int | None:
    """Rule priorities are strings: "1" … "50000", or "default" for the default rule."""
    if value == "default":
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 5:
        number = int(value)
        if 1 <= number <= 50000:
            return number
    raise ShapeError(f'expected "default" or a string "1" … "50000", got {describe(value)}')


def _is_homogeneous_tuple(tp: object) -> bool:
    args = typing.get_args(tp)
    return typing.get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis


def _between(low: int, high: int) -> Callable[[object, object], Any]:
    """An integer the API documents a range for (or Kubernetes' int32, where the value
    becomes one): a value outside it is no export AWS wrote, and would reach the blueprint
    as a port, count or period that cannot build or apply."""
    return _expect(f"an integer from {low} to {high}",
                   lambda v: _is_int(v) and low <= v <= high)  # type: ignore[operator]


INT32 = 2**31 - 1

# Field-level hooks for AWS quirks and documented ranges, keyed by class then field name.
_FIELD_HOOKS: dict[type, dict[str, Callable[[object, object], Any]]] = {
    Rule: {"Priority": _structure_priority},
    PortMapping: {"containerPort": _between(1, 65535), "hostPort": _between(0, 65535)},
    HealthCheck: {"interval": _between(5, 300), "timeout": _between(2, 60),
                  "retries": _between(1, 10), "startPeriod": _between(0, 300)},
    ContainerDefinition: {
        "image": _expect("a non-empty string", lambda v: isinstance(v, str) and bool(v.strip())),
        "cpu": _between(0, INT32), "memory": _between(0, INT32),
        "memoryReservation": _between(0, INT32)},
    Service: {"desiredCount": _between(0, INT32)},
}


def _array_factory(tp: Any, conv: Converter) -> Callable[[object, object], Any]:
    inner = homogenous_tuple_structure_factory(tp, conv)

    def hook(value: object, _: object) -> Any:
        if not isinstance(value, list):
            raise ShapeError(f"expected array, got {describe(value)}")
        return inner(value, tp)

    return hook


def _object_factory(cls: Any, conv: Converter) -> Callable[[object, object], Any]:
    overrides = {name: override(struct_hook=h) for name, h in _FIELD_HOOKS.get(cls, {}).items()}
    inner = make_dict_structure_fn(cls, conv, **overrides)

    def hook(value: object, _: object) -> Any:
        if not isinstance(value, dict):
            raise ShapeError(f"expected object, got {describe(value)}")
        return inner(value, cls)

    return hook


def make_converter() -> Converter:
    conv = Converter(detailed_validation=True, forbid_extra_keys=False)
    conv.register_structure_hook(str, _expect("string", lambda v: isinstance(v, str)))
    conv.register_structure_hook(bool, _expect("boolean", lambda v: isinstance(v, bool)))
    conv.register_structure_hook(int, _expect("integer", _is_int))
    conv.register_structure_hook(
        float, _expect("number", lambda v: _is_int(v) or isinstance(v, float))
    )
    conv.register_structure_hook(datetime, _structure_timestamp)
    conv.register_structure_hook_factory(_is_homogeneous_tuple, _array_factory)
    conv.register_structure_hook_factory(attrs.has, _object_factory)
    return conv


CONVERTER = make_converter()


def _message(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return "required field missing"
    if isinstance(exc, ShapeError):
        return str(exc)
    return f"invalid value ({type(exc).__name__}: {exc})"


def error_paths(exc: BaseException, path: str = "$") -> Iterator[tuple[str, str]]:
    """(json_path, message) for every leaf error in a cattrs validation error tree.

    Like `cattrs.transform_error`, but keeps path and message apart and writes object keys
    as `.key` (or `["key"]` when not an identifier), matching how users address JSON.
    """
    if isinstance(exc, IterableValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            index = note.index
            step = f"[{index}]" if isinstance(index, int) else f"[{json.dumps(index)}]"
            yield from error_paths(sub, path + step)
        for sub in without:
            yield from error_paths(sub, path)
    elif isinstance(exc, ClassValidationError):
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            yield from error_paths(sub, f"{path}.{note.name}")
        for sub in without:
            yield from error_paths(sub, path)
    elif isinstance(exc, BaseExceptionGroup):
        for sub in exc.exceptions:
            yield from error_paths(sub, path)
    else:
        yield path, _message(exc)
