"""attrs' generated methods are compiled once and reused across processes
(netgen/cli/attrs_code.py): a reused class behaves as a freshly compiled one, its hash
salt included; a changed class and a damaged or planted cache are compiled afresh; a CLI
process compiles none of netgen's classes a second time.

Each "process" here is a real one, with its own PYTHONHASHSEED: the salt attrs puts in
`__hash__` comes from a str hash, which differs between processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from netgen.cli import attrs_code
from tests.conftest import BLUEPRINTS

POINT = '''
@attrs.frozen
class Point:
    x: int
    y: str = "a"
'''

PROBE = '''
import builtins, json, sys
import attrs
from netgen.cli import attrs_code
compiles = []
real = builtins.compile
def spy(source, filename, *args, **kwargs):
    if str(filename).startswith("<attrs generated"):
        compiles.append(filename)
    return real(source, filename, *args, **kwargs)
builtins.compile = spy
attrs_code.install()
scope = {"attrs": attrs, "__name__": "tests.points"}
exec(sys.argv[1], scope)
Point = scope["Point"]
p = Point(1)
assert (p.x, p.y) == (1, "a") and p == Point(1, "a") and p != Point(2)
assert repr(p).startswith("Point(x=1, y='a'")
try:
    p.x = 2
    raise SystemExit("not frozen")
except attrs.exceptions.FrozenInstanceError:
    pass
print(json.dumps({"compiles": len(compiles), "hash": hash(p),
                  "expected": hash((hash("<attrs generated hash tests.points.Point>"),
                                    *attrs.astuple(p)))}))
'''


def process(cache: Path, seed: int, source: str = POINT,
            **env: str) -> dict[str, object]:
    run = subprocess.run(
        [sys.executable, "-c", PROBE, source], capture_output=True, text=True, check=True,
        env={"XDG_CACHE_HOME": str(cache), "PYTHONHASHSEED": str(seed), "PATH": "/usr/bin:/bin",
             **env})
    return json.loads(run.stdout)  # type: ignore[no-any-return]


def methods(cache: Path) -> Path:
    return cache / "netgen" / f"attrs-{sys.implementation.cache_tag}" / "methods"


def test_a_class_is_compiled_once_and_reused_with_its_own_salt(tmp_path: Path) -> None:
    first = process(tmp_path, seed=1)
    assert first["compiles"] == 1 and methods(tmp_path).is_file()
    again = process(tmp_path, seed=2)  # another salt: put into the cached code
    assert again["compiles"] == 0
    assert again["hash"] == again["expected"] != first["hash"]
    assert process(tmp_path, seed=1)["compiles"] == 0


def test_a_changed_class_is_compiled_afresh(tmp_path: Path) -> None:
    process(tmp_path, seed=1)
    changed = POINT.replace('y: str = "a"', 'y: str = "a"\n    z: int = 3')
    assert process(tmp_path, seed=1, source=changed)["compiles"] == 1
    assert process(tmp_path, seed=2, source=changed)["compiles"] == 0
    assert process(tmp_path, seed=3)["compiles"] == 1  # one entry per class: replaced


@pytest.mark.parametrize("damage", ["empty", "garbage", "truncated", "bad index", "bad offsets",
                                    "bad salts"])
def test_a_damaged_cache_is_compiled_afresh_and_replaced(tmp_path: Path, damage: str) -> None:
    import marshal

    process(tmp_path, seed=1)
    path = methods(tmp_path)
    data = path.read_bytes()
    key = attrs_code._KEY
    head = int.from_bytes(data[len(key):len(key) + 8], "little")
    index = marshal.loads(data[len(key) + 8:len(key) + 8 + head])
    bad = {n: (e[0], e[1], e[2] + 10**6, e[3]) if damage == "bad offsets"
           else (e[0], ["not a number"], e[2], e[3]) for n, e in index.items()}
    planted = marshal.dumps(bad)
    path.write_bytes({
        "empty": b"", "garbage": b"\x00" * 100, "truncated": data[:-20],
        "bad index": key + (5).to_bytes(8, "little") + b"\xff" * 40,
        "bad offsets": key + len(planted).to_bytes(8, "little") + planted,
        "bad salts": data[:len(key)] + len(planted).to_bytes(8, "little") + planted
        + data[len(key) + 8 + head:],
    }[damage])
    assert process(tmp_path, seed=2)["compiles"] == 1
    assert process(tmp_path, seed=3)["compiles"] == 0


def test_a_link_planted_as_the_cache_is_not_followed(tmp_path: Path) -> None:
    process(tmp_path, seed=1)
    path = methods(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(elsewhere)
    assert process(tmp_path, seed=2)["compiles"] == 1
    assert not path.is_symlink()  # replaced by a file of its own


def test_no_cache_leaves_attrs_alone(tmp_path: Path) -> None:
    assert process(tmp_path, seed=1, NETGEN_NO_CACHE="1")["compiles"] == 1
    assert process(tmp_path, seed=1, NETGEN_NO_CACHE="1")["compiles"] == 1
    assert not methods(tmp_path).exists()


def test_a_cache_grown_past_its_limit_keeps_what_was_used(tmp_path: Path) -> None:
    process(tmp_path, seed=1)
    many = "".join(POINT.replace("Point", f"P{n}") for n in range(5))
    process(tmp_path, seed=1, source=many + POINT)
    path = methods(tmp_path)
    big = path.stat().st_size
    limited = POINT.replace('y: str = "a"', 'y: str = "a"\n    z: int = 3')
    probe = (f"import netgen.cli.attrs_code as a; a.MAX_ENTRIES = 3\n"
             f"exec(compile({PROBE!r}, 'probe', 'exec'))\n")
    subprocess.run([sys.executable, "-c", probe, limited], check=True, capture_output=True,
                   env={"XDG_CACHE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert path.stat().st_size < big / 3  # only the class that process made is left
    assert process(tmp_path, seed=2, source=limited)["compiles"] == 0


def test_a_second_cli_process_compiles_none_of_netgens_classes_nor_attrs_own(
        tmp_path: Path) -> None:
    probe = ("import atexit, builtins, json, runpy, sys\n"
             "seen = {'netgen': 0, 'attr': 0}\n"
             "atexit.register(lambda: print(json.dumps(seen)))\n"
             "real = builtins.compile\n"
             "def spy(s, f, *a, **k):\n"
             "    if str(f).startswith('<attrs generated'):\n"
             "        owner = str(f).split()[-1].split('.')[0]\n"
             "        seen[owner] = seen.get(owner, 0) + 1\n"
             "    return real(s, f, *a, **k)\n"
             "builtins.compile = spy\n"
             "sys.argv = ['netgen', 'build', sys.argv[1], '-o', sys.argv[2], '-q']\n"
             "runpy.run_module('netgen', run_name='__main__')\n")
    counts = []
    for run in ("first", "second"):
        done = subprocess.run([sys.executable, "-c", probe, str(BLUEPRINTS / "shop.py"),
                               str(tmp_path / run)], capture_output=True, text=True,
                              env={"XDG_CACHE_HOME": str(tmp_path / "xdg"),
                                   "PATH": "/usr/bin:/bin"}, check=True)
        counts.append(json.loads(done.stdout.splitlines()[-1]))
    # the first process compiles netgen's record classes and those attrs makes while it is
    # imported (attr._make.Factory, attr.validators._InstanceOfValidator, ...)
    assert counts[0]["netgen"] > 50 and counts[0]["attr"] > 10
    assert counts[1] == {"netgen": 0, "attr": 0}


def test_a_salt_folded_into_a_tuple_is_replaced_as_compiling_would() -> None:
    # attrs' `__hash__` of a class without fields hashes `(salt,)`, one constant once compiled
    source = "def __hash__(self):\n    return hash((\n        {},\n    ))\n"
    old, new = "-6425311970133216375", "812094113256427"
    cached = compile(source.format(old), "<attrs generated hash Empty>", "exec")
    fresh = compile(source.format(new), "<attrs generated hash Empty>", "exec")
    swapped = attrs_code._renumbered(cached, [old], [new])
    assert swapped is not None
    namespace: dict[str, object] = {}
    exec(swapped, namespace)
    assert namespace["__hash__"](None) == hash((int(new),))  # type: ignore[operator]
    assert swapped.co_consts[0].co_consts == fresh.co_consts[0].co_consts


def test_only_attr_make_gets_the_cache_when_attrs_comes_from_a_zip(tmp_path: Path) -> None:
    """A zip's one loader serves every module of the package: the cache goes into attr._make
    alone, however the package is laid out."""
    import zipfile

    bundle = tmp_path / "attrs.zip"
    with zipfile.ZipFile(bundle, "w") as z:
        z.writestr("attr/__init__.py", "from . import _make, other\n")
        z.writestr("attr/_make.py", "HAS = 'compile' in globals()\n")
        z.writestr("attr/other.py", "HAS = 'compile' in globals()\n")
        z.writestr("attr/later.py", "HAS = 'compile' in globals()\n")
    probe = ("import sys, json\n"
             "from netgen.cli import attrs_code\n"
             "attrs_code.install()\n"
             "import attr, attr.later\n"
             "print(json.dumps([attr._make.__file__.startswith(sys.argv[1]),\n"
             "                  attr._make.HAS, attr.other.HAS, attr.later.HAS,\n"
             "                  'compile' in vars(attr._make)]))\n")
    root = Path(attrs_code.__file__).parents[2]
    run = subprocess.run([sys.executable, "-c", probe, str(bundle)], capture_output=True,
                         text=True, check=True,
                         env={"XDG_CACHE_HOME": str(tmp_path / "xdg"), "PATH": "/usr/bin:/bin",
                              "PYTHONPATH": f"{bundle}{os.pathsep}{root}"})
    assert json.loads(run.stdout) == [True, True, False, False, True]
