"""`block` remembers texts by the value's exact content (render/yamltext.py): values Python
calls equal but YAML prints differently never share a text."""

from __future__ import annotations

import enum
from typing import Any

import pytest

from netgen.render import yamltext
from netgen.render.yamltext import Raw, block


class Colour(enum.StrEnum):
    RED = "yes"


def fresh(value: Any, indent: int) -> str:
    return yamltext._print_block(value, indent)


EQUAL_BUT_PRINTED_APART = [
    [{"k": 1}, {"k": True}, {"k": 1.0}],
    [{"a": 1, "b": 2}, {"b": 2, "a": 1}],
    [["yes"], [Raw("yes")], [Colour.RED]],
    [{"k": "x"}, {"k": Raw("x")}],
    [[0.0], [-0.0], [0]],
]


@pytest.mark.parametrize("values", EQUAL_BUT_PRINTED_APART)
def test_equal_values_printed_differently_keep_their_own_text(values: list[Any]) -> None:
    yamltext._TEXTS.clear()
    for _ in range(2):
        for value in values:
            for indent in (2, 4):
                assert block(value, indent) == fresh(value, indent)


def test_a_value_changed_in_place_is_printed_as_it_is_now() -> None:
    value: dict[str, Any] = {"a": 1}
    assert block(value, 2) == "  a: 1"
    value["a"] = 2
    assert block(value, 2) == "  a: 2"


def test_the_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamltext, "_TEXTS_MAX", 8)
    yamltext._TEXTS.clear()
    for i in range(50):
        assert block({"v": i}, 2) == f"  v: {i}"
        assert len(yamltext._TEXTS) <= 8


def test_tuples_of_pairs_are_mappings_and_other_tuples_lists() -> None:
    for _ in range(2):  # the second time from the cache
        assert block((("app", "web"), ("tier", "a")), 4) == "    app: web\n    tier: a"
        assert block(("app", "web"), 2) == "  - app\n  - web"
        assert block((("a", "b"), "c"), 2) == "  -\n    - a\n    - b\n  - c"
        assert block((("app", "web"),), 2) == "  app: web"


def test_equal_tuples_of_pairs_printed_differently_keep_their_own_text() -> None:
    """(("k", 1),) == (("k", True),) == (("k", 1.0),): only pairs of str are remembered."""
    for _ in range(2):
        assert block((("k", 1),), 2) == "  k: 1"
        assert block((("k", True),), 2) == "  k: true"
        assert block((("k", 1.0),), 2) == "  k: 1.0"
