"""Timing and memory of whole child processes, and what they did to an output folder.

Peak memory is the child's own ru_maxrss from `os.wait4`, so it is exact per process and
needs no psutil (`RUSAGE_CHILDREN` would give the maximum over all children so far).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class ChildFailed(Exception):
    pass


@dataclass
class Run:
    seconds: float
    cpu_seconds: float  # user + system time of the child (and children it waited for)
    sys_seconds: float
    max_rss_kib: int
    stdout: str


def run_once(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> Run:
    """Wall time from spawn to exit, and the child's peak resident set size."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=dict(env) if env is not None else None, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        if proc.returncode != 0:
            raise ChildFailed(f"{' '.join(map(str, argv))} exited {proc.returncode}:\n"
                              f"{err.read().decode(errors='replace')[-2000:]}")
    # Linux reports ru_maxrss in KiB.
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_stime, usage.ru_maxrss, stdout)


@dataclass
class Series:
    """Several runs of the same thing."""

    runs: list[Run] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    @property
    def min(self) -> float:
        return min(r.seconds for r in self.runs)

    @property
    def cpu_median(self) -> float:
        return statistics.median(r.cpu_seconds for r in self.runs)

    @property
    def peak_mib(self) -> float:
        return max(r.max_rss_kib for r in self.runs) / 1024


Snapshot = dict[str, tuple[int, int, int]]


def snapshot(folder: Path) -> Snapshot:
    """Every file and folder under `folder`: (inode, mtime_ns, size). A file netgen wrote
    (or replaced through a rename) has a new inode or mtime; one it left alone has neither."""
    found: Snapshot = {}
    for root, dirs, files in os.walk(folder):
        for name in (*dirs, *files):
            path = os.path.join(root, name)
            st = os.lstat(path)
            found[os.path.relpath(path, folder)] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return found


def touched(before: Snapshot, after: Snapshot) -> list[str]:
    """Files and folders created, replaced, modified or removed between two snapshots."""
    names = sorted(set(before) | set(after))
    return [n for n in names if before.get(n) != after.get(n)]


def tree_stats(folder: Path) -> tuple[int, int]:
    """(YAML documents, bytes) of a netgen output folder: one object per *.yaml file; the
    bytes count every file netgen wrote (Kustomization files included)."""
    docs = size = 0
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != ".netgen"]  # netgen's lock and cache
        for name in files:
            size += os.path.getsize(os.path.join(root, name))
            docs += name.endswith(".yaml")
    return docs, size


# A fixed piece of pure Python (arithmetic, a dict): what it costs says how fast the machine
# is at the moment, apart from netgen. On a virtual machine the same loop's CPU time moved
# by 45% within a minute (0.31-0.45 s at three times this size), enough to turn a met
# target into a miss, so a run prints it beside its figures.
PROBE = ("import time\ndef loop():\n    s = 0\n    d = {}\n"
         "    for i in range(1_000_000):\n        s += i * i % 7\n        d[i & 1023] = s\n"
         "t = time.process_time()\nloop()\nprint(time.process_time() - t)")


def probe(python: str, runs: int = 3) -> list[float]:
    """CPU seconds of `PROBE`'s loop, in `runs` fresh processes of `python`."""
    return [float(run_once([python, "-c", PROBE]).stdout) for _ in range(runs)]
