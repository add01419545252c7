"""The README's examples build and its capability table is the code's, so neither drifts."""

from __future__ import annotations

import re

import pytest

from netgen.backends.features import Feature
from netgen.backends.registry import BACKENDS
from tests.conftest import REPO
from tests.core.blueprints import compile_source

README = (REPO / "README.md").read_text()
EXAMPLES = re.findall(r"```python\n(.*?)```", README, re.S)


def test_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("source", EXAMPLES, ids=[f"example{i}" for i in range(len(EXAMPLES))])
def test_readme_example_builds(source: str) -> None:
    compiled = compile_source(source, name="readme")
    assert all(c.documents for c in compiled)


def capability_table() -> str:
    backends = [(v, b) for b in BACKENDS for v in b.via]
    lines = ["| feature | " + " | ".join(v.name for v, _ in backends) + " |",
             "| --- |" + " --- |" * len(backends)]
    for f in Feature:
        cells = " | ".join("yes" if f in b.features else "-" for _, b in backends)
        lines.append(f"| {f.value} | {cells} |")
    return "\n".join(lines)


def test_capability_table_is_the_codes() -> None:
    found = re.search(r"<!-- capability-table -->\n(.*?)\n<!-- /capability-table -->", README, re.S)
    assert found is not None
    assert found.group(1) == capability_table()
