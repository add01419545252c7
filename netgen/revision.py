"""Build a blueprint as it was at a git revision (`netgen diff --against REF`).

Only the blueprint file is taken from REF (`git show REF:./file`, run in the file's own
folder, so any repository layout works); it is built in memory from a temporary copy with
the same file name (the name is the default blueprint name). Helper modules it imports and
its template folders come from the working tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from attrs import evolve

from netgen.loader import DEFAULT_TIMEOUT, load_blueprint
from netgen.model import SourceLoc
from netgen.pipeline import Compiled, Stage, compile_plans, resolve_all, silent, template_dirs
from netgen.problems import MessageError, ProblemError
from netgen.render import Renderer


class RevisionError(MessageError):
    """Not a git repository, no such revision, or no such file at that revision: a wrong
    `--against` (exit 2), not "something changed"."""

    usage = True


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=folder, capture_output=True, check=False,
                              timeout=60)
    except FileNotFoundError:
        raise RevisionError("--against needs git, which is not installed") from None
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RevisionError(f"running git failed: {e}") from None


def source_at(path: Path, ref: str) -> str:
    """The blueprint file's text at `ref`."""
    folder = path.resolve().parent
    if ref.startswith("-") or not ref:
        raise RevisionError(f"{ref!r} is not a git revision")
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise RevisionError(f"{path} is not in a git repository; --against compares with "
                            "the blueprint at a git revision")
    if _git(folder, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise RevisionError(f"'{ref}' is not a revision of the git repository at "
                            f"{top.stdout.decode().strip()}")
    shown = _git(folder, "show", f"{ref}:./{path.name}")
    if shown.returncode != 0:
        raise RevisionError(f"{path} does not exist at revision '{ref}'")
    try:
        return shown.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise RevisionError(f"{path} at revision '{ref}' is not UTF-8 text") from None


def compile_at(
    path: Path,
    ref: str,
    envs: Sequence[str] = (),
    templates: Sequence[Path] = (),
    timeout: float | None = DEFAULT_TIMEOUT,
    on_stage: Stage = silent,
) -> list[Compiled]:
    """Every environment the blueprint had at `ref` (those in `envs` only, if given; one
    that did not exist then is simply absent)."""
    on_stage(f"reading {path} at {ref}")
    source = source_at(path, ref)
    shown = f"{ref}:{path}"
    folder = str(path.resolve().parent)
    with tempfile.TemporaryDirectory(prefix="netgen-rev-") as tmp:
        copy = Path(tmp) / path.name
        copy.write_text(source, encoding="utf-8")
        sys.path.insert(0, folder)  # helper modules next to the blueprint still import
        try:
            bp = load_blueprint(copy, timeout=timeout)
            on_stage(f"resolving {shown}")
            plans = [p for p in resolve_all(bp) if not envs or p.env.name in envs]
            dirs = template_dirs(evolve(bp, path=os.fspath(path)), templates)
            return compile_plans(plans, Renderer(dirs), on_stage)
        except ProblemError as e:
            raise ProblemError(
                [evolve(d, loc=SourceLoc(shown, d.loc.line))
                 if d.loc is not None and d.loc.file == str(copy) else d
                 for d in e.problems]
            ) from None
        finally:
            if folder in sys.path:
                sys.path.remove(folder)
