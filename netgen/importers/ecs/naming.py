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


_RANDOM = re.compile(r"^(?=[A-Z0-9]*[0-9])(?=[A-Z0-9]*[A-Z])[A-Z0-9]{8,13}$")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def readable_names(raw: list[str]) -> dict[str, str]:
    """DNS labels for names CloudFormation generated (`Stack-ServiceName-1ABC2DEF3GH4`):
    the random suffix and the stack prefix go (the CamelCase logical id before the suffix
    is the name; otherwise the prefix every name shares), and CamelCase becomes words
    (`service-name`). Only when the results stay distinct; otherwise
    (and for names without such parts) plain `dns_label`."""
    names = sorted(set(raw))
    parts = {n: n.split("-") for n in names}
    stripped = {n: p[:-1] if len(p) > 1 and _RANDOM.match(p[-1]) else p
                for n, p in parts.items()}
    for n, p in stripped.items():  # Stack-LogicalId-RANDOM: the logical id names it
        if p != parts[n] and any(c.isupper() for c in p[-1]) and any(c.islower() for c in p[-1]):
            stripped[n] = p[-1:]
    generated = any(stripped[n] != parts[n] for n in names)
    if len(names) > 1 and generated:
        common = 0
        columns = list(zip(*stripped.values(), strict=False))
        while (common < len(columns) and len(set(columns[common])) == 1
               and all(len(p) > common + 1 for p in stripped.values())):
            common += 1
        stripped = {n: p[common:] for n, p in stripped.items()}
    out = {n: dns_label("-".join(_CAMEL.sub("-", w) for w in p)) for n, p in stripped.items()}
    if len(set(out.values())) != len(out) or out == {n: dns_label(n) for n in names}:
        return {n: dns_label(n) for n in names}
    return out


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
