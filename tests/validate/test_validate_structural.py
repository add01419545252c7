"""Structural-schema semantics and CRD loading, on the synthetic CRDs in fixtures/crds."""

from __future__ import annotations

import copy
from typing import Any

import attrs
import pytest
from validate_support import FIXTURES, GATEWAY_API

from netgen.problems import ObjectLoc, Problem
from netgen.validate import CrdIndex, CrdLoadError, load_crds, schema_problem, validate_documents
from netgen.validate.shipped import shipped_index

VALID_WIDGET: dict[str, Any] = {
    "apiVersion": "example.netgen.dev/v1",
    "kind": "Widget",
    "metadata": {
        "name": "w",
        "namespace": "prod",
        "uid": "5f0c6d0e-0000-0000-0000-000000000000",
        "resourceVersion": "42",
        "labels": {"app.kubernetes.io/name": "w"},
    },
    "spec": {
        "size": 3,
        "namespace": "prod",
        "x-mode": "fast",
        "port": 8080,
        "ratio": 1,
        "owner": None,
        "address": "10.0.0.1",
        "since": "2024-05-01T12:00:00Z",
        "code": "AbC",
        "tags": ["a", "b"],
        "ports": [{"port": 80}, {"port": 80, "protocol": "UDP"}],
        "settings": {"a": "b"},
        "extra": {"anything": {"nested": [1, {"x": None}]}},
    },
    "status": {"whatever": [1, 2]},
}


@pytest.fixture(scope="module")
def widgets() -> CrdIndex:
    return load_crds(FIXTURES / "crds")


def widget_with(**spec: Any) -> dict[str, Any]:
    doc = copy.deepcopy(VALID_WIDGET)
    doc["spec"].update(spec)
    return doc


def problems_of(doc: dict[str, Any], index: CrdIndex) -> list[tuple[str, str]]:
    return [(p.loc.path, p.message) for p in validate_documents([doc], index)]


def test_valid_widget_passes(widgets: CrdIndex) -> None:
    assert problems_of(VALID_WIDGET, widgets) == []


@pytest.mark.parametrize("port", [8080, "http"])
def test_int_or_string_accepts_both(widgets: CrdIndex, port: Any) -> None:
    assert problems_of(widget_with(port=port), widgets) == []


# (spec changes, path, message fragment)
BROKEN_WIDGETS = [
    ({"size": 11}, "spec", "size 11 exceeds maxSize 10"),  # default + messageExpression
    ({"namespace": "kube-system"}, "spec.namespace", "widgets cannot target kube-system"),
    ({"x-mode": "medium"}, "spec", "x-mode must be fast or slow"),
    ({"port": True}, "spec.port", "expected integer or string, got boolean"),
    ({"port": 1.5}, "spec.port", "expected integer or string, got number"),
    ({"port": "HTTP"}, "spec.port", "does not match pattern"),
    ({"port": 70000}, "spec.port", "greater than the maximum"),
    ({"ratio": 2}, "spec.ratio", "ratio is at most 1"),
    ({"size": None}, "spec.size", "expected integer, got null"),
    ({"address": "10.0.0.256"}, "spec.address", "is not a 'ipv4'"),
    ({"since": "yesterday"}, "spec.since", "is not a 'date-time'"),
    ({"code": "abcd"}, "spec.code", "does not match pattern"),
    ({"tags": ["a", "a"]}, "spec.tags[1]", 'duplicate value "a"'),
    (
        {"ports": [{"port": 80}, {"port": 80, "protocol": "TCP"}]},
        "spec.ports[1]",
        'duplicate entry with key {"port": 80, "protocol": "TCP"}',
    ),
    ({"settings": {"a": 1}}, "spec.settings.a", "expected string, got integer"),
    ({"colour": "red"}, "spec.colour", 'unknown field "colour"'),
    ({"broken": "x"}, "spec.broken", "rule could not be evaluated: undeclared reference"),
    ({"weird": "x"}, "spec.weird", "rule could not be evaluated: result is int, not bool"),
]


@pytest.mark.parametrize(
    ("change", "path", "fragment"), BROKEN_WIDGETS, ids=[str(c) for c, _, _ in BROKEN_WIDGETS]
)
def test_broken_widget_reports_one_problem(
    widgets: CrdIndex, change: dict[str, Any], path: str, fragment: str
) -> None:
    problems = problems_of(widget_with(**change), widgets)
    assert len(problems) == 1, problems
    assert problems[0][0] == path
    assert fragment in problems[0][1]


def test_missing_required_field(widgets: CrdIndex) -> None:
    doc = copy.deepcopy(VALID_WIDGET)
    del doc["spec"]["size"]
    assert problems_of(doc, widgets) == [("spec", 'missing required field "size"')]


def test_metadata_is_checked_leniently(widgets: CrdIndex) -> None:
    doc = copy.deepcopy(VALID_WIDGET)
    doc["metadata"]["ownerReferences"] = [{"kind": "X", "name": "y"}]
    assert problems_of(doc, widgets) == []
    doc["metadata"]["name"] = 7
    doc["metadata"]["annotations"] = {"a": True}
    assert sorted(problems_of(doc, widgets)) == [
        ("metadata.annotations.a", "expected string, got boolean true"),
        ("metadata.name", "expected string, got integer 7"),
    ]


def test_unknown_top_level_field(widgets: CrdIndex) -> None:
    doc = copy.deepcopy(VALID_WIDGET)
    doc["specs"] = {}
    assert problems_of(doc, widgets) == [("specs", 'unknown field "specs"')]


def test_rules_are_skipped_where_the_schema_already_failed(widgets: CrdIndex) -> None:
    # ratio is ill-typed, so the spec-level rules (which read size/maxSize) are not run.
    problems = problems_of(widget_with(size=11, ratio="high"), widgets)
    assert [path for path, _ in problems] == ["spec.ratio"]


def test_unserved_version_has_no_schema(widgets: CrdIndex) -> None:
    doc = copy.deepcopy(VALID_WIDGET)
    doc["apiVersion"] = "example.netgen.dev/v1beta1"
    [(_, message)] = problems_of(doc, widgets)
    assert "no schema for example.netgen.dev/v1beta1 Widget" in message


def test_lists_and_multi_document_files_are_loaded(widgets: CrdIndex) -> None:
    kinds = sorted((v.kind, v.api_version, v.scope) for v in widgets)
    assert kinds == [
        ("Gadget", "example.netgen.dev/v1", "Cluster"),
        ("Widget", "example.netgen.dev/v1", "Namespaced"),
    ]
    gadget = {"apiVersion": "example.netgen.dev/v1", "kind": "Gadget", "metadata": {"name": "g"}}
    assert problems_of({**gadget, "spec": {"colour": "red"}}, widgets) == []
    [(path, message)] = problems_of({**gadget, "spec": {"colour": "blue"}}, widgets)
    assert path == "spec.colour" and 'unsupported value "blue"' in message


def test_single_file_can_be_loaded() -> None:
    index = load_crds(FIXTURES / "crds" / "gadgets.yaml")
    assert [v.kind for v in index] == ["Gadget"]


def test_missing_path_is_an_error(tmp_path: Any) -> None:
    with pytest.raises(CrdLoadError, match="no such file or folder"):
        load_crds(tmp_path / "nope")


def test_conflicting_channels_are_refused() -> None:
    with pytest.raises(CrdLoadError, match="load one release channel at a time"):
        shipped_index(f"{GATEWAY_API}-standard", f"{GATEWAY_API}-experimental")


def test_document_without_kind_is_a_problem(widgets: CrdIndex) -> None:
    problems = validate_documents([{"metadata": {"name": "x"}}, ["not", "a", "mapping"]], widgets)
    assert [p.message for p in problems] == [
        "document has no apiVersion and kind",
        "document is a list, not a mapping",
    ]


def test_paths_quote_keys_that_are_not_identifiers(widgets: CrdIndex) -> None:
    doc = widget_with(settings={"app.kubernetes.io/name": 1})
    [(path, _)] = problems_of(doc, widgets)
    assert path == 'spec.settings["app.kubernetes.io/name"]'


def test_problem_is_a_frozen_record() -> None:
    """A schema problem is the one `netgen.problems.Problem`, at the object and field."""
    problem = schema_problem("Widget", "w", "prod", "spec", "broken")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        problem.message = "fine"  # type: ignore[misc]
    assert problem == Problem("broken", ObjectLoc("Widget", "w", "prod", "spec"), "error",
                              "NG020")
    assert str(problem) == "Widget prod/w: spec: error: broken"
