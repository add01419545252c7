"""The Kubernetes CEL URL, IP and CIDR libraries.

`isURL`/`url` follow Go's `url.ParseRequestURI` (an absolute URI or an absolute path), which is
stricter than Python's urllib: Istio's rules rely on `isURL("example.com")` being false.
`isIP`/`ip`/`cidr` follow the Kubernetes library, which rejects zones and IPv4-mapped IPv6.
"""

from __future__ import annotations

import ipaddress
import string
from collections.abc import Callable
from typing import Any

from netgen.validate.cel_values import CelError, type_name

_HEX = frozenset(string.hexdigits)
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-_.~")
_HOST_OK = _UNRESERVED | frozenset("!$&'()*+,;=:[]<>\"")
_PATH_OK = _UNRESERVED | frozenset("$&+,/:;=@")
_PATH_VALID_ENCODED = _UNRESERVED | frozenset("!$&'()*+,;=:@[]/%")
_USERINFO_OK = _UNRESERVED | frozenset("$&'()*+,;=:!%@")
_SCHEME_CHARS = frozenset(string.ascii_letters + string.digits + "+-.")


def _unescape(s: str, host: bool = False, query: bool = False) -> str:
    """Go's url.unescape: every `%` must start a valid escape; hosts allow few characters."""
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == "%":
            seq = s[i + 1 : i + 3]
            if len(seq) < 2 or not set(seq) <= _HEX:
                raise CelError(f"invalid URL escape {s[i : i + 3]!r}")
            if host and int(seq[0], 16) < 8 and seq != "25":
                raise CelError(f"invalid URL escape {s[i : i + 3]!r}")
            out.append(int(seq, 16))
            i += 3
            continue
        if host and ord(c) < 0x80 and c not in _HOST_OK:
            raise CelError(f"invalid character {c!r} in host name")
        out += b" " if query and c == "+" else c.encode("utf-8")
        i += 1
    return out.decode("utf-8", errors="replace")


def _escape_path(path: str) -> str:
    return "".join(
        c if c in _PATH_OK else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in path
    )


def _valid_encoded(raw: str) -> bool:
    return all(c in _PATH_VALID_ENCODED for c in raw)


class URL:
    """A parsed URL; `str()` gives back the text it was parsed from."""

    cel_type = "kubernetes.URL"

    def __init__(self, raw: str, scheme: str, host: str, path: str, raw_path: str, query: str):
        self.raw, self.scheme, self.host = raw, scheme, host
        self.path, self.raw_path, self.raw_query = path, raw_path, query

    def __eq__(self, other: object) -> bool:
        return isinstance(other, URL) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(self.raw)

    def __str__(self) -> str:
        return self.raw

    def hostname(self) -> str:
        host, _ = _split_host_port(self.host)
        return host

    def port(self) -> str:
        _, port = _split_host_port(self.host)
        return port


def _split_host_port(host: str) -> tuple[str, str]:
    if host.startswith("["):
        end = host.rfind("]")
        rest = host[end + 1 :]
        return host[1:end], rest[1:] if rest.startswith(":") else ""
    name, colon, port = host.rpartition(":")
    return (name, port) if colon else (host, "")


def _get_scheme(raw: str) -> tuple[str, str]:
    for i, c in enumerate(raw):
        if c in string.ascii_letters:
            continue
        if c in _SCHEME_CHARS:
            if i == 0:
                return "", raw
            continue
        if c == ":":
            if i == 0:
                raise CelError("missing protocol scheme")
            return raw[:i], raw[i + 1 :]
        return "", raw
    return "", raw


def _parse_host(host: str) -> str:
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0:
            raise CelError("missing ']' in host")
        port = host[end + 1 :]
        if port and port != ":" and not (port.startswith(":") and port[1:].isdigit()):
            raise CelError(f"invalid port {port!r} after host")
    else:
        colon = host.rfind(":")
        if colon != -1:
            port = host[colon + 1 :]
            if port and not (port.isascii() and port.isdigit()):
                raise CelError(f"invalid port {':' + port!r} after host")
    return _unescape(host, host=True)


def parse_request_uri(raw: str) -> URL:
    """Go's url.ParseRequestURI."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        raise CelError("invalid control character in URL")
    if raw == "":
        raise CelError("empty url")
    if raw == "*":
        return URL(raw, "", "", "*", "", "")
    scheme, rest = _get_scheme(raw)
    scheme = scheme.lower()
    if rest.endswith("?") and rest.count("?") == 1:
        rest, query = rest[:-1], ""
    else:
        rest, _, query = rest.partition("?")
    if not rest.startswith("/"):
        if scheme:
            return URL(raw, scheme, "", "", "", query)
        raise CelError("invalid URI for request")
    host = ""
    if scheme and rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        rest = slash + path
        userinfo, at, hostpart = authority.rpartition("@")
        if at and not all(c in _USERINFO_OK for c in userinfo):
            raise CelError("invalid userinfo")
        host = _parse_host(hostpart if at else authority)
    path = _unescape(rest)
    return URL(raw, scheme, host, path, rest, query)


def is_url(s: Any) -> bool:
    if not isinstance(s, str):
        raise CelError(f"isURL: expected string, got {type_name(s)}")
    try:
        parse_request_uri(s)
    except CelError:
        return False
    return True


def url(s: Any) -> URL:
    if not isinstance(s, str):
        raise CelError(f"url: expected string, got {type_name(s)}")
    try:
        return parse_request_uri(s)
    except CelError as exc:
        raise CelError(f"URL parse error during conversion from string: {exc}") from None


def _url(u: Any, what: str) -> URL:
    if not isinstance(u, URL):
        raise CelError(f"{what}: expected URL, got {type_name(u)}")
    return u


def get_escaped_path(u: Any) -> str:
    u = _url(u, "getEscapedPath")
    return u.raw_path if _valid_encoded(u.raw_path) else _escape_path(u.path)


def get_query(u: Any) -> dict[str, list[str]]:
    """Go's url.Values from URL.Query(): malformed pairs are skipped, `+` is a space."""
    out: dict[str, list[str]] = {}
    for pair in _url(u, "getQuery").raw_query.split("&"):
        if not pair or ";" in pair:
            continue
        key, _, value = pair.partition("=")
        try:
            out.setdefault(_unescape(key, query=True), []).append(_unescape(value, query=True))
        except CelError:
            continue
    return out


# --- IP / CIDR --------------------------------------------------------------------------

_Addr = ipaddress.IPv4Address | ipaddress.IPv6Address
_Iface = ipaddress.IPv4Interface | ipaddress.IPv6Interface


def _parse_addr(raw: str) -> _Addr:
    if "%" in raw:
        raise CelError(f"IP address {raw!r} with zone value is not allowed")
    try:
        addr = ipaddress.ip_address(raw)
    except ValueError as exc:
        raise CelError(f"IP Address {raw!r} parse error: {exc}") from None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        raise CelError(f"IPv4-mapped IPv6 address {raw!r} is not allowed")
    return addr


def _parse_prefix(raw: str) -> _Iface:
    addr, slash, bits = raw.partition("/")
    if not slash or not bits.isdigit() or (len(bits) > 1 and bits.startswith("0")):
        raise CelError(f"network address parse error during conversion from string: {raw!r}")
    _parse_addr(addr)
    try:
        return ipaddress.ip_interface(raw)
    except ValueError as exc:
        raise CelError(f"network address parse error: {exc}") from None


class IP:
    cel_type = "net.IP"

    def __init__(self, addr: _Addr) -> None:
        self.addr = addr

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IP) and other.addr == self.addr

    def __hash__(self) -> int:
        return hash(self.addr)

    def __str__(self) -> str:
        return str(self.addr)


class CIDR:
    cel_type = "net.CIDR"

    def __init__(self, iface: _Iface) -> None:
        self.iface = iface

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CIDR) and str(other.iface) == str(self.iface)

    def __hash__(self) -> int:
        return hash(str(self.iface))

    def __str__(self) -> str:
        return str(self.iface)


def _text(v: Any, what: str) -> str:
    if not isinstance(v, str):
        raise CelError(f"{what}: expected string, got {type_name(v)}")
    return v


def is_ip(s: Any) -> bool:
    try:
        _parse_addr(_text(s, "isIP"))
    except CelError:
        return False
    return True


def ip(s: Any) -> IP:
    return IP(_parse_addr(_text(s, "ip")))


def ip_is_canonical(s: Any) -> bool:
    return str(_parse_addr(_text(s, "ip.isCanonical"))) == s


def is_cidr(s: Any) -> bool:
    try:
        _parse_prefix(_text(s, "isCIDR"))
    except CelError:
        return False
    return True


def cidr(s: Any) -> CIDR:
    return CIDR(_parse_prefix(_text(s, "cidr")))


def _ip(v: Any, what: str) -> IP:
    if not isinstance(v, IP):
        raise CelError(f"{what}: expected IP, got {type_name(v)}")
    return v


def _cidr(v: Any, what: str) -> CIDR:
    if not isinstance(v, CIDR):
        raise CelError(f"{what}: expected CIDR, got {type_name(v)}")
    return v


def family(v: Any) -> int:
    return _ip(v, "family").addr.version


def _ip_pred(name: str, pred: Callable[[_Addr], bool]) -> Callable[[Any], bool]:
    def method(v: Any) -> bool:
        return pred(_ip(v, name).addr)

    return method


def _link_local_multicast(a: _Addr) -> bool:
    net = "224.0.0.0/24" if a.version == 4 else "ff02::/16"
    return a in ipaddress.ip_network(net)


def _global_unicast(a: _Addr) -> bool:
    if a.version == 4 and a == ipaddress.IPv4Address("255.255.255.255"):
        return False
    return not (a.is_unspecified or a.is_loopback or a.is_multicast or a.is_link_local)


def contains_ip(c: Any, other: Any) -> bool:
    net = _cidr(c, "containsIP").iface.network
    addr = _parse_addr(other) if isinstance(other, str) else _ip(other, "containsIP").addr
    return addr.version == net.version and addr in net


def contains_cidr(c: Any, other: Any) -> bool:
    net = _cidr(c, "containsCIDR").iface.network
    iface = _parse_prefix(other) if isinstance(other, str) else _cidr(other, "containsCIDR").iface
    inner = iface.network
    return inner.version == net.version and inner.subnet_of(net)  # type: ignore[arg-type]


def cidr_ip(c: Any) -> IP:
    return IP(_cidr(c, "ip").iface.ip)


def masked(c: Any) -> CIDR:
    net = _cidr(c, "masked").iface.network
    return CIDR(ipaddress.ip_interface(str(net)))


def prefix_length(c: Any) -> int:
    return _cidr(c, "prefixLength").iface.network.prefixlen


GLOBALS: dict[str, Callable[..., Any]] = {
    "isURL": is_url,
    "url": url,
    "isIP": is_ip,
    "ip": ip,
    "ip.isCanonical": ip_is_canonical,
    "isCIDR": is_cidr,
    "cidr": cidr,
}

METHODS: dict[str, Callable[..., Any]] = {
    "getScheme": lambda u: _url(u, "getScheme").scheme,
    "getHost": lambda u: _url(u, "getHost").host,
    "getHostname": lambda u: _url(u, "getHostname").hostname(),
    "getPort": lambda u: _url(u, "getPort").port(),
    "getEscapedPath": get_escaped_path,
    "getQuery": get_query,
    "family": family,
    "isUnspecified": _ip_pred("isUnspecified", lambda a: a.is_unspecified),
    "isLoopback": _ip_pred("isLoopback", lambda a: a.is_loopback),
    "isLinkLocalMulticast": _ip_pred("isLinkLocalMulticast", _link_local_multicast),
    "isLinkLocalUnicast": _ip_pred("isLinkLocalUnicast", lambda a: a.is_link_local),
    "isGlobalUnicast": _ip_pred("isGlobalUnicast", _global_unicast),
    "containsIP": contains_ip,
    "containsCIDR": contains_cidr,
    "ip": cidr_ip,
    "masked": masked,
    "prefixLength": prefix_length,
}
