"""The Kubernetes CEL library functions that the shipped CRDs' rules use, for cel-expr-python.

Kubernetes evaluates CRD rules with cel-go plus its own libraries; cel-expr-python (cel-cpp)
brings the CEL language and the strings and optional extensions, and this module adds only
what the rules of the shipped CRDs call beyond them (`tests/validate` fails, naming the rule,
when a CRD update brings another):

- `isURL(string)`, `url(string).getScheme()`: Go's `url.ParseRequestURI` (an absolute URI or
  an absolute path), stricter than urllib: Istio's rules rely on `isURL("example.com")`
  being false. cel-expr-python cannot hand a Python object back to CEL as an opaque type, so
  a URL value is its validated text (typed `string`) and `getScheme` parses it again.
- `isIP(string)`, `isCIDR(string)`: Kubernetes' rules (no zones, no IPv4-mapped IPv6, no
  leading zeros in a prefix length).
- `format.dns1123Label().validate(string)`: null when valid, else the list of errors. The
  named format is likewise its name as a string.
"""

from __future__ import annotations

import ipaddress
import re
import string
from typing import Any

from cel_expr_python import cel

_HEX = frozenset(string.hexdigits)
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-_.~")
_HOST_OK = _UNRESERVED | frozenset("!$&'()*+,;=:[]<>\"")
_USERINFO_OK = _UNRESERVED | frozenset("$&'()*+,;=:!%@")
_SCHEME_CHARS = frozenset(string.ascii_letters + string.digits + "+-.")
_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


class _Invalid(ValueError):
    """The text is not what the function needs (becomes a CEL error, or `false`)."""


def _unescape(s: str, host: bool = False) -> None:
    """Go's url.unescape validity: every `%` starts an escape; hosts allow few characters."""
    i = 0
    while i < len(s):
        if s[i] == "%":
            seq = s[i + 1 : i + 3]
            if len(seq) < 2 or not set(seq) <= _HEX or (host and int(seq[0], 16) < 8
                                                         and seq != "25"):
                raise _Invalid(f"invalid URL escape {s[i : i + 3]!r}")
            i += 3
            continue
        if host and ord(s[i]) < 0x80 and s[i] not in _HOST_OK:
            raise _Invalid(f"invalid character {s[i]!r} in host name")
        i += 1


def _split_scheme(raw: str) -> tuple[str, str]:
    for i, c in enumerate(raw):
        if c in string.ascii_letters or (c in _SCHEME_CHARS and i > 0):
            continue
        if c == ":":
            if i == 0:
                raise _Invalid("missing protocol scheme")
            return raw[:i].lower(), raw[i + 1 :]
        break
    return "", raw


def _check_host(host: str) -> None:
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0:
            raise _Invalid("missing ']' in host")
        port = host[end + 1 :]
        if port and port != ":" and not (port.startswith(":") and port[1:].isdigit()):
            raise _Invalid(f"invalid port {port!r} after host")
    elif ":" in host:
        port = host[host.rfind(":") + 1 :]
        if port and not (port.isascii() and port.isdigit()):
            raise _Invalid(f"invalid port {':' + port!r} after host")
    _unescape(host, host=True)


def request_uri_scheme(raw: str) -> str:
    """The scheme of `raw` if Go's url.ParseRequestURI accepts it, else _Invalid."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        raise _Invalid("invalid control character in URL")
    if raw == "":
        raise _Invalid("empty url")
    if raw == "*":
        return ""
    scheme, rest = _split_scheme(raw)
    rest = rest[:-1] if rest.endswith("?") and rest.count("?") == 1 else rest.partition("?")[0]
    if not rest.startswith("/"):
        if scheme:
            return scheme
        raise _Invalid("invalid URI for request")
    if scheme and rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        rest = slash + path
        userinfo, at, hostpart = authority.rpartition("@")
        if at and not all(c in _USERINFO_OK for c in userinfo):
            raise _Invalid("invalid userinfo")
        _check_host(hostpart if at else authority)
    _unescape(rest)
    return scheme


def is_url(s: str) -> bool:
    try:
        request_uri_scheme(s)
    except _Invalid:
        return False
    return True


def url(s: str) -> str:
    try:
        request_uri_scheme(s)
    except _Invalid as exc:
        raise _Invalid(f"URL parse error during conversion from string: {exc}") from None
    return s


def _ip(raw: str) -> Any:
    if "%" in raw:
        raise _Invalid(f"IP address {raw!r} with zone value is not allowed")
    addr = ipaddress.ip_address(raw)
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        raise _Invalid(f"IPv4-mapped IPv6 address {raw!r} is not allowed")
    return addr


def is_ip(s: str) -> bool:
    try:
        _ip(s)
    except ValueError:
        return False
    return True


def is_cidr(s: str) -> bool:
    addr, slash, bits = s.partition("/")
    if not slash or not bits.isdigit() or (len(bits) > 1 and bits.startswith("0")):
        return False
    try:
        _ip(addr)
        ipaddress.ip_interface(s)
    except ValueError:
        return False
    return True


def validate_format(name: str, s: str) -> list[str] | None:
    if name != "dns1123Label":  # the only named format the shipped rules use
        raise _Invalid(f"no such format {name!r}")
    errors = []
    if len(s) > 63:
        errors.append("must be no more than 63 characters")
    if not _DNS1123_LABEL.fullmatch(s):
        errors.append(f"a lowercase RFC 1123 label must match the regex "
                      f"{_DNS1123_LABEL.pattern!r}")
    return errors or None


def _overload(name: str, result: cel.Type, params: list[cel.Type], impl: Any,
              member: bool = False) -> cel.FunctionDecl:
    return cel.FunctionDecl(name, [cel.Overload(f"k8s_{name}", result, params,
                                                is_member=member, impl=impl)])


_S, _B = cel.Type.STRING, cel.Type.BOOL

EXTENSION = cel.CelExtension("kubernetes", [
    _overload("isURL", _B, [_S], is_url),
    _overload("url", _S, [_S], url),
    _overload("getScheme", _S, [_S], request_uri_scheme, member=True),
    _overload("isIP", _B, [_S], is_ip),
    _overload("isCIDR", _B, [_S], is_cidr),
    _overload("format.dns1123Label", _S, [], lambda: "dns1123Label"),
    _overload("validate", cel.Type.DYN, [_S, _S], validate_format, member=True),
])
