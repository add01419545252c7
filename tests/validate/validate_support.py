"""Helpers for the validator tests: the shipped bundles' names, and fixture loading.

The CRDs are the ones shipped with netgen (the targets' `schemas/` and `netgen/schemas`, made
by tools/make_schemas.py); nothing here reads outside the repository.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GATEWAY_API = "gateway-api-v1.6.1"
ISTIO = "istio-1.30.3"


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]
