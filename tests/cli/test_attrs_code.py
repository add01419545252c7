"""attrs' generated methods are compiled once and reused across processes
(netgen/cli/attrs_code.py): a reused class behaves as a freshly compiled one, its hash
salt included; a changed class, a damaged or planted entry and a salt that cannot be put
back are compiled afresh; a CLI process compiles none of netgen's classes a second time."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import attr._make as make
import attrs
import pytest

from netgen.cli import attrs_code

SOURCE = '''
@attrs.frozen
class Point:
    x: int
    y: str = "a"
'''


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.delenv("NETGEN_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(attrs_code.atexit, "register", lambda f: None)
    yield tmp_path / "xdg" / "netgen" / f"attrs-{sys.implementation.cache_tag}" / "methods"
    vars(make).pop("compile", None)  # attrs compiles with the built-in again


def define(source: str = SOURCE) -> type:
    scope: dict[str, object] = {"attrs": attrs, "__name__": "tests.cli.points"}
    exec(source, scope)
    return scope["Point"]  # type: ignore[return-value]


def fresh_process(monkeypatch: pytest.MonkeyPatch, compiles: list[str]) -> None:
    """What the next CLI process sees: the entries saved, read back by a new install."""
    saver = make.compile.__self__  # type: ignore[attr-defined]
    saver.save()
    del make.compile
    attrs_code.install()
    real = compile

    def counting(source: str, filename: str, mode: str) -> object:
        compiles.append(filename)
        return real(source, filename, mode)

    monkeypatch.setattr(attrs_code, "compile", counting, raising=False)


def behaves(cls: type) -> None:
    p = cls(1)
    assert (p.x, p.y) == (1, "a")
    assert p == cls(1, "a") and p != cls(2)
    assert hash(p) == hash(cls(1))
    assert repr(p) == "Point(x=1, y='a')"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        p.x = 2


def test_a_class_is_compiled_once_and_reused(cache: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    attrs_code.install()
    behaves(define())
    compiles: list[str] = []
    fresh_process(monkeypatch, compiles)
    behaves(define())
    assert compiles == []
    assert cache.is_file()


def test_a_new_salt_is_put_into_the_reused_code(cache: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    attrs_code.install()
    define()
    cached = make.compile.__self__  # type: ignore[attr-defined]
    [(name, (shape, salts, _))] = cached.entries.items()
    assert len(salts) == 1
    # as a process with another salt compiled and saved it
    other = compile(shape.replace("hash((0,", "hash((12345678901,"), name, "exec")
    cached.entries[name] = (shape, ["12345678901"], other)
    compiles: list[str] = []
    fresh_process(monkeypatch, compiles)
    cls = define()
    assert compiles == []
    # attrs salts the tuple it hashes with the hash of the class's file name
    assert hash(cls(1)) == hash((int(salts[0]), 1, "a"))


def test_a_changed_class_is_compiled_afresh(cache: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    attrs_code.install()
    define()
    compiles: list[str] = []
    fresh_process(monkeypatch, compiles)
    cls = define(SOURCE.replace('y: str = "a"', 'y: str = "a"\n    z: int = 3'))
    assert len(compiles) == 1
    assert cls(1).z == 3


def test_a_salt_missing_from_the_code_is_compiled_afresh(
        cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    attrs_code.install()
    define()
    cached = make.compile.__self__  # type: ignore[attr-defined]
    [(name, (shape, _, _))] = cached.entries.items()
    cached.entries[name] = (shape, ["99999999999"], compile("pass", name, "exec"))
    compiles: list[str] = []
    fresh_process(monkeypatch, compiles)
    behaves(define())
    assert len(compiles) == 1


@pytest.mark.parametrize("damage", [b"", b"garbage", b"netgen attrs methods 1\0xx"])
def test_a_damaged_cache_is_ignored(cache: Path, damage: bytes) -> None:
    cache.parent.mkdir(parents=True)
    cache.write_bytes(damage)
    attrs_code.install()
    behaves(define())


def test_a_planted_entry_of_the_wrong_shape_is_ignored(cache: Path) -> None:
    import marshal

    cache.parent.mkdir(parents=True)
    name = "<attrs generated methods tests.cli.points.Point>"
    cache.write_bytes(attrs_code._KEY + marshal.dumps({name: ("x", 1)}))
    attrs_code.install()
    behaves(define())


def test_no_cache_leaves_attrs_alone(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETGEN_NO_CACHE", "1")
    attrs_code.install()
    assert "compile" not in vars(make)


def test_a_second_cli_process_compiles_none_of_netgens_classes(tmp_path: Path) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path / "xdg"), "PATH": "/usr/bin:/bin"}
    probe = ("import attr._make as m, builtins, runpy, sys\n"
             "seen = []\n"
             "real = builtins.compile\n"
             "def spy(s, f, *a, **k):\n"
             "    if str(f).startswith('<attrs generated'): seen.append(f)\n"
             "    return real(s, f, *a, **k)\n"
             "builtins.compile = spy\n"
             "sys.argv = ['netgen', 'build', sys.argv[1], '-o', sys.argv[2], '-q']\n"
             "try:\n"
             "    runpy.run_module('netgen', run_name='__main__')\n"
             "except SystemExit:\n"
             "    pass\n"
             "print(len(seen))\n")
    from tests.conftest import BLUEPRINTS

    counts = []
    for run in ("first", "second"):
        done = subprocess.run([sys.executable, "-c", probe, str(BLUEPRINTS / "shop.py"),
                               str(tmp_path / run)], capture_output=True, text=True, env=env,
                              check=True)
        counts.append(int(done.stdout.split()[-1]))
    assert counts[0] > 50  # netgen's record classes, compiled by the first process
    assert counts[1] == 0


def test_a_cache_grown_past_its_limit_keeps_what_was_used(
        cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(attrs_code, "MAX_ENTRIES", 3)
    attrs_code.install()
    cached = make.compile.__self__  # type: ignore[attr-defined]
    for n in range(5):
        cached.entries[f"<old {n}>"] = ("", [], compile("pass", "x", "exec"))
    define()
    compiles: list[str] = []
    fresh_process(monkeypatch, compiles)
    kept = make.compile.__self__.entries  # type: ignore[attr-defined]
    assert list(kept) == ["<attrs generated methods tests.cli.points.Point>"]
