"""Recognise a rebuild with nothing changed before the blueprint is loaded.

A build that wrote OUT records, in OUT/.netgen/inputs.json, a key of everything its output
can depend on, and the plan fingerprint of each environment it built:

- the command: the blueprint's absolute path, `--env` and `--templates`, the working folder;
- the blueprint file and every file it opened while loading (helper modules it imported
  from its own folder or anywhere outside Python's and netgen's installation, data files it
  read), by content; the folders it listed, by their names;
- the whole process environment (a blueprint may read any variable: every change of
  `os.environ` forces the full path, at the price of some needless rebuilds);
- the template folders (`--templates` and the blueprint's `templates=`), by name, size and
  mtime of each file;
- netgen itself: its version, the Python version, and the name, size and mtime of every
  file of the installed `netgen` package (built-in templates included, and an edited
  checkout);
- the output: each environment's state (`state.up_to_date`), so an edited, added or
  deleted generated file forces the full path.

Not seen: what a blueprint learns without opening a file or listing a folder (`os.stat`,
`os.path.exists`, the clock, the network, a random number); such a blueprint should be built
with `--check` or after deleting OUT/.netgen. Any doubt answers "changed"."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import operator
import os
import stat
import sys
from collections.abc import Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import Any

from netgen._version import __version__
from netgen.output.layout import hidden

RECORD = "inputs.json"
NETGEN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_INSTALLED = tuple({os.path.join(os.path.realpath(p), "") for p in
                    (sys.prefix, sys.base_prefix, sys.exec_prefix, NETGEN_DIR)})

_recording: tuple[set[str], set[str]] | None = None
_hooked = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _recording is None:
        return
    if event == "open":
        path = args[0]
        if isinstance(path, str | os.PathLike):
            _recording[0].add(os.fspath(path))
    elif event in ("os.listdir", "os.scandir"):
        path = args[0]
        # the import system lists every folder it searches: that is not the blueprint
        # reading a folder (what it imports is recorded when it is opened)
        if (isinstance(path, str | os.PathLike)
                and not sys._getframe(1).f_code.co_filename.startswith("<frozen")):
            _recording[1].add(os.fspath(path))


class InputsRecord:
    """Notes the files opened and folders listed while the blueprint loads (a process audit
    hook, installed once and idle outside this block), then saves the inputs record."""

    def __init__(self) -> None:
        self.files: set[str] = set()
        self.folders: set[str] = set()

    def __enter__(self) -> InputsRecord:
        global _recording, _hooked
        if not _hooked:
            sys.addaudithook(_audit)
            _hooked = True
        _recording = (self.files, self.folders)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        global _recording
        _recording = None

    def seal(self, blueprint: Path, envs: Sequence[str], templates: Sequence[Path],
             search_path: Sequence[Path], digest: bytes) -> None:
        """The key of the inputs as they were loaded (before any rendering or writing);
        `digest`: `state.templates_digest(search_path)`, which the build computes anyway."""
        files = sorted({_source(f) for f in self.files} | {os.path.abspath(blueprint)})
        folders = sorted({os.path.abspath(f) for f in self.folders})
        self.record: dict[str, Any] = {
            "files": [f for f in files if not _installed(f)],
            "folders": [f for f in folders if not _installed(os.path.join(f, ""))],
            "templates": [str(p) for p in search_path]}
        self.record["key"] = _key(blueprint, envs, templates, self.record, digest)

    def save(self, out: Path, fingerprints: Mapping[str, str]) -> None:
        """Once `write` has stored each environment's state under `fingerprints`. Written
        like netgen's other files in OUT/.netgen (a fresh file renamed over the old, never
        through a link). Best effort: a record that cannot be written only costs the next
        build its shortcut."""
        from netgen.output.write import _replace

        try:
            record = dict(self.record, envs=dict(fingerprints))
            _replace(hidden(out) / RECORD, json.dumps(record, sort_keys=True).encode())
        except (OSError, ValueError, TypeError):
            with suppress(OSError):
                os.unlink(hidden(out) / RECORD)


def _source(path: str) -> str:
    """An imported module is read from its cached bytecode: the record names the source."""
    path = os.path.abspath(path)
    if path.endswith(".pyc") and "__pycache__" in path:
        try:
            return importlib.util.source_from_cache(path)
        except ValueError:
            return path
    return path


def _installed(path: str) -> bool:
    real = os.path.realpath(path)
    return any(real.startswith(p) for p in _INSTALLED)


def _key(blueprint: Path, envs: Sequence[str], templates: Sequence[Path],
         record: dict[str, Any], digest: bytes | None = None) -> str:
    """`digest`: the templates' digest, when the caller has it (else computed here)."""
    from netgen.output.state import templates_digest

    h = hashlib.blake2b(digest_size=20)

    def add(*parts: object) -> None:
        h.update(repr(parts).encode("utf-8", "surrogateescape") + b"\n")

    add(__version__, sys.version, os.getcwd(), os.path.abspath(blueprint), list(envs),
        [os.path.abspath(t) for t in templates])
    add(sorted(os.environ.items()))
    for path in record["files"]:
        try:
            with open(path, "rb") as f:
                add(path, hashlib.blake2b(f.read(), digest_size=20).digest())
        except OSError as e:
            add(path, type(e).__name__)
    for folder in record["folders"]:
        try:
            add(folder, sorted(n for n in os.listdir(folder) if n != "__pycache__"))
        except OSError as e:
            add(folder, type(e).__name__)
    if digest is None:
        digest = templates_digest([Path(p) for p in record["templates"]])
    h.update(digest)
    add(list(_tree(NETGEN_DIR)))
    return h.hexdigest()


@functools.cache
def _tree(top: str) -> tuple[tuple[str, int, int], ...]:
    """Name, size and mtime of every file of the netgen package but its bytecode cache, in
    `os.walk`'s order (a folder's files by name, then its subfolders by name, links to
    folders not followed). Read once per process (a build asks twice: is it unchanged, then
    the key it stores): what this process runs is the code it imported at its start,
    whatever changes on disk meanwhile. Listed with `os.scandir`'s entries, which carry
    their paths and stats: `os.walk` and an `os.path.join` and `os.stat` per file were 8 M
    instructions of a 10-service build for the ~300 files, this is half that."""
    found: list[tuple[str, int, int]] = []

    def walk(folder: str) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=_name)
        except OSError:
            return
        subfolders = []
        for entry in entries:
            if entry.is_dir():
                if entry.name != "__pycache__" and not entry.is_symlink():
                    subfolders.append(entry.path)
            else:
                st = entry.stat()
                found.append((entry.path, st.st_size, st.st_mtime_ns))
        for sub in subfolders:
            walk(sub)

    walk(top)
    return tuple(found)


_name = operator.attrgetter("name")


def unchanged(blueprint: Path, out: Path, envs: Sequence[str],
              templates: Sequence[Path]) -> list[str] | None:
    """The environments of the last build when nothing it depends on changed since (the
    rebuild may skip everything); None otherwise."""
    from netgen.output.reading import MAX_FILE, OutputError, open_regular, read_fd
    from netgen.output.state import up_to_date

    try:
        # only a real folder and a regular file are read: never through a link, never a FIFO
        if not stat.S_ISDIR(os.lstat(hidden(out)).st_mode):
            return None
        fd = open_regular(hidden(out) / RECORD)
        if fd is None:
            return None
        try:
            record = json.loads(read_fd(fd, MAX_FILE, hidden(out) / RECORD))
        finally:
            os.close(fd)
        if record["key"] != _key(blueprint, envs, templates, record):
            return None
        built = list(record["envs"])
        if not built or not all(up_to_date(out, env, fp) for env, fp in record["envs"].items()):
            return None
        return built
    except (OSError, ValueError, KeyError, TypeError, AttributeError, OutputError):
        return None
