"""netgen's own process runs without the cyclic collector and with attrs' methods cached
(netgen/cli/startup.py); netgen imported as a library leaves the collector and attrs
alone."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from netgen.cli import startup
from tests.conftest import BLUEPRINTS


def test_a_build_process_renders_with_the_collector_off(
        tmp_path: Path) -> None:
    probe = ("import gc, json, sys\n"
             "seen = {}\n"
             "import netgen.pipeline as p\n"
             "compile_plans = p.compile_plans\n"
             "def spy(*a, **k):\n"
             "    seen.update(enabled=gc.isenabled())\n"
             "    return compile_plans(*a, **k)\n"
             "p.compile_plans = spy\n"
             "sys.argv = ['netgen', 'build', sys.argv[1], '-o', sys.argv[2], '-q']\n"
             "from netgen.cli import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(json.dumps(seen))\n")
    run = subprocess.run([sys.executable, "-c", probe, str(BLUEPRINTS / "shop.py"),
                          str(tmp_path / "out")], capture_output=True, text=True, check=True)
    seen = json.loads(run.stdout.splitlines()[-1])
    assert seen == {"enabled": False}
    assert (tmp_path / "out").is_dir()


def test_library_use_leaves_the_collector_and_attrs_alone() -> None:
    import attr._make as make

    frozen, thresholds = gc.get_freeze_count(), gc.get_threshold()
    with startup.importing():
        assert gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen and gc.get_threshold() == thresholds
    assert "compile" not in vars(make)
