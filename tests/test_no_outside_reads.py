"""The guard that keeps the tests inside the repository (tests/audit, tests/conftest.py):
a read of the shared folder beside the repository is refused and logged, here and in any
Python process a test starts, and a logged read fails the whole run."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import OUTSIDE, REPO, audit, expecting_forbidden_reads

TARGET = OUTSIDE / "crds" / "README.md"


def test_reading_the_shared_folder_is_refused_in_the_test_process() -> None:
    with expecting_forbidden_reads() as reads, pytest.raises(audit.ForbiddenRead):
        TARGET.read_text()
    assert reads and reads[0].endswith(f"open {os.path.abspath(TARGET)}")


def test_listing_the_shared_folder_is_refused() -> None:
    with expecting_forbidden_reads() as reads, pytest.raises(audit.ForbiddenRead):
        os.listdir(OUTSIDE)
    assert len(reads) == 1


def test_a_cli_subprocess_is_guarded_too() -> None:
    script = f"open({str(TARGET)!r})"
    with expecting_forbidden_reads() as reads:
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              cwd=REPO, check=False)
    assert done.returncode != 0
    assert "ForbiddenRead" in done.stderr
    assert len(reads) == 1


def test_the_repository_itself_is_readable() -> None:
    assert (REPO / "pyproject.toml").read_text()
