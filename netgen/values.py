"""Kubernetes value rules shared by every stage (resolve, targets, importers): name rules,
ports, labels, hosts, and the cluster FQDN of a Service.

Each returns an error message or None, so callers word the diagnostic around the
declaration it belongs to.

The patterns they and the other stages check values with are compiled on first use
(`fullmatch`): re's compiler is Python, 0.2-1 M instructions a pattern, and most of them
check settings a given blueprint never writes (durations, capabilities, CPU quantities,
header names, a Gateway controller). Compiled at import they were about 10 M instructions
of every 10-service build, for patterns it never matched.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import Any


def fullmatch(pattern: str) -> Callable[[str], re.Match[str] | None]:
    """`re.compile(pattern).fullmatch`, compiled on its first call."""
    compiled: Callable[[str], re.Match[str] | None] | None = None

    def match(text: str) -> re.Match[str] | None:
        nonlocal compiled
        if compiled is None:
            compiled = re.compile(pattern).fullmatch
        return compiled(text)

    return match


_DNS1035 = fullmatch(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_DNS1123 = fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = fullmatch(rf"{_LABEL}(\.{_LABEL})*")
_LABEL_VALUE = fullmatch(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?")
_LABEL_NAME = fullmatch(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_IANA_SVC = fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
_HEADER_NAME = fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")
# Gateway API's rule for Exact/PathPrefix paths, the strictest of the HTTP backends'.
_URL_PATH = fullmatch(r"(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+")
_GROUP = fullmatch(r"([a-z0-9][-a-z0-9.]*)?[a-z0-9]")

PROTOCOLS = ("TCP", "UDP", "SCTP")
# Replicas, probe counts and periods, rollout counts: int32 fields of the API.
MAX_INT32 = 2**31 - 1
CLUSTER_DOMAIN = "svc.cluster.local"


def fqdn(name: str, namespace: str) -> str:
    return f"{name}.{namespace}.{CLUSTER_DOMAIN}"


def dns1035(name: Any, what: str = "name") -> str | None:
    if not isinstance(name, str) or len(name) > 63 or not _DNS1035(name):
        return (
            f"{what} {name!r} is not a valid DNS-1035 label (lowercase letters, digits and "
            "'-', starting with a letter, at most 63 characters)"
        )
    return None


def dns1123(name: Any, what: str = "name") -> str | None:
    if not isinstance(name, str) or len(name) > 63 or not _DNS1123(name):
        return (
            f"{what} {name!r} is not a valid DNS-1123 label (lowercase letters, digits and "
            "'-', at most 63 characters)"
        )
    return None


_MAX_SHOWN = 60


def show(value: Any) -> str:
    """repr() for messages: short, and safe for values whose repr fails (a whole number past
    Python's 4300 digits, a recursive structure)."""
    try:
        text = repr(value)
    except Exception:
        return f"<{type(value).__name__}>"
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


def excerpt(text: str, width: int = 40) -> str:
    """A long string cut for a message, its end marked: the value is the user's own, so the
    message shows enough of it to find it."""
    return text if len(text) <= width else text[: width - 3] + "..."


def hostname(host: Any, wildcard: bool = True) -> str | None:
    if not isinstance(host, str) or not host:
        return f"host {host!r} must be a non-empty string"
    bare = host[2:] if wildcard and host.startswith("*.") else host
    if len(host) > 253 or not _SUBDOMAIN(bare):
        return f"host {host!r} is not a valid DNS name (lowercase, dot-separated labels)"
    return None


def route_host(host: Any) -> str | None:
    """An exposure's `host=`: an Ingress rule's host, a Gateway API hostname, an Istio
    Gateway's: a DNS name (a wildcard first label allowed), never an IP address. Only the
    whole host is read as an address, as the API server does: `*.10.0.0.1` is a wildcard
    DNS name to it."""
    problem = hostname(host)
    if problem is None and _looks_like_ipv4(host):
        return (f"host {host!r} is an IP address; an Ingress rule's host and a Gateway API "
                "hostname must be a DNS name")
    return problem


def _looks_like_ipv4(name: str) -> bool:
    """What Kubernetes' ParseIPSloppy reads as an IPv4 address: four dot-separated
    numbers up to 255, leading zeros allowed (an IPv6 address is no DNS name anyway)."""
    parts = name.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) <= 255 for p in parts)


def external_host(host: Any) -> str | None:
    if isinstance(host, str):
        try:
            ipaddress.ip_address(host)
            return None
        except ValueError:
            pass
    return hostname(host, wildcard=False)


def port(value: Any, what: str = "port") -> str | None:
    if type(value) is not int or not 1 <= value <= 65535:
        return f"{what}={value!r} must be a whole number between 1 and 65535"
    return None


def node_port(value: Any) -> str | None:
    if type(value) is not int or not 30000 <= value <= 32767:
        return f"node_port={value!r} must be between 30000 and 32767"
    return None


def count(value: Any, what: str, least: int = 0) -> str | None:
    """A whole number Kubernetes keeps in an int32 field (replicas, probe periods, ...)."""
    if type(value) is not int or value < least:
        return f"{what}={value!r} must be a whole number of at least {least}"
    if value > MAX_INT32:
        return f"{what}={value!r} must be at most {MAX_INT32} (Kubernetes keeps it in 32 bits)"
    return None


def label_value(value: Any, what: str) -> str | None:
    """A value Kubernetes accepts in a label (`tier=`)."""
    if not _is_label_value(value):
        return (f"{what}={value!r} must be a label value: at most 63 letters, digits, '-', "
                "'_' and '.', starting and ending with a letter or digit")
    return None


def app_protocol(value: Any) -> str | None:
    """A Service port's appProtocol: a qualified name, as a label key (Kubernetes'
    ValidateQualifiedName): an IANA service name such as 'http' or 'grpc', or one behind
    a DNS-subdomain prefix such as 'kubernetes.io/h2c'."""
    if not isinstance(value, str) or not _label_key(value):
        return (f"app_protocol={value!r} must be a protocol name such as 'http', 'grpc' or "
                "'tcp', or a domain-prefixed one such as 'kubernetes.io/h2c' (at most 63 "
                "letters, digits, '-', '_' and '.' after a lowercase DNS-subdomain prefix)")
    return None


def subdomain(name: Any, what: str) -> str | None:
    """A DNS-1123 subdomain: the name of a Secret, a StorageClass, a claim."""
    if not isinstance(name, str) or len(name) > 253 or not _SUBDOMAIN(name):
        return (f"{what} {name!r} is not a valid DNS-1123 subdomain (lowercase letters, "
                "digits, '-' and '.', at most 253 characters)")
    return None


def labels(value: Any) -> str | None:
    if not isinstance(value, Mapping):
        return f"labels={value!r} must be a mapping of strings"
    for k, v in value.items():
        if not isinstance(k, str) or not _label_key(k):
            return f"label key {k!r} is not a valid Kubernetes label name"
        if not _is_label_value(v):
            return f"label {k}={v!r}: value must be at most 63 letters, digits, '-', '_', '.'"
    return None


def _is_label_value(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 63 and _LABEL_VALUE(value) is not None


def _label_key(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _SUBDOMAIN(prefix)):
        return False
    return len(name) <= 63 and bool(_LABEL_NAME(name))


def http_path(value: Any) -> str | None:
    if not isinstance(value, str) or not value.startswith("/"):
        return f"path={value!r} must start with '/'"
    return None


def port_name(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 15 or not _IANA_SVC(value) or "--" in value:
        return f"port_name={value!r} must be at most 15 lowercase letters, digits and '-'"
    if not any(c.isalpha() for c in value):
        return f"port_name={value!r} must contain a letter"
    return None


def header_name(value: Any) -> str | None:
    if not isinstance(value, str) or not _HEADER_NAME(value):
        return f"header name {value!r} is not a valid HTTP header name"
    return None


def cidr(value: Any, what: str = "cidr") -> str | None:
    try:
        if not isinstance(value, str):
            raise TypeError(value)
        ipaddress.ip_network(value)
    except (ValueError, TypeError):
        return f"{what}={value!r} is not a valid network such as '10.0.0.0/16'"
    return None


def cidrs(value: Any, what: str = "cidr") -> str | None:
    """One network, or a non-empty list of them."""
    if isinstance(value, str):
        return cidr(value, what)
    if not isinstance(value, list | tuple) or not value:
        return f"{what}={show(value)} must be a CIDR such as '10.0.0.0/16' or a list of them"
    return next((p for item in value if (p := cidr(item, what))), None)


def text(value: Any, what: str) -> str | None:
    if not isinstance(value, str) or not value:
        return f"{what}={value!r} must be a non-empty string"
    return None


def url_path(value: str) -> str | None:
    """A Prefix/Exact path every HTTP backend reads the same way."""
    if not _URL_PATH(value):
        return (f"path={value!r} may contain only letters, digits, %XX escapes and "
                "-/._~!$&'()*+,;=:@")
    if any(bad in value for bad in ("//", "/./", "/../", "%2f", "%2F", "#")) or value.endswith(
        ("/..", "/.")
    ):
        return f"path={value!r} must not contain '//', '/./', '/../' or an encoded '/'"
    return None


def group_name(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 63 or not _GROUP(value):
        return (f"group={value!r} must be at most 63 lowercase letters, digits, '-' and '.', "
                "starting and ending with a letter or digit")
    return None


def positive(value: Any, what: str) -> str | None:
    if type(value) is not int or value < 1:
        return f"{what}={value!r} must be a whole number of at least 1"
    return None


def is_subdomain(name: str) -> bool:
    """The shape of a DNS-1123 subdomain (a Secret's or a claim's name); the 253-character
    bound is the caller's, which words it."""
    return _SUBDOMAIN(name) is not None


def is_ip(host: str) -> bool:
    """An address, not a name: such a host gets no DNS alias (resolve) and is a static
    endpoint (mesh)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
