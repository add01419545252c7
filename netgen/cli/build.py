"""`netgen build`: compile a blueprint into OUT/<env>/, or check that OUT is up to date.

The command line only: `netgen.cli.build_core.run` does the work, also for the fast path."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netgen.cli.options import Blueprint, Envs, Templates, guarded


@guarded
def build(
    blueprint: Blueprint,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", metavar="DIR", help="Output folder; default: out.", show_default=False)
    ] = None,
    env: Envs = None,
    stdout: Annotated[
        bool, typer.Option("--stdout", help="Write one YAML stream to stdout, nothing to disk.")
    ] = False,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if out/ is not up to date.")
    ] = False,
    templates: Templates = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """Compile BLUEPRINT into OUT/<env>/ (one file per object, plus a Kustomization)."""
    from netgen.cli.build_core import run

    run(blueprint, out, env or [], stdout, check, templates or [], quiet)
