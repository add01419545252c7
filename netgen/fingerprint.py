"""What an environment's output depends on, as one digest, so an unchanged rebuild can skip
rendering: the resolved Plan, netgen's version and the templates it would render with."""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Sequence
from pathlib import Path

from netgen._version import __version__
from netgen.plan import Plan


def templates_digest(folders: Sequence[Path]) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(files):
                st = os.stat(os.path.join(root, name))
                h.update(f"{root}/{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.digest()


def plan_fingerprint(plan: Plan, templates: bytes) -> str:
    """A pickle of equal plans can differ only in object sharing; that makes a cache miss
    (a full build), never a wrong hit. A plan holding a setting that cannot be pickled (a
    blueprint may pass any Python value) gets a fingerprint no build matches: it is always
    rebuilt."""
    h = hashlib.blake2b(digest_size=20)
    h.update(__version__.encode())
    h.update(templates)
    try:
        h.update(pickle.dumps(plan, protocol=5))
    except Exception:
        h.update(os.urandom(16))
    return h.hexdigest()
