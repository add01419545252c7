"""`netgen --version` and a plain `netgen build` or `netgen check` run without typer
(netgen.cli.fast); the judge is the typer app: same stdout, stderr, exit code and files for
the command lines the fast path takes, and the typer app for every other one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from netgen.cli.argv import Syntax, parse
from netgen.cli.build_core import SYNTAX as BUILD
from netgen.cli.check_core import SYNTAX as CHECK
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
    assert parse(BUILD, argv[1:]) is None


def test_the_fast_path_reads_every_build_option() -> None:
    assert parse(BUILD, ["bp.py", "--out=o", "-e", "a", "--env", "b", "--templates", "t",
                        "--check", "-q", "--stdout"]) == {
        "blueprint": Path("bp.py"), "out": Path("o"), "env": ["a", "b"], "stdout": True,
        "check": True, "templates": [Path("t")], "quiet": True}
    assert parse(BUILD, ["bp.py"]) == {  # `out` None: not given (`build_core.run` says `out`)
        "blueprint": Path("bp.py"), "out": None, "env": [], "stdout": False,
        "check": False, "templates": [], "quiet": False}


@pytest.mark.parametrize("argv", [
    ["check"], ["check", "--help"], ["check", "a.py", "--format", "xml"],
    ["check", "a.py", "--format", "JSON"], ["check", "a.py", "-fjson"], ["check", "a.py", "-f"],
    ["check", "a.py", "-f=json"], ["check", "a.py", "--strict=1"], ["check", "a.py", "-qf", "json"],
    ["check", "a.py", "--format", "json", "-f", "text"], ["check", "a.py", "--", "x"],
    ["check", "a.py", "--k8s-version", "1.31", "--k8s-version", "1.32"],
    ["check", "a.py", "--ignore", "--strict"], ["check", "a.py", "--crds="],
    ["check", "a.py", "b.py"], ["check", "--strict"], ["check", "a.py", "--out", "o"],
])
def test_what_the_fast_check_does_not_understand_goes_to_typer(argv: list[str]) -> None:
    assert parse(CHECK, argv[1:]) is None


def test_the_fast_path_reads_every_check_option() -> None:
    assert parse(CHECK, ["--format=sarif", "bp.py", "-e", "a", "--env", "b", "--crds", "c",
                         "--crds=d", "--strict", "--k8s-version", "1.31", "--ignore", "ng104",
                         "--ignore=NG106", "--templates", "t", "-q"]) == {
        "blueprint": Path("bp.py"), "env": ["a", "b"], "crds": [Path("c"), Path("d")],
        "strict": True, "fmt": "sarif", "k8s_version": "1.31", "ignore": ["ng104", "NG106"],
        "templates": [Path("t")], "quiet": True}
    assert parse(CHECK, ["bp.py", "-f", "json"]) == {
        "blueprint": Path("bp.py"), "env": [], "crds": [], "strict": False, "fmt": "json",
        "k8s_version": None, "ignore": [], "templates": [], "quiet": False}


@pytest.mark.parametrize("command, syntax", [("build", BUILD), ("check", CHECK)])
def test_the_tables_name_every_option_of_the_typer_command(command: str,
                                                           syntax: Syntax) -> None:
    """What the fast path does not know it hands to typer, so a table that misses an option
    would only be slower; one that reads an option differently would be wrong."""
    import typer.main

    params = typer.main.get_command(app).commands[command].params  # type: ignore[attr-defined]
    options = [p for p in params if p.param_type_name == "option"]
    assert syntax.names == {o: p.name for p in options for o in p.opts}
    assert syntax.flags == {p.name for p in options if p.is_flag}
    assert syntax.repeatable == {p.name for p in options if p.multiple}
    defaults = {p.name: [] if p.multiple else p.default for p in options}
    assert parse(syntax, ["bp.py"]) == {"blueprint": Path("bp.py"), **defaults}
    assert [p.name for p in params if p.param_type_name == "argument"] == ["blueprint"]
    assert syntax.paths == {p.name for p in options if "Path" in p.bare_type()}
    assert all(p.envvar is None for p in params)  # typer would read it, the fast path not
    # `--format`'s choices: `CheckFormat` is made of check_core.FORMATS.


def test_version_is_the_same(tmp_path: Path) -> None:
    assert fast("--version") == typer_app("--version")


@pytest.mark.parametrize("extra", [[], ["-q"], ["--check"], ["--stdout"], ["-e", "production"],
                                   ["-e", "nowhere"]])
def test_build_is_the_same(tmp_path: Path, extra: list[str]) -> None:
    for who, run in (("fast", fast), ("typer", typer_app)):
        out = [] if extra == ["--stdout"] else ["-o", str(tmp_path / who)]  # --stdout: no OUT
        first = run("build", SHOP, *out, *extra)
        again = run("build", SHOP, *out, *extra)
        if who == "fast":
            want = (first, again)
        else:
            strip = [tuple(s.replace(str(tmp_path / "typer"), str(tmp_path / "fast"))
                           if isinstance(s, str) else s for s in r) for r in (first, again)]
            assert tuple(strip) == want
    if extra == ["--stdout"]:  # the same YAML stream, not the same refusal
        assert want[0][0] == 0 and want[0][1].startswith("---\n")
    trees = [{p.relative_to(tmp_path / w): p.read_bytes()
              for p in (tmp_path / w).rglob("*.yaml")} for w in ("fast", "typer")]
    assert trees[0] == trees[1]


@pytest.mark.parametrize("extra, said", [
    (["--check", "--stdout"], "--check compares OUT with the blueprint, and --stdout writes "
                              "no OUT: give one of them"),
    (["--stdout", "-o", "{tmp}/o"], "--stdout writes no OUT: drop --out, or --stdout"),
    (["--out={tmp}/o", "--stdout", "--check"], "--check compares OUT"),
])
def test_options_that_would_be_ignored_are_refused(tmp_path: Path, extra: list[str],
                                                   said: str) -> None:
    """`--check --stdout` exited 0 whatever OUT held, and `--stdout` dropped `--out`
    without a word: a CI job adding either passed for nothing. Both paths say so, exit 2."""
    argv = ["build", SHOP, *(a.replace("{tmp}", str(tmp_path)) for a in extra)]
    code, out, err = fast(*argv)
    assert (code, out, err) == typer_app(*argv)
    assert (code, out) == (2, "")
    assert err.startswith(f"netgen build: {said}")
    assert not (tmp_path / "o").exists()


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
    assert imported(argv, ("typer", "jinja2", "yaml", "rich", "cattrs", "attrs", "attr",
                           "pydantic", "netgen.dsl")) == (0, [])


def test_a_build_that_succeeds_imports_no_traceback(tmp_path: Path) -> None:
    """traceback (and the textwrap it imports) only place a failing blueprint's error
    (`loader._user_loc`): a few M instructions of every build otherwise."""
    assert imported(["build", SHOP, "-o", str(tmp_path), "-q"],
                    ("traceback", "textwrap")) == (0, [])


def imported(argv: list[str], modules: tuple[str, ...]) -> tuple[int, list[str]]:
    """The exit code of `netgen ARGV` run in a fresh process, and which of `modules` it
    imported."""
    probe = ("import json, sys\nwatched = json.loads(sys.argv[1])\n"
             "sys.argv = ['netgen', *sys.argv[2:]]\nfrom netgen.cli import main\n"
             "code = 0\ntry:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
             "print(json.dumps([code, [m for m in watched if m in sys.modules]]),"
             " file=sys.stderr)\n")
    run = subprocess.run([sys.executable, "-c", probe, json.dumps(modules), *argv],
                         capture_output=True, text=True, cwd=REPO, check=False)
    code, found = json.loads(run.stderr.strip().splitlines()[-1])
    return code, found


WARNED = ("from netgen import *\nenv('prod', vpc_cidr='10.0.0.0/16')\n"
          "service('web', port=80, image='web:latest')\n"
          "expose('web', via=NLB, scheme='internal')\n")
BROKEN = "from netgen import *\nblueprint('x')\nservice('a', port='no')\n"


@pytest.mark.parametrize("args", [
    [SHOP], [SHOP, "-q"], [SHOP, "--format", "json"], [SHOP, "-f", "sarif", "--strict"],
    [SHOP, "--format=json", "-e", "production", "--k8s-version", "1.35"],
    [SHOP, "-e", "nowhere"], [SHOP, "--ignore", "NG999"], [SHOP, "--k8s-version", "1.99"],
    [SHOP, "--crds", "/nonexistent/crds"], ["{tmp}/missing.py"],
    ["{tmp}/warned.py"], ["{tmp}/warned.py", "--strict", "-f", "json"],
    ["{tmp}/warned.py", "--strict", "--ignore", "ng104", "--quiet"],
    ["{tmp}/broken.py"], ["{tmp}/broken.py", "-f", "sarif"],
])
def test_check_is_the_same(tmp_path: Path, args: list[str]) -> None:
    """Exit 0, 1 (findings, --strict, a blueprint error) and 2 (impossible options): the
    same codes and bytes from the fast path as from the typer command."""
    (tmp_path / "warned.py").write_text(WARNED)
    (tmp_path / "broken.py").write_text(BROKEN)
    argv = ["check", *(a.replace("{tmp}", str(tmp_path)) for a in args)]
    assert parse(CHECK, argv[1:]) is not None
    assert fast(*argv) == typer_app(*argv)


@pytest.mark.parametrize("argv", [["check", SHOP, "-q"], ["check", SHOP, "-f", "json"]])
def test_the_fast_check_imports_no_typer_nor_validators(argv: list[str]) -> None:
    """It needs YAML, attrs and Jinja like any check; not typer, pydantic or rich, and for
    built-in kinds that the quick check accepts neither jsonschema nor the CRD machinery
    (CEL, RE2) nor kubernetes_validate's own code (only its schema files)."""
    assert imported(argv, ("typer", "click", "rich", "pydantic", "netgen.cli.commands",
                           "netgen.cli.options", "jsonschema", "referencing",
                           "kubernetes_validate", "cel_expr_python", "re2",
                           "netgen.validate.structural", "netgen.validate.crd_cel")) == (0, [])
