"""`netgen build`'s environments, each from its resolve to its staged tree, shared out
between forked processes when the blueprint is big enough to pay for them
(`netgen.workers`).
The problems of every environment are told together, as `resolve_all` tells them, and
nothing is written (not even OUT made) unless every environment builds."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from contextlib import ExitStack
from pathlib import Path

from attrs import evolve, frozen

from netgen import workers
from netgen.model import Env
from netgen.output.changes import env_changes
from netgen.output.reading import in_the_way, read_tree
from netgen.output.state import gone, owner, plan_fingerprint, up_to_date
from netgen.output.write import (
    Staged,
    discard,
    gone_changes,
    locked,
    recover,
    stage,
    stage_gone,
)
from netgen.pipeline import compile_plans, worth_forking
from netgen.plan import Plan
from netgen.problems import Collector, Problem
from netgen.render import Renderer
from netgen.resolve import Prepared, raise_problems, resolve_env
from netgen.resolve.environment import ServiceParts


@frozen
class EnvBuild:
    """What one environment's build sends back: enough for the problems of all to be told
    together (`resolve.raise_problems`) and for `commit` to put its tree in place. Only netgen's own
    values: the plan may hold a blueprint's values no pickle carries."""

    name: str
    namespace: str
    meshed: bool
    problems: tuple[Problem, ...]
    fingerprint: str | None = None  # None: not built (a problem, or not asked for)
    staged: Staged | None = None  # None: not built, or up to date
    documents: int = 0
    failed: Exception | None = None  # rendering or staging failed; said after `problems`
    differs: tuple[tuple[str, str], ...] = ()  # `check_envs`: (action, file) of each change


class _Builder:
    """Works on one environment, in this process or a worker (`netgen.workers.Work`): up to
    its staging, whose output lock the caller takes once every environment is known to
    build. `templates=None`: compares the environment's files with OUT instead (`--check`)
    and stages nothing."""

    def __init__(self, prepared: Prepared, renderer: Renderer, templates: bytes | None,
                 out: Path) -> None:
        self.prepared, self.renderer, self.templates, self.out = (
            prepared, renderer, templates, out)
        self.known: ServiceParts = {}  # shared by the environments built in one process

    def __call__(self, e: Env) -> Generator[EnvBuild, None, EnvBuild]:
        c = Collector()
        plan = resolve_env(self.prepared, e, c, self.known)
        built = EnvBuild(e.name, plan.env.namespace, plan.mesh is not None, tuple(c.items))
        if c.items or not self.prepared.wanted(e.name):
            yield built
            return built
        if self.templates is None:
            built = self._compared(plan, built)
            yield built
            return built
        fingerprint = plan_fingerprint(plan, self.templates)
        built = evolve(built, fingerprint=fingerprint)
        if up_to_date(self.out, e.name, fingerprint):
            yield built
            return built
        try:
            [compiled] = compile_plans([plan], self.renderer)
            files = compiled.files()
        except Exception as failure:  # told once every resolve is known (`checked`)
            built = evolve(built, failed=failure)
            yield built
            return built
        yield built
        staged = stage(self.out, e.name, files, fingerprint,
                       owner(self.prepared.bp.path, self.out))
        return evolve(built, staged=staged, documents=len(compiled.documents))

    def _compared(self, plan: Plan, built: EnvBuild) -> EnvBuild:
        try:
            [compiled] = compile_plans([plan], self.renderer)
            name = plan.env.name
            found = env_changes(name, *read_tree(self.out / name), compiled.files(), self.out)
        except Exception as failure:  # told once every resolve is known
            return evolve(built, failed=failure)
        return evolve(built, differs=tuple((c.action, c.file) for c in found),
                      documents=len(compiled.documents))


def build_envs(prepared: Prepared, renderer: Renderer, templates: bytes, out: Path,
               held: ExitStack) -> list[EnvBuild]:
    """Every declared environment built (those `--env` did not ask for only resolved, for
    their problems), its tree staged in OUT. Raises the problems of all environments, or
    else the first one's failure, with nothing written; once there is none, takes the
    output lock into `held` (the caller commits under it) and stages. A failure while
    staging removes what was staged. An environment OUT's state says was built from this
    blueprint, and that it no longer declares, comes last: its generated files staged for
    removal (`state.gone`, `write.stage_gone`), with no fingerprint."""
    envs: Sequence[Env] = prepared.envs
    removed: list[str] = []
    locking = ExitStack()
    ours = False  # the lock, and so whatever is staged

    def checked(builds: list[EnvBuild]) -> None:
        nonlocal ours
        _told(prepared, builds)
        in_the_way(out, (b.name for b in builds if b.fingerprint is not None))
        locking.enter_context(locked(out))
        ours = True
        recover(out)

    with locking:
        try:
            builds = workers.each(envs, _Builder(prepared, renderer, templates, out), checked,
                                  worth=_worth(prepared))
            removed.extend(gone(out, prepared.bp.path, [e.name for e in envs]))
            builds.extend(EnvBuild(name, "", False, (), staged=stage_gone(out, name))
                          for name in removed)
        except BaseException:
            if ours:
                discard(out, [*(e.name for e in envs), *removed])
            raise
        held.push(locking.pop_all())
    return builds


def check_envs(prepared: Prepared, renderer: Renderer, out: Path) -> list[EnvBuild]:
    """`build --check`: every environment asked for rendered and compared with OUT
    (`EnvBuild.differs`), nothing written; problems and failures raised as `build_envs`
    raises them."""
    in_the_way(out, (e.name for e in prepared.envs if prepared.wanted(e.name)))
    builds = workers.each(prepared.envs, _Builder(prepared, renderer, None, out),
                          lambda builds: _told(prepared, builds), worth=_worth(prepared))
    return builds + [EnvBuild(name, "", False, (), differs=gone_files(out, name))
                     for name in gone(out, prepared.bp.path, [e.name for e in prepared.envs])]


def gone_files(out: Path, env: str) -> tuple[tuple[str, str], ...]:
    """("removed", file) of each generated file of an environment no longer declared."""
    return tuple((c.action, c.file) for c in gone_changes(out, env) or ())


def _worth(prepared: Prepared) -> bool:
    return worth_forking(prepared.bp, len(prepared.envs))


def _told(prepared: Prepared, builds: list[EnvBuild]) -> None:
    """Raises the problems of every environment together, then the first one's failure."""
    raise_problems(prepared, [(b.problems, b.namespace, b.meshed) for b in builds])
    for b in builds:
        if b.failed is not None:
            raise b.failed
