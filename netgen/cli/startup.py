"""What netgen's own process does differently from netgen imported as a library.

Before any work a command imports about a hundred modules and makes over a hundred attrs
classes; for a blueprint of tens of services that is most of the run. In netgen's own
process (`main` calls `begin`), not when netgen is imported as a library, two things make
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
  otherwise).
"""

from __future__ import annotations

import atexit
import gc
from collections.abc import Iterator
from contextlib import contextmanager

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
