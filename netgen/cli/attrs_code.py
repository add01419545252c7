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
Only netgen's own process installs it (`netgen.cli.startup.importing`, around a command's
imports); importing netgen as a library leaves attrs alone.
"""

from __future__ import annotations  # as in attr._make: `compile` inherits the caller's

import atexit
import hashlib
import marshal
import mmap
import os
import re
import sys
from collections.abc import Callable, Sequence
from importlib.machinery import ModuleSpec, PathFinder
from types import CodeType, ModuleType

from netgen.cache import cache_folder, open_entry, store_entry

_KEY = b"netgen attrs methods 2\0%s\0%d\0" % (
    sys.implementation.cache_tag.encode(), sys.flags.optimize)
# attrs writes the salt as the first item of the tuple `__hash__` hashes: `hash((\n  -642...,`.
# Searching for that literal start is quick; a pattern for any long number took as long as
# the compiling it saves.
_SALT = re.compile(r"hash\(\(\s*(-?\d+),")
_SALT_TEXT = re.compile(r"-?[0-9]+").fullmatch

# The file: _KEY, the index's length (8 bytes), the index, then each class's marshalled code.
# It is mapped, not read: a process unmarshals the code of the classes it makes and no other
# (the file also holds the classes of the other commands, and page faults are dear here).
# index: filename attrs gives the script -> (digest of the source with each salt as 0, the
# salts, offset of its code after the index, length)
Index = dict[str, tuple[bytes, list[str], int, int]]
# netgen has a few hundred record classes; a cache that holds many more has kept those of
# earlier versions (and of blueprints' own classes): the next save keeps only what its
# process used.
MAX_ENTRIES = 2000


class _Cache:
    def __init__(self, entry: str, index: Index, blobs: memoryview) -> None:
        self.entry, self.index, self.blobs = entry, index, blobs
        self.compiled: dict[str, bytes] = {}  # filename -> code compiled by this process
        self.used: set[str] = set()

    def compile(self, source: str, filename: str, mode: str, *args: object,
                **kwargs: object) -> CodeType:
        if mode != "exec" or args or kwargs or not isinstance(source, str):
            return compile(source, filename, mode, *args, **kwargs)  # type: ignore[no-any-return,call-overload]
        self.used.add(filename)
        parts = _SALT.split(source)
        digest = hashlib.blake2b("hash((0,".join(parts[::2]).encode("utf-8", "surrogatepass"),
                                 digest_size=16).digest()
        salts = parts[1::2]
        hit = self._cached(filename, digest)
        if hit is not None:
            code = hit[1] if hit[0] == salts else _renumbered(hit[1], hit[0], salts)
            # None: a salt sits where it cannot be replaced; the entry is kept as it is
            # (storing this process's salts would serve no other process better)
            return code if code is not None else compile(source, filename, mode)
        code = compile(source, filename, mode)
        if not self.compiled:
            atexit.register(self.save)
        self.compiled[filename] = marshal.dumps(code)
        self.index[filename] = (digest, salts, -1, 0)
        return code

    def _cached(self, filename: str, digest: bytes) -> tuple[list[str], CodeType] | None:
        """The stored salts and code of this very source; None for anything else (the file
        may be damaged or from elsewhere)."""
        found = self.index.get(filename)
        if not (isinstance(found, tuple) and len(found) == 4 and found[0] == digest
                and isinstance(found[1], list)
                and all(isinstance(a, str) and _SALT_TEXT(a) for a in found[1])
                and type(found[2]) is int
                and type(found[3]) is int and 0 <= found[2] <= found[2] + found[3]
                <= len(self.blobs)):
            return None
        try:
            code = marshal.loads(self.blobs[found[2]:found[2] + found[3]])
        except (ValueError, EOFError, TypeError):
            return None
        return (found[1], code) if isinstance(code, CodeType) else None

    def save(self) -> None:
        names = list(self.index)
        if len(names) > MAX_ENTRIES:
            names = [n for n in names if n in self.used]
        index: Index = {}
        parts: list[bytes] = []
        offset = 0
        for name in names:
            found = self.index[name]
            code = self.compiled.get(name)
            if code is None:
                if not isinstance(found, tuple) or self._cached(name, found[0]) is None:
                    continue  # damaged: dropped
                code = bytes(self.blobs[found[2]:found[2] + found[3]])
            index[name] = (found[0], found[1], offset, len(code))
            parts.append(code)
            offset += len(code)
        head = marshal.dumps(index)
        store_entry(self.entry, _KEY, len(head).to_bytes(8, "little") + head + b"".join(parts))


def _renumbered(code: CodeType, old: list[str], new: list[str]) -> CodeType | None:
    """`code` with each of the `old` integer constants replaced by its `new` one; None
    unless every differing number was found as a constant or in a tuple of constants (not
    inside a string or a comment), so the result is what compiling the new source gives."""
    if len(old) != len(new):
        return None
    mapping: dict[int, int] = {}
    for a, b in zip(old, new, strict=True):
        if a != b and mapping.setdefault(int(a), int(b)) != int(b):
            return None
    found: set[int] = set()

    def swapped(k: object) -> object:
        if isinstance(k, CodeType):
            return replaced(k)
        if type(k) is int and k in mapping:
            found.add(k)
            return mapping[k]
        if type(k) is tuple:  # `hash((salt,))` of a class without fields is one constant
            return tuple(swapped(x) for x in k)
        return k

    def replaced(c: CodeType) -> CodeType:
        return c.replace(co_consts=tuple(swapped(k) for k in c.co_consts))

    result = replaced(code)
    return result if found == set(mapping) else None


def install() -> None:
    """Serves attrs' compiles in this process from the cache (once; no-op when caching is
    off or the attrs in use compiles differently).

    attrs makes record classes of its own while it is imported (its validators, converters
    and factories: 28 classes, 19 M instructions of a N=10 build compiling them), so when
    attrs is not imported yet the cache goes into `attr._make` before that module's code
    runs."""
    make = sys.modules.get(_MAKE)
    if make is not None and "compile" in vars(make):
        return
    folder = cache_folder(f"attrs-{sys.implementation.cache_tag}")
    if folder is None:
        return
    entry = f"{folder}/methods"
    index, blobs = _mapped(entry)
    served = _Cache(entry, index, blobs).compile
    if make is None:
        hook = _BeforeAttrs(served)
        sys.meta_path.insert(0, hook)
        try:
            import attr._make as make
        finally:
            sys.meta_path.remove(hook)
    if "compile" not in vars(make):  # attrs was found some other way: served from now on
        make.compile = served  # type: ignore[attr-defined]


_MAKE = "attr._make"


class _BeforeAttrs:
    """Finds `attr._make` as Python would and gives its module `compile` before its code
    runs (attrs calls `compile` by its global name, so the module's own global wins)."""

    def __init__(self, served: Callable[..., CodeType]) -> None:
        self.served = served

    def find_spec(self, name: str, path: Sequence[str] | None,
                  target: ModuleType | None = None) -> ModuleSpec | None:
        if name != _MAKE:
            return None
        spec = PathFinder.find_spec(name, path, target)
        loader = spec.loader if spec is not None else None
        if loader is None or not hasattr(loader, "exec_module"):
            return None  # let Python find it: attrs is then served after its import
        run = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            # once: a zip's loader serves the other modules of the package as well
            del loader.exec_module  # type: ignore[attr-defined]
            if module.__name__ == _MAKE:
                module.compile = self.served  # type: ignore[attr-defined]
            run(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def _mapped(entry: str) -> tuple[Index, memoryview]:
    """The index and the code that follows it; empty when the file is missing, a link,
    damaged or not for this interpreter."""
    empty: tuple[Index, memoryview] = ({}, memoryview(b""))
    fd = open_entry(entry)
    if fd is None:
        return empty
    try:
        if os.fstat(fd).st_size < len(_KEY) + 8:
            return empty
        view = memoryview(mmap.mmap(fd, 0, access=mmap.ACCESS_READ))
    except (OSError, ValueError):
        return empty
    finally:
        os.close(fd)
    start = len(_KEY) + 8
    if view[:len(_KEY)] != _KEY:
        return empty
    end = start + int.from_bytes(view[len(_KEY):start], "little")
    if end > len(view):
        return empty
    try:
        index = marshal.loads(view[start:end])
    except (ValueError, EOFError, TypeError):
        return empty
    return (index, view[end:]) if isinstance(index, dict) else empty
