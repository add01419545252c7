"""Whatever JSON stands where a field should be, loading fails only with ExportError, and a
loaded export always analyses without raising."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netgen.importers.ecs import EcsSystem, ExportError, analyse, parse_exports
from netgen.problems import InputLoc
from tests.importers.ecs_helpers import encode, shop_documents

DOCUMENTS = shop_documents()
Path = tuple[str | int, ...]


def _nodes(value: Any, path: Path = ()) -> list[Path]:
    found = [path]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _nodes(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _nodes(child, (*path, index))
    return found


def _strings(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    children = (
        value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    )
    return set().union(*map(_strings, children)) if children else set()


NODES = {name: _nodes(doc)[1:] for name, doc in DOCUMENTS.items()}
# Strings from the fixture itself (ARNs, ids, "default", "CMD-SHELL", …) make mutations that
# re-wire references instead of only breaking types.
FIXTURE_STRINGS = sorted(set().union(*map(_strings, DOCUMENTS.values())))

leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(FIXTURE_STRINGS)
    | st.sampled_from(["default", "traffic-port", "0.0.0.0/0", "-1", "0", "65536", "1 vCPU"])
)
json_values = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def mutated_documents(draw: st.DrawFn) -> dict[str, Any]:
    docs = copy.deepcopy(DOCUMENTS)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(NODES)))
        path = draw(st.sampled_from(NODES[name]))
        parent = docs[name]
        try:
            for step in path[:-1]:
                parent = parent[step]
            last = path[-1]
            parent[last]  # the node may be gone after an earlier mutation
        except (KeyError, IndexError, TypeError):
            continue
        if not isinstance(parent, dict | list):
            continue
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[last]
        else:
            parent[last] = draw(json_values)
    return docs


def _check(docs: dict[str, bytes]) -> None:
    try:
        exports = parse_exports(docs)
    except ExportError as error:
        assert error.problems
        assert all(isinstance(p.loc, InputLoc) and p.loc.json_path.startswith("$")
                   for p in error.problems)
        assert str(error)
        return
    assert isinstance(analyse(exports), EcsSystem)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(mutated_documents())
def test_random_values_in_place_of_fields(docs: dict[str, Any]) -> None:
    _check(encode(docs))


@FUZZ
@given(st.sampled_from(sorted(DOCUMENTS)), st.binary(max_size=200))
def test_random_bytes_as_a_file(name: str, data: bytes) -> None:
    docs = encode(DOCUMENTS)
    docs[name] = data
    _check(docs)


@pytest.mark.slow
@settings(max_examples=10_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(mutated_documents())
def test_random_values_in_place_of_fields_long(docs: dict[str, Any]) -> None:
    _check(encode(docs))
