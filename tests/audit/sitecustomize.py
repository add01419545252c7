"""Refuse every read of the shared folder beside the repository, in the test process and in
every Python process the tests start.

A fresh clone has nothing beside it, so a test that reads there passes only on machines that
happen to have it (CI has a copy). `tests/conftest.py` installs `install()` in the test
process and puts this folder first on PYTHONPATH, so Python imports this module at start-up in
every subprocess (the CLI runs, the property harness) and installs it there too. A read is
refused (PermissionError) and written to the log that conftest checks when the session ends:
the run fails even if the error was caught.
"""

from __future__ import annotations

import os
import sys

FOLDER = "NETGEN_TEST_FORBIDDEN_DIR"
LOG = "NETGEN_TEST_FORBIDDEN_LOG"
_EVENTS = frozenset({"open", "os.listdir", "os.scandir", "glob.glob", "shutil.copytree"})


class ForbiddenRead(PermissionError):
    """A test (or a process it started) read outside the repository."""


def install(folder: str, log: str) -> None:
    prefix = os.path.join(folder, "")

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event not in _EVENTS or not args:
            return
        target = args[0]
        if not isinstance(target, str | bytes | os.PathLike):
            return
        path = os.path.abspath(os.fsdecode(target))
        if path != folder and not path.startswith(prefix):
            return
        with open(log, "a", encoding="utf-8") as stream:  # the log is not under `folder`
            stream.write(f"{os.getpid()} {event} {path}\n")
        raise ForbiddenRead(f"tests must not read outside the repository: {path}")

    sys.addaudithook(hook)


if os.environ.get(FOLDER) and os.environ.get(LOG):
    install(os.environ[FOLDER], os.environ[LOG])
