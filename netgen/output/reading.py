"""Reading OUT, which is hostile ground: a repository may hold anything there. Nothing is
followed through a symbolic link, and only regular files are opened (a FIFO would hang
the build, a device could do things); what else is there is named, never read."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

MAX_FILE = 256 << 20  # no generated file comes near; a bigger one is not read into memory


class OutputError(Exception):
    """The output folder cannot be written as asked (busy, foreign file in the way, I/O)."""


def kind(mode: int) -> str:
    for test, name in ((stat.S_ISREG, "a file"), (stat.S_ISLNK, "a symbolic link"),
                       (stat.S_ISDIR, "a folder"),
                       (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device")):
        if test(mode):
            return name
    return "not a regular file"


READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def open_regular(path: Path | str) -> int | None:
    """A descriptor for a regular file at `path`, never through a symbolic link and never
    blocking (a FIFO); None for anything else, or nothing."""
    try:
        fd = os.open(path, READ)
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


def read_fd(fd: int, limit: int, path: Path | str) -> bytes:
    size = os.fstat(fd).st_size
    if size > limit:
        raise OutputError(f"{path} is larger than any file netgen writes ({size} bytes); "
                          "move it away")
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def read_tree(folder: Path) -> tuple[dict[str, bytes], dict[str, str]]:
    """The regular files of an env's folder (netgen's whole, a foreign file only its first
    bytes, enough to tell it is not netgen's) and what else is there (name -> kind), none
    of it followed or read: symbolic links, folders, FIFOs, devices."""
    files: dict[str, bytes] = {}
    others: dict[str, str] = {}
    if not env_folder(folder):
        return files, others
    from netgen.render import HEADER_PREFIX

    for entry in os.scandir(folder):
        # not even opened unless it is a regular file (opening a device can do things)
        fd = open_regular(entry.path) if entry.is_file(follow_symlinks=False) else None
        if fd is None:
            others[entry.name] = kind(os.lstat(entry.path).st_mode)
            continue
        try:
            head = os.read(fd, len(HEADER_PREFIX))
            mine = owned(head)
            files[entry.name] = head + read_fd(fd, MAX_FILE, entry.path) if mine else head
        finally:
            os.close(fd)
    return files, others


def env_folder(folder: Path) -> bool:
    """True when out/<env> is a real folder, False when there is none; anything else there
    (a symbolic link, a file) is refused: netgen replaces only folders it made."""
    try:
        mode = os.lstat(folder).st_mode
    except FileNotFoundError:
        return False
    if not stat.S_ISDIR(mode):
        raise OutputError(f"{folder} is {kind(mode)}, not a folder netgen wrote; move it "
                          "away (netgen replaces only folders it created)")
    return True


def in_the_way(out: Path, envs: Iterable[str]) -> None:
    """Refuses what stands where OUT or an environment's folder goes (a file, a symbolic
    link, a FIFO) before the output lock makes OUT and OUT/.netgen, so a build refused
    for it leaves OUT as it was. Staging checks again under the lock; OUT itself may be a
    link to a folder, as it may for any tool."""
    elsewhere = "the output is a folder: give --out another path or move it away"
    try:
        mode = os.stat(out).st_mode
    except FileNotFoundError:
        if os.path.islink(out):
            raise OutputError(f"{out} is a symbolic link to nothing; {elsewhere}") from None
        return
    except NotADirectoryError:
        raise OutputError(f"{out} cannot be a folder: part of its path is a file") from None
    if not stat.S_ISDIR(mode):
        raise OutputError(f"{out} is {kind(mode)}, not a folder; {elsewhere}")
    for env in envs:
        env_folder(out / env)


def owned(content: bytes) -> bool:
    from netgen.render import HEADER_PREFIX  # here: a no-op rebuild never imports jinja2

    return content.startswith(HEADER_PREFIX.encode())
