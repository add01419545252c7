"""The blueprints in docs/exposure.md compile, so the documentation cannot drift."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO, build

DOC = REPO / "docs" / "exposure.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)


def test_the_document_has_examples() -> None:
    assert len(BLOCKS) >= 4


@pytest.mark.parametrize("source", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_documented_blueprint_compiles(source: str,
                                       blueprint_file: Callable[[str], Path]) -> None:
    compiled = build(blueprint_file(source))
    assert any(c.plan.routes for c in compiled)
