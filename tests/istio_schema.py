"""Validate documents against the official Istio CRDs: the served version's openAPIV3Schema
with unknown fields rejected (as the API server prunes/refuses them), plus the CRD's CEL
`x-kubernetes-validations` rules evaluated with cel-python.

A stand-in until the shared validator (netgen/validate in the main tree) takes over.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import yaml
from celpy import celtypes

from tests.conftest import SHARED

_CRD_FILE = Path("crds") / "istio-1.30.3" / "crd-all.gen.yaml"
# The shared folder sits next to the main checkout; a worktree is one level deeper.
CRDS = next((base / _CRD_FILE for base in (SHARED, Path(__file__).resolve().parents[3] / "shared")
             if (base / _CRD_FILE).is_file()), SHARED / _CRD_FILE)
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
    """(apiVersion, kind) -> the raw openAPIV3Schema of every served version."""
    out = {}
    with open(path) as f:
        for crd in yaml.safe_load_all(f):
            if not crd:
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for v in crd["spec"]["versions"]:
                if v.get("served"):
                    out[(f"{group}/{v['name']}", kind)] = v["schema"]["openAPIV3Schema"]
    return out


@functools.cache
def _validator(api_version: str, kind: str) -> jsonschema.Draft7Validator:
    schema = copy.deepcopy(schemas()[(api_version, kind)])
    schema.setdefault("properties", {}).update(
        apiVersion={"type": "string"}, kind={"type": "string"}, metadata={"type": "object"})
    return jsonschema.Draft7Validator(_closed(schema))


_cel = celpy.Environment()


@functools.cache
def _program(rule: str) -> Any:
    return _cel.program(_cel.compile(rule))


def _cel_problems(schema: Mapping[str, Any], value: Any, path: str) -> Iterator[str]:
    for check in schema.get("x-kubernetes-validations", ()):
        try:
            ok = _program(check["rule"]).evaluate({"self": celpy.json_to_cel(value)})
        except Exception as e:  # a CEL evaluation error rejects the object too
            ok = False
            detail = f" ({type(e).__name__})"
        else:
            detail = ""
        if not (isinstance(ok, bool | celtypes.BoolType) and bool(ok)):
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
