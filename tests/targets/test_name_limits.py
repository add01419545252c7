"""Generated names the apiserver (or a controller's webhook) would refuse are `file:line:`
errors naming the declaration, the generated name and its limit; file names that would not
fit in a folder are shortened, never an exit 3."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from netgen.problems import ProblemError
from tests.conftest import build

MakeBlueprint = Callable[[str], Path]
NAME_MAX = 255  # bytes in a file name

HEADER = """\
from netgen import *
blueprint("shop", domain="shop.example.com")
env("prod", namespace="prod")
"""
FIRST = HEADER.count("\n") + 1


def diagnostics(blueprint_file: MakeBlueprint, body: str, header: str = HEADER) -> list[str]:
    path = blueprint_file(header + body)
    with pytest.raises(ProblemError) as raised:
        build(path)
    return [d.render().replace(str(path), "bp.py") for d in raised.value.problems]


def at(offset: int, message: str) -> str:
    return f"bp.py:{FIRST + offset}: error: {message}"


@pytest.mark.parametrize("length", [53, 54])
def test_stateful_names_leave_room_for_the_revision_hash(blueprint_file: MakeBlueprint,
                                                          length: int) -> None:
    name = "s" * length
    body = f'service("{name}", port=5432, image="pg:16", stateful=True)\n'
    assert diagnostics(blueprint_file, body) == [
        at(0, f"service('{name}'): a stateful service name has at most 52 characters, not "
              f"{length}: its pods are labelled controller-revision-hash='{name}-<10-character "
              "hash>', a label value of at most 63"),
    ]


def test_a_stateful_name_of_52_builds(blueprint_file: MakeBlueprint) -> None:
    name = "s" * 52
    [env] = build(blueprint_file(HEADER + f'service("{name}", port=5432, image="pg:16", '
                                          'stateful=True)\n'))
    assert ("StatefulSet", name) in {(d.kind, d.name) for d in env.documents}
