"""netgen's cache folder and its entries: what one run compiled, kept for the next.

A cache is only ever a shortcut. An entry is trusted only when it starts with the key its
reader expects (a digest of everything the content depends on); anything unreadable,
foreign, stale or not a regular file is ignored and made afresh, and failing to write one
is no error. Entries are never followed through a link, and are written under a name of
the writing process's own, then renamed, so a concurrent run reads the old entry or the
new one, whole.

A folder holding more than twice `KEEP` entries is trimmed to its `KEEP` most recently
used ones (`trim`, after each write): blueprint entries are one per blueprint path and
Jinja's one per template file, so a CI runner that checks out into a new folder for every
job, or a test suite with its temporary folders, would otherwise add entries for ever (this
machine's blueprint cache had grown to 131,784 entries, 550 MB, before they were trimmed).
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import suppress

_READ = os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def root() -> str:
    """Where netgen's cache folders are: `$XDG_CACHE_HOME/netgen`, `~/.cache/netgen`."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "netgen")


def cache_folder(name: str) -> str | None:
    """netgen's own cache folder `name` (`$XDG_CACHE_HOME/netgen/<name>`, by default
    `~/.cache/netgen/<name>`), created if missing. None when NETGEN_NO_CACHE is set or the
    folder cannot be written."""
    if os.environ.get("NETGEN_NO_CACHE"):
        return None
    folder = os.path.join(root(), name)
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


# Entries a folder keeps; it is trimmed back to this when it holds twice as many. Far more
# blueprints and template overrides than one machine works on, and few enough that listing
# the folder after a write (only a cache miss writes) costs about a millisecond.
KEEP = 1000
# What a writer left behind when it died between writing and renaming: a trim removes it
# once it is a day old.
_STALE_TMP = 24 * 3600


def trim(folder: str) -> None:
    """Removes the least recently used entries of `folder` beyond `KEEP`, once it holds
    more than twice as many (so a write lists the folder but seldom sorts it).

    An entry's last use is its access time where that is later than its last write. Linux
    mounts file systems `relatime` by default: reading a file sets its access time when
    that is not later than its last write, and once a day otherwise; so an entry written
    long ago but read today (a built-in template's) outlives one written yesterday and not
    read since, without a write on every cache hit. Where access times are not kept
    (`noatime`), entries go by their last write. Any reader counts as a use (a backup, a
    CI cache action packing the folder); a folder restored from an archive starts with its
    entries' write times."""
    keep = KEEP
    try:
        with os.scandir(folder) as found:
            names = [e for e in found if e.is_file(follow_symlinks=False)]
    except OSError:
        return
    if len(names) <= 2 * keep:
        return
    aged = []
    for e in names:
        with suppress(OSError):
            st = e.stat(follow_symlinks=False)
            aged.append((max(st.st_atime, st.st_mtime), st.st_mtime, e.name, e.path))
    aged.sort(reverse=True)
    now = time.time()
    kept = 0
    for _, mtime, name, path in aged:
        if name.endswith(".tmp"):
            if now - mtime < _STALE_TMP:
                continue  # another process may be writing it
        elif kept < keep:
            kept += 1
            continue
        with suppress(OSError):
            os.unlink(path)


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
        return
    trim(os.path.dirname(entry))
