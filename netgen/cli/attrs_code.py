"""attrs' generated methods, compiled once across netgen processes.

attrs writes the methods of each record class (`__init__`, `__eq__`, `__hash__`, `__repr__`,
...) as Python source and compiles it when the class is made. netgen defines over a hundred
such classes, and compiling their methods was a third of `netgen build`'s imports (40-55 ms
of 0.13-0.2 s on a 2-core machine, where a whole N=10 build is 0.2-0.3 s). The source is the
same in every process but for one number: the salt in each `__hash__`, which attrs takes
from `hash()` of a string, and str hashes are randomised per process. So the compiled code
is kept in netgen's cache and reused for the same source; when only the salts differ, the
reused code gets the new numbers in place of the old ones, and when one of them cannot be
found among its constants the source is compiled as before.

attrs calls the built-in `compile` by name from `attr._make`; `install` gives that module a
`compile` of its own. An attrs that compiles some other way just does not use the cache.
Only the CLI installs it (the process is netgen's own); importing netgen as a library leaves
attrs alone.
"""

from __future__ import annotations  # as in attr._make: `compile` inherits the caller's

import atexit
import marshal
import re
import sys
from types import CodeType

from netgen.cache import cache_folder, read_entry, store_entry

_KEY = b"netgen attrs methods 1\0%s\0%d\0" % (
    sys.implementation.cache_tag.encode(), sys.flags.optimize)
# attrs writes the salt as the first item of the tuple `__hash__` hashes: `hash((\n  -642...,`.
# Searching for that literal start is quick; a pattern for any long number took as long as
# the compiling it saves.
_SALT = re.compile(r"hash\(\(\s*(-?\d+),")

# filename attrs gives the script -> (source with each salt as 0, the salts, code)
Entries = dict[str, tuple[str, list[str], CodeType]]
# netgen has a few hundred record classes; a cache that holds many more has kept those of
# earlier versions (and of blueprints' own classes): the next save keeps only what its
# process used.
MAX_ENTRIES = 2000


class _Cache:
    def __init__(self, entry: str, entries: Entries) -> None:
        self.entry, self.entries, self.changed = entry, entries, False
        self.used: set[str] = set()

    def compile(self, source: str, filename: str, mode: str, *args: object,
                **kwargs: object) -> CodeType:
        if mode != "exec" or args or kwargs or not isinstance(source, str):
            return compile(source, filename, mode, *args, **kwargs)  # type: ignore[no-any-return,call-overload]
        self.used.add(filename)
        parts = _SALT.split(source)
        shape, numbers = "hash((0,".join(parts[::2]), parts[1::2]
        hit = self.entries.get(filename)
        if _valid(hit) and hit[0] == shape:  # type: ignore[index]
            code = hit[2] if hit[1] == numbers else _renumbered(hit[2], hit[1], numbers)  # type: ignore[index]
            if code is not None:
                return code
        code = compile(source, filename, mode)
        self.entries[filename] = (shape, numbers, code)
        if not self.changed:
            self.changed = True
            atexit.register(self.save)
        return code

    def save(self) -> None:
        if len(self.entries) > MAX_ENTRIES:
            self.entries = {k: v for k, v in self.entries.items() if k in self.used}
        store_entry(self.entry, _KEY, marshal.dumps(self.entries))


def _valid(hit: object) -> bool:
    """An entry as `compile` stores it (the file may be damaged or from elsewhere)."""
    return (isinstance(hit, tuple) and len(hit) == 3 and isinstance(hit[0], str)
            and isinstance(hit[1], list) and isinstance(hit[2], CodeType))


def _renumbered(code: CodeType, old: list[str], new: list[str]) -> CodeType | None:
    """`code` with each of the `old` integer constants replaced by its `new` one; None
    unless every differing number was found as a constant (not inside a string, a folded
    tuple or a comment), so the result is what compiling the new source gives."""
    if len(old) != len(new) or not all(isinstance(a, str) for a in old):
        return None
    mapping: dict[int, int] = {}
    for a, b in zip(old, new, strict=True):
        if a != b and mapping.setdefault(int(a), int(b)) != int(b):
            return None
    found: set[int] = set()

    def replaced(c: CodeType) -> CodeType:
        consts = []
        for k in c.co_consts:
            if isinstance(k, CodeType):
                k = replaced(k)
            elif type(k) is int and k in mapping:
                found.add(k)
                k = mapping[k]
            consts.append(k)
        return c.replace(co_consts=tuple(consts))

    result = replaced(code)
    return result if found == set(mapping) else None


def install() -> None:
    """Serves attrs' compiles in this process from the cache (once; no-op when caching is
    off or the attrs in use compiles differently)."""
    import attr._make as make

    if "compile" in vars(make):
        return
    folder = cache_folder(f"attrs-{sys.implementation.cache_tag}")
    if folder is None:
        return
    entry = f"{folder}/methods"
    entries: Entries = {}
    data = read_entry(entry, _KEY)
    if data is not None:
        try:
            loaded = marshal.loads(data)
        except (ValueError, EOFError, TypeError):
            loaded = None
        if isinstance(loaded, dict):
            entries = loaded
    make.compile = _Cache(entry, entries).compile  # type: ignore[attr-defined]
