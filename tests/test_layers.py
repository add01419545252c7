"""The import graph has no cycle and no upward import beyond tools/layers_allow.txt, and that
list holds no edge that is already gone (so it can only shrink)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_layers_hold() -> None:
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "layers.py")],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def test_layer_check_sees_an_upward_import(tmp_path: Path, monkeypatch) -> None:
    """The check can fail: a resolve module importing the CLI is reported."""
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import layers
    finally:
        sys.path.pop(0)
    probe = ROOT / "netgen" / "resolve" / "_layers_probe.py"
    probe.write_text("from netgen.cli import main\n", encoding="utf-8")
    try:
        found = layers.violations()
    finally:
        probe.unlink()
    assert "upward: netgen.resolve._layers_probe -> netgen.cli  " \
        "(netgen/resolve/_layers_probe.py:1)" in found
