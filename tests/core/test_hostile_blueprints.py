"""Blueprints that misbehave: each is reported with a clear `file:line: error:` message and
exit 1 (130 for an interruption), never a traceback, and leaves the process as it found it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from netgen.dsl import MAX_DECLARATIONS
from netgen.loader import load_blueprint
from netgen.pipeline import compile_blueprint
from netgen.problems import ProblemError
from tests.conftest import parse

REPO = Path(__file__).resolve().parents[2]
HEAD = "from netgen import *\n"
WEB = "service('web', port=80, image='nginx')\n"


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def build_errors(path: Path, timeout: float) -> list[str]:
    with pytest.raises(ProblemError) as caught:
        compile_blueprint(path, timeout=timeout)
    return [d.render() for d in caught.value.problems]


CASES = {
    "raises an exception": (
        "raise ValueError('no such region')\n", 2, "ValueError: no such region"),
    "raises a BaseException subclass": (
        "class Stop(BaseException):\n    pass\nraise Stop('halt')\n", 4, "Stop: halt"),
    "raises GeneratorExit": ("raise GeneratorExit\n", 2, "GeneratorExit"),
    "calls sys.exit": (
        "import sys\nsys.exit(3)\n", 3,
        "blueprint called exit(3); a blueprint declares, it cannot end the build"),
    "calls exit() with no code": (
        "raise SystemExit\n", 2,
        "blueprint called exit(None); a blueprint declares, it cannot end the build"),
    "exception whose message fails": (
        "class E(Exception):\n    def __str__(self):\n        raise SystemExit(1)\nraise E()\n",
        5, "E: <E object; its message could not be shown>"),
    "recurses infinitely": (
        "def f(n):\n    return f(n + 1)\nf(0)\n", 3, "blueprint recursed too deeply"),
    "imports a missing module": (
        "import netgen_helpers_that_do_not_exist\n", 2,
        "ModuleNotFoundError: No module named 'netgen_helpers_that_do_not_exist'"),
    "reads a missing file": (
        "ports = open('ports.json').read()\n", 2,
        "FileNotFoundError: [Errno 2] No such file or directory: 'ports.json'"),
    "declares more than MAX_DECLARATIONS objects": (
        WEB + f"for i in range({MAX_DECLARATIONS + 1}):\n    calls('web', 'web')\n", 4,
        f"blueprint declares more than {MAX_DECLARATIONS} objects; netgen stops here"),
    "loops forever, catching everything": (
        "while True:\n    try:\n        pass\n    except BaseException:\n        pass\n", None,
        "blueprint did not finish loading within 2 s (an endless loop?)"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_misbehaving_blueprint_is_one_clear_diagnostic(case: str, blueprint_file) -> None:  # type: ignore[no-untyped-def]
    source, line, message = CASES[case]
    path = blueprint_file(HEAD + source)
    # Only the endless loop waits for the (short) timeout; the rest may take their time.
    (rendered,) = build_errors(path, 2 if line is None else 120)
    where = f"{path}:{line}: " if line is not None else f"{path}:"
    assert rendered.startswith(where), rendered
    assert rendered.endswith(f"error: {message}"), rendered


def test_cli_reports_a_raising_blueprint_with_exit_1(blueprint_file, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(HEAD + "class Stop(BaseException):\n    pass\nraise Stop('x')\n")
    code, out, err = cli("build", str(path), "-o", str(tmp_path / "out"))
    assert code == 1
    assert err.splitlines() == [f"{path}:4: error: Stop: x", "netgen: 1 error, nothing written"]
    assert out == "" and not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["build", "check"])
def test_os_exit_in_a_blueprint_fails_the_command(command: str, blueprint_file,  # type: ignore[no-untyped-def]
                                                  tmp_path: Path) -> None:
    """`os._exit(0)` ended the process with 0 before anything was checked or written: a
    gate passing on nothing. A child process the blueprint forks still exits as it asks."""
    path = blueprint_file(HEAD + "import os\n"
                          "pid = os.fork()\n"
                          "if pid == 0:\n    os._exit(7)\n"
                          "assert os.waitpid(pid, 0)[1] >> 8 == 7\n"
                          "os._exit(0)\n")
    args = ["-o", str(tmp_path / "out")] if command == "build" else []
    done = subprocess.run([sys.executable, "-m", "netgen", command, str(path), *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert (f"{path}:7: error: blueprint called os._exit(0); a blueprint declares, it cannot "
            "end the build") in done.stdout + done.stderr
    assert not (tmp_path / "out").exists()


def test_keyboard_interrupt_in_a_blueprint_is_an_interruption(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """Ctrl-C while the blueprint runs (or a blueprint raising KeyboardInterrupt) stops the
    build like Ctrl-C anywhere else: exit 130, no traceback."""
    path = blueprint_file(HEAD + "raise KeyboardInterrupt\n")
    code, _, err = cli("build", str(path), "--stdout")
    assert (code, err) == (130, "netgen: interrupted; nothing was written\n")


def test_thousands_of_objects_build(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(
        HEAD + "env('dev')\nenv('prod')\n"
        "for i in range(1500):\n"
        "    service(f's{i}', port=80, image='img')\n"
        "    calls(f's{i}', f's{(i + 1) % 1500}')\n")
    for compiled in compile_blueprint(path):
        kinds = [d.kind for d in compiled.documents]
        assert (kinds.count("Deployment"), kinds.count("Service")) == (1500, 1500)


def test_printing_blueprint_does_not_corrupt_stdout(tmp_path: Path) -> None:
    """print(), a child process and C code writing to fd 1 all end up on stderr; stdout is
    the YAML stream alone. Run as a real process: only there is fd 1 the terminal's."""
    bp = tmp_path / "bp.py"
    bp.write_text(HEAD + "import os, sys\nprint('from print')\nos.system('echo from child')\n"
                  "os.write(1, b'from fd 1\\n')\nsys.stdout.write('from sys.stdout\\n')\n" + WEB)
    result = subprocess.run(
        [sys.executable, "-m", "netgen", "build", str(bp), "--stdout"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(
            filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))},
    )
    assert result.returncode == 0, result.stderr
    docs = parse(result.stdout)
    assert {"Namespace", "Deployment", "Service"} <= {d["kind"] for d in docs}
    for line in ("from print", "from child", "from fd 1", "from sys.stdout"):
        assert line in result.stderr
        assert line not in result.stdout


def test_blueprint_changing_directory_does_not_move_the_output(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "bp.py").write_text(HEAD + "import os\nos.chdir('elsewhere')\n" + WEB)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code, _, err = cli("build", "bp.py", "-o", "out")
        assert os.getcwd() == str(tmp_path)
    finally:
        os.chdir(cwd)
    assert code == 0, err
    assert (tmp_path / "out" / "default" / "Service.web.yaml").is_file()
    assert not (tmp_path / "elsewhere" / "out").exists()


def test_blueprint_rewritten_within_a_second_is_read_afresh(tmp_path: Path) -> None:
    """Python's bytecode cache trusts size and whole-second mtime; netgen must not: a
    script that rewrites a blueprint and builds at once gets the new blueprint."""
    bp = tmp_path / "bp.py"
    images = []
    for tag in ("1", "2", "3"):
        bp.write_text(HEAD + f"service('web', port=80, image='web:{tag}')\n")
        os.utime(bp, (1_700_000_000, 1_700_000_000))  # same size, same second each time
        (compiled,) = compile_blueprint(bp)
        (deploy,) = [d for d in compiled.documents if d.kind == "Deployment"]
        images.append(parse(deploy.text)[0]["spec"]["template"]["spec"]["containers"][0]
                      ["image"])
    assert images == ["web:1", "web:2", "web:3"]
    assert not (tmp_path / "__pycache__").exists()


def test_helper_modules_are_imported_afresh_and_process_state_restored(tmp_path: Path) -> None:
    (tmp_path / "ports.py").write_text("WEB = 80\n")
    bp = tmp_path / "bp.py"
    bp.write_text(HEAD + "import sys, ports\nsys.path.append('/nowhere')\n"
                  "service('web', port=ports.WEB, image='w')\n")
    path_before = list(sys.path)
    first = load_blueprint(bp)
    assert sys.path == path_before and "ports" not in sys.modules
    (tmp_path / "ports.py").write_text("WEB = 8080\n")
    second = load_blueprint(bp)
    assert (first.services[0].port, second.services[0].port) == (80, 8080)


def test_a_broken_helper_module_is_named_as_the_blueprint_is(tmp_path: Path) -> None:
    """Relative to the working folder, as the blueprint: it was an absolute path (and a
    `file:///...` URI in SARIF), where the blueprint's own stays as given."""
    (tmp_path / "helper.py").write_text("x = (\n")
    (tmp_path / "bp.py").write_text("from netgen import *\nimport helper\n")
    done = subprocess.run([sys.executable, "-m", "netgen", "build", "bp.py", "-o", "out"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == "helper.py:1: error: syntax error: '(' was never closed"


def test_a_whole_number_past_4300_digits_is_named_not_an_internal_error(
        blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """repr() refuses such a number: the error names it by its type, as the shape checks do
    (it was an internal error)."""
    path = blueprint_file(HEAD + "service('web', port=80, image='w', read_only_root=10**5000)\n")
    code, _, stderr = cli("build", str(path), "--out", str(path.parent / "out"))
    assert code == 1, stderr
    assert f"{path}:2: error: service('web'): read_only_root=<int> must be True or False" \
        in stderr
    assert "internal error" not in stderr and stderr.rstrip().endswith("nothing written")
