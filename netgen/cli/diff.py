"""`netgen diff`: a review of the next build before it happens (and a CI gate)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netgen.cli.console import paint, progress
from netgen.cli.options import Blueprint, Envs, Templates, reading

ACTION_COLOURS = {"added": "green", "changed": "yellow", "removed": "red"}


def _print_diff(lines: list[str]) -> None:
    for line in lines:
        text = line.rstrip("\n")
        if line.startswith(("+++", "---")):
            typer.echo(paint(text, bold=True))
        elif line.startswith("+"):
            typer.echo(paint(text, fg="green"))
        elif line.startswith("-"):
            typer.echo(paint(text, fg="red"))
        elif line.startswith("@@"):
            typer.echo(paint(text, fg="cyan"))
        else:
            typer.echo(text)


@reading
def diff(
    blueprint: Blueprint,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder to compare with.")
                   ] = Path("out"),
    env: Envs = None,
    against: Annotated[
        str | None,
        typer.Option("--against", metavar="REF",
                     help="Compare with the blueprint's output at this git revision instead "
                          "of out/."),
    ] = None,
    templates: Templates = None,
    summary_only: Annotated[
        bool, typer.Option("--summary", "-s", help="Only the one-line summary per object.")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print nothing; only the exit code tells.")
    ] = False,
) -> None:
    """Show what building BLUEPRINT would change in OUT, per object, as a unified diff.

    Only files netgen wrote count; other files in OUT are ignored. An environment that OUT's
    state says was built from BLUEPRINT, and that it no longer declares, is all removed.

    Exit codes: 0 nothing would change; 1 something would, or the blueprint has errors;
    2 --against names no git revision (or the blueprint is not in a git repository);
    3 OUT holds a file netgen did not write where it would write one.
    """
    from netgen.output import diff as d
    from netgen.output.changes import changes, compare
    from netgen.output.state import gone
    from netgen.pipeline import compile_plans, prepare_blueprint
    from netgen.resolve import resolve_prepared
    from netgen.revision import compile_at

    with progress(quiet) as stage:
        prepared, renderer = prepare_blueprint(blueprint, env or [], templates or [],
                                               on_stage=stage)
        new = compile_plans(resolve_prepared(prepared), renderer, stage)
        trees = {c.plan.env.name: c.files() for c in new}
        if against is None:
            stage(f"comparing with {out}")
            # an environment OUT's state says this blueprint built, no longer declared:
            # the build removes its generated files
            declared = [e.name for e in prepared.envs]
            found = changes(out, {**trees, **{g: {} for g in gone(out, blueprint, declared)}})
            old_root, new_root = f"a/{out.as_posix()}", f"b/{out.as_posix()}"
        else:
            # a wrong --against is a RevisionError (exit 2), not "something changed"
            old = compile_at(blueprint, against, env or [], templates or [], on_stage=stage)
            found = compare({c.plan.env.name: c.files() for c in old}, trees)
            old_root, new_root = "a", "b"
    if not quiet:
        for c in found:
            lines = d.unified(c, f"{old_root}/{c.env}/{c.file}", f"{new_root}/{c.env}/{c.file}")
            typer.echo(paint(d.summary(c, lines), fg=ACTION_COLOURS[c.action], bold=True))
            if not summary_only:
                _print_diff(lines)
        base = f"{blueprint} at {against}" if against else str(out)
        typer.echo(f"netgen: {blueprint} vs {base}: {d.totals(found)}", err=True)
    if found:
        raise typer.Exit(1)
