"""load: run a blueprint file and return what it declared.

A blueprint is ordinary Python, so any Python mistake in it must come back as a
diagnostic pointing into the user's file, never as a netgen traceback. Whatever it does
while it runs is undone afterwards, as far as netgen can: what it prints goes to stderr
(so `build --stdout` stays one clean YAML stream), and the working directory, `sys.path`
and the helper modules it imported from its own folder are restored, so the next load in
the same process starts clean.
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout, suppress
from pathlib import Path
from types import CodeType
from typing import NoReturn

from netgen.cache import cache_folder, read_entry, store_entry
from netgen.dsl import MAX_DECLARATIONS, Builder, TooManyDeclarations, current_builder
from netgen.model import Blueprint, SourceLoc
from netgen.problems import Problem, ProblemError

DEFAULT_TIMEOUT = 60.0

# Whether a blueprint loaded in this process imported a library that stays loaded (neither
# Python's own nor netgen): its module-level state may count on the interpreter's teardown
# (a file it flushes, a temporary file it deletes), so the command's process ends with it
# (`netgen.cli.startup.leave`). `ctypes` counts too: C code's buffered output is flushed by
# the C library's `exit`.
kept_libraries = False
_REFIRE = 0.05  # after the deadline the alarm repeats, so one `except BaseException` is not enough


class _LoadTimeout(BaseException):
    """BaseException so that a blueprint's own `except Exception` cannot swallow it."""


TimeLimit = _LoadTimeout  # for other user code netgen runs: template overrides


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raises TimeLimit (a BaseException, so user code cannot catch it) once `seconds` have
    passed. SIGALRM only works on the main thread; elsewhere the code runs unbounded."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise _LoadTimeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, _REFIRE)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    """A blueprint's output (print, `sys.__stdout__`, a child process, a C extension) goes
    to stderr: stdout may be the YAML stream of `build --stdout`. Redirected at the file
    descriptor too, when there is one, since `os.system` and C code write to fd 1 directly."""
    saved = None
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        saved = os.dup(1)
        os.dup2(2, 1)
    except (OSError, ValueError, AttributeError):
        if saved is not None:
            os.close(saved)
        saved = None
    original = sys.__stdout__
    try:
        if sys.stderr is not None:  # closed (`2>&-`): a blueprint's write there still works
            sys.__stdout__ = sys.stderr
        with redirect_stdout(sys.stderr):
            yield
    finally:
        sys.__stdout__ = original
        if saved is not None:
            with suppress(OSError, ValueError):
                sys.stderr.flush()
            os.dup2(saved, 1)
            os.close(saved)


class _HardExit(BaseException):
    """A blueprint called `os._exit`: the process would end at once with its code, exit 0
    before anything was checked or written, a gate passing on nothing."""

    def __init__(self, code: object) -> None:
        super().__init__(code)
        self.code = code


@contextmanager
def _no_hard_exit() -> Iterator[None]:
    """`os._exit` raises while a blueprint runs, in this process only: a child it forks
    (multiprocessing) still ends as it asks."""
    real, pid = os._exit, os.getpid()

    def refused(code: int) -> NoReturn:
        if os.getpid() != pid:
            real(code)
        raise _HardExit(code)

    os._exit = refused
    try:
        yield
    finally:
        os._exit = real


@contextmanager
def _restored_process_state(folder: str) -> Iterator[None]:
    """Undo what a blueprint may change in the process: the working directory (a relative
    --out would land elsewhere), `sys.path`, and the modules it imported from its own folder
    (a later load, such as `netgen diff`'s second build, must read them afresh); notes a
    library it imported that stays (`kept_libraries`)."""
    global kept_libraries
    cwd = os.getcwd()
    path = list(sys.path)
    modules = set(sys.modules)
    try:
        yield
    finally:
        with suppress(OSError):
            os.chdir(cwd)
        sys.path[:] = path
        for name in set(sys.modules) - modules:
            if _blueprint_helper(name, getattr(sys.modules[name], "__file__", None), folder):
                del sys.modules[name]
            elif _library(name):
                kept_libraries = True


def _library(name: str) -> bool:
    top = name.partition(".")[0]
    return top == "ctypes" or (top != "netgen" and top not in sys.stdlib_module_names)


def _blueprint_helper(name: str, file: object, folder: str) -> bool:
    """A module the user keeps next to the blueprint; not netgen itself or an installed
    package (a blueprint at a checkout's root, or beside a virtualenv), which must stay
    single instances."""
    if not isinstance(file, str) or name == "netgen" or name.startswith("netgen."):
        return False
    relative = os.path.relpath(os.path.abspath(file), folder)
    parts = relative.split(os.sep)
    return parts[0] != os.pardir and not {"site-packages", "dist-packages"} & set(parts)


def _user_loc(tb: object, builder: Builder) -> SourceLoc | None:
    """The deepest frame in the blueprint file itself, else the deepest outside netgen.
    (traceback, and the textwrap it imports, only for a blueprint that failed: 4 M
    instructions of every build's start.)"""
    import traceback

    frames = traceback.extract_tb(tb)  # type: ignore[arg-type]
    package = os.path.dirname(os.path.abspath(__file__))
    for frame in reversed(frames):
        if frame.filename == builder.path:
            return SourceLoc(builder.display_path, frame.lineno or 0)
    for frame in reversed(frames):
        if not os.path.abspath(frame.filename).startswith(package) and frame.lineno:
            return SourceLoc(_shown(frame.filename), frame.lineno)
    return None


def _shown(path: str) -> str:
    """A helper module's path as the blueprint's is shown: relative to the working folder
    when it is inside it (editors and SARIF uploads read it there), else as it is."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path
    return path if relative.startswith(os.pardir) else relative


def load_blueprint(
    path: str | os.PathLike[str], timeout: float | None = DEFAULT_TIMEOUT
) -> Blueprint:
    shown = os.fspath(path)
    _check_blueprint_path(shown)
    builder = Builder(os.path.abspath(shown), shown)
    try:
        source = Path(builder.path).read_bytes()
    except OSError as e:
        raise ProblemError([Problem(f"{shown}: cannot read: {e.strerror or e}")]) from None
    token = current_builder.set(builder)
    module_name = f"netgen_blueprint_{abs(hash(os.path.abspath(shown)))}"
    spec = importlib.util.spec_from_file_location(module_name, builder.path)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    folder = os.path.dirname(builder.path)
    try:
        with _restored_process_state(folder), _stdout_to_stderr(), _no_hard_exit():
            sys.path.insert(0, folder)
            sys.modules[module_name] = module
            try:
                with time_limit(timeout):
                    _run(source, builder.path, module)
            finally:
                sys.modules.pop(module_name, None)
    except SyntaxError as e:
        loc = SourceLoc(shown if e.filename == builder.path else _shown(e.filename or shown),
                        e.lineno or 0)
        raise ProblemError([Problem(f"syntax error: {e.msg}", loc)]) from None
    except _LoadTimeout as e:
        loc = _user_loc(e.__traceback__, builder)
        raise ProblemError(
            [Problem(f"blueprint did not finish loading within {timeout:g} s "
                        "(an endless loop?)", loc)]
        ) from None
    except TooManyDeclarations as e:
        raise ProblemError(
            [Problem(f"blueprint declares more than {MAX_DECLARATIONS} objects; "
                        "netgen stops here", _user_loc(e.__traceback__, builder))]
        ) from None
    except RecursionError as e:
        raise ProblemError(
            [Problem("blueprint recursed too deeply", _user_loc(e.__traceback__, builder))]
        ) from None
    except KeyboardInterrupt:
        raise  # Ctrl-C (or a blueprint raising it) interrupts the build: the CLI says so
    except (SystemExit, _HardExit) as e:
        called = "os._exit" if isinstance(e, _HardExit) else "exit"
        raise ProblemError(
            [Problem(f"blueprint called {called}({e.code!r}); a blueprint declares, it cannot "
                        "end the build", _user_loc(e.__traceback__, builder))]
        ) from None
    except BaseException as e:
        loc = _user_loc(e.__traceback__, builder)
        raise ProblemError([Problem(_describe(e), loc)]) from None
    finally:
        current_builder.reset(token)
    return builder.freeze()


def _check_blueprint_path(shown: str) -> None:
    """A blueprint is a Python file, named `*.py` as Python's own import machinery wants;
    anything else passed here is most often netgen's own output or an ECS export given to
    the wrong command, which as Python would fail at some odd line, or run."""
    path = Path(shown)
    if not path.is_file():  # the one `stat` of every build; the rest only says what is wrong
        if path.is_dir():
            inside = path / "blueprint.py"
            hint = f" (did you mean {inside}?)" if inside.is_file() else ""
            raise ProblemError([Problem(f"{shown}: is a folder, not a blueprint file{hint}")])
        raise ProblemError([Problem(f"{shown}: no such blueprint file")])
    if path.suffix != ".py":
        raise ProblemError([Problem(f"{shown}: not a blueprint: a blueprint is a Python file "
                                    "whose name ends in .py")])


def _run(source: bytes, path: str, module: object) -> None:
    exec(_compiled(source, path), module.__dict__)


def _compiled(source: bytes, path: str) -> CodeType:
    """The blueprint's code, compiled once per source (40 ms for a 170 kB blueprint, 0.3 ms
    to read back).

    Not the import system's bytecode cache: it trusts a file's size and mtime in whole
    seconds, so a blueprint rewritten within the same second (a script, a fast editor) would
    run stale, and it would write __pycache__ next to the user's file. Here the code is kept
    in netgen's cache folder, one file per blueprint path (editing a blueprint replaces its
    entry, so the folder does not grow with edits), under a digest of everything the
    compiled code depends on: the interpreter's bytecode version, `-O`, the path (it is in
    the code object) and the source bytes. Anything unreadable or not matching is compiled
    afresh."""
    folder = cache_folder(f"blueprints-{sys.implementation.cache_tag}")
    if folder is None:
        return compile(source, path, "exec", dont_inherit=True)
    encoded = path.encode("utf-8", "surrogateescape")
    digest = hashlib.sha256(b"%s\0%d\0%s\0" % (
        importlib.util.MAGIC_NUMBER, sys.flags.optimize, encoded))
    digest.update(source)
    key = digest.digest()
    entry = os.path.join(folder, hashlib.sha256(encoded).hexdigest()[:32])
    code = _cached_code(entry, key)
    if code is None:
        code = compile(source, path, "exec", dont_inherit=True)
        store_entry(entry, key, marshal.dumps(code))
    return code


def _cached_code(entry: str, key: bytes) -> CodeType | None:
    data = read_entry(entry, key)
    if data is None:
        return None
    try:
        code = marshal.loads(data)
    except (ValueError, EOFError, TypeError):
        return None
    return code if isinstance(code, CodeType) else None


def _describe(e: BaseException) -> str:
    try:
        text = str(e)
    except BaseException:  # a blueprint's own exception class with a broken __str__
        text = f"<{type(e).__name__} object; its message could not be shown>"
    return f"{type(e).__name__}: {text}" if text else type(e).__name__
