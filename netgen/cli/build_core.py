"""What `netgen build` does once its command line is parsed, without typer: the typer
command (`netgen.cli.build`) and the fast path (`netgen.cli.fast`) both call `run`, the fast
path with the keyword arguments `SYNTAX` reads (`netgen.cli.argv`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from netgen.cli.argv import Syntax
from netgen.cli.errors import Failed, echo, write_out

if TYPE_CHECKING:
    from netgen.build import EnvBuild

# The options of `netgen.cli.build.build`, for the fast path.
SYNTAX = Syntax(
    {"--out": "out", "-o": "out", "--env": "env", "-e": "env", "--templates": "templates",
     "--stdout": "stdout", "--check": "check", "--quiet": "quiet", "-q": "quiet"},
    {"out": None, "env": [], "stdout": False, "check": False, "templates": [], "quiet": False},
    flags=("stdout", "check", "quiet"), repeatable=("env", "templates"),
    paths=("out", "templates"),
)


def run(blueprint: Path, out: Path | None, env: Sequence[str], stdout: bool, check: bool,
        templates: Sequence[Path], quiet: bool) -> None:
    """`out` None: not given (`out`, or nothing for `--stdout`)."""
    from netgen.output.inputs import InputsRecord, unchanged

    if stdout and (check or out is not None):
        _refuse("--check compares OUT with the blueprint, and --stdout writes no OUT: give "
                "one of them" if check else "--stdout writes no OUT: drop --out, or --stdout")
    out = Path("out") if out is None else out

    if not (stdout or check) and (built := unchanged(blueprint, out, env, templates)):
        # Nothing the output depends on changed since the last build wrote it: the
        # message a rebuild that found no changes prints, without loading the blueprint.
        if not quiet:
            echo(f"netgen: {blueprint} -> {out} ({', '.join(built)}): no changes")
        return
    from netgen.cli.startup import importing

    with importing():
        from netgen.build import build_envs, check_envs
        from netgen.cli.console import progress
        from netgen.output.state import templates_digest
        from netgen.output.write import Interrupted, commit
        from netgen.pipeline import prepare_blueprint

    with progress(quiet or stdout) as stage:
        if stdout:
            _stream(blueprint, env, templates, stage)
            return
        with InputsRecord() as inputs:
            prepared, renderer = prepare_blueprint(blueprint, env, templates, on_stage=stage)
        stage(f"rendering {', '.join(e.name for e in prepared.envs if prepared.wanted(e.name))}")
        if check:
            _report(blueprint, out, check_envs(prepared, renderer, out), quiet)
            return
        digest = templates_digest(renderer.search_path)
        inputs.seal(blueprint, env, templates, renderer.search_path, digest)
        with ExitStack() as held:  # the output lock, once every environment builds
            builds = build_envs(prepared, renderer, digest, out, held)
            commit(out, [b.staged for b in builds if b.staged is not None])
    try:
        inputs.save(out, {b.name: b.fingerprint for b in builds if b.fingerprint})
        if quiet:
            return
        counts = [b.staged.counts for b in builds if b.staged is not None]
        docs = sum(b.documents for b in builds)
        summary = ", ".join(
            f"{n} {a}" for a in ("added", "changed", "removed")
            if (n := sum(c.get(a, 0) for c in counts))
        ) or "no changes"
        envs = ", ".join(b.name for b in builds if b.fingerprint)
        gone = [b.name for b in builds if b.staged is not None and b.staged.gone
                and b.staged.counts]
        echo(f"netgen: {blueprint} -> {out} ({envs}): {summary}"
             + (f" ({docs} objects rendered)" if docs else "")
             + (f"; {', '.join(gone)} no longer in the blueprint: "
                f"{'its' if len(gone) == 1 else 'their'} files removed" if gone else ""))
    except KeyboardInterrupt:
        raise Interrupted(out) from None


def _refuse(message: str) -> None:
    """Options that cannot go together (exit 2): one of them would be ignored without a word
    (`--check --stdout` exited 0 whatever OUT held). The error class is made here, not at
    the module's top: the fast path's unchanged rebuild imports neither netgen.problems nor
    the attrs it needs."""
    from netgen.problems import MessageError

    class BuildUsageError(MessageError):
        said_by = "netgen build"
        usage = True

    raise BuildUsageError(message)


def _stream(blueprint: Path, env: Sequence[str], templates: Sequence[Path],
            stage: Callable[[str], None]) -> None:
    """`--stdout`: one YAML stream of every environment, rendered here, nothing written."""
    from netgen.pipeline import compile_plans, plan_blueprint
    from netgen.render import join_stream

    plans, renderer = plan_blueprint(blueprint, env, templates, on_stage=stage)
    compiled = compile_plans(plans, renderer, stage)
    write_out(join_stream(d for c in compiled for d in c.documents))


def _report(blueprint: Path, out: Path, builds: Sequence[EnvBuild], quiet: bool) -> None:
    """`--check`: each file OUT has otherwise, and exit 1 if any."""
    from netgen.problems import plural

    found = [(b.name, action, file) for b in builds for action, file in b.differs]
    for env_name, action, file in found:
        echo(f"{action:>8}  {out / env_name / file}", err=True)
    if found:
        raise Failed(f"netgen: {out} is not up to date with {blueprint} "
                     f"({plural(len(found), 'file')} {'differ' if len(found) != 1 else 'differs'})")
    if not quiet:
        echo(f"{out} is up to date with {blueprint}")
