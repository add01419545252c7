"""`netgen explain`: what netgen decided, read from the Plan, for people."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from netgen.cli.console import paint, progress
from netgen.cli.options import Blueprint, Envs, NoProgress, reading

app = typer.Typer(help="Explain what netgen decided for a blueprint.", no_args_is_help=True,
                  rich_markup_mode=None)


@app.command("dns")
@reading
def dns(
    blueprint: Blueprint,
    env: Envs = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="One JSON object per environment, for scripts.")
    ] = False,
    quiet: NoProgress = False,
) -> None:
    """List the DNS names of BLUEPRINT's services, pods and externals.

    Every Service, per-version Service, headless Service, StatefulSet pod and external,
    per environment, plus the zones CoreDNS forwards elsewhere.
    """
    from netgen.pipeline import resolve_blueprint
    from netgen.plan.dns import dns_names

    with progress(quiet) as stage:
        plans = resolve_blueprint(blueprint, env or [], on_stage=stage)
    for plan in plans:
        names = dns_names(plan)
        if json_output:
            typer.echo(json.dumps({
                "environment": plan.env.name,
                "namespace": plan.env.namespace,
                "names": [{"kind": n.kind, "name": n.name, "owner": n.owner, "port": n.port,
                           "resolves_to": n.note, "declared_at": str(n.loc)} for n in names],
            }, sort_keys=True))
            continue
        typer.echo(paint(f"{plan.env.name} (namespace {plan.env.namespace})", bold=True))
        width = max((len(n.name) for n in names), default=0)
        for n in names:
            port = f":{n.port}" if n.port is not None else ""
            typer.echo(f"  {n.kind:<9} {n.name:<{width}}  {port:<6} {n.note}")
