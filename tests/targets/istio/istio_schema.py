"""Validate documents against the official Istio CRDs: the served version's openAPIV3Schema
with unknown fields rejected (as the API server prunes/refuses them), plus the CRD's CEL
`x-kubernetes-validations` rules evaluated with cel-expr-python. The CRDs are the ones
shipped with netgen (netgen/targets/istio/schemas/istio-1.30.3), so nothing is read outside
the repository.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema

from netgen.validate.cel import CelError, compile_cel
from netgen.validate.shipped import bundle_folder

CRDS = bundle_folder("istio-1.30.3")
_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*").fullmatch


def _closed(schema: Any) -> Any:
    """Every object schema that lists its properties rejects any other one."""
    if isinstance(schema, dict):
        schema = {k: _closed(v) for k, v in schema.items()}
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [_closed(v) for v in schema]
    return schema


@functools.cache
def schemas(path: Path = CRDS) -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> the openAPIV3Schema of every served version."""
    out = {}
    for file in sorted(path.glob("*.json")):
        crd = json.loads(file.read_text(encoding="utf-8"))
        for version, schema in crd["versions"].items():
            out[(f"{crd['group']}/{version}", crd["kind"])] = schema
    return out


@functools.cache
def _validator(api_version: str, kind: str) -> jsonschema.Draft7Validator:
    schema = copy.deepcopy(schemas()[(api_version, kind)])
    schema.setdefault("properties", {}).update(
        apiVersion={"type": "string"}, kind={"type": "string"}, metadata={"type": "object"})
    return jsonschema.Draft7Validator(_closed(schema))


def _cel_problems(schema: Mapping[str, Any], value: Any, path: str) -> Iterator[str]:
    for check in schema.get("x-kubernetes-validations", ()):
        try:
            ok = compile_cel(check["rule"]).evaluate({"self": value})
        except CelError as e:  # a CEL evaluation error rejects the object too
            ok = False
            detail = f" ({e})"
        else:
            detail = ""
        if ok is not True:
            yield f"{path or '<root>'}: {check.get('message', check['rule'])}{detail}"
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            sub = props.get(key, extra if isinstance(extra, dict) else None)
            if sub is not None:
                yield from _cel_problems(sub, item, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            yield from _cel_problems(schema["items"], item, f"{path}[{i}]")


def problems(doc: Mapping[str, Any]) -> list[str]:
    """Empty when the API server with these CRDs would accept `doc`."""
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key not in schemas():
        return [f"no served CRD version for apiVersion={key[0]!r} kind={key[1]!r}"]
    found = []
    for e in _validator(*key).iter_errors(doc):  # type: ignore[arg-type]
        where = ".".join(str(p) for p in e.absolute_path) or "<root>"
        found.append(f"{where}: {e.message}")
    if not found:
        found.extend(_cel_problems(schemas()[key], doc, ""))  # type: ignore[index]
    meta = doc.get("metadata") or {}
    name = meta.get("name")
    if not isinstance(name, str) or len(name) > 253 or not _NAME(name):
        found.append(f"metadata.name: {name!r} is not a DNS subdomain name")
    if not isinstance(meta.get("namespace"), str):
        found.append("metadata.namespace: Istio objects here are namespaced")
    return found


def is_istio(doc: Mapping[str, Any]) -> bool:
    return str(doc.get("apiVersion", "")).split("/")[0].endswith(".istio.io")
