"""emit: the only stage that touches the disk.

Each `out/<env>/` is replaced as a whole: the new tree is staged next to it (unchanged and
foreign files hard-linked, changed ones written) and swapped in atomically (Linux
`renameat2(RENAME_EXCHANGE)`), so a build that fails or is killed at any point leaves
either the previous tree or the new one at `out/<env>/`, never a mix and never nothing.
Where the exchange is not available the swap is two renames, and the next build restores
a tree whose swap was interrupted between them. Files netgen did not write are carried
over untouched.

OUT is hostile ground: a repository may hold anything there. netgen never follows a
symbolic link in it, never reads or replaces anything but a regular file it wrote (a FIFO
would hang the build, a link could point outside OUT), and refuses, naming the path, what
is in the way. Its own lock, rebuild cache and staged trees live in OUT/.netgen/, which
tells git to ignore it, so out/<env>/ holds only the manifests.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import functools
import json
import os
import shutil
import signal
import stat
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from attrs import frozen

from netgen.render import HEADER, HEADER_PREFIX, Document

KUSTOMIZATION = "Kustomization"
HIDDEN = ".netgen"  # OUT/.netgen/: lock, rebuild cache, staged trees; ignored by git
LOCK = "lock"
_NEW, _OLD = ".netgen-new-", ".netgen-old-"  # staged and set-aside trees, in OUT/.netgen/
# What earlier versions kept in out/<env>/ and OUT/; dropped when found as regular files.
_LEGACY_STATE = (".netgen-state", ".netgen-state.tmp")
_LEGACY_LOCK = ".netgen.lock"
MAX_FILE = 256 << 20  # no generated file comes near; a bigger one is not read into memory


class OutputError(Exception):
    """The output folder cannot be written as asked (busy, foreign file in the way, I/O)."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C arrived once the new trees were in place: the output is the new one, whole."""

    def __init__(self, out: Path) -> None:
        super().__init__(str(out))
        self.out = out


@frozen
class Change:
    env: str
    file: str
    action: str  # "added" | "changed" | "removed"
    old: str | None = None
    new: str | None = None


def file_name(doc: Document, env_namespace: str, qualified: bool = False) -> str:
    """`Kind.name.yaml` in the environment's namespace, `Kind.namespace.name.yaml` in others
    (or when `qualified`); kinds and namespaces hold no dots, so the qualified form is
    unambiguous even for names that do (an HTTPRoute named after its host)."""
    if doc.kind == "Namespace":
        return f"00-Namespace.{doc.name}.yaml"
    if doc.namespace is None or (doc.namespace == env_namespace and not qualified):
        return f"{doc.kind}.{doc.name}.yaml"
    return f"{doc.kind}.{doc.namespace}.{doc.name}.yaml"


def named(docs: Iterable[Document], env_namespace: str) -> dict[str, Document]:
    """File name -> document, in the order of the `--stdout` stream: Namespaces first, then
    by kind, namespace and name, whatever order the backends rendered in (so the order of
    declarations never shows). A short name that another object's qualified name also
    spells ('a.b' here, 'b' in namespace 'a') is qualified, so no object overwrites
    another."""
    docs = list(docs)
    short = [file_name(d, env_namespace) for d in docs]
    taken = {n for d, n in zip(docs, short, strict=True)
             if d.namespace not in (None, env_namespace)}
    out = {}
    for d, n in zip(docs, short, strict=True):
        if d.namespace == env_namespace and n in taken:
            n = file_name(d, env_namespace, qualified=True)
        out[n] = d
    return dict(sorted(out.items(), key=lambda item: _stream_key(item[1])))


def _stream_key(d: Document) -> tuple[bool, str, str, str]:
    return d.kind != "Namespace", d.kind, d.namespace or "", d.name


def env_files(docs: list[Document], env_namespace: str, blueprint: str) -> dict[str, str]:
    """File name -> full text for one environment, in a stable order, with the Kustomization
    that makes `kubectl apply -k` work. It has no .yaml suffix so `kubectl apply -f` skips it."""
    header = HEADER.format(name=blueprint)
    files = {n: header + d.text for n, d in named(docs, env_namespace).items()}
    names = sorted(files)
    files[KUSTOMIZATION] = (
        header + "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
        + "".join(f"  - {n}\n" for n in names)
    )
    return dict(sorted(files.items()))


def hidden(out: Path) -> Path:
    """OUT/.netgen/: the lock, the rebuild cache and the staged trees. Its own .gitignore
    keeps it out of commits, so out/<env>/ holds only the manifests and two builds of one
    blueprint look the same to git."""
    return out / HIDDEN


def _state_path(out: Path, env: str) -> Path:
    return hidden(out) / f"state-{env}.json"


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return name
    return "not a regular file"


_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def _open_regular(path: Path | str) -> int | None:
    """A descriptor for a regular file at `path`, never through a symbolic link and never
    blocking (a FIFO); None for anything else, or nothing."""
    try:
        fd = os.open(path, _READ)
    except FileNotFoundError:
        return None
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR, errno.ENOTDIR):
            return None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def _read_fd(fd: int, limit: int, path: Path | str) -> bytes:
    size = os.fstat(fd).st_size
    if size > limit:
        raise OutputError(f"{path} is larger than any file netgen writes ({size} bytes); "
                          "move it away")
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _read_tree(folder: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    """The regular files of an env's folder (netgen's whole, a foreign file only its first
    bytes, enough to tell it is not netgen's) and what else is there (name -> kind), none
    of it followed or read: symbolic links, folders, FIFOs, devices."""
    files: dict[str, bytes] = {}
    others: dict[str, str] = {}
    if not _env_folder(folder):
        return files, others
    for entry in os.scandir(folder):
        # not even opened unless it is a regular file (opening a device can do things)
        fd = _open_regular(entry.path) if entry.is_file(follow_symlinks=False) else None
        if fd is None:
            others[entry.name] = _kind(os.lstat(entry.path).st_mode)
            continue
        try:
            head = os.read(fd, len(HEADER_PREFIX))
            owned = _owned(head)
            files[entry.name] = head + _read_fd(fd, MAX_FILE, entry.path) if owned else head
        finally:
            os.close(fd)
    return files, others


def _env_folder(folder: Path) -> bool:
    """True when out/<env> is a real folder, False when there is none; anything else there
    (a symbolic link, a file) is refused: netgen replaces only folders it made."""
    try:
        mode = os.lstat(folder).st_mode
    except FileNotFoundError:
        return False
    if not stat.S_ISDIR(mode):
        raise OutputError(f"{folder} is {_kind(mode)}, not a folder netgen wrote; move it "
                          "away (netgen replaces only folders it created)")
    return True


def _stats(folder: Path, names: list[str]) -> dict[str, list[int]]:
    out = {}
    for name in names:
        st = os.lstat(folder / name)
        out[name] = [st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode]
    return out


def _prepare_hidden(out: Path) -> Path:
    """OUT/.netgen as a real folder with its .gitignore; anything else there is refused."""
    folder = hidden(out)
    with suppress(FileExistsError):
        os.mkdir(folder)
    mode = os.lstat(folder).st_mode
    if not stat.S_ISDIR(mode):
        raise OutputError(f"{folder} is {_kind(mode)}; netgen keeps its lock and cache in "
                          "that folder: move it away")
    ignore = folder / ".gitignore"
    if not os.path.lexists(ignore):
        _replace(ignore, b"# netgen's lock, rebuild cache and staging: never commit them\n*\n")
    return folder


def _replace(path: Path, data: bytes) -> None:
    """Writes `path` through a fresh temporary file created beside it (never following a
    link planted at either name) and renamed over it."""
    tmp = path.with_name(path.name + ".tmp")
    _remove(tmp)
    _create(tmp, data)
    os.replace(tmp, path)


def _remove(path: Path) -> None:
    """Removes what is at `path` in netgen's own folder, a link itself and not its target."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _save_state(out: Path, env: str, fingerprint: str, names: list[str]) -> None:
    state = {"fingerprint": fingerprint, "files": _stats(out / env, sorted(names))}
    _replace(_state_path(out, env), json.dumps(state, sort_keys=True).encode())


def up_to_date(out: Path, env: str, fingerprint: str) -> bool:
    """True when the last build recorded this fingerprint and its files are untouched since,
    so rendering can be skipped. Any doubt (no state, an edited, added or missing generated
    file, anything but a regular file) answers False and the build runs in full."""
    try:
        if not stat.S_ISDIR(os.lstat(hidden(out)).st_mode):
            return False
        fd = _open_regular(_state_path(out, env))
        if fd is None:
            return False
        try:
            state = json.loads(_read_fd(fd, MAX_FILE, _state_path(out, env)))
        finally:
            os.close(fd)
        if state.get("fingerprint") != fingerprint:
            return False
        folder = out / env
        if not _env_folder(folder):
            return False
        recorded = state["files"]
        if _stats(folder, list(recorded)) != recorded:
            return False
        for entry in os.scandir(folder):
            if (entry.name not in recorded and entry.name.endswith(".yaml")
                    and entry.is_file(follow_symlinks=False)):
                fd = _open_regular(entry.path)
                if fd is None:
                    continue
                try:
                    if _owned(os.read(fd, len(HEADER_PREFIX))):
                        return False
                finally:
                    os.close(fd)
        return True
    except (OSError, ValueError, KeyError, TypeError, OutputError):
        return False


def _owned(content: bytes) -> bool:
    return content.startswith(HEADER_PREFIX.encode())


def changes(out: Path, trees: Mapping[str, Mapping[str, str]]) -> list[Change]:
    result: list[Change] = []
    for env, files in trees.items():
        result.extend(_env_changes(env, *_read_tree(out / env), files, out))
    return result


def compare(
    old: Mapping[str, Mapping[str, str]], new: Mapping[str, Mapping[str, str]]
) -> list[Change]:
    """What changes between two in-memory builds (`netgen diff --against REF`), by the same
    rules as `changes`: an environment missing on one side is all added or all removed."""
    result: list[Change] = []
    for env in sorted(set(old) | set(new)):
        before = {name: text.encode() for name, text in old.get(env, {}).items()}
        result.extend(_env_changes(env, before, {}, new.get(env, {})))
    return result


def _env_changes(
    env: str,
    existing: dict[str, bytes],
    others: Mapping[str, str],
    files: Mapping[str, str],
    out: Path | None = None,
) -> list[Change]:
    where = (out / env) if out is not None else Path(env)
    result: list[Change] = []
    for name, text in files.items():
        if name in others:
            raise OutputError(f"{where / name} is {others[name]}, not a file netgen wrote; "
                              "move it away or rename the object")
        old = existing.get(name)
        if old is None:
            result.append(Change(env, name, "added", None, text))
        elif old != text.encode():
            if not _owned(old):
                raise OutputError(f"{where / name} exists and was not written by netgen; "
                                  "move it away or rename the object")
            result.append(Change(env, name, "changed", old.decode(errors="replace"), text))
    for name, old in sorted(existing.items()):
        if name not in files and _owned(old):
            result.append(Change(env, name, "removed", old.decode(errors="replace"), None))
    return result


@contextmanager
def locked(out: Path) -> Iterator[None]:
    out.mkdir(parents=True, exist_ok=True)
    path = _prepare_hidden(out) / LOCK
    try:
        fd = os.open(path, _READ | os.O_CREAT, 0o666)
    except OSError as e:
        if e.errno != errno.ELOOP:
            raise
        raise OutputError(f"{path} is a symbolic link, not netgen's lock file; move it "
                          "away") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OutputError(f"{path} is not netgen's lock file; move it away")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EACCES):
                raise OutputError(f"another netgen build is writing to {out} "
                                  f"({path} is locked); try again when it has finished"
                                  ) from None
            raise
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def recover(out: Path) -> None:
    """Finish what an interrupted build left: restore a tree whose swap did not complete and
    drop half-staged ones."""
    folder = hidden(out)
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return
    except FileNotFoundError:
        return
    for entry in sorted(os.listdir(folder)):
        if entry.startswith(_OLD):
            target = out / entry[len(_OLD):]
            if os.path.lexists(target):
                _remove(folder / entry)
            else:
                os.rename(folder / entry, target)
    for entry in sorted(os.listdir(folder)):
        if entry.startswith(_NEW):
            _remove(folder / entry)
    legacy = out / _LEGACY_LOCK
    fd = _open_regular(legacy)
    if fd is not None:
        empty = os.fstat(fd).st_size == 0
        os.close(fd)
        if empty:
            os.unlink(legacy)


def _drop_legacy_state(folder: Path) -> None:
    """The cache earlier versions kept in out/<env>/ (it showed up in git as a change on
    every build); only ever a regular file."""
    for name in _LEGACY_STATE:
        with suppress(FileNotFoundError):
            if stat.S_ISREG(os.lstat(folder / name).st_mode):
                os.unlink(folder / name)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


def _stage(out: Path, env: str, files: Mapping[str, str], found: list[Change]) -> Path:
    """The new tree: the changed files written, everything else hard-linked as it is (a
    user's link, folder or FIFO is carried over, never followed or read)."""
    target, stage = out / env, hidden(out) / f"{_NEW}{env}"
    rewritten = {c.file for c in found}
    stage.mkdir()
    if _env_folder(target):
        for entry in os.scandir(target):
            if entry.name in rewritten:
                continue
            if entry.name in _LEGACY_STATE and entry.is_file(follow_symlinks=False):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.copytree(entry.path, stage / entry.name, symlinks=True,
                                copy_function=_link_or_copy)
            else:
                _link_or_copy(entry.path, str(stage / entry.name))
    for c in found:
        if c.new is not None:
            _create(stage / c.file, c.new.encode("utf-8"))
    return stage


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _create(path: Path, data: bytes) -> None:
    """A new file in a fresh stage: a build writes thousands, and `open()` spends four
    more system calls on each (isatty, two seeks, fstat) than this does."""
    fd = os.open(path, _CREATE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def write(
    out: Path,
    trees: Mapping[str, Mapping[str, str]],
    fingerprints: Mapping[str, str] | None = None,
) -> list[Change]:
    """Writes every environment's tree; returns what changed (nothing written if nothing did,
    except a refreshed state cache)."""
    with locked(out):
        recover(out)
        staged: list[tuple[str, Path]] = []
        all_changes: list[Change] = []
        try:
            for env, files in trees.items():
                found = _env_changes(env, *_read_tree(out / env), files, out)
                if found:
                    staged.append((env, _stage(out, env, files, found)))
                    all_changes.extend(found)
                else:
                    _drop_legacy_state(out / env)
        except BaseException:
            for _, stage in staged:
                shutil.rmtree(stage, ignore_errors=True)
            shutil.rmtree(hidden(out) / f"{_NEW}{env}", ignore_errors=True)
            raise
        with _ctrl_c_held(out):
            for env, stage in staged:
                _swap(out / env, stage, hidden(out) / f"{_OLD}{env}")
            for env, files in trees.items():
                fingerprint = (fingerprints or {}).get(env)
                if fingerprint:
                    _save_state(out, env, fingerprint, list(files))
        return all_changes


@contextmanager
def _ctrl_c_held(out: Path) -> Iterator[None]:
    """Once the first tree is swapped in, every other one is too: a Ctrl-C meanwhile is held
    until the last swap and then reported as `Interrupted` (the new output is in place), so
    no build ends with some environments new and others old."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise Interrupted(out)


def _swap(target: Path, stage: Path, old: Path) -> None:
    if os.path.lexists(target):
        if _exchange(stage, target):
            shutil.rmtree(stage)  # it holds the previous tree now
            return
        os.rename(target, old)
        os.rename(stage, target)
        shutil.rmtree(old)
    else:
        os.rename(stage, target)


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


@functools.cache
def _renameat2() -> Any:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.renameat2  # glibc 2.28+, musl 1.2.3+
    except (OSError, AttributeError):
        return None


def _exchange(a: Path, b: Path) -> bool:
    """Swaps two directories in one step; False where the system or file system cannot
    (then the caller falls back to two renames)."""
    call = _renameat2()
    if call is None:
        return False
    if call(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))
