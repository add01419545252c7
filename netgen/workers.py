"""Several items worked on at once, in forked processes: a build's environments are
independent once the blueprint is loaded, and a process of its own per environment lets a
N=1000 build use every core (Python's threads would share one).

Forked, not spawned: a worker starts with the loaded blueprint and netgen's imports
already in memory (a spawned one would pay the start-up again, and a blueprint may hold
values no pickle can carry). `concurrent.futures` pickles the work it sends to each
process (here: the blueprint with it); `multiprocessing.Process` with a `Pipe` would do
what this module does, but importing it costs 30 ms, 4% of a N=1000 build, for what is
here a fork, two pipes and a pickle each way. A worker leaves through `os._exit`, having
sent back its answers or its exception, pickled: never through what the parent runs after
the work (its `finally` blocks, `atexit` hooks, the flush of its buffered output).

Only a process without other threads forks: a thread holding a lock at the fork (a
buffer's, the logging module's) would leave it held forever in the worker. Where there is
no `fork`, one CPU, or `NETGEN_JOBS=1` (or where the caller finds the work too small to
pay for a process), the items are worked on one after the other, in the same two steps,
with the same results."""

from __future__ import annotations

import gc
import os
import pickle
import signal
import struct
import sys
import threading
import traceback
from collections.abc import Callable, Generator, Sequence
from contextlib import suppress
from typing import Any, TypeVar

T = TypeVar("T")
A = TypeVar("A")
R = TypeVar("R")

Work = Callable[[T], Generator[A, None, R]]
"""Works on one item in two steps: up to its one `yield` (the first answer), then, once
every item's first answer is in and the caller's `between` has accepted them, on to its
`return` (the result)."""

_LENGTH = struct.Struct("<Q")


def cpus() -> int:
    """The CPUs this process may run on (a container's or taskset's limit included)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def parallel(items: int, worth: bool = True) -> bool:
    """Whether `each` forks for `items` items here: where it can, when the caller finds the
    work `worth` it and there is more than one CPU. NETGEN_JOBS=1 never forks;
    NETGEN_JOBS=2 (or more) forks whatever the size of the work and the number of CPUs."""
    if items < 2 or not hasattr(os, "fork") or threading.active_count() != 1:
        return False
    jobs = os.environ.get("NETGEN_JOBS", "")
    if jobs.isdigit():
        return int(jobs) > 1
    return worth and cpus() > 1


def each(items: Sequence[T], work: Work[T, A, R], between: Callable[[list[A]], None],
         worth: bool = True) -> list[R]:
    """Runs `work` on every item: the first item in this process and each other one in a
    worker of its own (they share the CPUs: a worker per item keeps them busy even when
    items differ in size). `between` sees the first answers, in the order of the items,
    and may raise to end every work there. Returns the results in the order of the items;
    a work's exception is raised, the first item's first. Where `parallel` says no: one
    item after the other, here, in the same two steps."""
    if not parallel(len(items), worth):
        works = [work(i) for i in items]
        between([next(w) for w in works])
        return [_finish(w) for w in works]
    sys.stdout.flush()
    sys.stderr.flush()
    gc.freeze()  # what exists is shared: the collector must not write to it in every process
    workers: list[_Worker] = []
    try:
        for item in items[1:]:
            workers.append(_Worker(item, work, [fd for w in workers for fd in w.pipes()]))
        mine = work(items[0])
        firsts = [next(mine), *(w.answer() for w in workers)]
        between(firsts)
        for w in workers:
            w.go()
        results = [_finish(mine), *(w.answer() for w in workers)]
    except BaseException:
        for w in workers:
            w.stop()
        raise
    for w in workers:
        w.stop()
    return results


def _finish(work: Generator[Any, None, R]) -> R:
    try:
        next(work)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    raise RuntimeError("a work yields once")


class _Worker:
    """A forked process working on one item, and the two pipes to it."""

    def __init__(self, item: Any, work: Work[Any, Any, Any], others: list[int]) -> None:
        """`others`: the pipes to the workers started before, which this one must not hold
        open (a worker waiting for its go learns that its caller died when the pipe ends)."""
        answers, self._out = os.pipe()
        self._in, go = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:
            for fd in (answers, go, *others):
                os.close(fd)
            self._run(item, work)  # never returns
        os.close(self._out)
        os.close(self._in)
        self._answers, self._go = answers, go

    def _run(self, item: Any, work: Work[Any, Any, Any]) -> None:
        """The worker's whole life: whatever happens, it leaves through os._exit."""
        try:
            try:
                steps = work(item)
                self._send(True, next(steps))
                if os.read(self._in, 1) != b"1":
                    return
                self._send(True, _finish(steps))
            except BaseException as e:  # every failure goes back to the caller
                self._send(False, e)
        finally:
            os._exit(0)

    def _send(self, ok: bool, value: Any) -> None:
        payload = _pickled(ok, value)
        view = memoryview(_LENGTH.pack(len(payload)) + payload)
        while view:
            view = view[os.write(self._out, view):]

    def answer(self) -> Any:
        """The worker's next answer; its exception raised here."""
        size = _LENGTH.unpack(self._read(_LENGTH.size))[0]
        ok, value = pickle.loads(self._read(size))
        if not ok:
            raise value
        return value

    def _read(self, size: int) -> bytes:
        chunks, left = [], size
        while left:
            chunk = os.read(self._answers, min(left, 1 << 20))
            if not chunk:
                raise WorkerFailed(f"worker process {self.pid} ended without an answer")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def pipes(self) -> list[int]:
        return [self._answers, self._go]

    def go(self) -> None:
        os.write(self._go, b"1")

    def stop(self) -> None:
        """Ends the worker (done, or its work is not wanted any more) and waits for it."""
        for fd in (self._answers, self._go):
            with suppress(OSError):
                os.close(fd)
        self._answers = self._go = -1
        if self.pid:
            with suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            with suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0


def _pickled(ok: bool, value: Any) -> bytes:
    """An exception as the caller will raise it: its own type where it survives a pickle,
    with the worker's traceback as a note (NETGEN_DEBUG prints it)."""
    if ok:
        return pickle.dumps((True, value), pickle.HIGHEST_PROTOCOL)
    value.add_note("raised in a worker process:\n" + "".join(traceback.format_exception(value)))
    try:
        payload = pickle.dumps((False, value), pickle.HIGHEST_PROTOCOL)
        pickle.loads(payload)
        return payload
    except Exception:  # no pickle carries it: described instead
        stand_in = WorkerFailed(f"{type(value).__name__}: {value}")
        stand_in.add_note(value.__notes__[-1])
        return pickle.dumps((False, stand_in), pickle.HIGHEST_PROTOCOL)


class WorkerFailed(Exception):
    """A worker ended without answering, or its exception could not be sent back as it
    was."""
