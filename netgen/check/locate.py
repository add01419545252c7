"""Which blueprint declaration a rendered object came from, so that a schema error points
at the line to fix rather than only at the generated file."""

from __future__ import annotations

from netgen.model import Blueprint, SourceLoc
from netgen.plan import Plan
from netgen.resolve import environments


class Locator:
    """Which declaration an object came from, for pointing schema errors at the blueprint.

    Backends do not record it, so we match names: workloads and Services by their exact
    name, other objects by their route's name, and derived names (`web-lb`, `web-nodeport`,
    `web-canary`) by the longest route, then service or external, name they start with.
    Ambiguous names locate nothing.
    """

    def __init__(self, bp: Blueprint, plan: Plan) -> None:
        self.workloads = {w.name: w.loc for w in plan.workloads}
        self.services: dict[str, set[SourceLoc]] = {}
        for s in plan.services:
            names = [s.name, *(v.service_name for v in s.versions)]
            names += [s.headless_name] if s.headless_name else []
            for n in names:
                self.services.setdefault(n, set()).add(s.loc)
        for x in plan.externals:
            self.services.setdefault(x.name, set()).add(x.loc)
        self.routes: dict[str, set[SourceLoc]] = {}
        for r in plan.routes:
            self.routes.setdefault(r.name, set()).add(r.loc)
        self.env_loc = next((e.loc for e in environments(bp) if e.name == plan.env.name
                             and e.loc.line > 0), None)
        self.namespace = plan.env.namespace

    def __call__(self, kind: str, name: str) -> SourceLoc | None:
        if kind == "Namespace":
            return self.env_loc if name == self.namespace else None
        if kind in ("Deployment", "StatefulSet") and name in self.workloads:
            return self.workloads[name]
        order = (
            ((self.services, False), (self.routes, True), (self.services, True))
            if kind == "Service" else
            ((self.routes, False), (self.routes, True), (self.services, False),
             (self.services, True))
        )
        for table, by_prefix in order:
            key = _longest_prefix(name, table) if by_prefix else name
            if key in table:
                return _one(table[key])
        return None


def _longest_prefix(name: str, table: dict[str, set[SourceLoc]]) -> str | None:
    return max((n for n in table if name.startswith(n + "-")), key=len, default=None)


def _one(locs: set[SourceLoc]) -> SourceLoc | None:
    return next(iter(locs)) if len(locs) == 1 else None
