"""netgen.workers: items worked on in forked processes, in two steps, with the results and
failures of working on them one after the other."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from netgen import workers
from netgen.model import SourceLoc
from netgen.problems import MessageError, Problem, ProblemError


@pytest.fixture(params=["forked", "here"])
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each test runs both ways: NETGEN_JOBS=2 forks whatever the machine's CPUs."""
    monkeypatch.setenv("NETGEN_JOBS", "2" if request.param == "forked" else "1")
    yield request.param
    with pytest.raises(ChildProcessError):  # every worker was waited for
        os.waitpid(-1, os.WNOHANG)


def pids(item: str) -> Generator[tuple[str, int], None, tuple[str, int, int]]:
    yield item, os.getpid()
    return item, os.getpid(), os.getppid()


def test_results_come_in_the_order_of_the_items(mode: str) -> None:
    """Two processes, three items: this one works on the first and the third."""
    seen: list[list[tuple[str, int]]] = []
    results = workers.each(["a", "b", "c", "d", "e"], pids, seen.append)
    assert [r[0] for r in results] == ["a", "b", "c", "d", "e"]
    assert [s[0] for s in seen[0]] == ["a", "b", "c", "d", "e"]
    me = os.getpid()
    assert [r[1] == me for r in results] == (
        [True, False, True, False, True] if mode == "forked" else [True] * 5)
    if mode == "forked":
        assert results[1][1] == results[3][1] and results[1][2] == me
        assert [s[1] for s in seen[0]] == [r[1] for r in results]  # both steps, one process


def test_one_process_per_item_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETGEN_JOBS", "8")
    results = workers.each(["a", "b", "c"], pids, lambda firsts: None)
    assert len({r[1] for r in results}) == 3


def test_small_work_is_not_forked_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NETGEN_JOBS", raising=False)
    monkeypatch.setattr(workers.sys, "platform", "linux")
    monkeypatch.setattr(workers, "cpus", lambda: 8)
    assert workers.jobs(3) == 3 and workers.jobs(3, worth=False) == 1
    assert workers.jobs(1) == 1
    monkeypatch.setattr(workers, "cpus", lambda: 2)
    assert workers.jobs(3) == 2
    monkeypatch.setattr(workers, "cpus", lambda: 1)
    assert workers.jobs(3) == 1
    monkeypatch.setenv("NETGEN_JOBS", "2")
    assert workers.jobs(3, worth=False) == 2
    monkeypatch.setenv("NETGEN_JOBS", "1")
    assert workers.jobs(3) == 1
    monkeypatch.delenv("NETGEN_JOBS")
    monkeypatch.setattr(workers, "cpus", lambda: 8)
    monkeypatch.setattr(workers.sys, "platform", "darwin")
    assert workers.jobs(3) == 1  # only Linux forks unasked
    monkeypatch.setenv("NETGEN_JOBS", "3")
    assert workers.jobs(3) == 3


def touching(folder: Path) -> workers.Work[str, str, str]:
    def work(item: str) -> Generator[str, None, str]:
        yield item
        (folder / item).touch()
        return item

    return work


def test_between_can_stop_every_work_before_its_second_step(mode: str, tmp_path: Path) -> None:
    def refuse(firsts: list[str]) -> None:
        raise MessageError(f"not now: {', '.join(firsts)}")

    with pytest.raises(MessageError, match="not now: a, b, c"):
        workers.each(["a", "b", "c"], touching(tmp_path), refuse)
    assert list(tmp_path.iterdir()) == []
    assert workers.each(["a", "b"], touching(tmp_path), lambda firsts: None) == ["a", "b"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]


def failing(item: str) -> Generator[str, None, str]:
    if item == "problem":
        raise ProblemError([Problem("b is wrong", SourceLoc("bp.py", 2)),
                            Problem("a is wrong", SourceLoc("bp.py", 1))])
    if item == "unpicklable":
        error = ValueError("holds a lambda")
        error.hook = lambda: None  # type: ignore[attr-defined]
        raise error
    yield item
    if item == "late":
        raise OSError(28, "No space left on device", "out/x.yaml")
    return item


def test_a_failure_is_raised_as_it_was(mode: str) -> None:
    with pytest.raises(ProblemError) as caught:
        workers.each(["fine", "problem", "unpicklable"], failing, lambda firsts: None)
    assert caught.value.lines() == ["bp.py:1: error: a is wrong", "bp.py:2: error: b is wrong",
                                    "netgen: 2 errors, nothing written"]
    if mode == "forked":
        assert "raised in a worker process" in caught.value.__notes__[0]
    with pytest.raises(OSError) as disk:
        workers.each(["fine", "late"], failing, lambda firsts: None)
    assert (disk.value.errno, disk.value.filename) == (28, "out/x.yaml")


def test_an_exception_no_pickle_carries_is_described(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETGEN_JOBS", "2")
    with pytest.raises(workers.WorkerFailed, match="ValueError: holds a lambda"):
        workers.each(["fine", "unpicklable"], failing, lambda firsts: None)


def vanishing(item: str) -> Generator[str, None, str]:
    if item == "gone":
        os._exit(3)
    yield item
    return item


def test_a_worker_that_dies_is_a_failure_not_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETGEN_JOBS", "2")
    with pytest.raises(workers.WorkerFailed, match="ended without an answer"):
        workers.each(["fine", "gone"], vanishing, lambda firsts: None)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_problem_errors_survive_a_pickle() -> None:
    import pickle

    error = ProblemError([Problem("x", SourceLoc("bp.py", 3))])
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is ProblemError and again.lines() == error.lines()
    message = pickle.loads(pickle.dumps(MessageError("no git")))
    assert type(message) is MessageError and str(message) == "no git"
    assert message.lines() == MessageError("no git").lines()


def test_the_callers_heap_is_left_collectable(mode: str) -> None:
    """Forking freezes what exists (its pages stay shared); a library caller that had frozen
    nothing gets nothing frozen back, and what the caller froze itself stays frozen."""
    import gc

    assert gc.get_freeze_count() == 0
    workers.each(["a", "b"], pids, lambda firsts: None)
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        kept = gc.get_freeze_count()
        workers.each(["a", "b"], pids, lambda firsts: None)
        assert gc.get_freeze_count() >= kept > 0
    finally:
        gc.unfreeze()


@pytest.mark.skipif(not hasattr(os, "memfd_create") or not Path("/proc/self/stat").exists(),
                    reason="Linux's memfd_create and /proc")
def test_a_worker_leaves_before_its_big_answer_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker's answer (a N=1000 environment's: 360 KB) goes to its spool: the worker
    exits while the caller is still at its own share, instead of waiting, 64 KB at a time,
    for the caller to read it from the pipe."""
    import time

    monkeypatch.setenv("NETGEN_JOBS", "2")
    firsts: list[int] = []

    def work(item: str) -> Generator[int, None, bytes]:
        yield os.getpid()
        if item == "mine":  # this process: waits until the worker has exited, unread
            stat = Path(f"/proc/{firsts[1]}/stat")
            deadline = time.monotonic() + 10
            while stat.read_text().split(")")[-1].split()[0] != "Z":
                assert time.monotonic() < deadline, "the worker waits for its answer to be read"
                time.sleep(0.005)
        return b"x" * 300_000

    answers = workers.each(["mine", "worker's"], work, firsts.extend)
    assert firsts[0] == os.getpid() != firsts[1]
    assert answers == [b"x" * 300_000] * 2


def test_without_a_spool_answers_come_through_the_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the system has no memfd_create, a big answer is read from the pipe in pieces."""
    monkeypatch.setenv("NETGEN_JOBS", "2")
    monkeypatch.setattr(workers, "_spool", lambda: None)

    def work(item: str) -> Generator[str, None, bytes]:
        yield item
        return item.encode() * 300_000

    assert workers.each(["a", "b", "c"], work, lambda firsts: None) == [
        b"a" * 300_000, b"b" * 300_000, b"c" * 300_000]


_ORPHAN = """
import os, sys, time
from netgen import workers

def work(item):
    if item == "b":  # the worker's item: it says where it is, then works for a minute
        with open(sys.argv[1], "w") as f:
            f.write(str(os.getpid()))
        time.sleep(60)
    yield item
    return item

workers.each(["a", "b"], work, lambda firsts: None)
"""


def test_a_python_without_ctypes_still_forks(tmp_path: Path) -> None:
    """A worker asks Linux to end it with its caller through ctypes, which a Python built
    without libffi lacks: the worker then works without it (it died unanswered: 70)."""
    script = ("import sys\nsys.modules['ctypes'] = None\nimport os\n"
              "from netgen import workers\n"
              "def work(item):\n    yield item\n    return os.getpid()\n"
              "pids = workers.each(['a', 'b'], work, lambda firsts: None)\n"
              "print(len(set(pids)))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, env={**os.environ, "NETGEN_JOBS": "2"})
    assert (result.returncode, result.stdout, result.stderr) == (0, "2\n", "")


def _running(pid: int) -> bool:
    """Whether `pid` runs (a zombie, left for a PID 1 that reaps nothing, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self") or not hasattr(os, "fork"),
                    reason="Linux: a worker ends with its caller through prctl")
def test_a_worker_ends_when_its_caller_is_killed(tmp_path: Path) -> None:
    """A caller killed outright runs no `stop` and releases the output lock: its worker must
    not go on writing into OUT/.netgen (the next build would clear that folder under it)."""
    where = tmp_path / "worker.pid"
    caller = subprocess.Popen([sys.executable, "-c", _ORPHAN, str(where)],
                              env={**os.environ, "NETGEN_JOBS": "2"})
    try:
        deadline = time.monotonic() + 60
        while not (where.exists() and where.read_text()) and time.monotonic() < deadline:
            assert caller.poll() is None
            time.sleep(0.02)
        worker = int(where.read_text())
        assert _running(worker)
    finally:
        caller.send_signal(signal.SIGKILL)
        caller.wait(timeout=60)
    deadline = time.monotonic() + 10
    while _running(worker) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _running(worker)
