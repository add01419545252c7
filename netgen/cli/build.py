"""`netgen build`: compile a blueprint into OUT/<env>/, or check that OUT is up to date."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from netgen.cli.options import Blueprint, Envs, Templates, fail, guarded


@guarded
def build(
    blueprint: Blueprint,
    out: Annotated[Path, typer.Option("--out", "-o", metavar="DIR", help="Output folder.")
                   ] = Path("out"),
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
    from netgen.cli.console import progress
    from netgen.output.changes import changes
    from netgen.output.state import plan_fingerprint, templates_digest, up_to_date
    from netgen.output.write import Interrupted, write
    from netgen.pipeline import compile_plans, plan_blueprint
    from netgen.render import join_stream

    with progress(quiet or stdout) as stage:
        plans, renderer = plan_blueprint(blueprint, env or [], templates or [], on_stage=stage)
        digest = templates_digest(renderer.search_path)
        fingerprints = {p.env.name: plan_fingerprint(p, digest) for p in plans}
        if stdout or check:
            stale = plans
        else:
            stale = [p for p in plans
                     if not up_to_date(out, p.env.name, fingerprints[p.env.name])]
        compiled = compile_plans(stale, renderer, stage)
    if stdout:
        sys.stdout.write(join_stream(d for c in compiled for d in c.documents))
        return
    if check:
        trees = {c.plan.env.name: c.files() for c in compiled}
        found = changes(out, trees)
        for c in found:
            typer.echo(f"{c.action:>8}  {out / c.env / c.file}", err=True)
        if found:
            raise fail(f"netgen: {out} is not up to date with {blueprint} "
                       f"({len(found)} file{'s' if len(found) != 1 else ''} differ)")
        if not quiet:
            typer.echo(f"{out} is up to date with {blueprint}")
        return
    written = write(out, {c.plan.env.name: c.files() for c in compiled}, fingerprints)
    if quiet:
        return
    try:
        docs = sum(len(c.documents) for c in compiled)
        summary = ", ".join(
            f"{n} {a}" for a in ("added", "changed", "removed")
            if (n := sum(1 for c in written if c.action == a))
        ) or "no changes"
        envs = ", ".join(p.env.name for p in plans)
        typer.echo(f"netgen: {blueprint} -> {out} ({envs}): {summary}"
                   + (f" ({docs} objects rendered)" if docs else ""))
    except KeyboardInterrupt:
        raise Interrupted(out) from None
