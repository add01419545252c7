"""`netgen verify`: prove, before anything is applied, that the generated policies let through
exactly the declared traffic (each target reads its own documents back: the registry's
`readbacks`, the NetworkPolicy target's in `netgen.targets.networkpolicy.readback`, a mesh's
through `netgen.targets.mesh_readback`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from netgen.cli.console import paint, progress
from netgen.cli.options import Blueprint, Envs, NoProgress, Templates, fail, reading
from netgen.plan import Plan
from netgen.problems import Problem, ProblemError
from netgen.targets.base import ReadbackError


def parsed_environments(
    blueprint: Path, envs: Sequence[str], templates: Sequence[Path], quiet: bool
) -> Iterator[tuple[Plan, list[dict[str, Any]]]]:
    """Build in memory and parse every document: (plan, its environment's documents)."""
    import yaml

    from netgen.pipeline import compile_blueprint

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with progress(quiet) as stage:
        compiled = compile_blueprint(blueprint, envs, templates, on_stage=stage)
    for c in compiled:
        docs = [d for doc in c.documents for d in yaml.load_all(doc.text, Loader=loader) if d]
        yield c.plan, docs


@reading
def verify(
    blueprint: Blueprint,
    env: Envs = None,
    matrix: Annotated[
        bool, typer.Option("--matrix", help="Also print who may reach whom on which ports.")
    ] = False,
    templates: Templates = None,
    quiet: NoProgress = False,
) -> None:
    """Check that BLUEPRINT's NetworkPolicies (and mesh policies) allow exactly its calls.

    The connectivity is computed from the generated NetworkPolicies alone and compared with
    the declared calls, DNS, the ingress path and OPEN's namespace-wide traffic; meshed
    environments also get their mesh's routes and authorization policies read back and
    checked (Istio's or Linkerd's).

    Exit 0: everything matches. Exit 1: a difference (each is listed) or a blueprint error.
    """
    from netgen.pipeline import registry

    differences = 0
    for plan, docs in parsed_environments(blueprint, env or [], templates or [], quiet):
        try:
            reports = [read(plan, docs) for read in registry().readbacks()]
            ok = all(r.ok for r in reports)
        except ReadbackError as e:
            typer.echo(f"{plan.env.name}: {paint('FAIL', fg='red', bold=True)}: the documents "
                       f"cannot be judged: {e}")
            differences += 1
            continue
        mark = paint("ok", fg="green", bold=True) if ok else paint("FAIL", fg="red", bold=True)
        verdict = "; ".join(v for r in reports if (v := r.verdict()))
        typer.echo(f"{plan.env.name}: {mark}: {verdict}")
        for report in reports:
            if matrix and (table := report.matrix()):
                typer.echo(indent(table))
            if listed := report.render():
                typer.echo(indent(listed))
        differences += not ok
    if differences:
        raise fail(f"netgen: {differences} of the environments differ from the blueprint"
                   if differences != 1 else "netgen: 1 environment differs from the blueprint")


def indent(text: str) -> str:
    return "\n".join(f"  {line}" if line else line for line in text.splitlines())


@reading
def connectivity(
    blueprint: Blueprint,
    env: Envs = None,
    templates: Templates = None,
    quiet: NoProgress = False,
) -> None:
    """Print, per environment, who may reach whom on which ports under the generated
    NetworkPolicies (rows: sources, columns: destinations; `-` denied, blank never asked)."""
    from netgen.pipeline import registry

    for plan, docs in parsed_environments(blueprint, env or [], templates or [], quiet):
        typer.echo(paint(f"{plan.env.name} (namespace {plan.env.namespace})", bold=True))
        for read in registry().readbacks():
            try:
                table = read(plan, docs).matrix()
            except ReadbackError as e:
                raise ProblemError([Problem(f"environment '{plan.env.name}': the documents "
                                            f"cannot be read back: {e}")]) from None
            if table:
                typer.echo(indent(table))
