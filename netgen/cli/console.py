"""Terminal niceties that must never leak into pipes: a progress spinner and colours.

Both appear only when the stream is a terminal (and colours not with NO_COLOR set), so
CI logs and redirected output stay plain and byte-for-byte stable.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from netgen.pipeline import Stage, silent


@contextmanager
def progress(quiet: bool, first: str = "loading blueprint", console: Any = None
             ) -> Iterator[Stage]:
    """Yields a function that names the current stage; shown as a spinner on stderr.

    rich is imported only for a terminal: it costs more to import than a small build. The
    spinner turns at each stage, drawn by the caller's thread: rich's own status redraws it
    from a thread of its own, and a build forks its workers only from a process with one
    thread (`netgen.workers`)."""
    if quiet or (console is None and not (sys.stderr is not None and sys.stderr.isatty())):
        yield silent
        return
    from rich.console import Console
    from rich.live import Live
    from rich.spinner import Spinner

    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield silent
        return
    spinner = Spinner("dots", f"netgen: {first}…")
    with Live(spinner, console=console, auto_refresh=False, transient=True) as live:
        def stage(name: str) -> None:
            spinner.update(text=f"netgen: {name}…")
            live.refresh()

        yield stage


def paint(text: str, **style: Any) -> str:
    """ANSI colour for a terminal; `typer.echo` strips it again when output is piped.
    None with NO_COLOR, or on a terminal that says it has none (TERM=dumb: Emacs' shell)."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return text
    import typer  # here: `netgen build` prints no colour and need not import typer

    return typer.style(text, **style)
