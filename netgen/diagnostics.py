"""Compiler-style diagnostics: every stage collects them and fails once, with all of them.

Only the CLI turns a `BlueprintError` into an exit code; library code never exits.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from attrs import frozen

from netgen.model import SourceLoc


@frozen
class Diagnostic:
    message: str
    loc: SourceLoc | None = None
    severity: str = "error"
    code: str = "NG000"

    def render(self) -> str:
        where = f"{self.loc}: " if self.loc else ""
        return f"{where}{self.severity}: {self.message}"


class BlueprintError(Exception):
    """Raised once per stage with every problem found, so users fix them in one pass."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sorted(
            diagnostics, key=lambda d: (d.loc is None, d.loc or SourceLoc("", 0), d.message)
        )
        super().__init__("\n".join(d.render() for d in self.diagnostics))


class Collector:
    """Accumulates diagnostics during a stage; `raise_if_any` ends the stage."""

    def __init__(self) -> None:
        self._items: dict[tuple[SourceLoc | None, str], Diagnostic] = {}

    @property
    def items(self) -> list[Diagnostic]:
        return list(self._items.values())

    def error(self, loc: SourceLoc | None, message: str, code: str = "NG000") -> None:
        """Blueprint-wide declarations are checked once per environment: report them once."""
        self._items.setdefault((loc, message), Diagnostic(message, loc, "error", code))

    def raise_if_any(self) -> None:
        if self._items:
            raise BlueprintError(self.items)


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
