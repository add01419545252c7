"""The escape check of netgen.render.yamltext: ASCII text is checked against the ASCII part
of the escaped set, so the whole set's pattern is compiled only for other text."""

from __future__ import annotations

import pytest

from netgen.render import yamltext


def test_the_ascii_pattern_is_the_whole_sets_ascii_part() -> None:
    for code in range(128):
        ch = chr(code)
        assert bool(yamltext._ESCAPE_ASCII.search(ch)) == \
            bool(yamltext._escape_any().search(ch)), hex(code)


@pytest.mark.parametrize("text", [
    "plain", 'say "hi"', 'back\\slash "and" quote', "tab\there", "nul\0", "del\x7f",
    "caf\u00e9", 'caf\u00e9 "q"', "next\x85line", "sep\u2028", "bom\ufeff", "\udc80",
    "emoji \U0001f600", "bell\x07",
])
def test_quoting_is_what_the_whole_set_gives(text: str) -> None:
    whole = yamltext._escape_any()
    if '"' in text and not whole.search(text.replace('"', "").replace("\\", "")):
        want = "'" + text.replace("'", "''") + "'"
    else:
        want = '"' + whole.sub(yamltext._escape, text) + '"'
    assert yamltext.quote(text) == want
