"""Shared fixtures: compile blueprints in memory, parse every document, pin whole files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from netgen.pipeline import Compiled, compile_blueprint

REPO = Path(__file__).resolve().parent.parent
BLUEPRINTS = REPO / "blueprints"
EXAMPLES = sorted(BLUEPRINTS.glob("*.py"))
SHARED = Path(os.environ.get("NETGEN_SHARED_DIR", REPO.parent / "shared"))

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlSnapshot(SingleFileSnapshotExtension):
    """One readable YAML file per snapshot, so a diff reads like the output itself."""

    _write_mode = WriteMode.TEXT
    file_extension = "yaml"


@pytest.fixture
def yaml_snapshot(snapshot):  # type: ignore[no-untyped-def]
    return snapshot.use_extension(YamlSnapshot)


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
