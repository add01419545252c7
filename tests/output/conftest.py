"""The output tests run with the environments built one after the other and in forked
workers (`netgen.workers`): writing, refusing and recovering must not depend on which."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["1", "2"], ids=["serial", "forked"])
def both_ways(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("NETGEN_JOBS", request.param)
    return str(request.param)
