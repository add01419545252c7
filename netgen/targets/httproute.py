"""What the Gateway API HTTPRoute CRD takes: its item counts and string limits. Two targets
write HTTPRoutes, GATEWAY's exposures and Linkerd's mesh routes (GAMMA), and the API server
refuses a route past any of these for both alike."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from netgen.values import excerpt, header_name

MAX_RULES = 16  # per HTTPRoute/GRPCRoute (CRD maxItems)
MAX_HEADERS = 16  # per match
MAX_QUERY = 16  # query parameters per match
MAX_BACKEND_REFS = 16  # per rule
MAX_MATCHES = 128  # per HTTPRoute/GRPCRoute, all rules together (CRD validation rule)
MAX_PATH = 1024  # a path match's value and a rewrite's path (CRD maxLength)
_NAME, _HEADER_VALUE, _QUERY_VALUE = 256, 4096, 1024


def match_problems(match: Mapping[str, Any]) -> Iterator[str]:
    """The header and query parameter names (HTTP tokens of at most 256 characters) and
    values (at most 4096 and 1024) of one HTTPRouteMatch as written: a query parameter name
    such as `ids[]` is fine for ALB and Istio, not here."""
    headers = match.get("headers", ())
    strings = [(f"header {h['name']!r}: value", h["value"], _HEADER_VALUE) for h in headers
               if h.get("value") is not None]
    strings += [("header name", h["name"], _NAME) for h in headers]
    for q in match.get("queryParams", ()):
        strings += [("query parameter name", q["name"], _NAME),
                    (f"query {q['name']!r}: value", q["value"], _QUERY_VALUE)]
    for what, value, limit in strings:
        if len(value) > limit:
            yield (f"{what} {excerpt(value)!r} has {len(value)} characters; Gateway API takes "
                   f"at most {limit}")
        elif what.endswith("name") and header_name(value) is not None:
            yield (f"{what} {value!r} is not an HTTP token (letters, digits and "
                   "!#$%&'*+-.^_`|~), as Gateway API requires")
