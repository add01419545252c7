"""The CEL rules of the shipped CRDs: all compile, and evaluate as cel-python would.

The compile test is parametrized per distinct rule, so a CRD upgrade that brings a function
our CEL environment lacks shows up as a named failure rather than a silently passing rule.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import celpy
import pytest
import yaml
from celpy.adapter import json_to_cel
from validate_support import (
    FIXTURES,
    GATEWAY_API,
    ISTIO,
    load_yaml_documents,
    missing_crds_message,
    shared_crds_dir,
)

from netgen.validate import CrdIndex, load_crds
from netgen.validate.cel_values import CelError
from netgen.validate.crd_cel import Rule, apply_defaults, rule_inputs
from netgen.validate.problem import format_path

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
CHANNELS = (f"{GATEWAY_API}/standard", f"{GATEWAY_API}/experimental", ISTIO)


def _indexes() -> list[CrdIndex]:
    return [load_crds(shared_crds_dir() / channel) for channel in CHANNELS]


def _distinct_rules() -> list[Any]:
    """One pytest param per distinct rule text, named after where it first occurs."""
    if missing_crds_message() is not None:
        return [pytest.param(None, id="shared-crds-missing")]
    seen: dict[str, Any] = {}
    for index in _indexes():
        for version in index:
            for path, rule in version.rules():
                where = f"{version.kind}.{version.version}.{format_path(path)}"
                seen.setdefault(rule.rule, pytest.param(rule, id=where.replace('["*"]', "[]")))
    return list(seen.values())


@pytest.mark.parametrize("rule", _distinct_rules())
def test_shipped_rule_compiles(rule: Rule | None) -> None:
    if rule is None:
        pytest.fail(missing_crds_message() or "no rules", pytrace=False)
    assert rule.error is None, f"{rule.error}\nrule: {rule.rule}"
    assert rule.program is not None


def _raw_rule_count(node: Any) -> int:
    if isinstance(node, list):
        return sum(_raw_rule_count(x) for x in node)
    if not isinstance(node, dict):
        return 0
    own = len(node.get("x-kubernetes-validations") or ())
    return own + sum(_raw_rule_count(v) for k, v in node.items() if k != "x-kubernetes-validations")


def test_every_rule_in_the_crd_files_is_found() -> None:
    """Compare with a plain walk of the YAML, so no rule hides where our schema walk skips."""
    if missing_crds_message() is not None:
        pytest.fail(missing_crds_message(), pytrace=False)
    raw = 0
    for channel in CHANNELS:
        for file in sorted((shared_crds_dir() / channel).glob("*.yaml")):
            for doc in yaml.load_all(file.read_text(encoding="utf-8"), Loader=_LOADER):
                if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                    for v in doc["spec"]["versions"]:
                        raw += _raw_rule_count(v["schema"]) if v.get("served", True) else 0
    found = sum(len(v.rules()) for index in _indexes() for v in index)
    assert found == raw
    assert found > 500


def _fixture_rule_inputs(indexes: list[CrdIndex]) -> Iterator[tuple[Rule, Any]]:
    for folder in ("valid", "invalid"):
        for file in sorted((FIXTURES / folder).glob("*.yaml")):
            for doc in load_yaml_documents(file):
                for index in indexes:
                    version = index.lookup(doc["apiVersion"], doc["kind"])
                    if version is None:
                        continue
                    defaulted = apply_defaults(version.cel_root, doc)
                    for _, rule, value in rule_inputs(version.cel_root, defaulted):
                        if rule.program is not None and not rule.is_transition_rule:
                            yield rule, value
                    break


def _ours(rule: Rule, value: Any) -> bool | str:
    assert rule.program is not None
    try:
        return rule.program.evaluate({"self": value})
    except CelError:
        return "error"


def test_rules_agree_with_the_cel_python_interpreter(
    standard_crds: CrdIndex, experimental_crds: CrdIndex
) -> None:
    """Our compiled rules against cel-python's reference interpreter, on every rule input
    the fixtures produce. Rules cel-python cannot evaluate (Kubernetes library functions
    such as isIP or substring) are left out; the rest must agree."""
    env = celpy.Environment()
    programs: dict[str, Any] = {}
    compared, disagreements = 0, []
    for rule, value in _fixture_rule_inputs([standard_crds, experimental_crds]):
        if rule.rule not in programs:
            programs[rule.rule] = env.program(env.compile(rule.rule))
        try:
            reference = programs[rule.rule].evaluate({"self": json_to_cel(value)})
        except celpy.CELEvalError:
            continue
        if not isinstance(reference, celpy.celtypes.BoolType):
            continue
        compared += 1
        ours = _ours(rule, value)
        if ours != bool(reference):
            disagreements.append(f"{rule.rule} on {value!r}: ours {ours}, cel-python {reference}")
    assert disagreements == []
    assert compared > 100


def test_fixtures_exercise_false_and_true_outcomes(standard_crds: CrdIndex) -> None:
    outcomes = {_ours(rule, value) for rule, value in _fixture_rule_inputs([standard_crds])}
    assert {True, False, "error"} <= outcomes
