"""A quick "is this document valid?" for the strict core schemas, so jsonschema runs only on
documents that have a problem to report.

jsonschema makes a validator object per subschema it descends into and resolves every `$ref`
through the registry again for each document: 12,455 valid documents at N=1000 cost seconds.
The core schemas use a handful of keywords; each schema is compiled here once into nested
closures that answer true or false. A document the closure accepts has no problems (the
closure implements those keywords as jsonschema's Draft 2020-12 does, without a format
checker); anything it rejects, and every kind whose schema uses a keyword not handled here,
goes to jsonschema, whose errors are the ones reported. So the closure may be stricter than
jsonschema (say, an integer-valued float for an integer field), never more lenient.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

Check = Callable[[Any], bool]

# Keywords that never reject a value (no format checker is configured for the core kinds).
_ANNOTATIONS = frozenset({"description", "title", "default", "format", "$schema", "$id",
                          "$defs", "examples", "deprecated"})
_DEFS_REF = "#/$defs/"


class Unsupported(Exception):
    """The schema uses a keyword or a reference this module does not handle."""


def compile_schema(schema: dict[str, Any], definitions: dict[str, Any]) -> Check | None:
    """The closure for `schema`, whose `$ref`s name entries of the `$defs` of `definitions`
    (a document with an `$id`); None if some part of it is not handled here."""
    try:
        compiler = _Compiler(definitions.get("$defs", {}), str(definitions.get("$id", "")))
        compiler.base = str(schema.get("$id", ""))
        return compiler.compile(schema)
    except Unsupported:
        return None


def _is_integer(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


_TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "integer": _is_integer,
    "number": _is_number,
}


def _ok(_: Any) -> bool:
    return True


class _Compiler:
    def __init__(self, defs: dict[str, Any], defs_id: str) -> None:
        self.defs, self.defs_id = defs, defs_id
        self.base = defs_id  # the document whose schema is being compiled: refs resolve there
        self.named: dict[str, list[Check]] = {}  # a cell per definition: refs may recurse

    def compile(self, schema: Any) -> Check:
        if schema is True or schema == {}:
            return _ok
        if not isinstance(schema, dict):
            raise Unsupported(repr(schema))
        checks: list[Check] = []
        for key, value in schema.items():
            if key in _ANNOTATIONS or key.startswith("x-kubernetes-"):
                continue
            make = getattr(self, "_" + key.replace("$", "dollar_"), None)
            if make is None:
                raise Unsupported(key)
            checks.append(make(value, schema))
        if not checks:
            return _ok
        if len(checks) == 1:
            return checks[0]
        return lambda v: all(c(v) for c in checks)

    def _dollar_ref(self, ref: str, _: dict[str, Any]) -> Check:
        document, marker, name = ref.partition(_DEFS_REF)
        if (not marker or "/" in name or name not in self.defs or not self.defs_id
                or urljoin(self.base, document) != self.defs_id):
            raise Unsupported(ref)
        cell = self.named.get(name)
        if cell is None:
            cell = self.named[name] = []
            outer, self.base = self.base, self.defs_id
            try:
                cell.append(self.compile(self.defs[name]))
            finally:
                self.base = outer
        return lambda v: cell[0](v)

    def _type(self, names: str | list[str], _: dict[str, Any]) -> Check:
        tests = [_TYPES[n] for n in ([names] if isinstance(names, str) else names)]
        return lambda v: any(t(v) for t in tests)

    def _enum(self, allowed: list[Any], _: dict[str, Any]) -> Check:
        if not all(isinstance(a, str | type(None)) for a in allowed):
            raise Unsupported("enum")  # jsonschema's equality (1 == 1.0, True != 1) not mirrored
        return lambda v: (type(v) is str or v is None) and v in allowed

    def _required(self, names: list[str], _: dict[str, Any]) -> Check:
        return lambda v: not isinstance(v, dict) or all(n in v for n in names)

    def _properties(self, props: dict[str, Any], _: dict[str, Any]) -> Check:
        checks = {k: self.compile(s) for k, s in props.items()}
        return lambda v: not isinstance(v, dict) or all(
            checks[k](x) for k, x in v.items() if k in checks)

    def _additionalProperties(self, extra: Any, schema: dict[str, Any]) -> Check:
        if "patternProperties" in schema:
            raise Unsupported("patternProperties")
        known = frozenset(schema.get("properties", ()))
        if extra is False:
            return lambda v: not isinstance(v, dict) or known.issuperset(v)
        check = self.compile(extra)
        return lambda v: not isinstance(v, dict) or all(
            check(x) for k, x in v.items() if k not in known)

    def _items(self, items: Any, schema: dict[str, Any]) -> Check:
        if "prefixItems" in schema or items is False:
            raise Unsupported("prefixItems")
        check = self.compile(items)
        return lambda v: not isinstance(v, list) or all(check(x) for x in v)

    def _oneOf(self, options: list[Any], _: dict[str, Any]) -> Check:
        checks = [self.compile(s) for s in options]
        return lambda v: sum(1 for c in checks if c(v)) == 1

    def _anyOf(self, options: list[Any], _: dict[str, Any]) -> Check:
        checks = [self.compile(s) for s in options]
        return lambda v: any(c(v) for c in checks)

    def _allOf(self, options: list[Any], _: dict[str, Any]) -> Check:
        checks = [self.compile(s) for s in options]
        return lambda v: all(c(v) for c in checks)
