"""Several items worked on at once, in forked processes: a build's environments are
independent once the blueprint is loaded, and a process per CPU lets a N=1000 build use
every core (Python's threads would share one). One per CPU, not one per item: each forked
process pays for the memory it shares with this one as it writes to it (a N=1000
environment: 30 MB of pages copied, a third more CPU), so with 3 environments on 2 CPUs
this process builds two and one worker the third.

Forked, not spawned: a worker starts with the loaded blueprint and netgen's imports
already in memory (a spawned one would pay the start-up again, and a blueprint may hold
values no pickle can carry). `concurrent.futures` pickles the work it sends to each
process (here: the blueprint with it); `multiprocessing.Process` with a `Pipe` would do
what this module does, but importing it costs 30 ms, 4% of a N=1000 build, for what is
here a fork, two pipes, an in-memory file for the answers and a pickle each way. A worker
leaves through `os._exit`, having sent back its answers or its exception, pickled: never
through what the parent runs after the work (its `finally` blocks, `atexit` hooks, the
flush of its buffered output).

Only a process without other threads forks: a thread holding a lock at the fork (a
buffer's, the logging module's) would leave it held forever in the worker. With one CPU,
`NETGEN_JOBS=1`, work the caller finds too small to pay for a process, or on a system
other than Linux unless NETGEN_JOBS asks, the items are worked on one after the other, in
the same two steps, with the same results."""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import threading
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

_LENGTH = 8  # bytes of the size before each answer


def cpus() -> int:
    """The CPUs this process may run on (a container's or taskset's limit included)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def jobs(items: int, worth: bool = True) -> int:
    """How many processes `each` works in for `items` items here (1: this one alone): one
    per CPU, up to one per item, on Linux and when the caller finds the work `worth` it.
    NETGEN_JOBS=N asks for N wherever there is a `fork`, whatever the size of the work and
    the CPUs (NETGEN_JOBS=1: never fork)."""
    if items < 2 or not hasattr(os, "fork") or threading.active_count() != 1:
        return 1
    asked = os.environ.get("NETGEN_JOBS", "")
    if asked.isdigit() and int(asked) > 0:
        return min(int(asked), items)
    # macOS: some of its system libraries are not safe in a forked child (Python itself
    # spawns there); netgen uses none of them, but only Linux forks unasked
    return min(cpus(), items) if worth and sys.platform == "linux" else 1


def each(items: Sequence[T], work: Work[T, A, R], between: Callable[[list[A]], None],
         worth: bool = True) -> list[R]:
    """Runs `work` on every item, in `jobs` processes: this one and forked workers, the
    items dealt out in turn (with 3 items and 2 processes, this one works on the first and
    the third). `between` sees the first answers, in the order of the items, and may raise
    to end every work there. Returns the results in the order of the items; a work's
    exception is raised, the first item's first, as when they are worked on one after the
    other (which is what one job does, in the same two steps)."""
    n = jobs(len(items), worth)
    if n == 1:
        works = [work(i) for i in items]
        between([next(w) for w in works])
        return [_finish(w) for w in works]
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:  # None: the process started with it closed
            stream.flush()
    frozen = gc.get_freeze_count()
    gc.freeze()  # what exists is shared: the collector must not write to it in every process
    dealt = [list(items[k::n]) for k in range(n)]
    workers: list[_Worker] = []
    try:
        for share in dealt[1:]:
            workers.append(_Worker(share, work, [fd for w in workers for fd in w.descriptors()]))
        mine = _Steps(dealt[0], work, catch=Exception)
        between(_in_order(len(items), [mine.first(), *(w.answer() for w in workers)]))
        for w in workers:
            w.go()
        return _in_order(len(items), [mine.finish(), *(w.answer() for w in workers)])
    finally:
        for w in workers:
            w.stop()
        if not frozen:  # a library caller's heap is collectable again (none had been frozen)
            gc.unfreeze()


Outcome = tuple[bool, Any]  # (True, answer) or (False, the exception it raised)


def _in_order(count: int, shares: list[list[Outcome]]) -> list[Any]:
    """The answers of the processes' shares, back in the order of the `count` items; the
    first item's exception raised. A share ends at its first exception, so an item missing
    from it comes after one that raised."""
    answers = []
    for i in range(count):
        ok, value = shares[i % len(shares)][i // len(shares)]
        if not ok:
            raise value
        answers.append(value)
    return answers


def _finish(work: Generator[Any, None, R]) -> R:
    try:
        next(work)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    raise RuntimeError("a work yields once")


class _Steps:
    """One process's share of the items, each worked on in two steps; a step stops at the
    first item that raises `catch` (what one after the other would have stopped at)."""

    def __init__(self, share: list[Any], work: Work[Any, Any, Any],
                 catch: type[BaseException]) -> None:
        self.works = [work(i) for i in share]
        self.catch = catch

    def first(self) -> list[Outcome]:
        return self._step(next)

    def finish(self) -> list[Outcome]:
        return self._step(_finish)

    def _step(self, step: Callable[[Generator[Any, None, Any]], Any]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for w in self.works:
            try:
                outcomes.append((True, step(w)))
            except self.catch as e:
                outcomes.append((False, e))
                break
        return outcomes


class _Worker:
    """A forked process working on its share of the items, the two pipes to it, and the
    spool its answers are written to.

    A worker's answer can be big (a N=1000 environment's rebuild state: 360 KB), and a pipe
    holds 64 KB: through the pipe alone, the worker waited for its caller to finish its own
    share and read, 64 KB at a time. So, where Linux has `memfd_create`, the answer is
    written to an anonymous in-memory file made before the fork (the spool), the pipe
    carrying only its size: the worker leaves at once, and the caller reads it whole.
    (Enlarging the pipe would do the same, but pipe buffers count against a per-user
    budget shared with every other process of that user.)"""

    def __init__(self, share: list[Any], work: Work[Any, Any, Any], others: list[int]) -> None:
        """`others`: the descriptors of the workers started before, which this one must not
        hold open (a worker waiting for its go learns that its caller died when the pipe
        ends)."""
        answers, self._out = os.pipe()
        self._in, go = os.pipe()
        self._spool = _spool()
        self._offset = 0  # where the next answer starts in the spool
        caller = os.getpid()
        self.pid = os.fork()
        if self.pid == 0:
            for fd in (answers, go, *others):
                os.close(fd)
            self._run(share, work, caller)  # never returns
        os.close(self._out)
        os.close(self._in)
        self._answers, self._go = answers, go

    def _run(self, share: list[Any], work: Work[Any, Any, Any], caller: int) -> None:
        """The worker's whole life: whatever happens, it leaves through os._exit."""
        try:
            _end_with(caller)
            steps = _Steps(share, work, catch=BaseException)
            firsts = steps.first()
            self._send(firsts)
            if len(firsts) < len(share) or not firsts[-1][0] or os.read(self._in, 1) != b"1":
                return
            self._send(steps.finish())
        finally:
            os._exit(0)

    def _send(self, outcomes: list[Outcome]) -> None:
        payload = pickle.dumps([_pickled(ok, value) for ok, value in outcomes],
                               pickle.HIGHEST_PROTOCOL)
        size = len(payload).to_bytes(_LENGTH, "little")
        if self._spool is not None:
            view = memoryview(payload)
            while view:
                written = os.pwrite(self._spool, view, self._offset)
                self._offset += written
                view = view[written:]
            payload = b""
        view = memoryview(size + payload)
        while view:
            view = view[os.write(self._out, view):]

    def answer(self) -> list[Outcome]:
        """The outcomes of the worker's next step, one per item of its share: its size from
        the pipe, the answer itself from the spool where there is one."""
        size = int.from_bytes(self._read(self._from_pipe, _LENGTH), "little")
        source = self._from_pipe if self._spool is None else self._from_spool
        return [pickle.loads(one) for one in pickle.loads(self._read(source, size))]

    def _read(self, chunk_of: Callable[[int], bytes], size: int) -> bytes:
        chunks, left = [], size
        while left:
            chunk = chunk_of(left)
            if not chunk:
                raise WorkerFailed(f"worker process {self.pid} ended without an answer")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _from_pipe(self, left: int) -> bytes:
        return os.read(self._answers, min(left, 1 << 20))

    def _from_spool(self, left: int) -> bytes:
        assert self._spool is not None
        chunk = os.pread(self._spool, left, self._offset)
        self._offset += len(chunk)
        return chunk

    def descriptors(self) -> list[int]:
        return [self._answers, self._go, *([] if self._spool is None else [self._spool])]

    def go(self) -> None:
        os.write(self._go, b"1")

    def stop(self) -> None:
        """Ends the worker (done, or its work is not wanted any more) and waits for it."""
        for fd in self.descriptors():
            with suppress(OSError):
                os.close(fd)
        self._answers = self._go = -1
        self._spool = None
        if self.pid:
            with suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            with suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0


_PR_SET_PDEATHSIG = 1


def _end_with(caller: int) -> None:
    """Makes this worker end when its caller does. A caller killed outright (SIGKILL, a CI
    job's SIGTERM) runs no `stop`, and its output lock goes with it: a worker left running
    would go on writing its staged tree into OUT/.netgen while the next build takes the
    lock and clears that folder (seen: the next build failed, 'Directory not empty').
    Linux kills the worker when its parent dies (`prctl(PR_SET_PDEATHSIG)`); elsewhere the
    worker still learns it from its pipes, once it waits for its go or sends."""
    if sys.platform.startswith("linux"):
        with suppress(ImportError, OSError, AttributeError):  # a Python built without ctypes
            import ctypes  # here: in a worker, which waits for its caller anyway

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != caller:  # the caller died before that
        os._exit(0)


def _spool() -> int | None:
    """An anonymous in-memory file for a worker's answers (`_Worker`); None where the
    system has none, and the answers go through the pipe."""
    try:
        return os.memfd_create("netgen-worker", os.MFD_CLOEXEC)
    except (AttributeError, OSError):
        return None


def _pickled(ok: bool, value: Any) -> bytes:
    """An exception as the caller will raise it: its own type where it survives a pickle,
    with the worker's traceback as a note (NETGEN_DEBUG prints it). An answer no pickle
    carries is the exception that says so."""
    if ok:
        try:
            return pickle.dumps((True, value), pickle.HIGHEST_PROTOCOL)
        except Exception as e:
            ok, value = False, e
    import traceback  # here: a build that fails in a worker is the rare one

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
