"""Evaluate a CRD's `x-kubernetes-validations` rules against a document.

Each rule runs at the schema node that declares it, with `self` bound to the value there,
prepared as the API server prepares it: schema defaults filled in first (rules are written
against defaulted objects), declared property names escaped (`namespace` is a CEL keyword,
so rules say `__namespace__`), `number` values as doubles, `format: byte` strings as bytes,
unknown fields pruned. (`duration` and `date-time` strings stay strings: cel-expr-python
takes no such values from Python, and no rule of a shipped CRD reads one.) Rules that
use `oldSelf` are transition rules and need a stored object we do not have, so they are
skipped. A rule that fails to compile or to evaluate is reported, never treated as passing.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Iterator
from typing import Any

from netgen.validate.cel import CelCompileError, CelError, Program, activation, compile_cel
from netgen.validate.problem import Path

_CEL_RESERVED = frozenset(
    {
        *("true", "false", "null", "in", "as", "break", "const", "continue", "else", "for"),
        *("function", "if", "import", "let", "loop", "package", "namespace", "return"),
        *("var", "void", "while"),
    }
)
_ESCAPABLE = re.compile(r"[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*")
_ESCAPES = {"__": "__underscores__", ".": "__dot__", "-": "__dash__", "/": "__slash__"}
_NO_DEFAULT: Any = object()
_FIELD_PATH_PART = re.compile(r"\.([^.\[]+)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]")


def escape_property(name: str) -> str | None:
    """The name a rule uses for a declared property, or None if rules cannot access it."""
    if name in _CEL_RESERVED:
        return f"__{name}__"
    if not _ESCAPABLE.fullmatch(name):
        return None
    return re.sub(r"__|[.\-/]", lambda m: _ESCAPES[m.group()], name)


class Rule:
    """One entry of `x-kubernetes-validations`, compiled once per CRD version."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.rule: str = str(spec.get("rule", ""))
        self.message: str | None = spec.get("message")
        self.field_path: Path = _parse_field_path(spec.get("fieldPath") or "")
        self.program: Program | None = None
        self.message_program: Program | None = None
        self.error: str | None = None
        try:
            self.program = compile_cel(self.rule)
        except CelCompileError as exc:
            self.error = str(exc)
        if spec.get("messageExpression"):
            try:
                self.message_program = compile_cel(spec["messageExpression"])
            except CelCompileError as exc:
                self.error = self.error or f"messageExpression: {exc}"

    @property
    def is_transition_rule(self) -> bool:
        return self.program is not None and self.program.is_transition_rule

    def check(self, value: Any, bound: Any = None) -> tuple[Path, str] | None:
        """None if the rule holds (or cannot apply); else (relative path, message).
        `bound`: `value` already made an activation (see `cel.activation`)."""
        if self.program is None:
            return (), self._broken(self.error or "not compiled")
        if self.is_transition_rule:
            return None
        try:
            bound = bound if bound is not None else activation({"self": value})
            result = self.program.evaluate_in(bound)
        except CelError as exc:
            return (), self._broken(str(exc))
        if result is True:
            return None
        if result is not False:
            return (), self._broken(f"result is {type(result).__name__}, not bool")
        return self.field_path, self._failure_message(bound)

    def _broken(self, why: str) -> str:
        about = f"; its message: {self.message}" if self.message else ""
        return f"rule could not be evaluated: {why} (rule: {self.rule}{about})"

    def _failure_message(self, bound: Any) -> str:
        if self.message_program is not None:
            try:
                text = self.message_program.evaluate_in(bound)
                if isinstance(text, str) and text:
                    return text
            except CelError:
                pass
        return self.message or f"failed rule: {self.rule}"


def _parse_field_path(text: str) -> Path:
    parts: list[str | int] = []
    for m in _FIELD_PATH_PART.finditer(text):
        name, quoted, index = m.groups()
        parts.append(int(index) if index is not None else name if name is not None else quoted)
    return tuple(parts)


class SchemaNode:
    """The parts of a structural schema that CEL value conversion and rule lookup need."""

    __slots__ = (
        "additional",
        "default",
        "escaped",
        "format",
        "has_rules",
        "items",
        "nullable",
        "preserve",
        "properties",
        "rules",
        "type",
    )

    def __init__(self, schema: dict[str, Any]) -> None:
        self.type: str | None = schema.get("type")
        self.format: str | None = schema.get("format")
        self.preserve = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
        self.nullable = bool(schema.get("nullable"))
        self.default: Any = schema.get("default", _NO_DEFAULT)
        props = schema.get("properties") or {}
        self.properties = {name: SchemaNode(sub) for name, sub in props.items()}
        self.escaped = {name: escape_property(name) for name in props}
        additional = schema.get("additionalProperties")
        self.additional = SchemaNode(additional) if isinstance(additional, dict) else None
        items = schema.get("items")
        self.items = SchemaNode(items) if isinstance(items, dict) else None
        self.rules = [Rule(spec) for spec in schema.get("x-kubernetes-validations") or ()]
        children = [*self.properties.values(), self.additional, self.items]
        self.has_rules = bool(self.rules) or any(c is not None and c.has_rules for c in children)

    def all_rules(self, path: Path = ()) -> list[tuple[Path, Rule]]:
        found = [(path, rule) for rule in self.rules]
        for name, child in self.properties.items():
            found += child.all_rules((*path, name))
        if self.additional is not None:
            found += self.additional.all_rules((*path, "*"))
        if self.items is not None:
            found += self.items.all_rules((*path, "*"))
        return found


def root_node(schema: dict[str, Any]) -> SchemaNode:
    """Rules on the resource root see only `metadata.name` and `metadata.generateName`."""
    node = SchemaNode(schema)
    name = {"type": "string"}
    node.properties["metadata"] = SchemaNode(
        {"type": "object", "properties": {"name": name, "generateName": name}}
    )
    node.escaped["metadata"] = "metadata"
    return node


def apply_defaults(node: SchemaNode | None, value: Any) -> Any:
    """A copy of `value` with schema defaults filled in, as the API server does on decode.

    Rules are written against defaulted objects (an HTTPRoute parentRef without `kind` has
    `kind: Gateway` by the time rules run), so skipping this would break valid documents.
    """
    if node is None:
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            child = node.properties.get(key, node.additional)
            out[key] = apply_defaults(child, item)
        for key, child in node.properties.items():
            missing = key not in out or (out[key] is None and not child.nullable)
            if missing and child.default is not _NO_DEFAULT:
                out[key] = apply_defaults(child, copy.deepcopy(child.default))
        return out
    if isinstance(value, list):
        return [apply_defaults(node.items, item) for item in value]
    return value


def to_cel(node: SchemaNode | None, value: Any) -> Any:
    if isinstance(value, dict):
        return _object_to_cel(node, value)
    if isinstance(value, list):
        items = node.items if node is not None else None
        return [to_cel(items, v) for v in value]
    if node is None or value is None or isinstance(value, bool):
        return value
    if node.type == "number" and isinstance(value, int):
        return float(value)
    if node.type == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    if node.type == "string" and node.format and isinstance(value, str):
        return _formatted_string(node.format, value)
    return value


def _object_to_cel(node: SchemaNode | None, value: dict[str, Any]) -> dict[str, Any]:
    if node is None:
        return {k: to_cel(None, v) for k, v in value.items()}
    out: dict[str, Any] = {}
    for key, item in value.items():
        child = node.properties.get(key)
        if child is not None:
            name = node.escaped[key]
            if name is not None:
                out[name] = to_cel(child, item)
        elif node.additional is not None:
            out[key] = to_cel(node.additional, item)
        elif node.preserve:
            out[key] = to_cel(None, item)
    return out


def _formatted_string(fmt: str, value: str) -> Any:
    """Kubernetes exposes `format: byte` strings as CEL bytes."""
    if fmt == "byte":
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:
            pass
    return value


def check_rules(
    root: SchemaNode, doc: dict[str, Any], error_paths: set[Path]
) -> list[tuple[Path, str]]:
    """Rule failures in a (defaulted) document.

    Rules at a node whose subtree already failed the schema check are not evaluated: they
    would mostly report follow-on errors about the ill-typed values.
    """
    out: list[tuple[Path, str]] = []
    bound_for: tuple[Any, Any] = (None, None)  # one node's rules come one after another
    for path, rule, value in rule_inputs(root, doc):
        if any(p[: len(path)] == path for p in error_paths):
            continue
        if bound_for[0] is not value:
            try:
                bound_for = (value, activation({"self": value}))
            except CelError:
                bound_for = (value, None)
        failure = rule.check(value, bound_for[1])
        if failure is not None:
            out.append(((*path, *failure[0]), failure[1]))
    return out


def rule_inputs(root: SchemaNode, doc: dict[str, Any]) -> Iterator[tuple[Path, Rule, Any]]:
    """Every (path, rule, CEL value of `self`) the document exercises."""
    if root.has_rules:
        yield from _walk(root, doc, to_cel(root, doc), ())


def _walk(node: SchemaNode, raw: Any, value: Any, path: Path) -> Iterator[tuple[Path, Rule, Any]]:
    if raw is None:
        return
    for rule in node.rules:
        yield path, rule, value
    if isinstance(raw, dict) and isinstance(value, dict):
        for key, item in raw.items():
            child = node.properties.get(key)
            if child is not None:
                name = node.escaped[key]
                if child.has_rules and name in value:
                    yield from _walk(child, item, value[name], (*path, key))
            elif node.additional is not None and node.additional.has_rules and key in value:
                yield from _walk(node.additional, item, value[key], (*path, key))
    elif isinstance(raw, list) and node.items is not None and node.items.has_rules:
        for index, item in enumerate(raw):
            yield from _walk(node.items, item, value[index], (*path, index))
