"""The shape check decides most values by their type alone (resolve/shapes.py
`_TYPE_DECIDED`, empty containers, ints in range): for every hint the model declares, that
shortcut must agree with the full check of the value itself. (Ints out of range take the
full check: tests/core/test_wrong_values.py.)"""

from __future__ import annotations

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

