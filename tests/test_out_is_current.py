"""The committed out/ is what `make build` produces from blueprints/ today."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from tests.conftest import EXAMPLES, REPO


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_out_is_up_to_date(example: Path) -> None:
    out = REPO / "out" / example.stem
    result = CliRunner().invoke(app, ["build", str(example), "--out", str(out), "--check"])
    assert result.exit_code == 0, result.stderr + "\nrun `make build` and commit out/"
