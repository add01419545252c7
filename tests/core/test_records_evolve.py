"""resolve's own `evolve` (netgen/resolve/records.py) gives what `attrs.evolve` gives."""

from __future__ import annotations

import attrs
import pytest

from netgen.resolve.records import evolve


@attrs.frozen
class Private:
    _x: int


@attrs.frozen
class Empty:
    pass


@attrs.frozen
class Mixed:
    a: int
    b: int = attrs.field(init=False, default=3)
    c: int = attrs.field(default=2, converter=int)


@attrs.frozen
class Checked:
    n: int = attrs.field(validator=attrs.validators.ge(0))


@pytest.mark.parametrize(("inst", "changes"), [
    (Private(1), {}), (Private(1), {"x": 5}), (Empty(), {}), (Mixed(1), {"c": "9"}),
    (Mixed(1), {"a": 4}), (Checked(2), {"n": 3}),
])
def test_same_as_attrs(inst: object, changes: dict[str, object]) -> None:
    assert evolve(inst, **changes) == attrs.evolve(inst, **changes)


def test_validators_run_and_unknown_arguments_fail() -> None:
    with pytest.raises(ValueError):
        evolve(Checked(2), n=-1)
    with pytest.raises(TypeError):
        evolve(Checked(2), m=1)
