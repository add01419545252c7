"""The shape check decides most values by their type alone (resolve/shapes.py
`_TYPE_DECIDED`, empty containers, ints in range): for every hint the model declares, that
shortcut must agree with the full check of the value itself. (Ints out of range take the
full check: tests/core/test_wrong_values.py.)"""

from __future__ import annotations

import sys
import typing
from typing import Any

import attrs
import pytest

from netgen import model
from netgen.resolve import shapes

HINTS = sorted({repr(h): h for cls in vars(model).values()
                if isinstance(cls, type) and attrs.has(cls)
                for _, _, h, _ in shapes._checked_fields(cls, frozenset())}.items())
VALUES: list[Any] = ["", "x", True, False, None, 0.0, 1.5, float("nan"), 0, -1, 7,
                     2**63 - 1, -(2**63), (), [], {}]


@pytest.mark.parametrize("hint", [h for _, h in HINTS], ids=[k for k, _ in HINTS])
def test_type_decided_values_fit_as_the_full_check_says(hint: Any) -> None:
    for value in VALUES:
        assert shapes._decided(hint)[type(value)] == shapes._fits(value, hint), value



def _record_classes() -> list[type]:
    """Every attrs class netgen's build imports (the model's and those of the plans)."""
    import netgen.pipeline  # noqa: F401  (imports the targets, the plans, the render layer)

    return [cls for name, module in sorted(sys.modules.items())
            if name == "netgen" or name.startswith("netgen.")
            for cls in vars(module).values()
            if isinstance(cls, type) and attrs.has(cls) and cls.__module__ == name]


@pytest.mark.parametrize("cls", _record_classes(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_hints_are_what_typing_resolves(cls: type) -> None:
    """`_hints` evaluates each distinct annotation once instead of asking typing.get_type_hints:
    the same hints, of the same types (none where typing cannot resolve them either)."""
    try:
        want = typing.get_type_hints(cls, vars(sys.modules[cls.__module__]))
    except Exception:
        want = {}
    got = shapes._hints(cls)
    assert got == want
    assert [type(h) for h in got.values()] == [type(h) for h in want.values()]


def test_hints_that_do_not_resolve_check_nothing() -> None:
    @attrs.frozen
    class Broken:
        name: str
        other: NoSuchName  # type: ignore[name-defined]  # noqa: F821

    assert shapes._hints(Broken) == {}


def test_equal_hints_are_decided_once() -> None:
    assert shapes._decided(int | None) is shapes._decided(int | None)
    unhashable = typing.Annotated[int, []]
    assert shapes._decided(unhashable)[int] is True


@pytest.mark.parametrize(("text", "found"), [
    ("", None), ("plain ascii\x00\x7f", None), ("caf\u00e9 \u2028 \U0001f600", None),
    ("a\udc80b\ud800", "\udc80"), ("\ud83d", "\ud83d"), ("\u00e9\udfff", "\udfff"),
])
def test_lone_surrogates_are_found_in_any_text(text: str, found: str | None) -> None:
    """ASCII text is answered without the pattern (compiled on first other text)."""
    assert shapes._lone_surrogate(text) == found
