"""A mesh route's match as Linkerd's HTTPRoute writes it: the lowering emits it, and the
checks measure what is emitted (a prefix becomes a longer, escaped regular expression)."""

from __future__ import annotations

import re
from typing import Any

from netgen.plan.mesh import HttpMatch


def prefix_regex(prefix: str) -> str:
    """Istio's (and App Mesh's) prefix is a string prefix; Gateway API's PathPrefix matches
    whole path segments, so any other prefix than '/' is written as a regular expression."""
    return "^" + re.escape(prefix) + ".*"


def match(m: HttpMatch) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if m.uri_kind == "exact":
        out["path"] = {"type": "Exact", "value": m.uri}
    elif m.uri_kind == "prefix":
        out["path"] = {"type": "RegularExpression", "value": prefix_regex(m.uri or "/")}
    elif m.uri_kind == "regex":
        out["path"] = {"type": "RegularExpression", "value": m.uri}
    headers = [{"type": "Exact", "name": n, "value": v} for n, v in m.headers]
    headers += [{"type": "RegularExpression", "name": n,
                 "value": prefix_regex(v)[1:] if kind == "prefix" else v}
                for n, kind, v in m.rules]
    if headers:
        out["headers"] = sorted(headers, key=lambda h: h["name"])
    if m.query:
        out["queryParams"] = [{"type": "Exact", "name": n, "value": v} for n, v in m.query]
    if m.method is not None:
        out["method"] = m.method
    return out
