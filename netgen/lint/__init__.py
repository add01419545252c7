"""netgen's own lint rules: valid output that is probably not what a platform team wants.

The schema checks prove the YAML would be accepted; these rules look at the resolved Plan
for choices that are legal but risky (plain HTTP on the internet, a canary that splits
nothing, `:latest` images, single replicas where isolation says "production"). They are
warnings: `netgen check --strict` fails on them, `--ignore CODE` or a
`# netgen: ignore[CODE]` comment on the declaration silences them.

The framework (`Rule`, `LintContext`, `Lint`) is in `netgen.targets.base`, so that a target
can declare its own rules (`Backend.lints`, e.g. Kubernetes' workload rules); the neutral rules
are in `netgen.lint.rules`, which orders them all by code. Each rule keeps a stable code, a
slug and a one-line rationale (shown by `--format sarif` and in docs/check.md), and only fires
where a false positive is unlikely.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path
from typing import TYPE_CHECKING

from attrs import evolve

from netgen.lint.rules import RULES, is_public
from netgen.model import SourceLoc
from netgen.plan import Plan
from netgen.problems import Loc, Problem
from netgen.targets.base import Lint, LintContext, Rule

if TYPE_CHECKING:
    from netgen.model import Blueprint

RULE_BY_CODE = {r.code: r for r in RULES}


def lint(bp: Blueprint, plans: list[Plan]) -> list[Problem]:
    """Every rule over every environment; declaration-level findings reported once."""
    found: dict[tuple[str, Loc | None, str, str | None], Problem] = {}
    for plan in plans:
        ctx = LintContext(bp, plan, tuple(plans))
        for rule in RULES:
            for item in rule.check(ctx):
                if not rule.per_env:
                    item = evolve(item, env=None)
                found.setdefault((item.code, item.loc, item.message, item.env), item)
    return list(found.values())


_IGNORE = re.compile(r"#\s*netgen:\s*ignore\[([A-Za-z0-9_,\s]*)\]")


class InlineIgnores:
    """`# netgen: ignore[NG101]` (or `ignore[NG101, NG104]`) on any line of the call a
    finding points at silences that finding there, like `# noqa` for flake8."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[dict[int, set[str]], dict[int, int]]] = {}

    def ignored(self, loc: SourceLoc | None, code: str) -> bool:
        if loc is None or loc.line <= 0:
            return False
        codes, spans = self._file(loc.file)
        last = spans.get(loc.line, loc.line)
        return any(code in codes.get(n, ()) for n in range(loc.line, last + 1))

    def _file(self, file: str) -> tuple[dict[int, set[str]], dict[int, int]]:
        found = self._files.get(file)
        if found is None:
            found = self._files[file] = _scan(file)
        return found


def _scan(file: str) -> tuple[dict[int, set[str]], dict[int, int]]:
    """Codes named in comments by line, and the last line of each call starting on a line."""
    try:
        source = Path(file).read_text(encoding="utf-8")
        comments = [
            t for t in tokenize.generate_tokens(io.StringIO(source).readline)
            if t.type == tokenize.COMMENT
        ]
        tree = ast.parse(source)
    except (OSError, UnicodeDecodeError, SyntaxError, tokenize.TokenError, ValueError):
        return {}, {}
    codes: dict[int, set[str]] = {}
    for token in comments:
        match = _IGNORE.search(token.string)
        if match:
            names = {c.strip().upper() for c in match.group(1).split(",") if c.strip()}
            codes.setdefault(token.start[0], set()).update(names)
    spans: dict[int, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.end_lineno is not None:
            spans[node.lineno] = max(spans.get(node.lineno, node.lineno), node.end_lineno)
    return codes, spans


__all__ = [
    "RULES",
    "RULE_BY_CODE",
    "InlineIgnores",
    "Lint",
    "LintContext",
    "Rule",
    "is_public",
    "lint",
]
