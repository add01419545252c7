"""`netgen import ecs`: export folder → blueprint file, written atomically or not at all.

The CLI only parses options and prints; this module does the work so it can be tested and
called without a terminal. Nothing is written unless the export loads without problems, and
an existing file is only replaced when asked to (`force`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from attrs import frozen

from netgen.importers.appmesh import appmesh_stage
from netgen.importers.ecs.analyse import analyse
from netgen.importers.ecs.exports import Exports
from netgen.importers.ecs.load import load_exports
from netgen.importers.ecs.normalise import normalise
from netgen.importers.ecs.problems import Finding, Source, at
from netgen.importers.ecs.writer import Generated, WriterOptions, write_blueprint


class OutputExists(Exception):
    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(f"{path} already exists; pass --force to replace it")


@frozen
class ImportResult:
    output: Path
    generated: Generated
    services: int
    exposures: tuple[tuple[str, int], ...]
    """Per `via`."""


def import_ecs(
    folder: Path,
    output: Path,
    *,
    namespace: str | None = None,
    via: str = "ALB",
    force: bool = False,
    mesh: str | None = None,
) -> ImportResult:
    """Raises `ExportError` (nothing written) when the export cannot be imported and
    `OutputExists` when `output` exists and `force` is off. `mesh` (ISTIO, LINKERD: see
    appmesh/meshes.py) carries App Mesh routing, if the folder has App Mesh exports."""
    if output.exists() and not force:
        raise OutputExists(output)
    exports = load_exports(folder)
    index, relabel, extra = appmesh_stage(folder, exports, mesh, via)
    system = relabel(analyse(exports, index))
    options = WriterOptions(namespace=namespace, via=via, source=_shown(folder))
    generated = write_blueprint(system, options, located(exports), extra(system))
    write_file(output, generated.text, replace=force)
    return ImportResult(output, generated, generated.services, generated.exposures)


def located(exports: Exports) -> Callable[[str], Source]:
    """Where each service the analysis knows was read: also the stand-ins `normalise` makes
    (a task set as a service, a task definition exported alone), which it indexes under keys
    of its own; it is deterministic, so its warnings are the analysis's and dropped here."""
    return normalise(exports, []).source


def _shown(folder: Path) -> str:
    text = folder.as_posix()
    return text if text.endswith("/") else text + "/"


def write_file(path: Path, text: str, *, replace: bool) -> None:
    """Write to a temporary file beside `path`, then move it into place: readers see the old
    file or the whole new one. Without `replace`, the move fails if `path` appeared
    meanwhile (a hard link never overwrites)."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as e:  # named as the folder, not the temporary file's random name
        raise OSError(e.errno, e.strerror, str(folder)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        if replace:
            try:
                os.replace(tmp, path)
            except OSError as e:  # `path` is a folder, say: named, not the temporary file
                raise OSError(e.errno, e.strerror, str(path)) from None
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise OutputExists(path) from None
            except OSError:  # no hard links here (some network and FUSE file systems)
                if path.exists():
                    raise OutputExists(path) from None
                os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def warning_line(folder: Path, f: Finding) -> str:
    loc = at(f)
    where = f"{(folder / loc.file).as_posix()}: {loc.json_path}: " if loc.file else ""
    return f"{where}warning: [{f.code}] {f.message}"
