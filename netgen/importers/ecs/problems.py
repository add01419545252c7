"""Error and warning records shared by every stage of the ECS importer.

Both carry the export file and a JSONPath-like location, because the person fixing the input
is looking at the AWS CLI output, not at our data model.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from attrs import evolve, frozen

from netgen.problems import InputLoc, ProblemError
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


class ExportError(ProblemError):
    """The export folder cannot be imported; `problems` lists every reason found, in the
    order the loader found them (by file). A ProblemError, so the CLI renders it as every
    other stage's problems: `DIR/file: $.json.path: error: message`, then the count.

    Not a subclass of the builtin ImportError: that one means "a Python module failed to
    import", and `except ImportError` around optional imports must not swallow ours.
    """

    noun = "problem"
    subject = " in the ECS export"

    def __init__(self, problems: Iterable[Record]) -> None:
        super().__init__(problems, ordered=True)

    @classmethod
    def of(cls, found: Iterable[Record]) -> ExportError:
        return cls(found)

    def under(self, folder: Path) -> ExportError:
        """The same problems with their files named from the working directory (as the
        user named the folder), for the command line."""
        return ExportError(evolve(p, loc=evolve(at(p), file=_joined(folder, at(p).file)))
                           for p in self.problems)

    def __str__(self) -> str:
        """For a library caller's log: the first 20 problems under the count (the CLI
        prints them all, through `lines()`)."""
        shown = [p.render() for p in self.problems[:20]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more")
        return f"{self.summary()}:\n  " + "\n  ".join(shown)


def _joined(folder: Path, file: str) -> str:
    """A problem's file as the user names it: the folder itself, or a file inside it."""
    return file if file == str(folder) else (folder / file).as_posix()
