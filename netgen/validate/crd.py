"""Load CustomResourceDefinitions and validate custom resources against them.

Validation is what the API server would do on create: the structural schema (with pruning
turned into rejection, see `structural`) and the CEL rules (see `crd_cel`). The JSON Schema
validator and the compiled rules are built lazily, once per served CRD version, so loading a
folder of CRDs is cheap and validating thousands of documents reuses the same work. Their
modules (jsonschema, RE2, the CEL runtime) are imported then too: a check whose documents
are all built-in kinds needs none of them.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

import yaml

from netgen.validate.problem import Path, schema_errors

if TYPE_CHECKING:
    from netgen.validate.crd_cel import Rule, SchemaNode

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CRD_KINDS = ("CustomResourceDefinition",)
_LIST_KINDS = ("List", "CustomResourceDefinitionList")
_YAML_SUFFIXES = (".yaml", ".yml", ".json")
_ANY_OBJECT = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


class CrdLoadError(Exception):
    """A CRD file cannot be read, or two CRDs define the same group/version/kind."""


class CrdVersion:
    """One served version of one CRD."""

    def __init__(self, crd: dict[str, Any], version: dict[str, Any], source: str) -> None:
        spec = crd["spec"]
        self.group: str = spec["group"]
        self.version: str = version["name"]
        self.kind: str = spec["names"]["kind"]
        self.scope: str = spec.get("scope", "Namespaced")
        self.source = source
        schema = (version.get("schema") or spec.get("validation") or {}).get("openAPIV3Schema")
        self.schema: dict[str, Any] = schema or _ANY_OBJECT

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}"

    @functools.cached_property
    def validator(self) -> Any:
        from netgen.validate.structural import build_validator

        return build_validator(self.schema)

    @functools.cached_property
    def cel_root(self) -> SchemaNode:
        from netgen.validate.crd_cel import root_node

        return root_node(self.schema)

    def rules(self) -> list[tuple[Path, Rule]]:
        return self.cel_root.all_rules()

    def validate(self, doc: dict[str, Any]) -> list[tuple[Path, str]]:
        from netgen.validate.crd_cel import apply_defaults, check_rules

        defaulted = apply_defaults(self.cel_root, doc)
        problems = list(schema_errors(self.validator, defaulted))
        problems += check_rules(self.cel_root, defaulted, {path for path, _ in problems})
        return problems

    def __repr__(self) -> str:
        return f"CrdVersion({self.api_version} {self.kind} from {self.source})"


class CrdIndex:
    """Served CRD versions by (group, version, kind).

    Entries may be pending: a loader called on first lookup, so an index of every shipped
    CRD costs nothing until a document of that kind is validated.
    """

    def __init__(self, versions: Iterable[CrdVersion] = ()) -> None:
        self._versions: dict[tuple[str, str, str], CrdVersion] = {}
        self._pending: dict[tuple[str, str, str], Callable[[], CrdVersion]] = {}
        for v in versions:
            self.add(v)

    def add_pending(self, key: tuple[str, str, str], load: Callable[[], CrdVersion]) -> None:
        """(group, version, kind) whose CrdVersion `load` builds when first looked up."""
        self._pending[key] = load

    def _materialize(self, key: tuple[str, str, str]) -> CrdVersion | None:
        load = self._pending.pop(key, None)
        if load is not None:
            self._versions[key] = load()
        return self._versions.get(key)

    def add(self, version: CrdVersion) -> None:
        key = (version.group, version.version, version.kind)
        existing = self._versions.get(key)
        if existing is not None and existing.schema != version.schema:
            raise CrdLoadError(
                f"{version.api_version} {version.kind} is defined differently in "
                f"{existing.source} and {version.source}; load one release channel at a time"
            )
        self._versions[key] = version

    def add_crd(self, crd: dict[str, Any], source: str = "<memory>") -> None:
        for version in crd.get("spec", {}).get("versions") or ():
            if version.get("served", True):
                self.add(CrdVersion(crd, version, source))

    def lookup(self, api_version: str, kind: str) -> CrdVersion | None:
        group, _, version = api_version.rpartition("/")
        return self._materialize((group, version, kind))

    def serves(self, api_version: str, kind: str) -> bool:
        """Whether the index has this kind and version, without loading its schema."""
        group, _, version = api_version.rpartition("/")
        return (group, version, kind) in self._versions or (group, version, kind) in self._pending

    def __iter__(self) -> Iterator[CrdVersion]:
        for key in list(self._pending):
            self._materialize(key)
        return iter(self._versions.values())

    def __len__(self) -> int:
        return len(self._versions) + len(self._pending)

    def __or__(self, other: CrdIndex) -> CrdIndex:
        return CrdIndex([*self, *other])


def load_crds(*paths: str | os.PathLike[str]) -> CrdIndex:
    """Read CRDs from YAML/JSON files or folders (searched recursively).

    Files may hold several documents and `kind: List` wrappers as `kubectl get crd -o yaml`
    prints them; documents that are not CRDs are ignored.
    """
    index = CrdIndex()
    for path in paths:
        for file in _files(FsPath(path)):
            for crd in _crds_in(file):
                index.add_crd(crd, str(file))
    return index


def _files(path: FsPath) -> list[FsPath]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise CrdLoadError(f"no such file or folder: {path}")
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in _YAML_SUFFIXES)


def _crds_in(file: FsPath) -> Iterator[dict[str, Any]]:
    try:
        with file.open(encoding="utf-8") as stream:
            documents = list(yaml.load_all(stream, Loader=_LOADER))
    except (OSError, yaml.YAMLError) as exc:
        raise CrdLoadError(f"cannot read {file}: {exc}") from exc
    pending = [d for d in documents if isinstance(d, dict)]
    while pending:
        doc = pending.pop(0)
        if doc.get("kind") in _LIST_KINDS:
            pending[:0] = [d for d in doc.get("items") or () if isinstance(d, dict)]
        elif doc.get("kind") in _CRD_KINDS:
            yield doc
