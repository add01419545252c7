"""docs/mesh.md's examples run: each blueprint compiles, and the verification snippet works."""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO, build, documents
from tests.targets.istio.istio_schema import is_istio, problems

DOC = REPO / "docs" / "mesh.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
BLUEPRINTS = [b for b in BLOCKS if b.startswith("from netgen import *")]


def test_the_document_has_examples() -> None:
    assert len(BLUEPRINTS) == 3 and len(BLOCKS) == 4


@pytest.mark.parametrize("source", BLUEPRINTS, ids=lambda s: f"line-{s.count(chr(10))}")
def test_blueprint_examples_compile_to_valid_istio(
    source: str, blueprint_file: Callable[[str], Path]
) -> None:
    compiled = build(blueprint_file(source))
    istio = [d for c in compiled for d in documents(c) if is_istio(d)]
    assert istio and all(problems(d) == [] for d in istio)


def test_verification_snippet_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    snippet = next(b for b in BLOCKS if "verify_mesh" in b)
    monkeypatch.chdir(REPO)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(snippet, str(DOC), "exec"), {})
    assert out.getvalue().splitlines() == [
        "staging mesh routes and allows match the blueprint",
        "production mesh routes and allows match the blueprint",
    ]
