"""Kubernetes-safe names derived from AWS names.

AWS allows upper case, underscores and 255 characters where Kubernetes wants DNS-1035 labels
(`[a-z]([-a-z0-9]*[a-z0-9])?`, at most 63) and port names (IANA service names, at most 15).
Derivations are deterministic so re-running an import gives the same blueprint; when a name
must be shortened, a hash of the original keeps distinct inputs distinct.
"""

from __future__ import annotations

import hashlib
import re

_NOT_LABEL = re.compile(r"[^a-z0-9-]+")
_DASHES = re.compile(r"-{2,}")


def _shorten(name: str, limit: int, original: str) -> str:
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(original.encode()).hexdigest()[:6]
    return f"{name[: limit - 7].rstrip('-')}-{digest}"


def dns_label(raw: str, prefix: str = "svc") -> str:
    """DNS-1035 label for `raw`: lower case, runs of other characters become "-",
    and `prefix-` is put in front when the result would not start with a letter."""
    name = _DASHES.sub("-", _NOT_LABEL.sub("-", raw.lower())).strip("-")
    if not name or not name[0].isalpha():
        name = f"{prefix}-{name}".rstrip("-")
    return _shorten(name, 63, raw)


def unique(name: str, used: set[str], limit: int = 63) -> str:
    """`name`, or `name-2`, `name-3`, … if taken; records the result in `used`."""
    candidate, n = name, 1
    while candidate in used:
        n += 1
        suffix = f"-{n}"
        candidate = name[: limit - len(suffix)].rstrip("-") + suffix
    used.add(candidate)
    return candidate


def port_name(raw: str | None, port: int, app_protocol: str | None) -> str:
    """IANA service name (≤15 chars, a letter somewhere, no "--") for a container port.

    ECS port names are free-form ("api-http", "Orders_GRPC_9090"); without one, the
    application protocol or "tcp" plus the number is used, e.g. "http" or "tcp-5000".
    """
    if raw:
        name = _DASHES.sub("-", _NOT_LABEL.sub("-", raw.lower())).strip("-")
    else:
        name = app_protocol.lower() if app_protocol else f"tcp-{port}"
    if len(name) > 15:
        name = _shorten(name, 15, raw or name)
    if not any(c.isalpha() for c in name):
        name = f"p-{name}"[:15].rstrip("-")
    return name or f"tcp-{port}"
