"""Whatever characters a user's string holds, it comes out of the YAML exactly as given."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from netgen.render.yamltext import block, scalar
from tests.conftest import Loader, documents, parse
from tests.core.blueprints import compile_source

NASTY = [
    "yes", "No", "ON", "off", "null", "~", "y", "n", "true", "1e3", "0x1F", "0o17", "1_000",
    "12:30:00", "2026-11-22", ".inf", "-.nan", "", " ", "a: b", "a #b", "#c", "- x", "? k",
    "*alias", "&anchor", "!tag", "%YAML", "@at", "`tick`", "'single'", '"double"', "{a: 1}",
    "[1, 2]", "|", ">", "back\\slash", "tab\there", "new\nline", "cr\rlf", "nul\0", "\x85",
    "\u2028", "\u2029", "\ufeffbom", "日本語", "😀", "--- ", "...", "a\n---\nkind: Secret",
]

text = st.one_of(st.sampled_from(NASTY), st.text(max_size=40))


@given(value=text)
@settings(max_examples=300)
def test_scalar_reads_back_exactly(value: str) -> None:
    assert yaml.load(f"k: {scalar(value)}\n", Loader=Loader) == {"k": value}


@given(value=st.recursive(
    st.one_of(text, st.integers(), st.booleans(), st.none()),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=10,
))
@settings(max_examples=200)
def test_block_reads_back_exactly(value: object) -> None:
    if not isinstance(value, dict | list):
        value = {"k": value}
    assert yaml.load("root:\n" + block(value, 2) + "\n", Loader=Loader) == {"root": value}


@given(image=text.filter(bool), health=text, arn=text.filter(bool))
@settings(max_examples=60, deadline=None)
def test_user_strings_survive_a_whole_build(image: str, health: str, arn: str) -> None:
    compiled = compile_source(
        "from netgen import *\n"
        f"service('web', port=80, image={image!r}, health={'/' + health!r})\n"
        f"expose('web', via=NLB, tls=acm({arn!r}), ports=[443])\n"
    )
    docs = {(d["kind"], d["metadata"]["name"]): d for d in documents(compiled[0])}
    pod = docs[("Deployment", "web")]["spec"]["template"]["spec"]["containers"][0]
    assert pod["image"] == image
    assert pod["readinessProbe"]["httpGet"]["path"] == "/" + health
    lb = docs[("Service", "web-lb")]["metadata"]["annotations"]
    assert lb["service.beta.kubernetes.io/aws-load-balancer-ssl-cert"] == arn
    assert len(parse("".join(f"---\n{d.text}" for d in compiled[0].documents))) == len(docs)
