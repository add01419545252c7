"""The README's examples build, its capability table is the code's and its "How it works"
table names the package's folders, so none of them drifts."""

from __future__ import annotations

import re
from pathlib import Path

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


NETGEN = REPO / "netgen"


def how_it_works() -> list[list[str]]:
    """The cells of the "How it works" table (stage | module | job), one list per row."""
    section = README.split("\n## How it works\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    assert rows and rows[0] == "| stage | module | job |", rows[:1]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def named_paths(cell: str) -> list[str]:
    """The `netgen/...` paths a cell names in backticks, without a trailing slash."""
    return [m.rstrip("/") for m in re.findall(r"`(netgen/[^`\s]*)`", cell)]


def package_entries() -> list[Path]:
    """What the table must account for: every module and folder at the top of netgen/, and
    every target package and module in netgen/targets/ (one folder row there would hide a
    target nobody wrote up, so each is named on its own)."""
    def entries(folder: Path) -> list[Path]:
        return sorted(p for p in folder.iterdir() if p.name != "__pycache__"
                      and (p.is_dir() or p.suffix == ".py"))

    targets = NETGEN / "targets"
    return [*(p for p in entries(NETGEN) if p != targets),
            *(p for p in entries(targets) if p.name != "__init__.py")]


def test_how_it_works_names_only_what_exists() -> None:
    """A `<t>` in a path stands for any name and must match at least one."""
    named = [p for row in how_it_works() for cell in row for p in named_paths(cell)]
    assert len(named) > 20
    missing = [p for p in named if not any(REPO.glob(re.sub(r"<\w+>", "*", p)))]
    assert missing == []


def test_how_it_works_covers_every_module_and_target() -> None:
    """Each top-level module or folder of netgen/ and each target is in the module column:
    named itself, or inside a folder that is (a `<t>` pattern covers no target)."""
    named = {REPO / p for row in how_it_works() for p in named_paths(row[1]) if "<" not in p}
    targets = NETGEN / "targets"

    def covered(entry: Path) -> bool:
        if entry in named:
            return True
        if entry.parent == targets:  # a target: named, or one of its files named
            return any(entry in n.parents for n in named)
        return any(folder in entry.parents for folder in named)

    assert [str(e.relative_to(REPO)) for e in package_entries() if not covered(e)] == []
