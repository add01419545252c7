"""netgen's own process runs without the cyclic collector and with attrs' methods cached,
and ends without the interpreter's teardown (netgen/cli/startup.py); netgen imported as a
library leaves the collector and attrs alone."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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


def netgen(*args: str, cwd: Path, probe: str = "",
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m netgen ARGS` after PROBE ran in the same process; stdout a pipe, block
    buffered (PYTHONUNBUFFERED, which CI often sets, removed)."""
    code = (probe + "\nimport runpy, sys\nsys.argv = ['netgen', *sys.argv[1:]]\n"
            "runpy.run_module('netgen', run_name='__main__')\n")
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                          text=True, cwd=cwd, check=False, env={**environ, **(env or {})})


# An object a module holds, which only the interpreter's teardown finalizes.
HELD = ("import sys, types\n"
        "class Marker:\n"
        "    def __del__(self, done=open):  # (the teardown removes the builtins early)\n"
        "        done('torn-down', 'w').close()\n"
        "sys.modules['held'] = types.ModuleType('held')\n"
        "sys.modules['held'].marker = Marker()\n")


def test_the_command_ends_without_the_teardown(tmp_path: Path) -> None:
    done = netgen("--version", cwd=tmp_path, probe=HELD)
    assert (done.returncode, done.stdout.startswith("netgen ")) == (0, True)
    assert not (tmp_path / "torn-down").exists()


@pytest.mark.parametrize("probe", [
    # another thread, running until the interpreter shuts down
    "import threading\nthreading.Thread(target=threading.main_thread().join).start()\n",
    # a profiler (`python -m cProfile -m netgen`) reports after netgen returns
    "import cProfile\nprofiler = cProfile.Profile()\nprofiler.enable()\n",
    # a tracer, as coverage is
    "sys.settrace(lambda *args: None)\n",
], ids=["thread", "profiler", "tracer"])
def test_the_teardown_runs_when_something_may_need_it(tmp_path: Path, probe: str) -> None:
    done = netgen("--version", cwd=tmp_path, probe=HELD + probe)
    assert (done.returncode, done.stdout.startswith("netgen ")) == (0, True)
    assert (tmp_path / "torn-down").exists()


def test_a_blueprints_exit_handler_runs_and_its_output_arrives(tmp_path: Path) -> None:
    (tmp_path / "bp.py").write_text("import atexit\nfrom netgen import *\n"
                                    "atexit.register(print, 'said at exit')\n"
                                    "env('prod')\nservice('web', port=80, image='web:1')\n")
    done = netgen("build", "bp.py", "--stdout", cwd=tmp_path, probe=HELD)
    assert done.returncode == 0, done.stderr
    assert "\nkind: Deployment\n" in done.stdout and done.stdout.endswith("\nsaid at exit\n")
    assert not (tmp_path / "torn-down").exists()  # the short way, flushed
    (tmp_path / "bp.py").write_text("from netgen import *\nservice('a', port='no')\n")
    done = netgen("build", "bp.py", "-o", "out", cwd=tmp_path, probe=HELD)
    assert done.returncode == 1 and "port=" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_library_the_blueprint_imported_gets_its_teardown(tmp_path: Path) -> None:
    """A library outside the blueprint's folder stays loaded, with what it holds: a file
    it writes is flushed by the teardown alone."""
    for folder in ("lib", "blueprints"):
        (tmp_path / folder).mkdir()
    (tmp_path / "lib" / "auditlog.py").write_text("log = open('audit.log', 'a')\n")
    (tmp_path / "blueprints" / "bp.py").write_text(
        "import auditlog\nfrom netgen import *\nauditlog.log.write('built\\n')\n"
        "env('prod')\nservice('web', port=80, image='web:1')\n")
    done = netgen("build", "blueprints/bp.py", "-o", "out", "-q", cwd=tmp_path,
                  env={"PYTHONPATH": str(tmp_path / "lib")})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "audit.log").read_text() == "built\n"


@pytest.mark.parametrize("code", [256, -1, 2**70, "a message", 1.0])
def test_a_code_that_is_not_an_exit_status_goes_through_system_exit(code: object) -> None:
    assert not startup._may_skip_teardown(code)  # type: ignore[arg-type]
