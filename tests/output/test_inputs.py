"""netgen.output.inputs' reading of netgen's own file tree (the rest of the inputs record is
judged by its effect, in tests/cli/test_unchanged_rebuild.py)."""

from __future__ import annotations

import os
from pathlib import Path

from netgen.output import inputs


def _walked(top: str) -> tuple[tuple[str, int, int], ...]:
    """What the key held before `_tree` listed with scandir: `os.walk`, sorted."""
    found = []
    for root, dirs, files in os.walk(top):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            st = os.stat(os.path.join(root, name))
            found.append((os.path.join(root, name), st.st_size, st.st_mtime_ns))
    return tuple(found)


def test_the_tree_is_listed_as_os_walk_lists_it(tmp_path: Path) -> None:
    for folder in ("b", "a/z", "a/__pycache__", "__pycache__", "c.d"):
        (tmp_path / folder).mkdir(parents=True)
    for name in ("z.py", "a.py", "a/m.py", "a/z/x.j2", "a/__pycache__/m.pyc",
                 "__pycache__/z.pyc", "b/b.json", "c.d/e", "a_file"):
        (tmp_path / name).write_text(name, encoding="utf-8")
    (tmp_path / "link").symlink_to(tmp_path / "b", target_is_directory=True)
    (tmp_path / "file-link").symlink_to(tmp_path / "a.py")
    top = str(tmp_path)
    listed = inputs._tree.__wrapped__(top)
    assert listed == _walked(top)
    assert [os.path.relpath(p, top) for p, _, _ in listed] == [
        "a.py", "a_file", "file-link", "z.py", "a/m.py", "a/z/x.j2", "b/b.json", "c.d/e"]


def test_netgens_own_tree_is_listed_as_os_walk_lists_it() -> None:
    assert inputs._tree.__wrapped__(inputs.NETGEN_DIR) == _walked(inputs.NETGEN_DIR)
