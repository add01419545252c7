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
    """Two backends emitting the same object would silently overwrite one another."""
    seen: set[tuple[str, str | None, str]] = set()
    clashes = []
    for d in docs:
        key = (d.kind, d.namespace, d.name)
        if key in seen:
            where = f"namespace '{d.namespace}'" if d.namespace else "the cluster"
            clashes.append(Problem(
                f"environment '{plan.env.name}': two objects {d.kind} '{d.name}' in {where}; "
                "rename one of the services or exposures"))
        seen.add(key)
    if clashes:
        raise ProblemError(clashes)
