"""Error and warning records shared by every stage of the ECS importer.

Both carry the export file and a JSONPath-like location, because the person fixing the input
is looking at the AWS CLI output, not at our data model.
"""

from __future__ import annotations

from collections.abc import Iterable

from attrs import field, frozen


@frozen
class Problem:
    """One reason why the export cannot be imported at all."""

    file: str
    json_path: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}" if self.line is not None else self.file
        return f"{where}: {self.json_path}: {self.message}"


@frozen
class Finding:
    """A warning: the import can go on, but someone has to look at this.

    `code` is stable (tests and the blueprint writer match on it); `message` is for people.
    """

    code: str
    message: str
    file: str = ""
    json_path: str = "$"

    def __str__(self) -> str:
        return f"{self.file or '<export>'}: {self.json_path}: [{self.code}] {self.message}"


@frozen
class Source:
    """Where an AWS object was read from, so later stages can point back at it."""

    file: str
    json_path: str

    def at(self, suffix: str) -> Source:
        """A location inside this object, e.g. `source.at(".portMappings[0]")`."""
        return Source(self.file, self.json_path + suffix)

    def finding(self, code: str, message: str, suffix: str = "") -> Finding:
        return Finding(code, message, self.file, self.json_path + suffix)

    def problem(self, message: str, suffix: str = "") -> Problem:
        return Problem(self.file, self.json_path + suffix, message)


@frozen(str=False)
class ExportError(Exception):
    """The export folder cannot be imported; `problems` lists every reason found.

    Not a subclass of the builtin ImportError: that one means "a Python module failed to
    import", and `except ImportError` around optional imports must not swallow ours.
    """

    problems: tuple[Problem, ...] = field(converter=tuple)

    @classmethod
    def of(cls, problems: Iterable[Problem]) -> ExportError:
        return cls(tuple(problems))

    def __str__(self) -> str:
        shown = [str(p) for p in self.problems[:20]]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more")
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        return f"{count} {noun} in the ECS export:\n  " + "\n  ".join(shown)
