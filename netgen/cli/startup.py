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
  0.015 s in 3), and peak memory was the same without it. The interpreter still collects
  three times as it exits, whether the collector is on or not; everything is set aside
  (`gc.freeze()`) before, so those pass over nothing (40 M instructions of a N=10 build
  otherwise);
- the command's process ends without tearing the interpreter down (`leave`).
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
    the interpreter's teardown, which frees every object one by one (a N=10 build's last
    5.8 ms, 2.1 ms this way; N=1000's 15.8 ms, 4.7 ms). What the teardown would do that
    anyone can see is done first: the `atexit` handlers run (attrs' methods cache is saved
    by one, a blueprint may register its own) and the standard streams are flushed. A
    process with other threads alive, a code that is not a number, or a stream that
    cannot be flushed (its reader went away) ends through `SystemExit`, as before.

    A file object a blueprint left open is flushed by the teardown only while a module in
    `sys.modules` holds it; the blueprint's own module and its helpers are dropped from
    there once it is loaded (`netgen.loader`), so what they left open was closed then, or
    is in a reference cycle that no interpreter's exit flushes."""
    threading = sys.modules.get("threading")
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if (not isinstance(code, int | None) or run_exit_handlers is None
            or (threading is not None and threading.active_count() > 1)):
        raise SystemExit(code)
    run_exit_handlers()
    try:
        for stream in {sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__}:
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        raise SystemExit(code) from None
    os._exit(code or 0)

