"""`{{ x.name }}` takes a shortcut (render/__init__.py `_Environment`): what a template gets
must be what Jinja's own lookup gives, for every kind of object and name."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import jinja2
import pytest

from netgen.render import Renderer


class Obj:
    strategy = "attr"

    @property
    def real(self) -> str:
        return "property"

    @property
    def broken(self) -> str:
        raise AttributeError("broken")


VALUES: list[Any] = [
    {"strategy": 1, "items": 2, "get": 3},
    {"strategy": None},
    {},
    OrderedDict(strategy=4),
    Obj(),
    (1, 2),
]
NAMES = ["strategy", "items", "get", "keys", "__class__", "missing", "real", "broken"]


@pytest.mark.parametrize("value", VALUES, ids=repr)
@pytest.mark.parametrize("name", NAMES)
def test_the_shortcut_finds_what_jinja_finds(value: Any, name: str) -> None:
    ours = Renderer().env
    theirs = jinja2.Environment(undefined=jinja2.StrictUndefined)
    got, want = ours.getattr(value, name), theirs.getattr(value, name)
    if isinstance(want, jinja2.Undefined):
        assert isinstance(got, jinja2.StrictUndefined)
        assert got._undefined_name == want._undefined_name
        assert got._undefined_obj is want._undefined_obj
    else:
        assert got == want


def test_a_missing_key_is_still_an_error_naming_it() -> None:
    r = Renderer()
    t = r.env.from_string("{{ pod.nope }}")
    with pytest.raises(jinja2.UndefinedError, match="has no attribute 'nope'"):
        t.render(pod={"strategy": 1})
