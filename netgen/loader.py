"""load: run a blueprint file and return what it declared.

A blueprint is ordinary Python, so any Python mistake in it must come back as a
diagnostic pointing into the user's file, never as a netgen traceback.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from netgen.diagnostics import BlueprintError, Diagnostic
from netgen.dsl import MAX_DECLARATIONS, Builder, TooManyDeclarations, current_builder
from netgen.model import Blueprint, SourceLoc

DEFAULT_TIMEOUT = 60.0


class _LoadTimeout(BaseException):
    """BaseException so that a blueprint's own `except Exception` cannot swallow it."""


@contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """SIGALRM only works on the main thread; elsewhere the blueprint runs unbounded."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise _LoadTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _user_loc(tb: object, builder: Builder) -> SourceLoc | None:
    """The deepest frame in the blueprint file itself, else the deepest outside netgen."""
    frames = traceback.extract_tb(tb)  # type: ignore[arg-type]
    package = os.path.dirname(os.path.abspath(__file__))
    for frame in reversed(frames):
        if frame.filename == builder.path:
            return SourceLoc(builder.display_path, frame.lineno or 0)
    for frame in reversed(frames):
        if not os.path.abspath(frame.filename).startswith(package) and frame.lineno:
            return SourceLoc(frame.filename, frame.lineno)
    return None


def load_blueprint(
    path: str | os.PathLike[str], timeout: float | None = DEFAULT_TIMEOUT
) -> Blueprint:
    shown = os.fspath(path)
    if not Path(shown).is_file():
        raise BlueprintError([Diagnostic(f"{shown}: no such blueprint file")])
    builder = Builder(os.path.abspath(shown), shown)
    token = current_builder.set(builder)
    module_name = f"netgen_blueprint_{abs(hash(os.path.abspath(shown)))}"
    spec = importlib.util.spec_from_file_location(module_name, builder.path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    folder = os.path.dirname(os.path.abspath(shown))
    sys.path.insert(0, folder)
    sys.modules[module_name] = module
    try:
        with _time_limit(timeout):
            spec.loader.exec_module(module)
    except SyntaxError as e:
        loc = SourceLoc(shown if e.filename == builder.path else (e.filename or shown),
                        e.lineno or 0)
        raise BlueprintError([Diagnostic(f"syntax error: {e.msg}", loc)]) from None
    except _LoadTimeout as e:
        loc = _user_loc(e.__traceback__, builder)
        raise BlueprintError(
            [Diagnostic(f"blueprint did not finish loading within {timeout:g} s "
                        "(an endless loop?)", loc)]
        ) from None
    except TooManyDeclarations as e:
        raise BlueprintError(
            [Diagnostic(f"blueprint declares more than {MAX_DECLARATIONS} objects; "
                        "netgen stops here", _user_loc(e.__traceback__, builder))]
        ) from None
    except RecursionError as e:
        raise BlueprintError(
            [Diagnostic("blueprint recursed too deeply", _user_loc(e.__traceback__, builder))]
        ) from None
    except (Exception, SystemExit) as e:
        loc = _user_loc(e.__traceback__, builder)
        raise BlueprintError([Diagnostic(f"{type(e).__name__}: {e}", loc)]) from None
    finally:
        sys.modules.pop(module_name, None)
        if sys.path and sys.path[0] == folder:
            sys.path.pop(0)
        current_builder.reset(token)
    return builder.freeze()
