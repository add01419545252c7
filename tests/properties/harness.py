"""Building a generated blueprint the way `netgen build` does, in memory.

Also a small worker (`python -m tests.properties.harness`) that builds blueprints in a
process with another PYTHONHASHSEED, for the determinism property.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from attrs import frozen

from netgen.output.state import plan_fingerprint, templates_digest
from netgen.pipeline import Compiled, compile_plans, plan_blueprint
from netgen.render import join_stream
from tests.properties.strategies import FILE_STEM

REPO = Path(__file__).resolve().parents[2]


@frozen
class Built:
    compiled: tuple[Compiled, ...]
    files: dict[str, dict[str, str]]  # env -> file name -> text (what lands in out/<env>/)
    streams: dict[str, str]  # env -> `build --stdout -e env`


def build_source(source: str) -> Built:
    """Everything `netgen build` computes before writing: load, resolve, fingerprints (the
    rebuild cache), render, file names, the --stdout stream."""
    with tempfile.TemporaryDirectory(prefix="netgen-prop-") as folder:
        path = Path(folder) / f"{FILE_STEM}.py"
        path.write_text(source, encoding="utf-8")
        plans, renderer = plan_blueprint(path)
        digest = templates_digest(renderer.search_path)
        for p in plans:
            plan_fingerprint(p, digest)
        compiled = compile_plans(plans, renderer)
    return Built(
        compiled=tuple(compiled),
        files={c.plan.env.name: c.files() for c in compiled},
        streams={c.plan.env.name: join_stream(c.documents) for c in compiled},
    )


class HashSeedWorker:
    """A long-lived child process building blueprints with PYTHONHASHSEED fixed to a value
    this process (random seed, or another fixed one) does not have."""

    def __init__(self) -> None:
        ours = os.environ.get("PYTHONHASHSEED")
        seed = "4242" if ours != "4242" else "4243"
        env = {**os.environ, "PYTHONHASHSEED": seed,
               "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.properties.harness"], cwd=REPO, env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
        )

    def build(self, source: str) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(json.dumps(source) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if "error" in answer:
            raise AssertionError(f"the other process failed: {answer['error']}")
        return answer["files"], answer["streams"]

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


def _serve() -> None:
    for line in sys.stdin:
        try:
            built = build_source(json.loads(line))
            answer = {"files": built.files, "streams": built.streams}
        except Exception as e:  # reported to the property, which fails with it
            answer = {"error": f"{type(e).__name__}: {e}"}
        # ensure_ascii: lone surrogates in generated strings cannot be encoded as UTF-8.
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    _serve()
