"""`netgen check`: validate before apply (and a CI gate). The command line only:
`netgen.cli.check_core.run` does the work, also for the fast path; the logic is in
`netgen.check`."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from netgen.cli.check_core import FORMATS
from netgen.cli.options import Blueprint, Envs, Templates, guarded

CheckFormat = enum.StrEnum("CheckFormat", [(f, f) for f in FORMATS])  # type: ignore[misc]


@guarded
def check(
    blueprint: Blueprint,
    env: Envs = None,
    crds: Annotated[
        list[Path] | None,
        typer.Option("--crds", metavar="PATH",
                     help="A folder (or file) of CRDs, as `kubectl get crd -o yaml` "
                     "prints them, added to the CRDs shipped with netgen (a kind given here "
                     "overrides the shipped one; repeatable)."),
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Lint warnings fail the check too (exit 1).")
    ] = False,
    fmt: Annotated[
        CheckFormat, typer.Option("--format", "-f", help="text for people, json for scripts, "
                                  "sarif for code-scanning UIs.")
    ] = CheckFormat["text"],
    k8s_version: Annotated[
        str | None,
        typer.Option("--k8s-version", help="Kubernetes release whose schemas to check against "
                     "(default: the newest bundled)."),
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option("--ignore", metavar="RULE",
                                       help="Skip a lint rule, e.g. NG104 (repeatable).")
    ] = None,
    templates: Templates = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing; only the exit code tells.")
    ] = False,
) -> None:
    """Build BLUEPRINT in memory, validate every document and lint it; nothing is written.

    Exit 0: clean (lint warnings allowed without --strict).

    Exit 1: blueprint errors, schema failures, a kind with no schema, an environment needing
    both Gateway API channels, warnings with --strict.

    Exit 2: the command line is wrong (unknown option, unreadable --crds, unknown --ignore).
    """
    from netgen.cli.check_core import run

    code = run(blueprint, env or [], crds or [], strict, fmt.value, k8s_version, ignore or [],
               templates or [], quiet)
    if code:
        raise typer.Exit(code)
