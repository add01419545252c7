"""Validate built-in kinds (Service, Deployment, Ingress, ...) offline.

The schemas come from the `kubernetes_validate` package, which ships the OpenAPI schemas of
each Kubernetes release, in its *strict* flavour (unknown fields rejected). We load them with
its own helpers but keep one validator per kind and report every error, not just the first:
`kubernetes_validate.validate` re-reads a 1.8 MB definitions file on every call and stops at
the first error.

The schema files are read straight from the package's folder, with its layout (one folder
per release, one file per kind), without importing `kubernetes_validate`: its `__init__`
imports jsonschema and referencing, a third of a small `netgen check`. jsonschema is needed
only for a document the quick check (`fastcheck`) does not accept, and imported then.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
from typing import TYPE_CHECKING, Any

from packaging.version import Version

from netgen.validate.fastcheck import Check, compile_schema
from netgen.validate.problem import Path, schema_errors

if TYPE_CHECKING:
    from referencing import Registry

_SCHEMA_ROOT = "kubernetes-json-schema"


class UnsupportedKubernetesVersion(ValueError):
    """No bundled schemas for the requested Kubernetes version."""


@functools.cache
def _package() -> str:
    """kubernetes_validate's folder, found without running its `__init__`."""
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("No module named 'kubernetes_validate'")
    return str(next(iter(spec.submodule_search_locations)))


def _schema_contents(file: str) -> Any:
    """A schema file of the package (`kubernetes_validate.utils.schema_contents`)."""
    with open(os.path.join(_package(), file), encoding="utf-8") as stream:
        return json.load(stream)


def _bundled_versions() -> list[Version]:
    """Its releases, as `kubernetes_validate.utils.all_versions` lists them: `v1.33.0-local`."""
    names = os.listdir(os.path.join(_package(), _SCHEMA_ROOT))
    return sorted({Version(m.group(1)) for n in names if (m := re.match(r"v([^-]*)", n))})


def default_kubernetes_version() -> str:
    """The newest bundled 1.3x release (schemas are offline, so this is what we can check)."""
    candidates = [v for v in _bundled_versions() if v.major == 1 and 30 <= v.minor <= 39]
    if not candidates:
        raise UnsupportedKubernetesVersion("kubernetes_validate bundles no 1.3x schemas")
    newest = candidates[-1]
    return f"{newest.major}.{newest.minor}"


def _resolve(requested: str) -> Version:
    """The newest bundled release not newer than `requested` (major.minor)."""
    match = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.\d+)?", requested.strip())
    if match is None:
        raise UnsupportedKubernetesVersion(f"not a Kubernetes version: {requested!r}")
    wanted = (int(match.group(1)), int(match.group(2)))
    bundled = _bundled_versions()
    usable = [v for v in bundled if (v.major, v.minor) <= wanted]
    newest = bundled[-1]
    if not usable:  # a release newer than the bundle's takes its newest: the report says which
        span = f"{bundled[0].major}.{bundled[0].minor}-{newest.major}.{newest.minor}"
        raise UnsupportedKubernetesVersion(
            f"kubernetes_validate has schemas for Kubernetes {span}, not {requested}"
        )
    return usable[-1]


class CoreSchemas:
    """Strict schemas of the built-in kinds of one Kubernetes release."""

    def __init__(self, k8s_version: str | None = None) -> None:
        self.requested = k8s_version or default_kubernetes_version()
        resolved = _resolve(self.requested)
        self.version = f"{resolved.major}.{resolved.minor}"
        self._dir = f"{_SCHEMA_ROOT}/v{resolved}-local-strict"
        self._schemas: dict[tuple[str, str], dict[str, Any] | None] = {}
        self._validators: dict[tuple[str, str], Any] = {}
        self._quick: dict[tuple[str, str], Check | None] = {}

    @functools.cached_property
    def _definitions(self) -> dict[str, Any]:
        return _schema_contents(f"{self._dir}/_definitions.json")  # type: ignore[no-any-return]

    @functools.cached_property
    def _registry(self) -> Registry:
        from referencing import Registry, Resource

        return Resource.from_contents(self._definitions) @ Registry()

    def schema(self, api_version: str, kind: str) -> dict[str, Any] | None:
        """The schema of a resource kind, or None if this release has no such kind."""
        key = (api_version, kind)
        if key not in self._schemas:
            self._schemas[key] = self._load(api_version, kind)
        return self._schemas[key]

    def _load(self, api_version: str, kind: str) -> dict[str, Any] | None:
        # kubernetes_validate's file naming: networking.k8s.io/v1 -> networking-v1.
        flat = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
        try:
            schema: dict[str, Any] = _schema_contents(f"{self._dir}/{kind.lower()}-{flat}.json")
        except FileNotFoundError:
            return None
        group, _, version = api_version.rpartition("/")
        gvks = schema.get("x-kubernetes-group-version-kind") or ()
        if {"group": group, "version": version, "kind": kind} not in gvks:
            return None  # a sub-type (e.g. Affinity) or a CRD whose group merely looks alike
        return schema

    def validator(self, api_version: str, kind: str) -> Any | None:
        """The jsonschema validator for a resource kind, or None if this release has no such
        kind; built on first use."""
        key = (api_version, kind)
        if key not in self._validators:
            schema = self.schema(api_version, kind)
            if schema is None:
                self._validators[key] = None
            else:
                from jsonschema import Draft202012Validator
                from referencing import Resource

                registry = Resource.from_contents(schema) @ self._registry
                self._validators[key] = Draft202012Validator(schema, registry=registry)
        return self._validators[key]

    def quick_check(self, api_version: str, kind: str) -> Check | None:
        """The compiled "valid?" test of a kind (`fastcheck`), or None when its schema is not
        one that module handles."""
        key = (api_version, kind)
        if key not in self._quick:
            schema = self.schema(api_version, kind)
            self._quick[key] = None if schema is None else compile_schema(
                schema, self._definitions)
        return self._quick[key]

    def validate(self, doc: dict[str, Any]) -> list[tuple[Path, str]] | None:
        """Problems, or None if the kind is unknown to this release. jsonschema runs only
        for a document the quick check does not accept: its errors are the ones reported."""
        api_version, kind = str(doc.get("apiVersion")), str(doc.get("kind"))
        if self.schema(api_version, kind) is None:
            return None
        quick = self.quick_check(api_version, kind)
        if quick is not None and quick(doc):
            return []
        return list(schema_errors(self.validator(api_version, kind), doc))


@functools.lru_cache(maxsize=8)
def core_schemas(k8s_version: str | None = None) -> CoreSchemas:
    return CoreSchemas(k8s_version)
