"""netgen.values.fullmatch: a pattern compiled on first use matches as re's own fullmatch does."""

from __future__ import annotations

import re

from netgen.values import fullmatch


def test_matches_as_re_does() -> None:
    pattern = r"(\d+)(m?)"
    lazy, eager = fullmatch(pattern), re.compile(pattern).fullmatch
    for text in ("", "5", "250m", "m", "5mm", "12 "):
        found, want = lazy(text), eager(text)
        assert (found and found.groups()) == (want and want.groups()), text


def test_compiles_once_on_first_call(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    compiled: list[str] = []
    real = re.compile

    def counting(pattern: str, flags: int = 0) -> re.Pattern[str]:
        compiled.append(pattern)
        return real(pattern, flags)

    monkeypatch.setattr(re, "compile", counting)
    match = fullmatch("a+")
    assert compiled == []
    assert match("aa") and not match("ab") and match("a")
    assert compiled == ["a+"]
