"""When one HTTP match catches every call another accepts (`covers`): a route behind such
a match can never be taken, since Istio and the documented meaning of `traffic(routes=)` take
the first match. resolve/mesh_shadow.py refuses a declaration that asks for it; Istio's
gateway routes drop the combinations of a gateway route and a mesh route it makes
unreachable, and the read-back's expected table does the same.

Deliberately certain rather than complete: True only when every call the later match
accepts is accepted by the earlier one, judged condition by condition.
"""

from __future__ import annotations

import re

from netgen.plan.mesh import HttpMatch


def covers(a: HttpMatch, b: HttpMatch) -> bool:
    """Every call that matches `b` matches `a`."""
    if a.method is not None and a.method != b.method:
        return False
    if not set(a.query) <= set(b.query) or not set(a.without) <= set(b.without):
        return False
    if not _path_covers(a.uri_kind, a.uri, b.uri_kind, b.uri):
        return False
    b_exact = dict(b.headers)
    if not all(b_exact.get(name) == value for name, value in a.headers):
        return False
    return all(_header_covers(rule, b_exact, b.rules) for rule in a.rules)


def _path_covers(ka: str | None, pa: str | None, kb: str | None, pb: str | None) -> bool:
    if ka is None or (ka, pa) == ("prefix", "/"):  # every path begins with '/'
        return True
    if kb is None:
        return False
    if ka == "prefix":
        return kb in ("prefix", "exact") and (pb or "").startswith(pa or "")
    if ka == "exact":
        return kb == "exact" and pa == pb
    return (kb, pb) == (ka, pa) or (kb == "exact" and _fullmatch(pa or "", pb or ""))


def _header_covers(rule: tuple[str, str, str], b_exact: dict[str, str],
                   b_rules: tuple[tuple[str, str, str], ...]) -> bool:
    """A prefix or regex condition of the earlier route holds for every call of the later."""
    name, kind, value = rule
    if name in b_exact:
        have = b_exact[name]
        return have.startswith(value) if kind == "prefix" else _fullmatch(value, have)
    return any(n == name and ((k, v) == (kind, value)
                              or (k == kind == "prefix" and v.startswith(value)))
               for n, k, v in b_rules)


def _fullmatch(pattern: str, text: str) -> bool:
    """Istio (RE2) and Linkerd match the whole value, as `re.fullmatch` does for the plain
    patterns routes use; a pattern Python cannot read is not judged (False keeps `covers`
    certain)."""
    try:
        return re.fullmatch(pattern, text) is not None
    except re.error:
        return False
