"""What netgen's own process does while a command imports what it runs with.

Before any work a command imports about a hundred modules and makes over a hundred attrs
classes; for a blueprint of tens of services that is most of the run. In netgen's own
process (`main` calls `begin`), not when netgen is imported as a library, two things make
it cheaper:

- attrs' generated methods come from netgen's cache (`netgen.cli.attrs_code`);
- the cyclic garbage collector is off while importing: the imports allocate hundreds of
  thousands of objects that all live until the process ends, which it would scan again and
  again (7% of a 10-service build's instructions), and `gc.freeze()` then sets them aside
  so the collections during the work skip them.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# A netgen process builds tens of thousands of small records that live until it exits. With
# the cyclic collector's default thresholds (a young collection every 700 allocations, an
# older one every 10 of those) a N=1000 build spent a fifth of its time scanning objects that
# were all still alive.
GC_THRESHOLDS = (50_000, 20, 10)

_own_process = False


def begin() -> None:
    """This process is the `netgen` command's."""
    global _own_process
    _own_process = True
    gc.set_threshold(*GC_THRESHOLDS)


@contextmanager
def importing() -> Iterator[None]:
    """Around a command's imports (nested or repeated ones too); does nothing unless `begin`
    was called."""
    if not _own_process:
        yield
        return
    from netgen.cli.attrs_code import install

    install()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
