"""Writing OUT: the only code that changes the disk.

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

A build takes the lock (`locked`), finishes what an interrupted one left (`recover`),
stages each environment's tree (`stage`, in a worker process of its own for a big
blueprint: `netgen.build`) and swaps them all in (`commit`), or removes them (`discard`).
"""

from __future__ import annotations

import errno
import fcntl
import functools
import os
import shutil
import signal
import stat
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from attrs import frozen

from netgen.output import state
from netgen.output.changes import Change, env_changes
from netgen.output.layout import LOCK, hidden
from netgen.output.reading import READ, OutputError, env_folder, kind, open_regular, read_tree

# staged and set-aside trees, in OUT/.netgen/; a removed environment's folder is moved
# there whole (one rename) before it is deleted, and never put back
_NEW, _OLD, _GONE = ".netgen-new-", ".netgen-old-", ".netgen-gone-"
# What earlier versions kept in out/<env>/ and OUT/; dropped when found as regular files.
_LEGACY_STATE = (".netgen-state", ".netgen-state.tmp")
_LEGACY_LOCK = ".netgen.lock"


class Interrupted(KeyboardInterrupt):
    """Ctrl-C arrived once the new trees were in place: the output is the new one, whole."""

    def __init__(self, out: Path) -> None:
        super().__init__(str(out))
        self.out = out


def _prepare_hidden(out: Path) -> Path:
    """OUT/.netgen as a real folder with its .gitignore; anything else there is refused."""
    folder = hidden(out)
    with suppress(FileExistsError):
        os.mkdir(folder)
    mode = os.lstat(folder).st_mode
    if not stat.S_ISDIR(mode):
        raise OutputError(f"{folder} is {kind(mode)}; netgen keeps its lock and cache in "
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


@contextmanager
def locked(out: Path) -> Iterator[None]:
    out.mkdir(parents=True, exist_ok=True)
    path = _prepare_hidden(out) / LOCK
    try:
        fd = os.open(path, READ | os.O_CREAT, 0o666)
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
        if entry.startswith((_NEW, _GONE)):
            _remove(folder / entry)
    legacy = out / _LEGACY_LOCK
    fd = open_regular(legacy)
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


def _stage(out: Path, env: str, files: Mapping[str, str], found: list[Change],
           created: dict[str, list[int]]) -> Path:
    """The new tree: the changed files written (their `state.stats` into `created`),
    everything else hard-linked as it is (a user's link, folder or FIFO is carried over,
    never followed or read)."""
    target, stage = out / env, hidden(out) / f"{_NEW}{env}"
    rewritten = {c.file for c in found}
    stage.mkdir()
    if env_folder(target):
        # the swap puts a new folder in its place: it keeps the old one's mode (a chmod 700
        # or a setgid bit on a committed output folder)
        os.chmod(stage, stat.S_IMODE(os.stat(target).st_mode))
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
    prefix = os.path.join(stage, "")  # str paths: a Path per file cost more than writing it
    for c in found:
        if c.new is not None:
            created[c.file] = _create(prefix + c.file, c.new.encode("utf-8"))
    return stage


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _create(path: str | Path, data: bytes) -> list[int]:
    """A new file in a fresh stage: a build writes thousands, and `open()` spends four
    more system calls on each (isatty, two seeks, fstat) than this does. Returns its
    `state.stats`, read from the open file (cheaper than finding it again by name)."""
    fd = os.open(path, _CREATE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        return state.stat_of(os.fstat(fd))
    except OSError as e:  # a write's error names no file (a full disk): the message must
        if e.filename is None:
            e.filename = str(path)
        raise
    finally:
        os.close(fd)


@frozen
class Staged:
    """One environment's new tree, staged in OUT/.netgen (`folder`; None when nothing in it
    changes), how many files it adds, changes and removes (`counts`, by action), and the
    rebuild state to record once it is in place."""

    env: str
    folder: Path | None
    counts: dict[str, int]
    state: bytes | None
    gone: bool = False  # no longer declared: its generated files go, its state too


def stage(out: Path, env: str, files: Mapping[str, str], fingerprint: str | None = None,
          blueprint: str | None = None) -> Staged:
    """Stages `env`'s tree; call it holding the lock (`locked`), after `recover`. Whatever
    fails or is interrupted here leaves a staged folder that `discard` or the next build's
    `recover` removes."""
    found = env_changes(env, *read_tree(out / env), files, out)
    created: dict[str, list[int]] = {}
    if found:
        folder = _stage(out, env, files, found, created)
    else:
        folder = None
        _drop_legacy_state(out / env)
    record = None
    if fingerprint:
        record = state.record(folder if folder is not None else out / env, fingerprint,
                              list(files), created, blueprint)
    return Staged(env, folder, dict(Counter(c.action for c in found)), record)


def gone_changes(out: Path, env: str) -> list[Change] | None:
    """The removal of each generated file of an environment the blueprint no longer
    declares (`state.gone`); None when out/<env> is not a real folder (a link or a file
    there: not netgen's to remove)."""
    try:
        return env_changes(env, *read_tree(out / env), {}, out)
    except OutputError:
        return None


def stage_gone(out: Path, env: str) -> Staged:
    """An environment the blueprint no longer declares (`state.gone`): its tree staged
    without netgen's files (what else is there is carried over, as `stage` does), to be
    swapped in by `commit`, or the folder removed whole when nothing else is left in it.
    A folder that is not a real one is left alone."""
    found = gone_changes(out, env)
    if found is None:
        return Staged(env, None, {}, None)
    folder = None
    if found:
        folder = _stage(out, env, {}, found, {})
    return Staged(env, folder, dict(Counter(c.action for c in found)), None, gone=True)


def discard(out: Path, envs: Iterable[str]) -> None:
    """The trees staged for `envs`, whole or in part, are not wanted after all."""
    for env in envs:
        shutil.rmtree(hidden(out) / f"{_NEW}{env}", ignore_errors=True)


def commit(out: Path, staged: Sequence[Staged]) -> None:
    """Swaps every staged tree in and records each environment's state; held against
    Ctrl-C and SIGTERM from the first swap to the last (`_ctrl_c_held`)."""
    with _ctrl_c_held(out):
        for s in staged:
            if s.folder is None:
                continue
            if s.gone and not os.listdir(s.folder):
                _drop(out / s.env, hidden(out) / f"{_GONE}{s.env}")
                os.rmdir(s.folder)
            else:
                _swap(out / s.env, s.folder, hidden(out) / f"{_OLD}{s.env}")
        for s in staged:
            if s.state is not None:
                _replace(state.state_path(out, s.env), s.state)
        for s in staged:
            if s.gone:  # after its folder: a state left behind only repeats the pruning
                with suppress(FileNotFoundError):
                    os.unlink(state.state_path(out, s.env))


@contextmanager
def _ctrl_c_held(out: Path) -> Iterator[None]:
    """Once the first tree is swapped in, every other one is too: a Ctrl-C meanwhile is held
    until the last swap and then reported as `Interrupted` (the new output is in place), so
    no build ends with some environments new and others old. So is SIGTERM, which a
    cancelled CI job or `timeout` sends (before the swap it ends the process at once, the
    previous output whole; the next build clears what was staged). A signal the caller
    ignores stays ignored, and one the caller handles itself is raised again after the
    swap, for its handler."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {held: signal.signal(held, lambda signum, frame: caught.append(signum))
                for held in (signal.SIGINT, signal.SIGTERM)
                if signal.getsignal(held) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for held, handler in previous.items():
            signal.signal(held, signal.SIG_DFL if handler is None else handler)
    if any(previous[s] in (signal.SIG_DFL, signal.default_int_handler, None) for s in caught):
        raise Interrupted(out)
    for held in dict.fromkeys(caught):
        signal.raise_signal(held)


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


def _drop(target: Path, aside: Path) -> None:
    """Removes a folder in one step (a rename into OUT/.netgen, which `recover` empties if
    the deleting is interrupted), so it is there whole or gone, never half deleted."""
    _remove(aside)
    os.rename(target, aside)
    shutil.rmtree(aside)


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


@functools.cache
def _renameat2() -> Any:
    import ctypes  # here: a first build into an empty folder swaps nothing

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
    import ctypes

    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))
