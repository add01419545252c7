"""Every example blueprint's whole output, pinned file by file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, build


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_output(example: Path, yaml_snapshot) -> None:  # type: ignore[no-untyped-def]
    for compiled in build(example):
        for name, text in compiled.files().items():
            assert text == yaml_snapshot(name=f"{compiled.plan.env.name}.{name}")
