"""Recognise a rebuild with nothing changed before the blueprint is loaded.

A build that wrote OUT records, in OUT/.netgen/inputs.json, a key of everything its output
can depend on, and the plan fingerprint of each environment it built:

- the command: the blueprint's absolute path, `--env` and `--templates`, the working folder;
- the blueprint file and every file it opened while loading (helper modules it imported
  from its own folder or anywhere outside Python's and netgen's installation, data files it
  read), by content; the folders it listed, by their names;
- the modules it imported from a site-packages folder (a shared definitions package
  installed with pip, and what that imports; C extensions too, which the import system
  names in an "import" audit event rather than opening them), by name, size and mtime of
  each file: never the standard library (the Python version stands for it), nor what
  netgen and its dependencies import (netgen's version stands for them: a file opened by
  code of netgen's, or of a module netgen imported, is netgen's);
- the whole process environment (a blueprint may read any variable: every change of
  `os.environ` forces the full path, at the price of some needless rebuilds);
- the template folders (`--templates` and the blueprint's `templates=`), by name and content
  of each file (`state.templates_digest`; netgen's own by size and mtime);
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

_STDLIB = tuple({os.path.join(p, "") for p in (
    os.path.dirname(os.__file__), os.path.realpath(os.path.dirname(os.__file__)))})

_recording: tuple[set[str], set[str], dict[str, str]] | None = None
_hooked = False


def _opener() -> str:
    """The file whose code opened what is being opened: the first frame below the hook
    that is neither the import system's (frozen) nor the standard library's (`importlib`,
    `io`, `pkgutil` working for someone)."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if not (name.startswith("<frozen") or name.startswith(_STDLIB)):
            return name
        frame = frame.f_back
    return ""


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _recording is None:
        return
    if event in ("open", "import"):
        # an extension module (.so, .pyd) is mapped by the dynamic loader, never opened:
        # "import" names its file (a source module's is None: it is opened)
        path = args[event == "import"]
        if isinstance(path, str | os.PathLike):
            path = os.fspath(path)
            _recording[0].add(path)
            _recording[2].setdefault(path, _opener())
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
        self.openers: dict[str, str] = {}  # file -> the file whose code opened it, in order

    def __enter__(self) -> InputsRecord:
        global _recording, _hooked
        if not _hooked:
            sys.addaudithook(_audit)
            _hooked = True
        _recording = (self.files, self.folders, self.openers)
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
        site = _site_files(self.openers)
        # netgen's own cache (the blueprint's compiled code, trimmed by listing it) is made
        # from the inputs, and every netgen on the machine writes to it
        from netgen.cache import root

        cache = os.path.join(os.path.abspath(root()), "")
        self.record: dict[str, Any] = {
            "files": [f for f in files
                      if not _installed(f) and f not in site and not f.startswith(cache)],
            "site": sorted(site),
            "folders": [f for f in folders if not _installed(os.path.join(f, ""))
                        and not os.path.join(f, "").startswith(cache)],
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


def _site_dirs() -> tuple[str, ...]:
    """The folders packages are installed in: site-packages (dist-packages) on sys.path."""
    import site

    found = [*getattr(site, "getsitepackages", list)(), site.getusersitepackages(),
             *(p for p in sys.path
               if {"site-packages", "dist-packages"} & set(Path(p).parts))]
    return tuple({os.path.join(os.path.abspath(p), "") for p in found if p})


def _site_files(openers: Mapping[str, str]) -> set[str]:
    """The files in site-packages the blueprint's code opened while loading: those that
    netgen's own code (or a module it imported) opened are netgen's, covered by its version.
    `openers` is in the order of opening: a module is opened before its code runs."""
    dirs = _site_dirs()
    netgen_dir = os.path.join(NETGEN_DIR, "")
    ours: set[str] = set()
    theirs: set[str] = set()
    for opened, by in openers.items():
        path = _source(opened)
        if not path.startswith(dirs):
            continue
        by = os.path.abspath(by) if by else by
        if not by or by.startswith(netgen_dir) or by in ours:
            ours.add(path)
        else:
            theirs.add(path)
    return theirs - ours


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
    site = []
    for path in record["site"]:  # by size and mtime: a package may be big
        try:
            st = os.stat(path)
            site.append((path, st.st_size, st.st_mtime_ns))
        except OSError as e:
            site.append((path, type(e).__name__, 0))
    add("site", site)
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
