"""Problems: every stage collects them and fails once, with all of them.

One record for every stage: the blueprint's errors, lint and check findings, schema problems,
the importers' errors and warnings. Only the CLI turns a `ProblemError` into an exit code;
library code never exits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal

from attrs import frozen

from netgen.model import SourceLoc

Severity = Literal["error", "warning", "info"]


@frozen
class InputLoc:
    """A place in an input file that is not a blueprint (an AWS export): file + JSON path."""

    file: str
    json_path: str = "$"
    line: int | None = None  # where a parser said the file broke
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return f"{where}: {self.json_path}"


@frozen
class DocLoc:
    """A place in a YAML stream: the file, the document's index in it, a JSON path inside."""

    file: str
    doc_index: int
    json_path: str = "$"

    def __str__(self) -> str:
        return f"{self.file}: document {self.doc_index + 1}: {self.json_path}"


@frozen
class ObjectLoc:
    """A rendered object: its kind and name, a field path inside it, the file `netgen build`
    would write it to (`<env>/<File>`), and the declaration or template it came from."""

    kind: str | None
    name: str | None
    namespace: str | None = None
    path: str | None = None
    output: str | None = None
    source: SourceLoc | None = None

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else f"{self.name}"
        at = f": {self.path}" if self.path else ""
        file = f"{self.output}: " if self.output is not None else ""
        return f"{file}{self.kind} {where}{at}"


Loc = SourceLoc | InputLoc | DocLoc | ObjectLoc


@frozen
class Problem:
    """One problem of any stage. `env` names the environment it was found in, when it is
    about one environment's output rather than a declaration."""

    # Callers build it positionally (message, loc): the order of the record it replaced.
    message: str
    loc: Loc | None = None
    severity: str = "error"
    code: str = "NG000"
    env: str | None = None

    @property
    def source(self) -> SourceLoc | None:
        """The blueprint (or template) place the problem points at, whatever its Loc."""
        if isinstance(self.loc, ObjectLoc):
            return self.loc.source
        return self.loc if isinstance(self.loc, SourceLoc) else None

    def render(self) -> str:
        where = f"{self.loc}: " if self.loc else ""
        return f"{where}{self.severity}: {self.message}"

    __str__ = render


def plural(n: int, word: str) -> str:
    """`1 error`, `2 errors`: how every summary counts."""
    return f"{n} {word}{'' if n == 1 else 's'}"


class ProblemError(Exception):
    """Raised once per stage with every problem found, so users fix them in one pass. The
    one exception type that carries problems to the user: the CLI prints `lines()` (and
    nothing else) and exits 2 if `usage`, else 1. Subclasses only say what the problems are
    in (`subject`, `noun`) or that they are one message (`MessageError`)."""

    noun = "error"  # what the summary counts
    subject = ""  # where the problems are, for the summary: " in the ECS export"
    usage = False  # the command line asked for the impossible (exit 2), not the input

    def __init__(self, problems: Iterable[Problem], *, ordered: bool = False) -> None:
        """`ordered`: keep the order given (the finder's), else sort by place."""
        found = tuple(problems)
        self.problems: Sequence[Problem] = found if ordered else sorted(
            found, key=lambda d: (d.loc is None, d.loc or SourceLoc("", 0), d.message)
        )
        super().__init__("\n".join(d.render() for d in self.problems))

    def __reduce__(self) -> tuple[Any, ...]:
        """Travels from a worker process (`netgen.workers`) as its class and problems: the
        default would call `__init__` with the message."""
        return _remade, (type(self), tuple(self.problems), self.args), self.__dict__

    def summary(self) -> str:
        return plural(sum(1 for d in self.problems if d.severity == "error"),
                      self.noun) + self.subject

    def lines(self, writes: bool = True) -> list[str]:
        """What a person reads: every problem where it is, then how many (and, for a command
        that writes, that it wrote nothing)."""
        return [*(d.render() for d in self.problems),
                f"netgen: {self.summary()}" + (", nothing written" if writes else "")]


def _remade(cls: type[ProblemError], problems: tuple[Problem, ...], args: tuple[Any, ...]
            ) -> ProblemError:
    e = cls.__new__(cls)
    e.args, e.problems = args, problems
    return e


class MessageError(ProblemError):
    """One problem about no place in any input (a missing program, a wrong option, a git
    revision that does not exist): said in one line by `said_by`, as `str(e)` says it."""

    said_by = "netgen"

    def __init__(self, message: str) -> None:
        super().__init__([Problem(message)])
        self.args = (message,)

    def lines(self, writes: bool = True) -> list[str]:
        return [f"{self.said_by}: {d.message}" for d in self.problems]


class Collector:
    """Accumulates problems during a stage; `raise_if_any` ends the stage."""

    def __init__(self) -> None:
        self._items: dict[tuple[SourceLoc | None, str], Problem] = {}

    @property
    def items(self) -> list[Problem]:
        return list(self._items.values())

    def error(self, loc: SourceLoc | None, message: str, code: str = "NG000") -> None:
        """Blueprint-wide declarations are checked once per environment: report them once."""
        self._items.setdefault((loc, message), Problem(message, loc, "error", code))

    def extend(self, problems: Iterable[Problem]) -> None:
        """Problems another Collector found (another environment's, in a worker process)."""
        for p in problems:
            self._items.setdefault((p.loc, p.message), p)

    def raise_if_any(self) -> None:
        if self._items:
            raise ProblemError(self.items)


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    import difflib  # here: only a mistake needs a suggestion

    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
