"""The `netgen` command: the only place that turns errors into messages and exit codes.

Exit codes: 0 success; 1 the blueprint or input has errors, or a check found differences;
2 the command line is wrong; 3 the output folder could not be written; 70 a bug in netgen;
130 interrupted (the message says whether the new output is in place); 141 stdout's reader
went away.
"""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from netgen._version import __version__
from netgen.problems import BlueprintError

EXIT_ERRORS, EXIT_USAGE, EXIT_OUTPUT, EXIT_BUG = 1, 2, 3, 70
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `cat big | head`

# Plain help (click's): typer's rich panels print a flag as `--stdout <bool>`, as if it
# took a value, and a list option's Python type (`<list[str]>`) instead of a metavar.
HELP = {"rich_markup_mode": None}

app = typer.Typer(
    name="netgen",
    help="Compile a Python blueprint into Kubernetes networking YAML.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    **HELP,  # type: ignore[arg-type]
)

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = EXIT_ERRORS) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def guarded(fn: F) -> F:
    """User mistakes become diagnostics; only a netgen bug shows a traceback (on request)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from netgen.emit import Interrupted, OutputError

        try:
            return fn(*args, **kwargs)
        except BrokenPipeError:
            _quiet_stdout()
            raise typer.Exit(EXIT_BROKEN_PIPE) from None
        except BlueprintError as e:
            for d in e.diagnostics:
                typer.echo(d.render(), err=True)
            n = sum(1 for d in e.diagnostics if d.severity == "error")
            raise fail(f"netgen: {n} error{'s' if n != 1 else ''}, nothing written") from None
        except OutputError as e:
            raise fail(f"netgen: {e}", EXIT_OUTPUT) from None
        except OSError as e:
            raise fail(f"netgen: {e.strerror or e}: {e.filename or ''}".rstrip(": "),
                       EXIT_OUTPUT) from None
        except Interrupted as e:
            raise fail(f"netgen: interrupted; {e.out} already holds the new output, whole",
                       130) from None
        except KeyboardInterrupt:
            raise fail("netgen: interrupted; nothing was written", 130) from None
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as e:
            if os.environ.get("NETGEN_DEBUG"):
                traceback.print_exc()
            raise fail(f"netgen: internal error: {type(e).__name__}: {e} (this is a bug in "
                       "netgen; rerun with NETGEN_DEBUG=1 for details)", EXIT_BUG) from None

    return wrapper  # type: ignore[return-value]


def _quiet_stdout() -> None:
    """The reader of our output went away (`netgen diff | head`): say nothing more, and
    point stdout at /dev/null so the interpreter's final flush cannot complain either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _version(value: bool) -> None:
    if value:
        typer.echo(f"netgen {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Compile a Python blueprint into Kubernetes networking YAML."""


Blueprint = Annotated[
    Path, typer.Argument(metavar="BLUEPRINT", help="The blueprint file (a Python file).")
]
Envs = Annotated[
    list[str] | None,
    typer.Option("--env", "-e", metavar="NAME",
                 help="Only this environment (repeatable); default: all."),
]
Templates = Annotated[
    list[Path] | None,
    typer.Option("--templates", metavar="DIR",
                 help="A folder of template overrides, searched first."),
]
NoProgress = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]


@app.command()
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
    from netgen import emit
    from netgen.commands.console import progress
    from netgen.fingerprint import plan_fingerprint, templates_digest
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
                     if not emit.up_to_date(out, p.env.name, fingerprints[p.env.name])]
        compiled = compile_plans(stale, renderer, stage)
    if stdout:
        sys.stdout.write(join_stream(d for c in compiled for d in c.documents))
        return
    if check:
        trees = {c.plan.env.name: c.files() for c in compiled}
        found = emit.changes(out, trees)
        for c in found:
            typer.echo(f"{c.action:>8}  {out / c.env / c.file}", err=True)
        if found:
            raise fail(f"netgen: {out} is not up to date with {blueprint} "
                       f"({len(found)} file{'s' if len(found) != 1 else ''} differ)")
        if not quiet:
            typer.echo(f"{out} is up to date with {blueprint}")
        return
    written = emit.write(out, {c.plan.env.name: c.files() for c in compiled}, fingerprints)
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
        raise emit.Interrupted(out) from None


import_app = typer.Typer(
    name="import",
    help="Write a blueprint from another platform's exported configuration.",
    no_args_is_help=True,
    **HELP,  # type: ignore[arg-type]
)
app.add_typer(import_app, name="import")

VIA_CHOICES = ("ALB", "NGINX", "GATEWAY", "CLUSTER")


def _namespace(value: str | None) -> str | None:
    from netgen.values import dns1123

    problem = dns1123(value, "namespace") if value is not None else None
    if problem:
        raise typer.BadParameter(problem)
    return value


def _via(value: str) -> str:
    if value.upper() not in VIA_CHOICES:
        raise typer.BadParameter(f"must be one of {', '.join(VIA_CHOICES)}")
    return value.upper()


def _mesh(value: str | None) -> str | None:
    if value is not None and value.upper() != "ISTIO":
        raise typer.BadParameter("must be ISTIO (the only mesh netgen lowers)")
    return value.upper() if value is not None else None


@import_app.command("ecs")
@guarded
def import_ecs(
    folder: Annotated[Path, typer.Argument(help="A folder of AWS CLI JSON exports.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The blueprint to write.")],
    namespace: Annotated[
        str | None,
        typer.Option(callback=_namespace, help="Namespace; default: the ECS cluster's name."),
    ] = None,
    via: Annotated[
        str,
        typer.Option(callback=_via, help="Expose the load balancer's rules through ALB, NGINX "
                     "or GATEWAY (CLUSTER: keep the rules as comments only)."),
    ] = "ALB",
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists.")] = False,
    mesh: Annotated[
        str | None,
        typer.Option(callback=_mesh, help="Carry App Mesh routing into this mesh: ISTIO."),
    ] = None,
) -> None:
    """Write a blueprint for the ECS system exported into FOLDER (see docs/migration.md)."""
    from netgen.importers.ecs import ExportError
    from netgen.importers.ecs.command import OutputExists, problem_line, warning_line
    from netgen.importers.ecs.command import import_ecs as run

    try:
        result = run(folder, output, namespace=namespace, via=via, force=force, mesh=mesh)
    except ExportError as e:
        for p in e.problems:
            typer.echo(problem_line(folder, p), err=True)
        n = len(e.problems)
        raise fail(f"netgen: {n} problem{'s' if n != 1 else ''} in the ECS export, "
                   "nothing written") from None
    except OutputExists as e:
        raise fail(f"netgen: {e}") from None
    warnings = result.generated.warnings
    for w in warnings:
        typer.echo(warning_line(folder, w), err=True)
    typer.echo(f"netgen: wrote {output} ({result.services} services, {result.exposures} "
               f"exposures via {via}, {len(warnings)} warning{'s' if len(warnings) != 1 else ''}"
               " listed at its top)")
    typer.echo(f"next: review {output}, then run: netgen build {output} --out out/")


@app.command()
@guarded
def routes(blueprint: Blueprint, env: Envs = None) -> None:
    """Print the route table of each environment: host, path, match -> backends."""
    from netgen.loader import load_blueprint
    from netgen.pipeline import resolve_all
    from netgen.plan.routes import format_table

    plans = resolve_all(load_blueprint(blueprint), env or [])
    typer.echo("\n".join(format_table(p) for p in plans), nl=False)


def main() -> None:
    app()


from netgen.commands import register as _register_commands  # noqa: E402

_register_commands(app)
