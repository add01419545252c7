"""Translate a CRD's structural OpenAPI v3 schema into JSON Schema for `jsonschema`.

The API server prunes fields a structural schema does not declare; a generator that emits
them has a bug (the field silently disappears), so the translation turns pruning into
rejection: every object with declared `properties` (and no `additionalProperties` or
`x-kubernetes-preserve-unknown-fields`) gets `additionalProperties: false`. Only the
skeleton is closed this way; the value-validation branches under `allOf`/`anyOf`/`oneOf`/`not`
only restate constraints and must stay open. Other Kubernetes specifics: `nullable`,
`x-kubernetes-int-or-string`, RE2 `pattern`s, Kubernetes formats, uniqueness for
`x-kubernetes-list-type: set|map`, and lenient `metadata` (the API server validates it
against ObjectMeta, not the CRD).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import ipaddress
import json
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import jsonschema
import re2
from jsonschema import Draft202012Validator, FormatChecker, ValidationError

# Keys with no validation meaning (or handled elsewhere: CEL rules by `crd_cel`).
_DROPPED = frozenset(
    {
        "description",
        "default",
        "example",
        "externalDocs",
        "title",
        "nullable",
        "x-kubernetes-validations",
        "x-kubernetes-preserve-unknown-fields",
        "x-kubernetes-int-or-string",
        "x-kubernetes-embedded-resource",
        "x-kubernetes-map-type",
    }
)
_JUNCTORS = ("allOf", "anyOf", "oneOf")
_MAP_KEY_DEFAULTS = "x-netgen-list-map-key-defaults"

_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}


def to_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Translate the `openAPIV3Schema` of one CRD version (the resource root)."""
    root = _translate(schema, skeleton=True)
    properties = root.setdefault("properties", {})
    properties["apiVersion"] = {"type": "string"}
    properties["kind"] = {"type": "string"}
    properties["metadata"] = _metadata_schema(schema.get("properties", {}).get("metadata", {}))
    root.setdefault("type", "object")
    return root


def _metadata_schema(crd_metadata: dict[str, Any]) -> dict[str, Any]:
    """ObjectMeta, leniently: name/namespace/generateName strings, labels/annotations maps.

    A CRD may constrain only `metadata.name` and `metadata.generateName`; keep those.
    """
    properties: dict[str, Any] = {
        "name": {"type": "string"},
        "namespace": {"type": "string"},
        "generateName": {"type": "string"},
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
    }
    for key in ("name", "generateName"):
        extra = crd_metadata.get("properties", {}).get(key)
        if isinstance(extra, dict):
            properties[key] = {**_translate(extra, skeleton=False), "type": "string"}
    return {"type": "object", "properties": properties}


def _translate(node: dict[str, Any], skeleton: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key == "properties":
            out[key] = {name: _translate(sub, skeleton) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _translate(value, skeleton)
        elif key in _JUNCTORS:
            out[key] = [_translate(sub, skeleton=False) for sub in value]
        elif key == "not":
            out[key] = _translate(value, skeleton=False)
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if value and bound in node:
                out[key] = node[bound]
        else:
            out[key] = value
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        bound = "minimum" if key == "exclusiveMinimum" else "maximum"
        if node.get(key) is True:
            out.pop(bound, None)
    if node.get("x-kubernetes-int-or-string"):
        out["type"] = ["integer", "string"]
        for key in _JUNCTORS:  # `anyOf: [{type: integer}, {type: string}]` restates the type
            if all(set(branch) == {"type"} for branch in out.get(key, [{}])):
                out.pop(key, None)
    if node.get("x-kubernetes-list-type") == "map":
        item_props = node.get("items", {}).get("properties", {})
        out[_MAP_KEY_DEFAULTS] = {
            k: item_props[k]["default"]
            for k in node.get("x-kubernetes-list-map-keys", [])
            if "default" in item_props.get(k, {})
        }
    if skeleton:
        if node.get("x-kubernetes-embedded-resource"):
            embedded = out.setdefault("properties", {})
            embedded.setdefault("apiVersion", {"type": "string"})
            embedded.setdefault("kind", {"type": "string"})
            embedded.setdefault("metadata", {"type": "object"})
        _close(node, out)
        if node.get("nullable"):
            _allow_null(out)
    return out


def _close(node: dict[str, Any], out: dict[str, Any]) -> None:
    preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
    is_object = node.get("type") == "object" or "properties" in node
    if is_object and not preserve and "additionalProperties" not in node:
        out["additionalProperties"] = False


def _allow_null(out: dict[str, Any]) -> None:
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        out["type"] = [*kind, "null"]
    if "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    branches = {k: out.pop(k) for k in (*_JUNCTORS, "not") if k in out}
    if branches:
        out["if"] = {"type": "null"}
        out["else"] = branches


# --- the jsonschema validator class -------------------------------------------------------

_regex_cache: dict[str, Any] = {}
# RFC 3339 as Go's time.RFC3339 parses it (the API server's date-time format).
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def compile_regex(pattern: str) -> Any:
    """RE2, as in Go: Python's `re` rejects e.g. `^(?i)...`, which the Istio CRDs use."""
    compiled = _regex_cache.get(pattern)
    if compiled is None:
        try:
            compiled = _regex_cache[pattern] = re2.compile(pattern)
        except re2.error as exc:
            raise ValueError(f"invalid regex {pattern!r}: {exc}") from None
    return compiled


def _pattern(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """Kubernetes evaluates `pattern` with Go's RE2 (ECMA-ish) regexes, not Python's `re`."""
    if not validator.is_type(instance, "string"):
        return
    try:
        found = compile_regex(pattern).search(instance)
    except ValueError as exc:
        yield ValidationError(f"schema pattern cannot be compiled: {exc}")
        return
    if found is None:
        yield ValidationError(f"{json.dumps(instance)} does not match pattern {pattern!r}")


def _list_type(
    validator: Any, list_type: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """Duplicates in `set` and `map` lists are rejected by the API server's listtype check."""
    if not isinstance(instance, list) or list_type not in ("set", "map"):
        return
    keys = schema.get("x-kubernetes-list-map-keys", [])
    defaults = schema.get(_MAP_KEY_DEFAULTS, {})
    seen: set[str] = set()
    for index, item in enumerate(instance):
        if list_type == "set":
            identity: Any = item
        elif isinstance(item, dict):
            identity = {k: item.get(k, defaults.get(k)) for k in keys}
        else:
            continue
        fingerprint = json.dumps(identity, sort_keys=True, default=str)
        if fingerprint in seen:
            what = "value" if list_type == "set" else "entry with key"
            yield ValidationError(f"duplicate {what} {fingerprint}", path=[index])
        seen.add(fingerprint)


KubernetesSchemaValidator = jsonschema.validators.extend(
    Draft202012Validator,
    {"pattern": _pattern, "x-kubernetes-list-type": _list_type},
)


def _string_format(check: Callable[[str], bool]) -> Callable[[Any], bool]:
    def checker(instance: Any) -> bool:
        if not isinstance(instance, str):
            return True
        try:
            return check(instance)
        except (ValueError, binascii.Error):
            return False

    return checker


def _date_time(s: str) -> bool:
    return bool(_RFC3339.fullmatch(s)) and bool(dt.datetime.fromisoformat(
        s.upper().replace("Z", "+00:00")))


def _date(s: str) -> bool:
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", s)) and bool(dt.date.fromisoformat(s))


def _ip(version: int) -> Callable[[str], bool]:
    def check(s: str) -> bool:
        return "%" not in s and ipaddress.ip_address(s).version == version

    return check


def _cidr(s: str) -> bool:
    return bool(ipaddress.ip_network(s, strict=False))


def _byte(s: str) -> bool:
    return bool(base64.b64decode(s, validate=True) or True)


def _uuid(s: str) -> bool:
    return bool(uuid.UUID(s))


_HOSTNAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", re.I)


def _hostname(s: str) -> bool:
    return len(s) <= 253 and bool(_HOSTNAME.fullmatch(s))


# Formats the API server checks for strings; others (int32, int64, double, ...) are hints.
FORMAT_CHECKER = FormatChecker(formats=())
for _name, _check in {
    "date-time": _date_time,
    "datetime": _date_time,
    "date": _date,
    "ipv4": _ip(4),
    "ipv6": _ip(6),
    "cidr": _cidr,
    "byte": _byte,
    "uuid": _uuid,
    "hostname": _hostname,
}.items():
    FORMAT_CHECKER.checks(_name)(_string_format(_check))


def build_validator(schema: dict[str, Any]) -> Any:
    return KubernetesSchemaValidator(to_json_schema(schema), format_checker=FORMAT_CHECKER)
