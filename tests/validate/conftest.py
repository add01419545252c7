"""Session fixtures: the real CRDs from shared/, one index per Gateway API channel."""

from __future__ import annotations

import pytest
from validate_support import GATEWAY_API, ISTIO, require_crds

from netgen.validate import CrdIndex, load_crds


@pytest.fixture(scope="session")
def standard_crds() -> CrdIndex:
    """Gateway API standard channel plus Istio."""
    crds = require_crds()
    return load_crds(crds / GATEWAY_API / "standard", crds / ISTIO)


@pytest.fixture(scope="session")
def experimental_crds() -> CrdIndex:
    """Gateway API experimental channel plus Istio."""
    crds = require_crds()
    return load_crds(crds / GATEWAY_API / "experimental", crds / ISTIO)
