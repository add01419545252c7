"""Where an Istio VirtualService sends one request, read from the YAML alone.

An independent judge for in-mesh splits: it knows Istio's documented matching (the first
`http` entry with a matching `match` wins; within a match every field must hold; `uri`
and string matches are exact / prefix / regex (RE2, full match); header names are
lowercase; `withoutHeaders` must not match, an absent header counts as not matching) and
nothing of netgen's planning. `where_to` answers {subset or host: percent}, or None for
"no route" (Istio answers 404).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from attrs import field, frozen


@frozen
class Request:
    path: str = "/"
    method: str = "GET"
    headers: Mapping[str, str] = field(factory=dict)
    query: Mapping[str, str] = field(factory=dict)


def _string(match: Mapping[str, str], value: str | None) -> bool:
    (kind, want), = match.items()
    if value is None:
        return False
    if kind == "exact":
        return value == want
    if kind == "prefix":
        return value.startswith(want)
    if kind == "regex":
        return re.fullmatch(want, value) is not None
    raise AssertionError(f"unknown string match {kind}")


def matches(m: Mapping[str, Any], r: Request) -> bool:
    known = {"uri", "method", "headers", "withoutHeaders", "queryParams"}
    assert set(m) <= known, f"fields this reader does not model: {set(m) - known}"
    path = r.path.split("?", 1)[0]
    headers = {k.lower(): v for k, v in r.headers.items()}
    if "uri" in m and not _string(m["uri"], path):
        return False
    if "method" in m and not _string(m["method"], r.method):
        return False
    for name, sm in (m.get("headers") or {}).items():
        assert name == name.lower(), "Istio header names are lowercase"
        if not _string(sm, headers.get(name)):
            return False
    for name, sm in (m.get("withoutHeaders") or {}).items():
        if _string(sm, headers.get(name)):
            return False
    return all(_string(sm, r.query.get(name)) for name, sm in (m.get("queryParams") or {}).items())


def where_to(vs: Mapping[str, Any], r: Request) -> dict[str, int] | None:
    for entry in vs["spec"].get("http", ()):
        if any(matches(m, r) for m in entry.get("match") or [{}]):
            route = entry["route"]
            out: dict[str, int] = {}
            for d in route:
                key = d["destination"].get("subset") or d["destination"]["host"]
                out[key] = out.get(key, 0) + int(d.get("weight", 100 if len(route) == 1 else 0))
            total = sum(out.values())
            assert total == 100, f"weights add up to {total}"
            return {k: v for k, v in out.items() if v}
    return None


def timing(vs: Mapping[str, Any], r: Request) -> tuple[str | None, Mapping[str, Any] | None]:
    """(timeout, retries) of the route the request takes."""
    for entry in vs["spec"].get("http", ()):
        if any(matches(m, r) for m in entry.get("match") or [{}]):
            return entry.get("timeout"), entry.get("retries")
    return None, None
