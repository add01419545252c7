"""Schema problems (`netgen.problems.Problem` at an `ObjectLoc`) and the conversion of JSON
Schema errors into them.

Both the CRD and the core validators run jsonschema; sharing the error wording here keeps
their reports alike (`unknown field "foo"` rather than jsonschema's repr-heavy messages,
which can print a whole document for a failed `oneOf`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from netgen.problems import ObjectLoc, Problem

Path = tuple[str | int, ...]

_PLAIN_KEY = re.compile(r"[A-Za-z_$][A-Za-z0-9_$-]*")
_MAX_VALUE_TEXT = 80
SCHEMA_VIOLATION = "NG020"  # `netgen check` says NG021 when no schema served the kind

if TYPE_CHECKING:  # only a document with problems meets a jsonschema object
    import jsonschema


def schema_problem(kind: str, name: str, namespace: str, path: str, message: str) -> Problem:
    """A reason a document would be rejected (or altered) by the API server: a
    `netgen.problems.Problem` at the object and the field path inside it."""
    return Problem(message, ObjectLoc(kind, name, namespace, path), "error", SCHEMA_VIOLATION)


def format_path(path: Iterable[str | int]) -> str:
    """`spec.rules[0].backendRefs[1].weight`; keys that are not identifiers are quoted."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out


def describe(value: Any) -> str:
    """A short JSON rendering of a value for messages."""
    try:
        text = json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= _MAX_VALUE_TEXT else text[: _MAX_VALUE_TEXT - 3] + "..."


_JSON_TYPES = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
    (type(None), "null"),
)


def json_type(value: Any) -> str:
    return next((name for py, name in _JSON_TYPES if isinstance(value, py)), type(value).__name__)


def schema_errors(
    validator: jsonschema.protocols.Validator, instance: Any
) -> Iterator[tuple[Path, str]]:
    """Yield (path, message) for every error, one per unknown field."""
    for error in validator.iter_errors(instance):
        yield from _convert(error)


def _convert(error: jsonschema.ValidationError) -> Iterator[tuple[Path, str]]:
    path: Path = tuple(error.absolute_path)
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "additionalProperties" and value is False and isinstance(instance, dict):
        known = set(error.schema.get("properties", {}))
        for key in instance:
            if key not in known:
                yield (*path, key), f'unknown field "{key}"'
        return
    yield path, _message(error)


def _message(error: jsonschema.ValidationError) -> str:
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "type":
        expected = " or ".join(value) if isinstance(value, list) else value
        return f"expected {expected}, got {json_type(instance)} {describe(instance)}"
    if kind == "enum":
        allowed = ", ".join(describe(v) for v in value)
        return f"unsupported value {describe(instance)}: supported values: {allowed}"
    if kind == "required":
        missing = [k for k in value if isinstance(instance, dict) and k not in instance]
        return "missing required field " + ", ".join(f'"{k}"' for k in missing)
    if kind in ("anyOf", "oneOf"):
        reasons = sorted({_message(sub) for sub in error.context or ()})[:3]
        which = "exactly one" if kind == "oneOf" else "at least one"
        detail = f" ({'; '.join(reasons)})" if reasons else ""
        return f"must match {which} of the alternative schemas{detail}"
    if kind == "not":
        return "matches a schema it must not match"
    if kind == "const":
        return f"must be {describe(value)}, got {describe(instance)}"
    if kind in _BOUNDS and isinstance(instance, list | str | dict):
        what, unit = _BOUNDS[kind]
        return f"{what} {value} {unit}, got {len(instance)}: {describe(instance)}"
    text = error.message
    # jsonschema says the value first and the reason last ("[...] is too long"): a long
    # message loses the middle of the value, never the reason
    return text if len(text) <= 300 else text[:200] + " ... " + text[-95:]


_BOUNDS = {
    "maxItems": ("must have at most", "items"),
    "minItems": ("must have at least", "items"),
    "maxLength": ("must be at most", "characters long"),
    "minLength": ("must be at least", "characters long"),
    "maxProperties": ("must have at most", "properties"),
    "minProperties": ("must have at least", "properties"),
}
