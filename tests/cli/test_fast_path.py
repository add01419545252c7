"""`netgen --version` and a plain `netgen build` run without typer (netgen.cli.fast); the
judge is the typer app: same stdout, stderr, exit code and files for the command lines the
fast path takes, and the typer app for every other one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from netgen.cli.fast import parse_build
from tests.conftest import BLUEPRINTS

REPO = Path(__file__).resolve().parents[2]
SHOP = str(BLUEPRINTS / "shop.py")


def fast(*args: str, cwd: Path = REPO) -> tuple[int, str, str]:
    run = subprocess.run([sys.executable, "-m", "netgen", *args], capture_output=True,
                         text=True, cwd=cwd, check=False)
    return run.returncode, run.stdout, run.stderr


def typer_app(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("argv", [
    ["build"], ["build", "--help"], ["build", "a.py", "b.py"], ["build", "a.py", "--out"],
    ["build", "a.py", "-x"], ["build", "a.py", "-qe", "prod"], ["build", "a.py", "--", "x"],
    ["build", "a.py", "--out", "a", "--out", "b"], ["build", "a.py", "-q", "-q"],
    ["build", "a.py", "--out="], ["build", "a.py", "--stdout=1"], ["build", "-"],
])
def test_what_the_fast_path_does_not_understand_goes_to_typer(argv: list[str]) -> None:
    assert parse_build(argv[1:]) is None


def test_the_fast_path_reads_every_build_option() -> None:
    assert parse_build(["bp.py", "--out=o", "-e", "a", "--env", "b", "--templates", "t",
                        "--check", "-q", "--stdout"]) == {
        "blueprint": Path("bp.py"), "out": Path("o"), "env": ["a", "b"], "stdout": True,
        "check": True, "templates": [Path("t")], "quiet": True}
    assert parse_build(["bp.py"]) == {
        "blueprint": Path("bp.py"), "out": Path("out"), "env": [], "stdout": False,
        "check": False, "templates": [], "quiet": False}


def test_version_is_the_same(tmp_path: Path) -> None:
    assert fast("--version") == typer_app("--version")


@pytest.mark.parametrize("extra", [[], ["-q"], ["--check"], ["--stdout"], ["-e", "production"],
                                   ["-e", "nowhere"]])
def test_build_is_the_same(tmp_path: Path, extra: list[str]) -> None:
    for who, run in (("fast", fast), ("typer", typer_app)):
        out = tmp_path / who
        first = run("build", SHOP, "-o", str(out), *extra)
        again = run("build", SHOP, "-o", str(out), *extra)
        if who == "fast":
            want = (first, again)
        else:
            strip = [tuple(s.replace(str(tmp_path / "typer"), str(tmp_path / "fast"))
                           if isinstance(s, str) else s for s in r) for r in (first, again)]
            assert tuple(strip) == want
    trees = [{p.relative_to(tmp_path / w): p.read_bytes()
              for p in (tmp_path / w).rglob("*.yaml")} for w in ("fast", "typer")]
    assert trees[0] == trees[1]


def test_errors_are_the_same(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from netgen import *\nblueprint('x')\nservice('a', port='no')\n")
    code, out, err = fast("build", str(bad), "-o", str(tmp_path / "o"))
    assert (code, out, err) == typer_app("build", str(bad), "-o", str(tmp_path / "o"))
    assert code == 1 and "bad.py:3" in err


@pytest.mark.parametrize("argv", [["--version"], ["build", SHOP, "-o", "{out}", "-q"]])
def test_the_fast_path_imports_neither_typer_nor_jinja2(tmp_path: Path, argv: list[str]) -> None:
    """For a no-op rebuild too: the first build writes, the second is measured."""
    argv = [a.replace("{out}", str(tmp_path)) for a in argv]
    if argv[0] == "build":
        assert fast(*argv)[0] == 0
    probe = ("import sys\nsys.argv = ['netgen', *sys.argv[1:]]\nfrom netgen.cli import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in ('typer', 'jinja2', 'yaml', 'rich', 'cattrs', 'attrs',"
             " 'pydantic', 'netgen.dsl') if m in sys.modules), file=sys.stderr)\n")
    run = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True,
                         cwd=REPO, check=False)
    assert run.stderr.strip().splitlines()[-1] == "[]"
