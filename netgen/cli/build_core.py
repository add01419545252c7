"""What `netgen build` does once its command line is parsed, without typer: the typer
command (`netgen.cli.build`) and the fast path (`netgen.cli.fast`) both call `run`, the fast
path with the keyword arguments `SYNTAX` reads (`netgen.cli.argv`)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from netgen.cli.argv import Syntax
from netgen.cli.errors import Failed, echo

# The options of `netgen.cli.build.build`, for the fast path.
SYNTAX = Syntax(
    {"--out": "out", "-o": "out", "--env": "env", "-e": "env", "--templates": "templates",
     "--stdout": "stdout", "--check": "check", "--quiet": "quiet", "-q": "quiet"},
    {"out": "out", "env": [], "stdout": False, "check": False, "templates": [], "quiet": False},
    flags=("stdout", "check", "quiet"), repeatable=("env", "templates"),
    paths=("out", "templates"),
)


def run(blueprint: Path, out: Path, env: Sequence[str], stdout: bool, check: bool,
        templates: Sequence[Path], quiet: bool) -> None:
    from netgen.output.inputs import InputsRecord, unchanged

    if not (stdout or check) and (built := unchanged(blueprint, out, env, templates)):
        # Nothing the output depends on changed since the last build wrote it: the
        # message a rebuild that found no changes prints, without loading the blueprint.
        if not quiet:
            echo(f"netgen: {blueprint} -> {out} ({', '.join(built)}): no changes")
        return
    from netgen.cli.startup import importing

    with importing():
        from netgen.cli.console import progress
        from netgen.output.changes import changes
        from netgen.output.state import plan_fingerprint, templates_digest, up_to_date
        from netgen.output.write import Interrupted, write
        from netgen.pipeline import compile_plans, plan_blueprint
        from netgen.render import join_stream

    with progress(quiet or stdout) as stage:
        with InputsRecord() as inputs:
            plans, renderer = plan_blueprint(blueprint, env, templates, on_stage=stage)
        if not (stdout or check):
            inputs.seal(blueprint, env, templates, renderer.search_path)
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
            echo(f"{c.action:>8}  {out / c.env / c.file}", err=True)
        if found:
            raise Failed(f"netgen: {out} is not up to date with {blueprint} "
                         f"({len(found)} file{'s' if len(found) != 1 else ''} differ)")
        if not quiet:
            echo(f"{out} is up to date with {blueprint}")
        return
    written = write(out, {c.plan.env.name: c.files() for c in compiled}, fingerprints)
    inputs.save(out, fingerprints)
    if quiet:
        return
    try:
        docs = sum(len(c.documents) for c in compiled)
        summary = ", ".join(
            f"{n} {a}" for a in ("added", "changed", "removed")
            if (n := sum(1 for c in written if c.action == a))
        ) or "no changes"
        envs = ", ".join(p.env.name for p in plans)
        echo(f"netgen: {blueprint} -> {out} ({envs}): {summary}"
             + (f" ({docs} objects rendered)" if docs else ""))
    except KeyboardInterrupt:
        raise Interrupted(out) from None
