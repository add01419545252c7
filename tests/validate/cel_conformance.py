"""Inputs for the CEL conformance suite: every rule of every shipped CRD, with `self` values.

Two sources, both deterministic and both changed only deliberately (a CRD update, a new
fixture), so the verdicts pinned in `fixtures/cel_verdicts.json` can be recomputed: the rule
inputs the hand-written valid and invalid fixture documents produce, and values made from
each rule's own schema node (only the required fields; every field with one list item; every
field with two equal list items), so that rules no document reaches are evaluated too. (The
examples' output is left out: it changes with every backend change, and the pins cannot be
remade with the evaluator that made them.)

The verdicts were pinned with the hand-written evaluator that the cel-expr-python runtime
replaced (see `test_validate_cel_rules.py`); a runtime change that flips one shows up as a
named rule and input.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from netgen.validate.cel import CelError
from netgen.validate.crd import CrdVersion
from netgen.validate.crd_cel import Rule, SchemaNode, apply_defaults, rule_inputs, to_cel
from netgen.validate.shipped import shipped_bundles

FIXTURES = Path(__file__).resolve().parent / "fixtures"
VERDICTS = FIXTURES / "cel_verdicts.json"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAX_DEPTH = 8


def shipped_versions() -> Iterator[tuple[str, CrdVersion]]:
    for bundle in shipped_bundles():
        for version in bundle.index:
            yield bundle.name, version


def _documents() -> Iterator[dict[str, Any]]:
    files = [*sorted((FIXTURES / "valid").glob("*.yaml")),
             *sorted((FIXTURES / "invalid").glob("*.yaml"))]
    for file in files:
        for doc in yaml.load_all(file.read_text(encoding="utf-8"), Loader=_LOADER):
            if isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc:
                yield doc


def _rule_nodes(schema: dict[str, Any], path: tuple[Any, ...] = ()
                ) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    if schema.get("x-kubernetes-validations"):
        yield path, schema
    for name, sub in (schema.get("properties") or {}).items():
        yield from _rule_nodes(sub, (*path, name))
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _rule_nodes(schema[key], (*path, "*"))


def sample(schema: dict[str, Any], variant: str, depth: int = 0) -> Any:
    """A value of the node's type: "minimal" (required fields), "full" or "pair" (every
    field; lists of one item, or of two equal items)."""
    if schema.get("x-kubernetes-int-or-string"):
        return 1 if variant == "minimal" else "50%"
    kind = schema.get("type")
    if schema.get("enum"):
        return schema["enum"][0 if variant == "minimal" else -1]
    if kind == "string":
        return "YQ==" if schema.get("format") == "byte" else ("a" if variant == "minimal"
                                                                 else "x-1")
    if kind == "integer":
        bound = "minimum" if variant == "minimal" else "maximum"
        return int(schema.get(bound, 1))
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return variant != "minimal"
    if kind == "array":
        items = schema.get("items") or {}
        if variant == "minimal" or depth >= _MAX_DEPTH:
            return []
        item = sample(items, variant, depth + 1)
        return [item, item] if variant == "pair" else [item]
    if kind == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        if depth >= _MAX_DEPTH:
            return {}
        names = schema.get("required", []) if variant == "minimal" else list(props)
        out = {n: sample(props[n], variant, depth + 1) for n in names if n in props}
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and variant != "minimal":
            out["k"] = sample(extra, variant, depth + 1)
        return out
    return None


def rule_cases() -> Iterator[tuple[str, Rule, Any]]:
    """(where, rule, CEL value of `self`) for every case the suite pins."""
    by_kind: dict[tuple[str, str], list[tuple[str, CrdVersion]]] = {}
    for bundle, version in shipped_versions():
        by_kind.setdefault((version.api_version, version.kind), []).append((bundle, version))
        for path, schema in _rule_nodes(version.schema):
            node = SchemaNode(schema)
            for variant in ("minimal", "full", "pair"):
                value = to_cel(node, apply_defaults(node, sample(schema, variant)))
                for rule in node.rules:
                    where = f"{bundle}:{version.kind}.{version.version}:{'.'.join(map(str, path))}"
                    yield f"{where}[{variant}]", rule, value
    for doc in _documents():
        for bundle, version in by_kind.get((doc["apiVersion"], doc["kind"]), []):
            defaulted = apply_defaults(version.cel_root, doc)
            for path, rule, value in rule_inputs(version.cel_root, defaulted):
                name = (doc.get("metadata") or {}).get("name")
                yield f"{bundle}:{doc['kind']}/{name}:{'.'.join(map(str, path))}", rule, value


def verdict(rule: Rule) -> Any:
    """A function giving "true", "false", "error" or "transition" for a value of `self`."""

    def run(value: Any) -> str:
        if rule.program is None:
            return f"compile-error: {rule.error}"
        if rule.is_transition_rule:
            return "transition"
        try:
            result = rule.program.evaluate({"self": value})
        except CelError:
            return "error"
        return {True: "true", False: "false"}.get(result, "not-bool") if isinstance(
            result, bool) else "not-bool"

    return run


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"bytes": base64.b64encode(value).decode()}
    return repr(value)


def case_key(rule: Rule, value: Any) -> str:
    text = json.dumps([rule.rule, value], sort_keys=True, default=_encode)
    return hashlib.sha256(text.encode()).hexdigest()[:20]
