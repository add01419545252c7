"""Built-in kinds: offline strict schemas from kubernetes_validate, per Kubernetes release."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest
from kubernetes_validate.utils import all_versions
from packaging.version import Version
from validate_support import FIXTURES, load_yaml_documents

from netgen.validate import (
    CoreSchemas,
    UnsupportedKubernetesVersion,
    default_kubernetes_version,
    validate_documents,
)
from netgen.validate.core import _bundled_versions

FLOW_SCHEMA_V1BETA3 = {
    "apiVersion": "flowcontrol.apiserver.k8s.io/v1beta3",
    "kind": "FlowSchema",
    "metadata": {"name": "f"},
    "spec": {"priorityLevelConfiguration": {"name": "global-default"}},
}


def test_the_releases_are_those_kubernetes_validate_lists() -> None:
    """netgen reads the package's folder itself (importing it costs a third of a check)."""
    assert _bundled_versions() == sorted({Version(v) for v in all_versions()})


def test_a_kind_that_is_not_a_file_name_has_no_schema() -> None:
    """kubernetes_validate raised VersionNotSupportedError for a kind or group with a `/`
    (its file's folder does not exist), which `netgen check` reported as a bug."""
    for api_version, kind in (("v1", "Foo/Bar"), ("a/b/c", "Service")):
        assert CoreSchemas().validate({"apiVersion": api_version, "kind": kind}) is None


def test_default_version_is_the_newest_bundled_1_3x() -> None:
    bundled = [Version(v) for v in all_versions()]
    newest = max(v for v in bundled if v.major == 1 and 30 <= v.minor <= 39)
    assert default_kubernetes_version() == f"1.{newest.minor}"
    assert CoreSchemas().version == default_kubernetes_version()


@pytest.mark.parametrize(
    ("requested", "resolved"), [("1.30", "1.30"), ("v1.33.2", "1.33"), ("1.31.0", "1.31")]
)
def test_requested_version_is_resolved(requested: str, resolved: str) -> None:
    assert CoreSchemas(requested).version == resolved


@pytest.mark.parametrize("requested", ["1.99", "2.0"])
def test_a_release_newer_than_every_bundle_takes_the_newest(requested: str) -> None:
    assert CoreSchemas(requested).version == default_kubernetes_version()


@pytest.mark.parametrize("requested", ["1.10", "banana"])
def test_unsupported_versions_are_refused(requested: str) -> None:
    with pytest.raises(UnsupportedKubernetesVersion):
        CoreSchemas(requested)


def test_removed_api_depends_on_the_version() -> None:
    assert validate_documents([FLOW_SCHEMA_V1BETA3], k8s_version="1.30") == []
    [problem] = validate_documents([FLOW_SCHEMA_V1BETA3], k8s_version="1.37")
    assert "no schema for flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema" in problem.message
    assert "Kubernetes 1.37" in problem.message


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        ("v1", "Affinity"),  # a sub-type with a schema file, not a resource
        ("networking.example.com/v1", "Ingress"),  # a CRD that only looks like Ingress
        ("extensions/v1beta1", "Ingress"),  # removed long ago
    ],
)
def test_non_resources_have_no_schema(api_version: str, kind: str) -> None:
    [problem] = validate_documents([{"apiVersion": api_version, "kind": kind, "metadata": {}}])
    assert problem.message.startswith(f"no schema for {api_version} {kind}")


def test_every_error_is_reported() -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s", "labels": {"a": 1}},
        "spec": {"ports": [{"port": "80", "colour": "red"}]},
    }
    problems = {(p.loc.path, p.message) for p in validate_documents([service])}
    assert problems == {
        ("metadata.labels.a", "expected string or null, got integer 1"),
        ("spec.ports[0].port", 'expected integer, got string "80"'),
        ("spec.ports[0].colour", 'unknown field "colour"'),
    }


def _core_documents() -> list[Any]:
    docs = []
    for folder in ("valid", "invalid"):
        for file in sorted((FIXTURES / folder).glob("*.yaml")):
            for doc in load_yaml_documents(file):
                if CoreSchemas().validator(doc["apiVersion"], doc["kind"]) is not None:
                    docs.append(pytest.param(doc, id=f"{file.stem}-{doc['kind']}"))
    return docs


@pytest.mark.parametrize("doc", _core_documents())
def test_agrees_with_kubernetes_validate_strict(doc: dict[str, Any]) -> None:
    version = default_kubernetes_version()
    try:
        kubernetes_validate.validate(doc, version, strict=True)
        reference_ok = True
    except kubernetes_validate.ValidationError:
        reference_ok = False
    assert (validate_documents([doc], k8s_version=version) == []) == reference_ok
