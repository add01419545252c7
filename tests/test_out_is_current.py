"""The committed out/ is what `make build` produces from blueprints/ today, byte for byte.

This is the only pinned copy of the examples' output (README and docs link into out/). The
comparison is done here, with plain file reads and difflib, not by netgen's own `--check`:
each example is built into a fresh folder and every file is compared with out/<example>/,
including files out/ holds that the build no longer writes. A failure prints the unified
diff of each differing file.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from netgen.output.layout import HIDDEN
from tests.conftest import EXAMPLES, REPO

MAX_DIFF_LINES = 200


def tree(root: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every file under `root`, except netgen's own OUT/.netgen
    (lock and rebuild cache, ignored by git)."""
    files: dict[str, bytes] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not (Path(folder) == root and d == HIDDEN))
        for name in names:
            path = Path(folder) / name
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def differences(committed: dict[str, bytes], built: dict[str, bytes], where: str) -> list[str]:
    """`diff -u`-style text for every file that differs, is missing, or should not exist."""
    lines: list[str] = []
    for name in sorted(set(committed) | set(built)):
        old, new = committed.get(name), built.get(name)
        if old == new:
            continue
        if new is None:
            lines.append(f"{where}/{name}: in out/, but the build does not write it\n")
        elif old is None:
            lines.append(f"{where}/{name}: written by the build, missing from out/\n")
        lines.extend(difflib.unified_diff(
            (old or b"").decode(errors="replace").splitlines(keepends=True),
            (new or b"").decode(errors="replace").splitlines(keepends=True),
            fromfile=f"{where}/{name} (committed)" if old is not None else "/dev/null",
            tofile=f"{where}/{name} (built)" if new is not None else "/dev/null",
        ))
    return lines


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_out_is_up_to_date(example: Path, tmp_path: Path) -> None:
    built = tmp_path / example.stem
    result = CliRunner().invoke(app, ["build", str(example), "--out", str(built), "--quiet"])
    assert result.exit_code == 0, result.output
    lines = differences(tree(REPO / "out" / example.stem), tree(built), f"out/{example.stem}")
    shown = "".join(lines[:MAX_DIFF_LINES])
    more = f"... {len(lines) - MAX_DIFF_LINES} more lines\n" if len(lines) > MAX_DIFF_LINES else ""
    assert not lines, f"out/ is stale; run `make build` and commit out/:\n{shown}{more}"


def test_differences_sees_every_kind_of_change() -> None:
    """The comparison itself can fail: a changed byte, a missing file, an extra file."""
    committed = {"a.yaml": b"x: 1\n", "gone.yaml": b"y: 1\n", "same.yaml": b"z\n"}
    built = {"a.yaml": b"x: 2\n", "new.yaml": b"w: 1\n", "same.yaml": b"z\n"}
    text = "".join(differences(committed, built, "out/t"))
    assert "-x: 1\n+x: 2\n" in text
    assert "out/t/gone.yaml: in out/, but the build does not write it" in text
    assert "out/t/new.yaml: written by the build, missing from out/" in text
    assert "same.yaml" not in text
    assert differences(committed, dict(committed), "out/t") == []
