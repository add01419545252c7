"""emit: the only stage that touches the disk.

Each `out/<env>/` is replaced as a whole: the new tree is staged next to it (unchanged and
foreign files hard-linked, changed ones written) and swapped in atomically (Linux
`renameat2(RENAME_EXCHANGE)`), so a build that fails or is killed at any point leaves
either the previous tree or the new one at `out/<env>/`, never a mix and never nothing.
Where the exchange is not available the swap is two renames, and the next build restores
a tree whose swap was interrupted between them. Files netgen did not write are carried
over untouched.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import functools
import json
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from attrs import frozen

from netgen.lower.render import HEADER, HEADER_PREFIX, Document

KUSTOMIZATION = "Kustomization"
LOCK = ".netgen.lock"
STATE = ".netgen-state"  # a cache: the fingerprint of the last build and its files' stats
_NEW, _OLD = ".netgen-new-", ".netgen-old-"


class OutputError(Exception):
    """The output folder cannot be written as asked (busy, foreign file in the way, I/O)."""


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


def _read_tree(folder: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return found
    for entry in entries:
        if entry.is_file(follow_symlinks=False) and entry.name != STATE:
            with open(entry.path, "rb") as f:
                found[entry.name] = f.read()
    return found


def _stats(folder: Path, names: list[str]) -> dict[str, list[int]]:
    out = {}
    for name in names:
        st = os.stat(folder / name)
        out[name] = [st.st_size, st.st_mtime_ns, st.st_ino]
    return out


def _save_state(folder: Path, fingerprint: str, names: list[str]) -> None:
    state = {"fingerprint": fingerprint, "files": _stats(folder, sorted(names))}
    tmp = folder / f"{STATE}.tmp"
    tmp.write_text(json.dumps(state, sort_keys=True))
    os.replace(tmp, folder / STATE)


def up_to_date(folder: Path, fingerprint: str) -> bool:
    """True when the last build recorded this fingerprint and its files are untouched since,
    so rendering can be skipped. Any doubt (no state, an edited, added or missing generated
    file) answers False and the build runs in full."""
    try:
        state = json.loads((folder / STATE).read_text())
        if state.get("fingerprint") != fingerprint:
            return False
        recorded = state["files"]
        if _stats(folder, list(recorded)) != recorded:
            return False
        for entry in os.scandir(folder):
            if entry.name not in recorded and entry.is_file() and entry.name.endswith(".yaml"):
                with open(entry.path, "rb") as f:
                    if _owned(f.read(len(HEADER_PREFIX))):
                        return False
        return True
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _owned(content: bytes) -> bool:
    return content.startswith(HEADER_PREFIX.encode())


def changes(out: Path, trees: Mapping[str, Mapping[str, str]]) -> list[Change]:
    result: list[Change] = []
    for env, files in trees.items():
        result.extend(_env_changes(env, _read_tree(out / env), files))
    return result


def compare(
    old: Mapping[str, Mapping[str, str]], new: Mapping[str, Mapping[str, str]]
) -> list[Change]:
    """What changes between two in-memory builds (`netgen diff --against REF`), by the same
    rules as `changes`: an environment missing on one side is all added or all removed."""
    result: list[Change] = []
    for env in sorted(set(old) | set(new)):
        before = {name: text.encode() for name, text in old.get(env, {}).items()}
        result.extend(_env_changes(env, before, new.get(env, {})))
    return result


def _env_changes(env: str, existing: dict[str, bytes], files: Mapping[str, str]) -> list[Change]:
    out: list[Change] = []
    for name, text in files.items():
        old = existing.get(name)
        if old is None:
            out.append(Change(env, name, "added", None, text))
        elif old != text.encode():
            if not _owned(old):
                raise OutputError(f"{env}/{name} exists and was not written by netgen; "
                                  "move it away or rename the object")
            out.append(Change(env, name, "changed", old.decode(errors="replace"), text))
    for name, old in sorted(existing.items()):
        if name not in files and _owned(old):
            out.append(Change(env, name, "removed", old.decode(errors="replace"), None))
    return out


@contextmanager
def locked(out: Path) -> Iterator[None]:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / LOCK, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno in (errno.EAGAIN, errno.EACCES):
                raise OutputError(f"another netgen build is writing to {out} "
                                  f"({out / LOCK} is locked); try again when it has finished"
                                  ) from None
            raise
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def recover(out: Path) -> None:
    """Finish what an interrupted build left: restore a tree whose swap did not complete and
    drop half-staged ones."""
    if not out.is_dir():
        return
    for entry in sorted(os.listdir(out)):
        if entry.startswith(_OLD):
            target = out / entry[len(_OLD):]
            if target.exists():
                shutil.rmtree(out / entry)
            else:
                os.rename(out / entry, target)
    for entry in sorted(os.listdir(out)):
        if entry.startswith(_NEW):
            shutil.rmtree(out / entry)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


def _stage(out: Path, env: str, files: Mapping[str, str], found: list[Change]) -> Path:
    target, stage = out / env, out / f"{_NEW}{env}"
    rewritten = {c.file for c in found}
    stage.mkdir()
    if target.is_dir():
        for entry in os.scandir(target):
            if entry.name in rewritten or entry.name == STATE:
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


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


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
                found = _env_changes(env, _read_tree(out / env), files)
                fingerprint = (fingerprints or {}).get(env)
                if found:
                    stage = _stage(out, env, files, found)
                    if fingerprint:
                        _save_state(stage, fingerprint, list(files))
                    staged.append((env, stage))
                    all_changes.extend(found)
                elif fingerprint:
                    _save_state(out / env, fingerprint, list(files))
        except BaseException:
            for _, stage in staged:
                shutil.rmtree(stage, ignore_errors=True)
            shutil.rmtree(out / f"{_NEW}{env}", ignore_errors=True)
            raise
        for env, stage in staged:
            _swap(out / env, stage, out / f"{_OLD}{env}")
        return all_changes


def _swap(target: Path, stage: Path, old: Path) -> None:
    if target.exists():
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
