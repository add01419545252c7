"""What `netgen check` does once its command line is parsed, without typer: the typer
command (`netgen.cli.check`) and the fast path (`netgen.cli.fast`) both call `run`, the fast
path with the keyword arguments `SYNTAX` reads (`netgen.cli.argv`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from netgen.cli.argv import Syntax
from netgen.cli.errors import write_out

FORMATS = ("text", "json", "sarif")  # `--format`: for people, for scripts, for code scanning

# The options of `netgen.cli.check.check`, for the fast path.
SYNTAX = Syntax(
    {"--env": "env", "-e": "env", "--crds": "crds", "--strict": "strict", "--format": "fmt",
     "-f": "fmt", "--k8s-version": "k8s_version", "--ignore": "ignore",
     "--templates": "templates", "--quiet": "quiet", "-q": "quiet"},
    {"env": [], "crds": [], "strict": False, "fmt": "text", "k8s_version": None, "ignore": [],
     "templates": [], "quiet": False},
    flags=("strict", "quiet"), repeatable=("env", "crds", "ignore", "templates"),
    paths=("crds", "templates"), choices={"fmt": FORMATS},
)


def run(blueprint: Path, env: Sequence[str], crds: Sequence[Path], strict: bool, fmt: str,
        k8s_version: str | None, ignore: Sequence[str], templates: Sequence[Path],
        quiet: bool) -> int:
    """Check, print the report in `fmt` (unless quiet) and return the exit code."""
    from netgen.cli.startup import importing

    with importing():
        from netgen.check import run_check
        from netgen.check.formats import render
        from netgen.cli.console import progress

    with progress(quiet) as stage:  # a CheckUsageError exits 2 (cli/errors.py)
        report = run_check(blueprint, envs=env, templates=templates, crds=crds,
                           k8s_version=k8s_version, strict=strict, ignore=ignore,
                           on_stage=stage)
    if not quiet:
        write_out(render(report, fmt))
    return report.exit_code
