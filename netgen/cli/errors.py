"""How an error becomes a message and an exit code, without typer: `options.guarded` (the
typer commands) and the fast path (`netgen.cli.fast`) both go through `handled`, so a
failure reads and exits the same whichever path ran the command."""

from __future__ import annotations

import errno
import os
import sys

from netgen.cli.streams import quiet, stderr_reader_gone, wait_for_room

EXIT_ERRORS, EXIT_USAGE, EXIT_OUTPUT, EXIT_BUG, EXIT_INTERRUPTED = 1, 2, 3, 70, 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `cat big | head`


class Failed(Exception):
    """A command's own verdict (e.g. `build --check` found differences): the message goes
    to stderr and the process exits with `code`."""

    def __init__(self, message: str, code: int = EXIT_ERRORS) -> None:
        super().__init__(message)
        self.message, self.code = message, code


def echo(message: str, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    if stream is None:  # started with the stream closed (`>&-`): as `print` does
        return
    try:
        stream.write(message + "\n")
        stream.flush()
    except OSError as e:
        if not err:
            raise stdout_failed(e) from None
        quiet(stream)  # stderr failed: there is nowhere to say it


def handled(e: BaseException, writes: bool = True) -> int | None:
    """Print what the user should read about `e` and return the exit code; None for an
    exception that is not an error of the command (typer's own exits), to be re-raised.
    Call it inside the `except` block: a netgen bug prints its traceback from there.
    `writes`: the command writes files (build, import, init), so saying that it wrote
    nothing means something."""
    from netgen.output.reading import OutputError
    from netgen.output.write import Interrupted
    from netgen.problems import ProblemError

    if isinstance(e, Failed):
        echo(e.message, err=True)
        return e.code
    if isinstance(e, BrokenPipeError):
        quiet_stdout()
        return EXIT_BROKEN_PIPE
    if isinstance(e, ProblemError):  # every stage's problems, rendered here only
        for line in e.lines(writes):
            echo(line, err=True)
        return EXIT_USAGE if e.usage else EXIT_ERRORS
    if isinstance(e, OutputError):
        echo(f"netgen: {e}", err=True)
        return EXIT_OUTPUT
    if isinstance(e, OSError):
        echo(f"netgen: {e.strerror or e}: {e.filename or ''}".rstrip(": "), err=True)
        return EXIT_OUTPUT
    if isinstance(e, Interrupted):
        echo(f"netgen: interrupted; {e.out} already holds the new output, whole", err=True)
        return EXIT_INTERRUPTED
    if isinstance(e, KeyboardInterrupt):
        echo("netgen: interrupted" + ("; nothing was written" if writes else ""), err=True)
        return EXIT_INTERRUPTED
    if isinstance(e, SystemExit) or not isinstance(e, Exception):
        return None
    if os.environ.get("NETGEN_DEBUG"):
        import traceback

        traceback.print_exc()
    echo(f"netgen: internal error: {type(e).__name__}: {e} (this is a bug in "
         "netgen; rerun with NETGEN_DEBUG=1 for details)", err=True)
    return EXIT_BUG


def write_out(data: str | bytes) -> None:
    """All of `data` to stdout, after what was printed before, through the bytes layer: a
    write that takes only part is written on (PYTHONUNBUFFERED=1 makes that layer the file
    itself, and a long write to a reader that leaves mid-stream took part and exited 0), a
    non-blocking stdout (one a Node.js parent shares) is waited for, and a reader that went
    away is BrokenPipeError (exit 141)."""
    out = sys.stdout
    if out is None:  # started with stdout closed (`netgen check >&-`): as `ls` says it
        raise stdout_failed(OSError(errno.EBADF, os.strerror(errno.EBADF)))
    buffer = getattr(out, "buffer", None)
    if buffer is None or (os.linesep != "\n" and isinstance(data, str)):
        out.write(data if isinstance(data, str) else data.decode())  # a stand-in stream, or
        return  # text on a platform whose text layer translates line ends
    view = memoryview(data if isinstance(data, bytes)
                      else data.encode(out.encoding, out.errors or "strict"))
    try:
        out.flush()
        while view:
            try:
                written = buffer.write(view)
            except BlockingIOError as e:  # buffered: it took this much
                written = e.characters_written
                wait_for_room(buffer)
            else:
                if written is None:  # the file itself (unbuffered): it would block
                    written = 0
                    wait_for_room(buffer)
                elif not written:
                    raise OSError(errno.EIO, "stdout took nothing")
            view = view[written:]
        while True:
            try:
                buffer.flush()
                break
            except BlockingIOError:
                wait_for_room(buffer)
    except OSError as e:
        raise stdout_failed(e) from None


def stdout_failed(e: OSError) -> OSError:
    """`e`, a failed write to stdout, named so (`handled` says which file), stdout quieted."""
    quiet_stdout()
    if e.filename is None:
        e.filename = "stdout"
    return e


def flushed(code: int | str | None) -> int | str | None:
    """`code`, once stdout holds everything the command printed. Buffered output is
    otherwise written when the process ends, where Python can only complain ('Exception
    ignored ...') and exit 120: here a reader that went away, stdout's or stderr's, is 141,
    quietly, and another failure (a full disk under `netgen check > report`) is said, and
    exits 3 unless the command had failed already (with 3 it has said so: `typer.echo`
    flushes as it writes)."""
    if code == EXIT_INTERRUPTED:  # what is left is not waited for (a reader that stopped)
        quiet(sys.stdout)
        quiet(sys.stderr)
    try:
        sys.stderr.flush()
    except OSError:  # nowhere to say it (`2>&1 | head`: a usage message to a gone reader)
        quiet(sys.stderr)
    except (ValueError, AttributeError):  # closed, or None: nothing is left in it
        pass
    code = _stdout_flushed(code)
    return EXIT_BROKEN_PIPE if stderr_reader_gone() else code


def _stdout_flushed(code: int | str | None) -> int | str | None:
    if sys.stdout is None:  # started with stdout closed: what needed it has said so
        return code
    try:
        sys.stdout.flush()
    except ValueError:  # closed in the process (by a blueprint): nothing left to write
        return code
    except KeyboardInterrupt:  # Ctrl-C while waiting for a reader: not waited for again
        quiet(sys.stdout)
        return EXIT_INTERRUPTED
    except OSError as e:
        stdout_failed(e)
        if code == EXIT_OUTPUT:
            return code
        failed = handled(e)
        return failed if failed == EXIT_BROKEN_PIPE or code in (None, 0) else code
    return code


def quiet_stdout() -> None:
    """The reader of our output went away (`netgen diff | head`): say nothing more, and
    point stdout at /dev/null so the interpreter's final flush cannot complain either."""
    quiet(sys.stdout)
