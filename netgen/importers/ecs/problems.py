"""Error and warning records shared by every stage of the ECS importer.

Both carry the export file and a JSONPath-like location, because the person fixing the input
is looking at the AWS CLI output, not at our data model.
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import field, frozen

from netgen.problems import InputLoc
from netgen.problems import Problem as Record

# Both records are `netgen.problems.Problem` at an `InputLoc` (file, JSON path, and the line and
# column where a parser gave up); these are their thin constructors.
EXPORT_ERROR = "export-error"


def Problem(
    file: str, json_path: str, message: str, line: int | None = None, column: int | None = None
) -> Record:
    """One reason why the export cannot be imported at all."""
    return Record(message, InputLoc(file, json_path, line, column), "error", EXPORT_ERROR)


def Finding(code: str, message: str, file: str = "", json_path: str = "$") -> Record:
    """A warning: the import can go on, but someone has to look at this.

    `code` is stable (tests and the blueprint writer match on it); `message` is for people.
    """
    return Record(message, InputLoc(file, json_path), "warning", code)


def at(p: Record) -> InputLoc:
    """Where an importer problem points (every one has an InputLoc)."""
    assert isinstance(p.loc, InputLoc), p
    return p.loc


@frozen
class Source:
    """Where an AWS object was read from, so later stages can point back at it."""

    file: str
    json_path: str

    def at(self, suffix: str) -> Source:
        """A location inside this object, e.g. `source.at(".portMappings[0]")`."""
        return Source(self.file, self.json_path + suffix)

    def finding(self, code: str, message: str, suffix: str = "") -> Record:
        return Finding(code, message, self.file, self.json_path + suffix)

    def problem(self, message: str, suffix: str = "") -> Record:
        return Problem(self.file, self.json_path + suffix, message)


@frozen(str=False)
class ExportError(Exception):
    """The export folder cannot be imported; `problems` lists every reason found.

    Not a subclass of the builtin ImportError: that one means "a Python module failed to
    import", and `except ImportError` around optional imports must not swallow ours.
    """

    problems: tuple[Record, ...] = field(converter=tuple)

    @classmethod
    def of(cls, found: Iterable[Record]) -> ExportError:
        return cls(tuple(found))

    def __str__(self) -> str:
        shown = [f"{p.loc}: {p.message}" for p in self.problems[:20]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more")
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        return f"{count} {noun} in the ECS export:\n  " + "\n  ".join(shown)
