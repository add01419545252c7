"""The cdk8s-plus peer: installed on demand into a cache folder outside netgen's virtualenv.

Two flavours of the same app (`cdk8s/app.js`, `cdk8s/app.py`):
- "node": the npm packages pinned in `cdk8s/package.json`/`package-lock.json`, installed
  with `npm ci` into CACHE/node and run with plain `node`;
- "python": the PyPI packages pinned in `cdk8s/requirements.txt`, installed with pip into a
  throwaway virtualenv CACHE/python; the library is the JavaScript one driven through jsii.
Either one that cannot be installed is reported "not available" with the reason.
"""

from __future__ import annotations

import filecmp
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent / "cdk8s"


@dataclass
class Peer:
    label: str
    argv_prefix: list[str]  # + [spec.json, out_dir]
    env: dict[str, str]


class Unavailable(Exception):
    pass


def _run(argv: list[str], cwd: Path | None = None) -> None:
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise Unavailable(f"{argv[0]}: {e}") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise Unavailable(f"`{' '.join(argv[:3])}` failed: {' / '.join(tail)}")


def _same(a: Path, b: Path) -> bool:
    return b.exists() and filecmp.cmp(a, b, shallow=False)


def node_peer(cache: Path) -> Peer:
    if not shutil.which("node") or not shutil.which("npm"):
        raise Unavailable("node or npm is not on PATH")
    folder = cache / "node"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = folder / "node_modules" / ".netgen-bench-lock.json"
    lock = HERE / "package-lock.json"
    if not _same(lock, stamp):
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(HERE / name, folder / name)
        _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder)
        shutil.copyfile(lock, stamp)
    pinned = json.loads((HERE / "package.json").read_text())["dependencies"]
    env = {**os.environ, "NODE_PATH": str(folder / "node_modules")}
    return Peer(f"cdk8s-plus-33 {pinned['cdk8s-plus-33']} (node)",
                ["node", str(HERE / "app.js")], env)


def python_peer(cache: Path) -> Peer:
    folder = cache / "python"
    python = folder / "bin" / "python"
    stamp = folder / "netgen-bench-requirements.txt"
    requirements = HERE / "requirements.txt"
    if not shutil.which("node"):
        raise Unavailable("jsii needs node, which is not on PATH")
    if not _same(requirements, stamp):
        if not python.exists():
            _run([sys.executable, "-m", "venv", str(folder)])
        _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
              "-r", str(requirements)])
        shutil.copyfile(requirements, stamp)
    version = next(line.split("==")[1] for line in requirements.read_text().splitlines()
                   if line.startswith("cdk8s-plus-33=="))
    # jsii prints a large banner for Node releases it no longer supports unless told, per
    # major version, that we know.
    major = subprocess.run(["node", "-p", "process.versions.node.split('.')[0]"],
                           capture_output=True, text=True).stdout.strip()
    env = {**os.environ, **{f"JSII_SILENCE_WARNING_{w}_NODE_VERSION": major for w in (
        "DEPRECATED", "END_OF_LIFE", "KNOWN_BROKEN", "UNTESTED")}}
    env.pop("PYTHONPATH", None)
    return Peer(f"cdk8s-plus-33 {version} (Python, jsii)",
                [str(python), str(HERE / "app.py")], env)


FLAVOURS = {"node": node_peer, "python": python_peer}


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "netgen-bench"
