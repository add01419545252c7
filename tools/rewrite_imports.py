"""Rename a module in every import (and every dotted reference, e.g. a monkeypatch target
string) under the given folders: python tools/rewrite_imports.py OLD NEW [folders...].

`from netgen.a import b` where b is the module being moved (OLD = netgen.a.b) is rewritten
too, to `from NEW_PARENT import NEW_NAME as b` when the last name changes."""

from __future__ import annotations

import re
import sys
from pathlib import Path


def rewrite(text: str, old: str, new: str) -> str:
    text = re.sub(rf"(?<![\w.]){re.escape(old)}(?![\w])", new, text)
    old_parent, _, old_name = old.rpartition(".")
    new_parent, _, new_name = new.rpartition(".")
    alias = old_name if old_name == new_name else f"{new_name} as {old_name}"
    return re.sub(
        rf"^(\s*)from {re.escape(old_parent)} import {re.escape(old_name)}$",
        rf"\1from {new_parent} import {alias}", text, flags=re.M)


def main(argv: list[str]) -> int:
    old, new, *folders = argv
    for folder in folders or ["netgen", "tests", "bench", "tools"]:
        for path in Path(folder).rglob("*.py"):
            if path.resolve() == Path(__file__).resolve():
                continue
            text = path.read_text(encoding="utf-8")
            changed = rewrite(text, old, new)
            if changed != text:
                path.write_text(changed, encoding="utf-8")
                print(f"rewrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
