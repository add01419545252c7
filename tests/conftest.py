"""Shared fixtures: compile blueprints in memory, parse every document, pin whole files.

Also the guard that keeps the tests inside the repository: any read of the shared folder
beside it (by a test or by a process a test starts) fails the run (see tests/audit).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from netgen.pipeline import Compiled, compile_blueprint

REPO = Path(__file__).resolve().parent.parent
BLUEPRINTS = REPO / "blueprints"
EXAMPLES = sorted(BLUEPRINTS.glob("*.py"))
# The folder of upstream data beside the repository: only tools/make_schemas.py reads it.
OUTSIDE = REPO.parent / "shared"
AUDIT = REPO / "tests" / "audit"


def _load_audit() -> ModuleType:
    """tests/audit/sitecustomize.py by path: a `sitecustomize` Python already imported at
    start-up (a distribution's own) must not stand in for it."""
    spec = importlib.util.spec_from_file_location("netgen_test_audit", AUDIT / "sitecustomize.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


audit = _load_audit()

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlSnapshot(SingleFileSnapshotExtension):
    """One readable YAML file per snapshot, so a diff reads like the output itself."""

    _write_mode = WriteMode.TEXT
    file_extension = "yaml"


@pytest.fixture
def yaml_snapshot(snapshot):  # type: ignore[no-untyped-def]
    return snapshot.use_extension(YamlSnapshot)


def pytest_configure(config: pytest.Config) -> None:
    """Guard this process and, through the environment, every Python process it starts."""
    if os.environ.get(audit.LOG):
        return  # a pytest run inside a guarded run: already guarded
    fd, log = tempfile.mkstemp(prefix="netgen-forbidden-reads-", suffix=".log")
    os.close(fd)
    folder = os.path.abspath(OUTSIDE)
    os.environ[audit.FOLDER], os.environ[audit.LOG] = folder, log
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(AUDIT), os.environ.get("PYTHONPATH")) if p)
    audit.install(folder, log)


def forbidden_reads() -> list[str]:
    log = os.environ.get(audit.LOG)
    if not log or not os.path.exists(log):
        return []
    with open(log, encoding="utf-8") as stream:
        return stream.read().splitlines()


@contextmanager
def expecting_forbidden_reads() -> Iterator[list[str]]:
    """For the guard's own tests: the reads inside are expected, and forgotten after."""
    log = os.environ[audit.LOG]
    before = os.path.getsize(log)
    found: list[str] = []
    try:
        yield found
    finally:
        with open(log, "r+", encoding="utf-8") as stream:
            stream.seek(before)
            found += stream.read().splitlines()
            stream.truncate(before)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reads = forbidden_reads()
    if os.environ.get(audit.LOG) and not reads and session.config.pluginmanager.get_plugin(
            "terminalreporter") is not None:
        os.unlink(os.environ[audit.LOG])
    if reads:
        print("\nFAILED: tests read outside the repository (a fresh clone has nothing "
              "there):\n  " + "\n  ".join(reads[:20]), file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def parse(text: str) -> list[dict]:
    return [d for d in yaml.load_all(text, Loader=Loader) if d is not None]


def build(path: Path | str, envs: tuple[str, ...] = ()) -> list[Compiled]:
    return compile_blueprint(path, envs)


def documents(compiled: Compiled) -> list[dict]:
    """Every document of one environment, parsed: proves the templates wrote valid YAML."""
    out = []
    for d in compiled.documents:
        parsed = parse(d.text)
        assert len(parsed) == 1, f"{d.kind}/{d.name} rendered {len(parsed)} documents"
        out.append(parsed[0])
    return out


def write_blueprint(tmp_path: Path) -> Callable[[str], Path]:
    def make(source: str, name: str = "bp.py") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
        return path

    return make


@pytest.fixture
def blueprint_file(tmp_path: Path) -> Callable[[str], Path]:
    """Writes a blueprint source into a temporary file and returns its path."""
    return write_blueprint(tmp_path)
