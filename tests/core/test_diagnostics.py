"""Every user mistake is a `file:line: error:` diagnostic, all at once, and nothing is written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from netgen.pipeline import compile_blueprint
from netgen.problems import ProblemError

HEAD = "from netgen import *\n"

CASES = {
    "unknown callee with did-you-mean": (
        "service('database', port=5432, image='pg')\nservice('api', port=80, image='a')\n"
        "calls('api', 'databse')\n",
        [(4, "calls('api', 'databse'): no service or external named 'databse' "
             "(did you mean 'database'?)")],
    ),
    "unknown exposed service": (
        "service('web', port=80, image='w')\nexpose('wbe', via=NODEPORT, node_port=30080)\n",
        [(3, "expose('wbe', via=NODEPORT): no service named 'wbe' (did you mean 'web'?)")],
    ),
    "name not a DNS-1035 label": (
        "service('Web_1', port=80, image='w')\n",
        [(2, "service('Web_1'): service name 'Web_1' is not a valid DNS-1035 label (lowercase "
             "letters, digits and '-', starting with a letter, at most 63 characters)")],
    ),
    "port out of range": (
        "service('web', port=70000, image='w')\n",
        [(2, "service('web'): port=70000 must be a whole number between 1 and 65535")],
    ),
    "node_port out of range": (
        "service('web', port=80, image='w')\nexpose('web', via=NODEPORT, node_port=8080)\n",
        [(3, "expose('web'): node_port=8080 must be between 30000 and 32767")],
    ),
    "canary above 1": (
        "service('api', port=80, image='a', versions=['v1', 'v2'])\n"
        "expose('api', via=NLB, canary=1.5)\n",
        [(3, "expose('api'): canary=1.5 must be between 0 and 1"),
         (3, "expose('api', via=NLB): NLB cannot split traffic by weight (canary) "
             "(use ALB, NGINX, GATEWAY, TCP or ISTIO)")],
    ),
    "canary without versions": (
        "service('api', port=80, image='a')\nexpose('api', via=NLB, canary=0.2)\n",
        [(3, "expose('api', via=NLB): NLB cannot split traffic by weight (canary) "
             "(use ALB, NGINX, GATEWAY, TCP or ISTIO)"),
         (3, "expose('api', via=NLB): canary= needs a service with at least two versions "
             "(service('api', versions=['v1', 'v2']))")],
    ),
    "path over an L4 load balancer": (
        "service('web', port=80, image='w')\nexpose('web', via=NLB, path='/api')\n",
        [(3, "expose('web', via=NLB): NLB cannot route by path "
             "(use ALB, NGINX, GATEWAY or ISTIO)")],
    ),
    "node port used twice": (
        "service('a', port=80, image='a')\nservice('b', port=80, image='b')\n"
        "expose('a', via=NODEPORT, node_port=30080)\nexpose('b', via=NODEPORT, node_port=30080)\n",
        [(5, "expose('b'): node_port=30080 is already used by 'a' at {path}:4")],
    ),
    "service declared twice": (
        "service('a', port=80, image='a')\nservice('a', port=81, image='a')\n",
        [(3, "service('a') is declared twice (first at {path}:2)")],
    ),
    "call to a service absent from one environment": (
        "env('dev')\nenv('prod')\nservice('web', port=80, image='w')\n"
        "with env('prod'):\n    service('cache', port=6379, image='r')\n"
        "calls('web', 'cache')\n",
        [(7, "calls('web', 'cache'): 'cache' does not exist in environment 'dev' "
             "(declared only for prod)")],
    ),
    "syntax error": (
        "service('web', port=80, image='w'\n",
        [(2, "syntax error: '(' was never closed")],
    ),
    "runtime error in the blueprint": (
        "service('web', port=80, image='w')\nports = {}\nservice('api', port=ports['api'])\n",
        [(4, "KeyError: 'api'")],
    ),
    "unknown environment in --env is handled by the CLI": (
        "service('web', port=80, image='w', replicas=-1)\n",
        [(2, "service('web'): replicas=-1 must be a whole number of at least 0")],
    ),
    "several mistakes at once": (
        "service('web', port=0, image='w')\nservice('api', port=80)\ncalls('web', 'nope')\n",
        [(2, "service('web'): port=0 must be a whole number between 1 and 65535"),
         (3, "service('api'): image=None must be a non-empty string"),
         (4, "calls('web', 'nope'): no service or external named 'nope'")],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_diagnostic(case: str, blueprint_file) -> None:  # type: ignore[no-untyped-def]
    source, expected = CASES[case]
    path = blueprint_file(HEAD + source)
    with pytest.raises(ProblemError) as caught:
        compile_blueprint(path)
    got = [d.render() for d in caught.value.problems]
    assert got == [f"{path}:{line}: error: {msg.format(path=path)}" for line, msg in expected]


def test_cli_reports_all_errors_writes_nothing_exits_1(blueprint_file, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(HEAD + "service('web', port=0, image='w')\ncalls('web', 'nope')\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(path), "--out", str(out)])
    assert result.exit_code == 1
    assert f"{path}:2: error: service('web'): port=0" in result.stderr
    assert f"{path}:3: error: calls('web', 'nope')" in result.stderr
    assert "netgen: 2 errors, nothing written" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert not out.exists()


def test_unknown_environment(blueprint_file, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(HEAD + "env('production')\nservice('web', port=80, image='w')\n")
    result = CliRunner().invoke(app, ["build", str(path), "-e", "prodution", "-o",
                                      str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "no environment named 'prodution'" in result.stderr
    assert "(did you mean 'production'?)" in result.stderr


def test_missing_blueprint_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["build", str(tmp_path / "nope.py")])
    assert result.exit_code == 1
    assert "nope.py: no such blueprint file" in result.stderr


@pytest.mark.parametrize("command", [["build"], ["check"], ["routes"], ["verify"], ["graph"],
                                     ["explain", "dns"]])
def test_what_is_not_a_blueprint_file_is_said_so(tmp_path: Path, command: list[str]) -> None:
    """Netgen's own output or an ECS export handed to the wrong command: an error naming
    the file (it was an internal error, exit 70, for a name not ending in .py)."""
    (tmp_path / "out.yaml").write_text("apiVersion: v1\nkind: Service\n")
    (tmp_path / "blueprint.py").write_text(HEAD)
    for given, said in [
        ("out.yaml", "out.yaml: not a blueprint: a blueprint is a Python file whose name "
                     "ends in .py"),
        (".", ".: is a folder, not a blueprint file (did you mean blueprint.py?)"),
        ("sub", "sub: is a folder, not a blueprint file\n"),
    ]:
        (tmp_path / "sub").mkdir(exist_ok=True)
        run = subprocess.run([sys.executable, "-m", "netgen", *command, given],
                             capture_output=True, text=True, cwd=tmp_path, check=False)
        told = run.stdout if command == ["check"] else run.stderr  # check's report: stdout
        assert run.returncode == 1
        assert f"error: {said}" in told
        assert "Traceback" not in run.stdout + run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blueprint.py", "out.yaml", "sub"]


def test_endless_loop_is_stopped_with_its_line(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(HEAD + "while True:\n    pass\n")
    with pytest.raises(ProblemError) as caught:
        compile_blueprint(path, timeout=0.3)
    (d,) = caught.value.problems
    assert d.render().startswith(f"{path}:")
    assert "did not finish loading within 0.3 s" in d.message


def test_blueprint_catching_everything_still_stops(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(HEAD + "try:\n    while True: pass\nexcept Exception:\n    pass\n")
    with pytest.raises(ProblemError, match="did not finish loading"):
        compile_blueprint(path, timeout=0.3)


def test_dsl_outside_a_build_says_how_to_run() -> None:
    from netgen import service

    with pytest.raises(RuntimeError, match="netgen build FILE"):
        service("web", port=80, image="w")
