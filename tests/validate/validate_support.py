"""Helpers for the validator tests: where the shared CRDs are, and fixture loading.

The CRDs live outside the repository (`<repo>/../shared/crds`, or `$NETGEN_SHARED_DIR/crds`).
When they are missing the tests fail: skipping would let CI go green without checking
anything.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GATEWAY_API = "gateway-api-v1.6.1"
ISTIO = "istio-1.30.3"


def shared_crds_dir() -> Path:
    override = os.environ.get("NETGEN_SHARED_DIR")
    shared = Path(override) if override else REPO_ROOT.parent / "shared"
    return shared / "crds"


def missing_crds_message() -> str | None:
    crds = shared_crds_dir()
    wanted = [crds / GATEWAY_API / "standard", crds / GATEWAY_API / "experimental", crds / ISTIO]
    missing = [str(p) for p in wanted if not p.is_dir()]
    if not missing:
        return None
    return (
        f"CRDs for validation not found: {', '.join(missing)}. Put the shared/ folder beside "
        f"the repository ({REPO_ROOT.parent / 'shared'}) or set NETGEN_SHARED_DIR to it."
    )


def require_crds() -> Path:
    message = missing_crds_message()
    if message is not None:
        pytest.fail(message, pytrace=False)
    return shared_crds_dir()


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as stream:
        return [doc for doc in yaml.safe_load_all(stream) if doc is not None]
