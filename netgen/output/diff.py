"""`netgen diff`: what a build would change, per object, as unified diffs of the YAML.

The comparison itself is `changes.changes` (against out/) or `changes.compare` (against another
build), the same rules `build` uses, so diff and build never disagree about what changes.
"""

from __future__ import annotations

import difflib

from netgen.output.changes import Change

NO_NEWLINE = "\\ No newline at end of file\n"


def unified(change: Change, old_name: str, new_name: str) -> list[str]:
    """The change as `diff -u` / `git diff` prints it; added and removed objects diff
    against /dev/null, so the output applies with `patch -p1` / `git apply`."""
    old = change.old.splitlines(keepends=True) if change.old is not None else []
    new = change.new.splitlines(keepends=True) if change.new is not None else []
    lines = difflib.unified_diff(
        old, new,
        fromfile="/dev/null" if change.old is None else old_name,
        tofile="/dev/null" if change.new is None else new_name,
    )
    out = []
    for i, line in enumerate(lines):
        if i < 2 and " " in line[4:]:  # a name with a space: a tab ends it for `patch`
            line = line.rstrip("\n") + "\t\n"
        out.append(line if line.endswith("\n") else line + "\n" + NO_NEWLINE)
    return out


def counts(diff: list[str]) -> tuple[int, int]:
    """Lines added and removed, as `git diff --stat` counts them."""
    added = sum(1 for line in diff if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in diff if line.startswith("-") and not line.startswith("---"))
    return added, removed


def summary(change: Change, diff: list[str]) -> str:
    added, removed = counts(diff)
    return f"{change.action:<8} {change.env}/{change.file} (+{added} -{removed})"


def totals(changes: list[Change]) -> str:
    parts = [f"{n} {a}" for a in ("added", "changed", "removed")
             if (n := sum(1 for c in changes if c.action == a))]
    return ", ".join(parts) or "no changes"
