"""`netgen routes`: the route table of each environment, read from the Plan."""

from __future__ import annotations

import typer

from netgen.cli.options import Blueprint, Envs, reading


@reading
def routes(blueprint: Blueprint, env: Envs = None) -> None:
    """Print the route table of each environment: host, path, match -> backends."""
    from netgen.loader import load_blueprint
    from netgen.pipeline import resolve_all
    from netgen.plan.routes import format_table

    plans = resolve_all(load_blueprint(blueprint), env or [])
    typer.echo("\n".join(format_table(p) for p in plans), nl=False)
