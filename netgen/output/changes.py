"""What a build changes in OUT (or between two builds): the same rules for `build`,
`build --check` and `diff`, so they never disagree. A file netgen did not write is never
changed or removed; one in the way of a generated file is refused, naming it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from attrs import frozen

from netgen.output.reading import OutputError, owned, read_tree


@frozen
class Change:
    env: str
    file: str
    action: str  # "added" | "changed" | "removed"
    old: str | None = None
    new: str | None = None


def changes(out: Path, trees: Mapping[str, Mapping[str, str]]) -> list[Change]:
    result: list[Change] = []
    for env, files in trees.items():
        result.extend(env_changes(env, *read_tree(out / env), files, out))
    return result


def compare(
    old: Mapping[str, Mapping[str, str]], new: Mapping[str, Mapping[str, str]]
) -> list[Change]:
    """What changes between two in-memory builds (`netgen diff --against REF`), by the same
    rules as `changes`: an environment missing on one side is all added or all removed."""
    result: list[Change] = []
    for env in sorted(set(old) | set(new)):
        before = {name: text.encode() for name, text in old.get(env, {}).items()}
        result.extend(env_changes(env, before, {}, new.get(env, {})))
    return result


def env_changes(
    env: str,
    existing: dict[str, bytes],
    others: Mapping[str, str],
    files: Mapping[str, str],
    out: Path | None = None,
) -> list[Change]:
    where = (out / env) if out is not None else Path(env)
    result: list[Change] = []
    for name, text in files.items():
        if name in others:
            raise OutputError(f"{where / name} is {others[name]}, not a file netgen wrote; "
                              "move it away or rename the object")
        old = existing.get(name)
        if old is None:
            result.append(Change(env, name, "added", None, text))
        elif old != text.encode():
            if not owned(old):
                raise OutputError(f"{where / name} exists and was not written by netgen; "
                                  "move it away or rename the object")
            result.append(Change(env, name, "changed", old.decode(errors="replace"), text))
    for name, old in sorted(existing.items()):
        if name not in files and owned(old):
            result.append(Change(env, name, "removed", old.decode(errors="replace"), None))
    return result
