"""Runs every registered backend over a Plan and checks they do not emit the same object."""

from __future__ import annotations

from netgen.plan import Plan
from netgen.problems import Problem, ProblemError
from netgen.render import Document, Renderer
from netgen.targets.base import Registry


def lower(plan: Plan, renderer: Renderer, registry: Registry) -> list[Document]:
    docs: list[Document] = []
    for backend in registry.backends:
        docs.extend(backend.lower(plan, renderer))
    for backend in registry.backends:
        if backend.finish is not None:
            docs = backend.finish(plan, renderer, docs)
    _check_unique(docs, plan)
    return docs


def _check_unique(docs: list[Document], plan: Plan) -> None:
    """Two backends emitting the same object would silently overwrite one another. The
    problem is at the later declaration of the two when both objects know theirs."""
    seen: dict[tuple[str, str | None, str], Document] = {}
    clashes = []
    for d in docs:
        key = (d.kind, d.namespace, d.name)
        first = seen.setdefault(key, d)
        if first is d:
            continue
        where = f"namespace '{d.namespace}'" if d.namespace else "the cluster"
        if d.loc is not None and first.loc is not None and d.loc != first.loc:
            at, other = sorted((d.loc, first.loc), reverse=True)
            clashes.append(Problem(
                f"environment '{plan.env.name}': two objects {d.kind} '{d.name}' in {where}, "
                f"one for this declaration and one for the one at {other}; rename one of the "
                "services or exposures", at))
        else:
            clashes.append(Problem(
                f"environment '{plan.env.name}': two objects {d.kind} '{d.name}' in {where}; "
                "rename one of the services or exposures"))
    if clashes:
        raise ProblemError(clashes)
