"""Compiling blueprints to NetworkPolicies in tests: resolve, then lower only the core
objects (for the pods' labels) and the NetworkPolicies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate

from tests.conftest import parse  # isort: skip  (imports netgen.pipeline: backends import cleanly after it)
from netgen.loader import load_blueprint
from netgen.model import Blueprint
from netgen.pipeline import resolve_all
from netgen.plan import Plan
from netgen.render import Renderer
from netgen.targets.kubernetes import lower as kubernetes
from netgen.targets.networkpolicy import lower as networkpolicy

RENDERER = Renderer()
K8S_VERSIONS = ("1.25.0", kubernetes_validate.latest_version())


def resolve(bp: Blueprint | Path | str) -> list[Plan]:
    if not isinstance(bp, Blueprint):
        bp = load_blueprint(bp)
    return resolve_all(bp)


def lowered(plan: Plan) -> list[dict[str, Any]]:
    docs = [*kubernetes.lower(plan, RENDERER), *networkpolicy.lower(plan, RENDERER)]
    return [parse(d.text)[0] for d in docs]


def netpols(docs: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(namespace, name) -> NetworkPolicy."""
    return {
        (d["metadata"]["namespace"], d["metadata"]["name"]): d
        for d in docs if d["kind"] == "NetworkPolicy"
    }


def validate(doc: dict[str, Any]) -> None:
    """Against the Kubernetes OpenAPI schema, strictly (unknown fields fail), offline."""
    for version in K8S_VERSIONS:
        kubernetes_validate.validate(doc, version, strict=True)
