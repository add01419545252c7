"""Compiling blueprint source text in tests without leaving files behind."""

from __future__ import annotations

import tempfile
from pathlib import Path

from netgen.pipeline import Compiled, compile_blueprint


def compile_source(source: str, name: str = "bp", envs: tuple[str, ...] = ()) -> list[Compiled]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.py"
        path.write_text(source)
        return compile_blueprint(path, envs)
