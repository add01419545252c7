"""`netgen import ecs`: write a blueprint from AWS CLI exports of an ECS system."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netgen.cli.options import HELP, fail, guarded
from netgen.importers.appmesh.meshes import importable_meshes, mesh_help
from netgen.importers.ecs.vias import importable_vias, via_help

app = typer.Typer(
    name="import",
    help="Write a blueprint from another platform's exported configuration.",
    no_args_is_help=True,
    **HELP,  # type: ignore[arg-type]
)

def _namespace(value: str | None) -> str | None:
    from netgen.values import dns1123

    problem = dns1123(value, "namespace") if value is not None else None
    if problem:
        raise typer.BadParameter(problem)
    return value


def _via(value: str) -> str:
    choices = importable_vias()
    if value.upper() not in choices:
        raise typer.BadParameter(f"must be one of {', '.join(choices)}")
    return value.upper()


def _mesh(value: str | None) -> str | None:
    choices = [p.kind for p in importable_meshes()]
    if value is not None and value.upper() not in choices:
        raise typer.BadParameter(f"must be {' or '.join(choices)} (the meshes App Mesh "
                                 "routing can be carried into)")
    return value.upper() if value is not None else None


@app.command("ecs")
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
        typer.Option(callback=_via, help=via_help()),
    ] = "ALB",
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists.")] = False,
    mesh: Annotated[
        str | None,
        typer.Option(callback=_mesh, help=mesh_help()),
    ] = None,
) -> None:
    """Write a blueprint for the ECS system exported into FOLDER (see docs/migration.md)."""
    from netgen.importers.ecs import ExportError
    from netgen.importers.ecs.command import OutputExists, warning_line
    from netgen.importers.ecs.command import import_ecs as run
    from netgen.problems import plural

    try:
        result = run(folder, output, namespace=namespace, via=via, force=force, mesh=mesh)
    except ExportError as e:  # rendered by `guarded`, as every stage's problems
        raise e.under(folder) from None
    except OutputExists as e:
        raise fail(f"netgen: {e}") from None
    warnings = result.generated.warnings
    for w in warnings:
        typer.echo(warning_line(folder, w), err=True)
    counts = dict(result.exposures)
    exposures = plural(sum(counts.values()), "exposure") + (
        "" if not counts else f" via {next(iter(counts))}" if len(counts) == 1 else
        ": " + ", ".join(f"{n} via {v}" for v, n in counts.items()))
    typer.echo(f"netgen: wrote {output} ({plural(result.services, 'service')}, {exposures}, "
               f"{plural(len(warnings), 'warning')} listed at its top)")
    typer.echo(f"next: review {output}, then run: netgen build {output} --out out/")
