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

    rich is imported only for a terminal: it costs more to import than a small build."""
    if quiet or (console is None and not sys.stderr.isatty()):
        yield silent
        return
    from rich.console import Console

    console = console or Console(stderr=True)
    if not console.is_terminal:
        yield silent
        return
    with console.status(f"netgen: {first}…", spinner="dots") as status:
        yield lambda stage: status.update(f"netgen: {stage}…")


def paint(text: str, **style: Any) -> str:
    """ANSI colour for a terminal; `typer.echo` strips it again when output is piped."""
    if os.environ.get("NO_COLOR"):
        return text
    import typer  # here: `netgen build` prints no colour and need not import typer

    return typer.style(text, **style)
