"""The blueprint's compiled code is cached by source (netgen/loader.py): an edit, however
fast, runs the new source; a damaged, foreign or planted entry is never trusted; the cache
stays in its folder, one entry per blueprint."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from netgen import loader
from netgen.loader import load_blueprint
from netgen.problems import ProblemError

HEAD = "from netgen import *\n"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("NETGEN_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "netgen"


def entries(cache: Path) -> list[Path]:
    return [p for d in cache.glob("blueprints-*") for p in d.iterdir()]


def services(path: Path) -> list[str]:
    return [s.name for s in load_blueprint(path).services]


def write(path: Path, *names: str) -> None:
    path.write_text(HEAD + "".join(f"service({n!r}, port=80, image='nginx')\n" for n in names))
    os.utime(path, (1_000_000_000, 1_000_000_000))  # same mtime for every version


def test_an_edit_runs_the_new_source_even_with_the_same_size_and_mtime(
        cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bp = tmp_path / "bp.py"
    write(bp, "web")
    assert services(bp) == ["web"]
    with monkeypatch.context() as m:
        m.setattr(loader, "compile", None, raising=False)  # served from the cache
        assert services(bp) == ["web"]
    write(bp, "api")
    assert services(bp) == ["api"]
    assert len(entries(cache)) == 1  # the edit replaced the entry


def test_the_same_source_at_another_path_reports_its_own_path(
        cache: Path, tmp_path: Path) -> None:
    for name in ("a.py", "b.py"):
        write(tmp_path / name, "web")
        bp = load_blueprint(tmp_path / name)
        assert bp.services[0].loc.file.endswith(name)
    assert len(entries(cache)) == 2


@pytest.mark.parametrize("damage", ["garbage", "truncated", "foreign"])
def test_a_damaged_entry_is_compiled_afresh(cache: Path, tmp_path: Path, damage: str) -> None:
    bp = tmp_path / "bp.py"
    write(bp, "web")
    services(bp)
    [entry] = entries(cache)
    data = entry.read_bytes()
    entry.write_bytes({"garbage": b"\x00" * 40, "truncated": data[:-10],
                       "foreign": b"x" * 32 + data[32:]}[damage])
    assert services(bp) == ["web"]
    assert entry.read_bytes() == data


def test_a_link_planted_in_the_cache_is_not_followed(cache: Path, tmp_path: Path) -> None:
    bp = tmp_path / "bp.py"
    write(bp, "web")
    services(bp)
    [entry] = entries(cache)
    target = tmp_path / "elsewhere"
    target.write_bytes(entry.read_bytes())
    entry.unlink()
    entry.symlink_to(target)
    write(bp, "api")
    assert services(bp) == ["api"]
    assert target.read_bytes() != b"" and b"api" not in target.read_bytes()


def test_no_cache_when_asked_or_unwritable(cache: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    bp = tmp_path / "bp.py"
    write(bp, "web")
    monkeypatch.setenv("NETGEN_NO_CACHE", "1")
    assert services(bp) == ["web"]
    assert not cache.exists()
    monkeypatch.delenv("NETGEN_NO_CACHE")
    cache.parent.mkdir()
    cache.write_text("not a folder")
    assert services(bp) == ["web"]


def test_a_syntax_error_is_reported_and_not_cached(cache: Path, tmp_path: Path) -> None:
    bp = tmp_path / "bp.py"
    bp.write_text(HEAD + "service('web',\n")
    for _ in range(2):
        with pytest.raises(ProblemError, match="syntax error"):
            load_blueprint(bp)
    assert entries(cache) == []


def test_a_full_folder_keeps_its_latest_used_entries_and_the_writes_in_flight(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from netgen import cache as caches

    monkeypatch.setattr(caches, "KEEP", 4)
    folder = tmp_path / "entries"
    folder.mkdir()
    day = 24 * 3600
    for n in range(8):  # twice KEEP: left alone
        (folder / f"e{n}").write_bytes(b"x")
        os.utime(folder / f"e{n}", (2_000_000_000 + n, 2_000_000_000 + n))
    # e1 written early but read since (its access time, as `relatime` sets it on a read)
    os.utime(folder / "e1", (2_000_000_100, 2_000_000_001))
    caches.trim(str(folder))
    assert len(list(folder.iterdir())) == 8
    (folder / "e8").write_bytes(b"x")  # one more: back to the 4 latest used
    os.utime(folder / "e8", (2_000_000_008, 2_000_000_008))
    (folder / "e9.123.1.tmp").write_bytes(b"")  # another process writing now
    (folder / "e0.99.1.tmp").write_bytes(b"")  # left by a writer that died long ago
    os.utime(folder / "e0.99.1.tmp", (1_000_000_000, 1_000_000_000 - day))
    (folder / "sub").mkdir()  # not an entry
    caches.trim(str(folder))
    assert sorted(p.name for p in folder.iterdir()) == [
        "e1", "e6", "e7", "e8", "e9.123.1.tmp", "sub"]


def test_blueprints_at_new_paths_do_not_grow_the_cache_for_ever(
        cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from netgen import cache as caches

    monkeypatch.setattr(caches, "KEEP", 2)
    for n in range(12):  # a CI job checking out into a new folder each time
        checkout = tmp_path / f"job{n}"
        checkout.mkdir()
        write(checkout / "blueprint.py", "api")
        assert services(checkout / "blueprint.py") == ["api"]
    assert 2 <= len(entries(cache)) <= 4


def test_jinjas_cache_is_trimmed_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import jinja2

    from netgen import cache as caches
    from netgen.render import bytecode_cache

    monkeypatch.delenv("NETGEN_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(caches, "KEEP", 2)
    for n in range(10):  # a template override folder per run
        folder = tmp_path / f"run{n}"
        folder.mkdir()
        (folder / "t.j2").write_text(f"{{{{ x }}}} {n}")
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(folder),
                                 bytecode_cache=bytecode_cache())
        assert env.get_template("t.j2").render(x="a") == f"a {n}"
    stored = list((tmp_path / "xdg" / "netgen").glob("jinja-*/*"))
    assert 2 <= len(stored) <= 4
