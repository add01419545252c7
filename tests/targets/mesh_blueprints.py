"""The blueprint the mesh targets' tests (Istio's and Linkerd's) start from, and how they
build it: a test's own lines come after `HEAD`, so its diagnostics name lines from 6 on."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from netgen.problems import ProblemError
from tests.conftest import build

HEAD = """\
from netgen import *
env("prod", namespace="prod", isolation=STRICT)
service("web", port=80, target_port=8080, image="web:1")
service("api", port=8080, image="api:1", versions=["v1", "v2"])
service("db", port=5432, image="postgres:16", stateful=True)
"""  # lines 1-5; a test's own lines start at 6

Make = Callable[[str], Path]


def compiled(make: Make, body: str, env: str | None = None, head: str = HEAD) -> Any:
    """The compiled environment `env` (the first when None) of `head` + the test's `body`."""
    out = build(make(head + textwrap.dedent(body)))
    return next(c for c in out if env is None or c.plan.env.name == env)


def errors(make: Make, body: str, head: str = HEAD) -> list[str]:
    """Every diagnostic the build raises, the blueprint's path shown as bp.py."""
    path = make(head + textwrap.dedent(body))
    with pytest.raises(ProblemError) as e:
        build(path)
    return [d.render().replace(str(path), "bp.py") for d in e.value.problems]
