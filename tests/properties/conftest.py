"""Hypothesis profiles of the property suite, and what its properties share.

`netgen-fast` runs in every `pytest` (the whole suite stays well under a minute on two
cores); `netgen-slow` runs the same properties with 10,000 examples each, only under
`pytest -m slow` (see docs/guarantees.md). The number of examples can be changed with
NETGEN_FAST_EXAMPLES / NETGEN_SLOW_EXAMPLES.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, settings

from tests.properties.harness import HashSeedWorker

FAST, SLOW = "netgen-fast", "netgen-slow"

_COMMON = dict(
    deadline=None,
    # NETGEN_NO_SHRINK=1 reports failures as found (shrinking a whole blueprint is slow).
    phases=[p for p in Phase if not (p is Phase.shrink and os.environ.get("NETGEN_NO_SHRINK"))],
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)
settings.register_profile(FAST, max_examples=int(os.environ.get("NETGEN_FAST_EXAMPLES", "40")),
                          **_COMMON)
settings.register_profile(SLOW, max_examples=int(os.environ.get("NETGEN_SLOW_EXAMPLES",
                                                                "10000")), **_COMMON)


@pytest.fixture(scope="session")
def other_hash_seed() -> Iterator[HashSeedWorker]:
    """A netgen in another process with another PYTHONHASHSEED: set and dict orders that
    depend on string hashes differ there, so equal output proves they do not leak."""
    worker = HashSeedWorker()
    try:
        yield worker
    finally:
        worker.close()
