"""The console script's stdout and stderr, which netgen owns (a program that calls `main`
keeps its own): every write goes out whole, waiting for room, and a failure is named.

Python's own streams fail in ways a shell user cannot tell apart from success or from a
blueprint error. A stdout another program made non-blocking (Node.js does, for the pipes
its children share) refuses a write while it is full: the write raises, or with
PYTHONUNBUFFERED=1 the text layer keeps what fitted and drops the rest without a word. A
full disk says `No space left on device` without saying where. A stderr that cannot be
written (a full disk, `2>&1 | head` once the reader went) raises inside whatever command
was printing, which then reports 3 where its verdict was 1 or 2. Here each stream sits
on a descriptor that writes everything it is given or raises: stdout's failures name
stdout, and stderr's are dropped, since there is nowhere left to say them."""

from __future__ import annotations

import errno
import io
import os
import sys

TYPE_CHECKING = False  # not typing's: `netgen --version` need not import typing
if TYPE_CHECKING:
    from typing import Any

_streams_owned = False
_stderr_reader_gone = False
_interrupted = False  # Ctrl-C came while a write waited: no write waits any more
_originals: list[object] = []  # the streams Python made: kept, never collected


def own_streams() -> None:
    """The console script's process: its standard streams are netgen's to arrange, and to
    point at /dev/null once they fail (`quiet`). `sys.__stdout__` and `sys.__stderr__`
    become the same streams, so what a blueprint writes there keeps its place in the
    output and its failures are handled alike; the originals are kept (not collected,
    nothing left in them). A stream started closed (`>&-`) stays None, as Python leaves
    it."""
    global _streams_owned
    _streams_owned = True
    _originals.extend((sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__))
    sys.stdout = sys.__stdout__ = _whole(sys.stdout, "stdout")
    sys.stderr = sys.__stderr__ = _whole(sys.stderr, "stderr")


def streams_owned() -> bool:
    return _streams_owned


def stderr_reader_gone() -> bool:
    """stderr's reader went away (`netgen build --nope 2>&1 | head`): the command ends with
    141, as one killed by SIGPIPE would, whatever it was saying."""
    return _stderr_reader_gone


def _whole(stream: io.TextIOBase | None, name: str) -> io.TextIOBase | None:
    """`stream` as a text layer over `_Descriptor`: through a buffer, or straight (write
    through, as Python leaves it) when the stream is unbuffered (PYTHONUNBUFFERED=1: a
    partial line is seen at once); one that is not the process's own file (a test's
    stand-in) is left as it is."""
    if not isinstance(stream, io.TextIOWrapper):
        return stream
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        return stream
    unbuffered = not isinstance(stream.buffer, io.BufferedWriter)
    stream.flush()
    raw = _Descriptor(fd, name)
    return io.TextIOWrapper(raw if unbuffered else io.BufferedWriter(raw),
                            encoding=stream.encoding, errors=stream.errors,
                            line_buffering=stream.line_buffering, write_through=unbuffered)


class _Descriptor(io.RawIOBase):
    """A standard stream's descriptor, written whole: a short write is written on, a full
    non-blocking one waited for. A failure quiets the stream; stdout's then raises, named
    `stdout` (as `errors.stdout_failed` names it), and stderr's is dropped (a reader that went
    away is remembered: `stderr_reader_gone`). Once Ctrl-C has interrupted a wait (a reader
    that stopped reading, a terminal paused with Ctrl-S), no write waits again: what finds
    no room is dropped, so `interrupted` on a stderr as stuck as stdout (`2>&1 | less`)
    does not hang the command's end."""

    def __init__(self, fd: int, name: str) -> None:
        super().__init__()
        self._fd, self._stdout, self.name = fd, name == "stdout", f"<{name}>"

    def fileno(self) -> int:
        return self._fd

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        global _interrupted, _stderr_reader_gone
        view = memoryview(data).cast("B")
        whole = len(view)
        try:
            while view:
                if _interrupted and not _room(self._fd):  # not waited for again: dropped
                    quiet(self)
                    return whole
                try:
                    written = os.write(self._fd, view)
                    if not written:
                        raise OSError(errno.EIO, "the descriptor took nothing")
                    view = view[written:]
                except BlockingIOError:
                    wait_for_room(self._fd)
        except KeyboardInterrupt:  # Ctrl-C while a reader had stopped reading
            _interrupted = True
            quiet(self)
            raise
        except OSError as e:
            quiet(self)
            if self._stdout:
                if e.filename is None:
                    e.filename = "stdout"
                raise
            _stderr_reader_gone = _stderr_reader_gone or isinstance(e, BrokenPipeError)
        return whole


def wait_for_room(target: Any) -> None:
    """Until a full non-blocking descriptor (or file) takes a write again."""
    import select

    select.select([], [target], [])


def _room(fd: int) -> bool:
    import select

    try:
        return bool(select.select([], [fd], [], 0)[1])
    except (OSError, ValueError):
        return False


def quiet(stream: Any) -> None:
    """Points a failed stream's descriptor at /dev/null, so what stays buffered does not
    fail again when the process ends: in the console script's process only (a program that
    called `main` keeps its streams as they are)."""
    if not _streams_owned:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
