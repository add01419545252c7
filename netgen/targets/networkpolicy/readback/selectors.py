"""Kubernetes label selectors, evaluated exactly as the API server's `labels.Selector` does.

Written out by hand rather than borrowed so that the analyzer and nca stay independent: a
misreading of `NotIn` or of an empty selector must show up as a disagreement between them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attrs import frozen

from netgen.targets.base import ReadbackError

OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


class PolicyError(ReadbackError):
    """A NetworkPolicy the API server would reject, so no connectivity can be claimed for it."""


@frozen
class Requirement:
    key: str
    operator: str
    values: frozenset[str]

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "In":
            return present and labels[self.key] in self.values
        if self.operator == "NotIn":
            # a missing key satisfies NotIn: that is the documented set-based semantics
            return not present or labels[self.key] not in self.values
        if self.operator == "Exists":
            return present
        return not present


@frozen
class Selector:
    """A conjunction of requirements; the empty selector matches everything."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)


def parse_selector(raw: Mapping[str, Any] | None, where: str) -> Selector:
    """Read a LabelSelector; `where` names it in errors because policies nest several."""
    if raw is None:
        raise PolicyError(f"{where}: selector is null")
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where}: selector must be a mapping, got {type(raw).__name__}")
    unknown = set(raw) - {"matchLabels", "matchExpressions"}
    if unknown:
        raise PolicyError(f"{where}: unknown selector fields {sorted(unknown)}")
    reqs: list[Requirement] = []
    labels = raw.get("matchLabels") or {}
    if not isinstance(labels, Mapping):
        raise PolicyError(f"{where}: matchLabels must be a mapping, got {type(labels).__name__}")
    for key, value in labels.items():
        if not isinstance(value, str):
            raise PolicyError(f"{where}: matchLabels value for {key!r} must be a string")
        reqs.append(Requirement(str(key), "In", frozenset({value})))
    for expr in raw.get("matchExpressions") or []:
        reqs.append(_parse_requirement(expr, where))
    return Selector(tuple(reqs))


def _parse_requirement(expr: Mapping[str, Any], where: str) -> Requirement:
    key = expr.get("key")
    operator = expr.get("operator")
    values = expr.get("values") or []
    if not isinstance(key, str) or not key:
        raise PolicyError(f"{where}: matchExpressions entry needs a key")
    if operator not in OPERATORS:
        raise PolicyError(f"{where}: unknown operator {operator!r} for key {key!r}")
    if operator in ("In", "NotIn") and not values:
        raise PolicyError(f"{where}: operator {operator} on {key!r} needs values")
    if operator in ("Exists", "DoesNotExist") and values:
        raise PolicyError(f"{where}: operator {operator} on {key!r} takes no values")
    return Requirement(key, operator, frozenset(str(v) for v in values))
