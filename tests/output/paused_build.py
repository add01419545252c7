"""`netgen build` that stops at a chosen point of output.write and waits to be killed (tests).

    python -m tests.output.paused_build POINT MARKER [build arguments...]

When the build reaches POINT it creates the file MARKER and sleeps; the test then kills it
with SIGKILL, exactly there. The product code has no hook for this: the points are
wrapped here, from outside.

Points:
  locked     holding the output lock, before anything is read or written
  staging    some files of the new tree written, others not
  staged     every new tree staged, before the first swap
  half-swap  (two-rename fallback) the old tree moved aside, the new one not yet in place
  swapped    the new tree in place, the previous one not yet deleted
  rendering  a forked worker rendering its environment (run it with NETGEN_JOBS=2)
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from typing import Any

from netgen.output import write


def pause(marker: str) -> None:
    with open(marker, "w"):
        pass
    while True:
        time.sleep(60)


def install(point: str, marker: str) -> None:
    if point == "locked":
        real_recover = write.recover

        def recover(out: Any) -> None:
            pause(marker)
            real_recover(out)

        write.recover = recover
    elif point == "staging":
        real_open = os.open
        written = {"n": 0}

        def opening(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if flags & os.O_WRONLY and write._NEW in str(path):
                written["n"] += 1
                if written["n"] == 3:
                    pause(marker)
            return real_open(path, flags, *args, **kwargs)

        os.open = opening
    elif point == "staged":
        real_swap = write._swap

        def swap(*args: Any) -> None:
            pause(marker)
            real_swap(*args)

        write._swap = swap
    elif point == "half-swap":
        write._exchange = lambda a, b: False  # the fallback path
        real_rename = os.rename

        def rename(src: Any, dst: Any) -> None:
            real_rename(src, dst)
            if write._OLD in str(dst):
                pause(marker)

        os.rename = rename
    elif point == "swapped":
        real_rmtree = shutil.rmtree

        def rmtree(path: Any, *args: Any, **kwargs: Any) -> None:
            if write._NEW in str(path) or write._OLD in str(path):
                pause(marker)
            real_rmtree(path, *args, **kwargs)

        shutil.rmtree = rmtree
    elif point == "rendering":
        from netgen import build

        real_compile, parent = build.compile_plans, os.getpid()

        def compiling(*args: Any, **kwargs: Any) -> Any:
            if os.getpid() != parent:
                pause(marker)
            return real_compile(*args, **kwargs)

        build.compile_plans = compiling
    else:
        raise SystemExit(f"unknown point {point!r}")


if __name__ == "__main__":
    install(sys.argv[1], sys.argv[2])
    from netgen.cli import app

    app(["build", *sys.argv[3:]], prog_name="netgen")
