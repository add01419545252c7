"""ALB path patterns → Gateway-API-style path matches.

ALB patterns are case-sensitive globs over the whole path: `*` is any run of characters
(including "/"), `?` exactly one. Kubernetes routes can say "exactly this path" or "this
path prefix", where a prefix matches whole segments (`/api` matches `/api` and `/api/x`,
not `/apix`). So:

* no wildcard → exact match;
* `P/*` with a wildcard-free `P` → prefix `P` ("/api/*" → "/api"), counted as exact even
  though it also matches "/api" itself, which the ALB pattern did not;
* `P*` with `P` not ending in "/" → prefix `P`, *narrower* than the ALB ("/apix" no longer
  matches), with a warning;
* anything else → the literal segments before the first wildcard, *wider* than the ALB
  ("/img/*.png" → "/img"), with a warning, because it may now catch requests a later rule
  was meant to get.
"""

from __future__ import annotations

from netgen.importers.ecs.model import PathMatch


def translate_path(pattern: str) -> tuple[PathMatch, str | None]:
    """The match and, when it is not exact, a warning code ("path-widened"/"path-narrowed")."""
    cut = min((i for i, ch in enumerate(pattern) if ch in "*?"), default=len(pattern))
    literal = pattern[:cut]
    if cut == len(pattern):
        return PathMatch("exact", pattern or "/", pattern), None
    rest = pattern[cut:]
    if rest == "*" and (literal.endswith("/") or not literal):
        return PathMatch("prefix", literal.rstrip("/") or "/", pattern), None
    if rest == "*" and literal.startswith("/") and len(literal) > 1:
        return PathMatch("prefix", literal, pattern, exact_translation=False), "path-narrowed"
    prefix = literal[: literal.rfind("/")] if "/" in literal else ""
    return PathMatch("prefix", prefix or "/", pattern, exact_translation=False), "path-widened"
