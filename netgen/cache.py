"""netgen's cache folder and its entries: what one run compiled, kept for the next.

A cache is only ever a shortcut. An entry is trusted only when it starts with the key its
reader expects (a digest of everything the content depends on); anything unreadable,
foreign, stale or not a regular file is ignored and made afresh, and failing to write one
is no error. Entries are never followed through a link, and are written under a name of
the writing process's own, then renamed, so a concurrent run reads the old entry or the
new one, whole.
"""

from __future__ import annotations

import os
import threading
from contextlib import suppress

_READ = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def cache_folder(name: str) -> str | None:
    """netgen's own cache folder `name` (`$XDG_CACHE_HOME/netgen/<name>`, by default
    `~/.cache/netgen/<name>`), created if missing. None when NETGEN_NO_CACHE is set or the
    folder cannot be written."""
    if os.environ.get("NETGEN_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "netgen", name)
    try:
        os.makedirs(folder, exist_ok=True)
        if not os.access(folder, os.W_OK):
            return None
    except OSError:
        return None
    return folder


def open_entry(entry: str) -> int | None:
    """A descriptor of the entry to read, never through a link; None when there is none."""
    try:
        return os.open(entry, _READ)
    except OSError:
        return None


def read_entry(entry: str, key: bytes) -> bytes | None:
    """The content stored after `key`, or None when the entry is missing or not for it."""
    fd = open_entry(entry)
    if fd is None:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            data = f.read()
    except OSError:
        return None
    return data[len(key):] if data[: len(key)] == key else None


def store_entry(entry: str, key: bytes, content: bytes) -> None:
    tmp = f"{entry}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        fd = os.open(tmp, _NEW, 0o600)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(key + content)
        os.replace(tmp, entry)
    except OSError:
        with suppress(OSError):
            os.unlink(tmp)
