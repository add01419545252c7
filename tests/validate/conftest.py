"""Session fixtures: the CRDs shipped with netgen, one index per Gateway API channel."""

from __future__ import annotations

import pytest
from validate_support import GATEWAY_API, ISTIO

from netgen.validate import CrdIndex
from netgen.validate.shipped import shipped_index


@pytest.fixture(scope="session")
def standard_crds() -> CrdIndex:
    """Gateway API standard channel plus Istio."""
    return shipped_index(f"{GATEWAY_API}-standard", ISTIO)


@pytest.fixture(scope="session")
def experimental_crds() -> CrdIndex:
    """Gateway API experimental channel plus Istio."""
    return shipped_index(f"{GATEWAY_API}-experimental", ISTIO)
