"""The CEL rules of the shipped CRDs: all compile, and give the verdicts the hand-written
evaluator gave (pinned in `fixtures/cel_verdicts.json`, see `cel_conformance`).

The compile test is parametrized per distinct rule, so a CRD update that brings a function
our CEL environment lacks shows up as a named failure rather than a silently passing rule.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from cel_conformance import VERDICTS, case_key, rule_cases, shipped_versions, verdict

from netgen.validate.crd_cel import Rule
from netgen.validate.problem import format_path


def _distinct_rules() -> list[Any]:
    """One pytest param per distinct rule text, named after where it first occurs."""
    seen: dict[str, Any] = {}
    for bundle, version in shipped_versions():
        for path, rule in version.rules():
            where = f"{bundle}:{version.kind}.{version.version}.{format_path(path)}"
            seen.setdefault(rule.rule, pytest.param(rule, id=where.replace('["*"]', "[]")))
    return list(seen.values())


@pytest.mark.parametrize("rule", _distinct_rules())
def test_shipped_rule_compiles(rule: Rule) -> None:
    assert rule.error is None, f"{rule.error}\nrule: {rule.rule}"
    assert rule.program is not None


def test_every_shipped_crd_with_rules_is_covered() -> None:
    rules = sum(len(v.rules()) for _, v in shipped_versions())
    assert rules > 1000  # Gateway API, Istio, Envoy Gateway, AWS LBC, cert-manager, ...


def test_rules_give_the_pinned_verdicts() -> None:
    """Every rule of every shipped CRD, on values made from its schema and on the values the
    valid and invalid fixtures give it."""
    pinned = json.loads(VERDICTS.read_text(encoding="utf-8"))["cases"]
    seen: set[str] = set()
    disagreements = []
    for where, rule, value in rule_cases():
        key = case_key(rule, value)
        if key in seen:
            continue
        seen.add(key)
        got = verdict(rule)(value)
        expected = pinned.get(key, ["(not pinned)"])[0]
        if got != expected:
            disagreements.append(f"{where}: {rule.rule!r} on {value!r}: {got}, "
                                 f"pinned {expected}")
    assert disagreements == []
    assert seen == set(pinned), "a pinned case is no longer produced: re-pin deliberately"
    outcomes = Counter(v for v, _ in pinned.values())
    assert outcomes["true"] > 800 and outcomes["false"] > 250 and outcomes["error"] >= 20
