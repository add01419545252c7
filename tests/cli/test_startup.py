"""netgen's own process runs without the cyclic collector and with attrs' methods cached,
and ends without the interpreter's teardown (netgen/cli/startup.py); netgen imported as a
library leaves the collector and attrs alone."""

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


def netgen(*args: str, cwd: Path, probe: str = "") -> subprocess.CompletedProcess[str]:
    """`python -m netgen ARGS` after PROBE ran in the same process."""
    code = (probe + "\nimport runpy, sys\nsys.argv = ['netgen', *sys.argv[1:]]\n"
            "runpy.run_module('netgen', run_name='__main__')\n")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, cwd=cwd, check=False)


def test_the_command_ends_without_the_teardown(tmp_path: Path) -> None:
    """An object a module holds is freed by the interpreter's teardown; `leave` skips it."""
    probe = ("import sys, types\n"
             "class Marker:\n"
             "    def __del__(self, done=open):  # (the teardown removes the builtins early)\n"
             "        done('torn-down', 'w').close()\n"
             "held = sys.modules['held'] = types.ModuleType('held')\n"
             "held.marker = Marker()\n")
    done = netgen("--version", cwd=tmp_path, probe=probe)
    assert (done.returncode, done.stdout.startswith("netgen ")) == (0, True)
    assert not (tmp_path / "torn-down").exists()
    done = netgen("--version", cwd=tmp_path, probe=probe + "import threading, time\n"
                  "threading.Thread(target=time.sleep, args=(0.2,)).start()\n")
    assert done.returncode == 0  # another thread: through SystemExit, as before
    assert (tmp_path / "torn-down").exists()


def test_what_the_teardown_would_show_is_done(tmp_path: Path) -> None:
    """A blueprint's atexit handler and thread run to their end, the exit code and every
    line written to a pipe arrive."""
    (tmp_path / "bp.py").write_text(
        "import atexit, threading, time\n"
        "from netgen import *\n"
        "atexit.register(lambda: open('handler-ran', 'w').close())\n"
        "def late():\n"
        "    time.sleep(0.3)\n"
        "    open('thread-ended', 'w').close()\n"
        "threading.Thread(target=late).start()\n"
        "env('prod')\n"
        "for n in range(40):\n"
        "    service(f'svc-{n}', port=80, image='web:1')\n")
    done = netgen("build", "bp.py", "--stdout", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\nkind: Deployment\n") == 40  # 40 services: the whole stream
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bp.py", "handler-ran",
                                                         "thread-ended"]
    (tmp_path / "bp.py").write_text("from netgen import *\nservice('a', port='no')\n")
    done = netgen("build", "bp.py", "-o", "out", cwd=tmp_path)
    assert done.returncode == 1 and "port=" in done.stderr
