"""load -> resolve -> lower, as one call; `output` stays separate because only it writes."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from attrs import frozen

from netgen.loader import DEFAULT_TIMEOUT, load_blueprint
from netgen.lower import lower
from netgen.model import Blueprint, SourceLoc
from netgen.output.layout import files_of, named
from netgen.plan import Plan
from netgen.problems import Problem, ProblemError
from netgen.render import Document, Renderer, TemplateProblem
from netgen.resolve import Prepared, prepare, resolve_prepared
from netgen.resolve.settings import all_settings
from netgen.targets.base import Registry
from netgen.targets.registry import REGISTRY
from netgen.values import show


@frozen
class Compiled:
    plan: Plan
    documents: tuple[Document, ...]  # in the order of the `--stdout` stream
    names: tuple[str, ...]  # each document's file name (`layout.named`)

    def files(self) -> dict[str, str]:
        return files_of(dict(zip(self.names, self.documents, strict=True)),
                        self.plan.blueprint)


def template_dirs(bp: Blueprint, extra: Sequence[Path]) -> list[Path]:
    """`--templates` first, then the blueprint's own `templates=` setting (relative to it)."""
    dirs = list(extra)
    setting = bp.info.settings.get("templates")
    if setting is not None and not isinstance(setting, str | os.PathLike):
        raise ProblemError([Problem(
            f"blueprint(): templates={show(setting)} must be a folder (a path)", bp.info.loc)])
    if setting:
        base = Path(os.path.dirname(os.path.abspath(bp.path)))
        dirs.append(base / setting)
    for d in dirs:
        if not _is_dir(d):
            loc = bp.info.loc if d not in extra else None
            what = "is a file, not a folder" if _exists(d) else "does not exist"
            raise ProblemError([Problem(f"template folder {d} {what}", loc)])
    return dirs


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _is_dir(path: Path) -> bool:
    """False, not an exception, for names no file system accepts (NUL, too long)."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


Stage = Callable[[str], None]
"""Told the name of each stage as it starts, so a CLI can show progress."""


def registry() -> Registry:
    """The backends a build runs: every one netgen ships (a function, so a test can hand
    in others)."""
    return REGISTRY


# Every setting blueprint()/env() accept with netgen's targets (the neutral ones + theirs).
SETTINGS = all_settings(REGISTRY)


def resolve_all(bp: Blueprint, only: Sequence[str] | None = None) -> list[Plan]:
    """resolve with netgen's registry: what every command resolves through."""
    return resolve_prepared(prepare(bp, registry(), only or ()))


def silent(stage: str) -> None:
    pass


# Services x environments from which `netgen build` and `netgen check` work on the
# environments in forked processes (`netgen.workers`): about where a worker starts to pay
# for itself (bench/run.py on 2 CPUs: N=50, 150, gains 3%; N=100, 300, 5%; N=1000 a quarter).
FORK_FROM = 300


def worth_forking(bp: Blueprint, envs: int) -> bool:
    return len(bp.services) * envs >= FORK_FROM


def compile_plans(
    plans: Sequence[Plan], renderer: Renderer, on_stage: Stage = silent
) -> list[Compiled]:
    try:
        compiled = []
        for p in plans:
            on_stage(f"rendering {p.env.name}")
            docs = named(lower(p, renderer, registry()), p.env.namespace)
            compiled.append(Compiled(p, tuple(docs.values()), tuple(docs)))
        return compiled
    except TemplateProblem as e:
        raise ProblemError([Problem(e.message, SourceLoc(e.template, e.line or 0))]) from None


def resolve_blueprint(
    path: str | os.PathLike[str],
    envs: Sequence[str] = (),
    timeout: float | None = DEFAULT_TIMEOUT,
    on_stage: Stage = silent,
) -> list[Plan]:
    """load -> resolve only, for commands that read the Plan (graph, explain)."""
    return resolve_all(_loaded(path, timeout, on_stage), list(envs))


def _loaded(path: str | os.PathLike[str], timeout: float | None, on_stage: Stage) -> Blueprint:
    bp = load_blueprint(path, timeout=timeout)
    on_stage("resolving")
    return bp


def prepare_blueprint(
    path: str | os.PathLike[str],
    envs: Sequence[str] = (),
    templates: Sequence[Path] = (),
    timeout: float | None = DEFAULT_TIMEOUT,
    on_stage: Stage = silent,
) -> tuple[Prepared, Renderer]:
    """load, and check what every environment's resolve shares (`netgen.resolve.prepare`);
    the renderer carries the template folders the blueprint asked for."""
    bp = _loaded(path, timeout, on_stage)
    return prepare(bp, registry(), envs), Renderer(template_dirs(bp, templates))


def plan_blueprint(
    path: str | os.PathLike[str],
    envs: Sequence[str] = (),
    templates: Sequence[Path] = (),
    timeout: float | None = DEFAULT_TIMEOUT,
    on_stage: Stage = silent,
) -> tuple[list[Plan], Renderer]:
    """load and resolve every environment (`resolve_all`), in this process."""
    bp = _loaded(path, timeout, on_stage)
    return resolve_all(bp, envs), Renderer(template_dirs(bp, templates))


def compile_blueprint(
    path: str | os.PathLike[str],
    envs: Sequence[str] = (),
    templates: Sequence[Path] = (),
    timeout: float | None = DEFAULT_TIMEOUT,
    on_stage: Stage = silent,
) -> list[Compiled]:
    plans, renderer = plan_blueprint(path, envs, templates, timeout, on_stage)
    return compile_plans(plans, renderer, on_stage)
