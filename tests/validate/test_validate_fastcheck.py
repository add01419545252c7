"""The quick check of the core kinds (netgen.validate.fastcheck) may only ever accept what
jsonschema accepts: it decides whether jsonschema runs at all."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from netgen.validate import CoreSchemas
from netgen.validate.fastcheck import compile_schema
from netgen.validate.problem import schema_errors

OUT = Path(__file__).resolve().parents[2] / "out"
VALUES: list[Any] = [None, 0, 1, 1.0, 1.5, True, False, "", "x", "TCP", "80", [], {}, ["a"],
                     {"a": 1}, -1, 2**40]


def _documents() -> list[dict[str, Any]]:
    docs = []
    for path in sorted(OUT.glob("*/*/*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
    return docs


def _paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if at:
        yield at
    items = value.items() if isinstance(value, dict) else (
        enumerate(value) if isinstance(value, list) else ())
    for key, inner in items:
        yield from _paths(inner, (*at, key))


def _mutated(doc: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
    """The document with one value replaced or deleted, or one field added somewhere."""
    doc = copy.deepcopy(doc)
    path = rnd.choice(list(_paths(doc)))
    parent: Any = doc
    for key in path[:-1]:
        parent = parent[key]
    roll = rnd.random()
    if roll < 0.3 and isinstance(parent, dict):
        del parent[path[-1]]
    elif roll < 0.5 and isinstance(parent, dict):
        parent[rnd.choice(["foo", "name", "port", "protocol", "type"])] = rnd.choice(VALUES)
    else:
        parent[path[-1]] = rnd.choice(VALUES)
    return doc


def test_quick_check_never_accepts_what_jsonschema_rejects() -> None:
    core = CoreSchemas()
    docs = [d for d in _documents()
            if core.validator(str(d["apiVersion"]), str(d["kind"])) is not None]
    assert len(docs) > 50
    rnd = random.Random(18)
    accepted = rejected = 0
    for doc in docs + [_mutated(rnd.choice(docs), rnd) for _ in range(1500)]:
        api_version, kind = str(doc.get("apiVersion")), str(doc.get("kind"))
        validator = core.validator(api_version, kind)
        if validator is None:  # a mutation of apiVersion or kind
            continue
        quick = core.quick_check(api_version, kind)
        assert quick is not None, kind  # every core kind netgen writes is compiled
        errors = list(schema_errors(validator, doc))
        if quick(doc):
            assert errors == [], (kind, doc)
            accepted += 1
        else:
            rejected += 1
    assert accepted > len(docs) // 2 and rejected > 300  # both answers were exercised
    for doc in docs:  # and every shipped example is valid without jsonschema
        assert core.quick_check(str(doc["apiVersion"]), str(doc["kind"]))(doc)


DEFS_ID = "https://example.com/api/_definitions.json"


def test_unhandled_keywords_leave_the_kind_to_jsonschema() -> None:
    defs = {"$id": DEFS_ID, "$defs": {"A": {"type": "string"}}}
    assert compile_schema({"type": "string", "pattern": "^a"}, defs) is None
    assert compile_schema({"$ref": "/api/_definitions.json#/$defs/missing"}, defs) is None
    assert compile_schema({"enum": [1, 2]}, defs) is None  # jsonschema's 1 == 1.0 not mirrored
    # a reference into the schema's own $defs, or another document, is not the definitions'
    assert compile_schema({"$id": "https://example.com/api/k", "$ref": "#/$defs/A"},
                          defs) is None
    assert compile_schema({"$id": "https://example.com/api/k",
                           "$ref": "/other/_definitions.json#/$defs/A"}, defs) is None
    assert compile_schema({"$id": "https://example.com/api/k",
                           "$ref": "/api/_definitions.json#/$defs/A"}, defs) is not None


def test_recursive_definitions_compile() -> None:
    defs = {"$id": DEFS_ID, "$defs": {
        "Node": {"type": "object", "additionalProperties": False,
                 "properties": {"child": {"$ref": "#/$defs/Node"}}}}}
    check = compile_schema({"$id": "https://example.com/api/k",
                            "$ref": "/api/_definitions.json#/$defs/Node"}, defs)
    assert check is not None
    assert check({"child": {"child": {}}})
    assert not check({"child": {"other": 1}})
