"""What netgen's own process does differently from netgen imported as a library.

Before any work a command imports about a hundred modules and makes over a hundred attrs
classes; for a blueprint of tens of services that is most of the run. In netgen's own
process (`main` calls `begin`), not when netgen is imported as a library, three things make
it cheaper:

- attrs' generated methods come from netgen's cache (`netgen.cli.attrs_code`);
- the cyclic garbage collector is off: the imports allocate hundreds of thousands of
  objects that all live until the process ends, which it would scan again and again (7% of
  a 10-service build's instructions), and so do the records of the work. What a build
  leaves in reference cycles comes from the imports, not from the work: `gc.collect()`
  before exiting found 4,474 objects at N=100, N=1000 and N=10,000 alike (`netgen check`
  at N=1000: 4,860), so collecting finds nothing worth its cost; that cost grew faster than
  the work (a N=10,000 build spent 1.05 s of 10.6 s of CPU in 54 collections, N=1000
  0.015 s in 3), and peak memory was the same without it. Where the interpreter's
  teardown runs (a process that cannot skip it, below), it collects three times, whether
  the collector is on or not; everything is set aside (`gc.freeze()`) before, so those
  pass over nothing (40 M instructions of a N=10 build otherwise);
- the command's process ends without the interpreter's teardown where nothing depends on
  it (`leave`).
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

_own_process = False


def begin() -> None:
    """This process is the `netgen` command's: it runs without the cyclic collector."""
    global _own_process
    _own_process = True
    gc.disable()
    # registered first, so it runs after every other atexit handler, and the interpreter's
    # own collections then skip what it set aside
    atexit.register(gc.freeze)


@contextmanager
def importing() -> Iterator[None]:
    """Around a command's imports (nested or repeated ones too); does nothing unless `begin`
    was called."""
    if not _own_process:
        yield
        return
    from netgen.cli.attrs_code import install

    install()
    yield


def leave(code: int | str | None) -> NoReturn:
    """Ends the `netgen` command's process with `code` as `sys.exit` would, but without
    the interpreter's teardown, which frees every object one by one (from the end of
    `main` to the process being reaped, a N=10 build's 6.4 ms are 2.8 ms this way, N=1000's
    20.8 ms 5.3 ms). Of what the teardown does, what
    netgen's own process needs is done first: the `atexit` handlers run (attrs' methods
    cache is saved by one, a blueprint may register its own) and the standard streams are
    flushed, stdout first. What the teardown does besides is finalize the objects modules
    hold; a blueprint's own module and its helpers are dropped once it is loaded
    (`netgen.loader`), so what they left open was closed then (or sits in a reference
    cycle, which no Python exit finalizes).

    So the process ends through `SystemExit`, as any Python program does, when the
    teardown may matter or the end cannot be skipped: a blueprint imported a library that
    stays loaded (`loader.kept_libraries`; its module-level files and C buffers are the
    teardown's to flush), another thread is running, a profiler or coverage tool is
    watching (it reports from the teardown or after `-m netgen` returns), the code is not
    an exit status (0-255, or None), or a stream cannot be flushed (its reader went away)."""
    if not _may_skip_teardown(code):
        raise SystemExit(code)
    atexit._run_exitfuncs()
    try:
        for stream in dict.fromkeys((sys.stdout, sys.__stdout__, sys.stderr, sys.__stderr__)):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError, AttributeError):
        raise SystemExit(code) from None
    os._exit(code or 0)


def _may_skip_teardown(code: int | str | None) -> bool:
    loader = sys.modules.get("netgen.loader")
    threading = sys.modules.get("threading")
    monitoring = getattr(sys, "monitoring", None)  # Python 3.12's tool hooks (coverage)
    return ((code is None or (type(code) is int and 0 <= code <= 255))
            and not getattr(loader, "kept_libraries", False)
            and not (threading is not None and threading.active_count() > 1)
            and sys.gettrace() is None and sys.getprofile() is None
            and not (monitoring is not None
                     and any(monitoring.get_tool(i) for i in range(6)))
            and hasattr(atexit, "_run_exitfuncs"))
