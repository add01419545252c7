"""netgen check's YAML loader builds plain trees itself and must read every text exactly as
PyYAML's safe loader does: the same data, or the same error."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netgen.check.yamlload import Loader

SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
OUT = Path(__file__).resolve().parents[2] / "out"

TEXTS = [
    "a: &x [1, 2]\nb: *x\n",  # an alias: PyYAML's constructor shares the object
    "a: &x {k: 1}\n<<: *x\nc: 2\n",  # a merge key
    "? [1, 2]\n: v\n",  # an unhashable key: PyYAML's error
    "!!str {a: 1}\n",  # a tag that does not fit the node
    "a: !!set {x, y}\n",
    "a: 2001-12-14\nb: 0x1f\nc: 1_000\nd: .inf\ne: ~\nf: yes\ng: '1'\nh: \"x\\ty\"\n",
    "&a [*a]\n",  # a sequence that contains itself
    "a: !!binary aGVsbG8=\n",
    "- !!map {a: 1}\n- !!seq [1]\n",
    "a: !!int '12'\n",
    "---\na: 1\n---\n- b\n...\n",
    "",
    "a: [\n",  # does not parse
]


def _load(text: str, loader: type) -> object:
    try:
        return ("data", repr(list(yaml.load_all(text, Loader=loader))))
    except yaml.YAMLError as e:
        return ("error", type(e).__name__, str(e))


@pytest.mark.parametrize("text", TEXTS)
def test_reads_like_pyyaml(text: str) -> None:
    assert _load(text, Loader) == _load(text, SAFE)


def test_reads_the_examples_like_pyyaml() -> None:
    files = sorted(OUT.glob("*/*/*.yaml"))
    assert files
    for path in files:
        text = path.read_text()
        assert list(yaml.load_all(text, Loader=Loader)) == list(
            yaml.load_all(text, Loader=SAFE)), path
