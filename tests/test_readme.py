"""The README's examples build and its capability table is the code's, so neither drifts."""

from __future__ import annotations

import re

import pytest

from netgen.targets.features import Feature
from netgen.targets.registry import BACKENDS
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


def cited_tests() -> list[tuple[str, str, str | None]]:
    """(document, test file, test name or None) for every `tests/...py::test` the README
    and docs/guarantees.md cite; a bare `::test` belongs to the file cited before it."""
    out = []
    for doc in ("README.md", "docs/guarantees.md"):
        last = None
        for m in re.finditer(r"`(tests/[\w/]+\.py)?(?:::(\w+))?[^`]*`", (REPO / doc).read_text()):
            last = m.group(1) or last
            if (m.group(1) or m.group(2)) and last is not None:
                out.append((doc, last, m.group(2)))
    return out


def test_cited_tests_exist() -> None:
    """A promise held by a test that was renamed or deleted is held by nothing."""
    cited = cited_tests()
    assert len(cited) > 40
    missing = [c for c in cited if not (REPO / c[1]).is_file()
               or (c[2] and f"def {c[2]}(" not in (REPO / c[1]).read_text())]
    assert missing == []
