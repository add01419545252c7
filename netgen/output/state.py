"""The rebuild state: what an environment's output depends on, as one digest (the resolved
Plan, netgen's version and the templates it would render with), and the record in
OUT/.netgen that says whether the files on disk are still what that digest built, so an
unchanged rebuild can skip rendering. `write` stores the record; this module reads it."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from netgen._version import __version__
from netgen.output.layout import hidden
from netgen.output.reading import (
    MAX_FILE,
    OutputError,
    env_folder,
    open_regular,
    owned,
    read_fd,
)

if TYPE_CHECKING:  # a no-op rebuild checks the state without importing the planner
    from netgen.plan import Plan


def templates_digest(folders: Sequence[Path]) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                st = os.stat(os.path.join(root, name))
                h.update(f"{root}/{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.digest()


def plan_fingerprint(plan: Plan, templates: bytes) -> str:
    """A pickle of equal plans can differ only in object sharing; that makes a cache miss
    (a full build), never a wrong hit. A plan holding a setting that cannot be pickled (a
    blueprint may pass any Python value) gets a fingerprint no build matches: it is always
    rebuilt."""
    h = hashlib.blake2b(digest_size=20)
    h.update(__version__.encode())
    h.update(templates)
    try:
        h.update(pickle.dumps(plan, protocol=5))
    except Exception:
        h.update(os.urandom(16))
    return h.hexdigest()


def state_path(out: Path, env: str) -> Path:
    return hidden(out) / f"state-{env}.json"


def stats(folder: Path, names: list[str]) -> dict[str, list[int]]:
    out = {}
    for name in names:
        st = os.lstat(folder / name)
        out[name] = [st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode]
    return out


def record(out: Path, env: str, fingerprint: str, names: list[str]) -> bytes:
    """The state to store once out/<env> holds the files `names` built from `fingerprint`."""
    state = {"fingerprint": fingerprint, "files": stats(out / env, sorted(names))}
    return json.dumps(state, sort_keys=True).encode()


def up_to_date(out: Path, env: str, fingerprint: str) -> bool:
    """True when the last build recorded this fingerprint and its files are untouched since,
    so rendering can be skipped. Any doubt (no state, an edited, added or missing generated
    file, anything but a regular file) answers False and the build runs in full."""
    try:
        if not stat.S_ISDIR(os.lstat(hidden(out)).st_mode):
            return False
        fd = open_regular(state_path(out, env))
        if fd is None:
            return False
        try:
            state = json.loads(read_fd(fd, MAX_FILE, state_path(out, env)))
        finally:
            os.close(fd)
        if state.get("fingerprint") != fingerprint:
            return False
        folder = out / env
        if not env_folder(folder):
            return False
        recorded = state["files"]
        if stats(folder, list(recorded)) != recorded:
            return False
        for entry in os.scandir(folder):
            if (entry.name not in recorded and entry.name.endswith(".yaml")
                    and entry.is_file(follow_symlinks=False)):
                from netgen.render import HEADER_PREFIX

                fd = open_regular(entry.path)
                if fd is None:
                    continue
                try:
                    if owned(os.read(fd, len(HEADER_PREFIX))):
                        return False
                finally:
                    os.close(fd)
        return True
    except (OSError, ValueError, KeyError, TypeError, OutputError):
        return False
