"""Validate generated Kubernetes documents the way an API server would, offline.

Custom resources are checked against CRDs (structural schema plus CEL rules): the ones given
(`crds`) first, then the ones shipped with netgen (`shipped`); built-in kinds against the
strict schemas bundled with `kubernetes_validate`. A document whose kind none of them knows is
a problem too: an unchecked document must not look like a valid one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from netgen.problems import Problem
from netgen.validate.core import (
    CoreSchemas,
    UnsupportedKubernetesVersion,
    core_schemas,
    default_kubernetes_version,
)
from netgen.validate.crd import CrdIndex, CrdLoadError, CrdVersion, load_crds
from netgen.validate.problem import Path, format_path, schema_problem
from netgen.validate.shipped import validate_shipped

__all__ = [
    "CoreSchemas",
    "CrdIndex",
    "CrdLoadError",
    "CrdVersion",
    "Problem",
    "UnsupportedKubernetesVersion",
    "default_kubernetes_version",
    "load_crds",
    "schema_problem",
    "validate_document",
    "validate_documents",
]


def validate_documents(
    docs: Iterable[dict[str, Any]],
    crds: CrdIndex | None = None,
    k8s_version: str | None = None,
    shipped: bool = True,
) -> list[Problem]:
    """All problems of all documents, in document order; an empty list means valid.
    `shipped=False` leaves out the CRDs shipped with netgen (only `crds` then)."""
    core = core_schemas(k8s_version)
    problems: list[Problem] = []
    for doc in docs:
        problems += validate_document(doc, crds, core, shipped)
    return problems


def validate_document(
    doc: Any, crds: CrdIndex | None = None, core: CoreSchemas | None = None,
    shipped: bool = True,
) -> list[Problem]:
    core = core or core_schemas(None)
    if not isinstance(doc, dict):
        what = type(doc).__name__
        return [schema_problem("", "", "", "", f"document is a {what}, not a mapping")]
    kind, api_version = doc.get("kind"), doc.get("apiVersion")
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    name, namespace = meta.get("name", ""), meta.get("namespace", "")

    def problem(path: Path, message: str) -> Problem:
        return schema_problem(str(kind or ""), str(name), str(namespace), format_path(path),
                              message)

    if not isinstance(kind, str) or not isinstance(api_version, str) or not kind:
        return [problem((), "document has no apiVersion and kind")]
    found = crds.lookup(api_version, kind) if crds is not None else None
    if found is not None:
        return [problem(path, message) for path, message in found.validate(doc)]
    bundled = validate_shipped(doc) if shipped else None
    if bundled is not None:
        return bundled
    results = core.validate(doc)
    if results is None:
        given = f"; {len(crds)} CRD versions given" if crds else ""
        return [
            problem(
                (),
                f"no schema for {api_version} {kind}: not a built-in kind of Kubernetes "
                f"{core.version} nor a served version of a CRD shipped with netgen{given}",
            )
        ]
    return [problem(path, message) for path, message in results]
