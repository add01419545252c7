"""`netgen graph`: the system as a picture, from the Plan of one environment."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

from netgen.cli.console import progress
from netgen.cli.errors import write_out
from netgen.cli.options import Blueprint, fail, guarded


class Format(enum.Enum):
    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"
    png = "png"


SUFFIXES = {".mmd": Format.mermaid, ".mermaid": Format.mermaid, ".dot": Format.dot,
            ".gv": Format.dot, ".svg": Format.svg, ".png": Format.png}


@guarded
def graph(
    blueprint: Blueprint,
    env: Annotated[
        str | None,
        typer.Option("--env", "-e", help="The environment to draw; default: the first."),
    ] = None,
    format: Annotated[
        Format | None,
        typer.Option("--format", "-f",
                     help="mermaid (Markdown), dot (Graphviz), svg or png (need Graphviz's "
                          "`dot`); default: from -o's suffix, else mermaid."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """Draw one environment of BLUEPRINT as a Mermaid, DOT, SVG or PNG diagram.

    Clients -> load balancers, ingresses and gateways -> Services -> pods; dashed edges
    are declared calls (to services and externals); namespaces are clusters; split
    routes carry their traffic weights.
    """
    from netgen.graph import dot, mermaid
    from netgen.graph.image import render_image
    from netgen.graph.model import build_graph
    from netgen.pipeline import resolve_blueprint

    chosen = format or (SUFFIXES.get(output.suffix.lower()) if output else None) or Format.mermaid
    if chosen is Format.png and output is None and sys.stdout is not None \
            and sys.stdout.isatty():
        raise fail("netgen: --format png writes binary data; give -o FILE.png", 2)
    with progress(quiet) as stage:
        plans = resolve_blueprint(blueprint, [env] if env else [], on_stage=stage)
        picture = build_graph(plans[0])
        if chosen is Format.mermaid:
            data = mermaid.render(picture).encode()
        else:
            text = dot.render(picture)
            if chosen is Format.dot:
                data = text.encode()
            else:
                stage(f"running Graphviz ({chosen.value})")
                data = render_image(text, chosen.value)  # ImageError: exit 1
    if output is None:
        write_out(data)
        return
    output.write_bytes(data)
    if not quiet:
        typer.echo(f"netgen: {plans[0].env.name} of {blueprint} -> {output} "
                   f"({chosen.value})", err=True)
