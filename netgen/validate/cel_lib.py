"""Standard CEL functions plus the Kubernetes CEL libraries (strings, lists, regex, format).

Kubernetes evaluates CRD rules with cel-go and a set of extension libraries; a rule that uses
one of them must evaluate the same way here, so each function follows the Go behaviour
(code-point indices, Go's SplitN, RE2 regexes). Network libraries live in `cel_net`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import itertools
import math
import re
from collections.abc import Callable
from typing import Any

import re2

from netgen.validate import cel_net
from netgen.validate.cel_values import (
    INT64_MIN,
    UINT64_MAX,
    CelError,
    Duration,
    Optional,
    Timestamp,
    TypeValue,
    Uint,
    cel_add,
    cel_eq,
    cel_lt,
    check_int,
    format_duration,
    parse_duration,
    parse_timestamp,
    type_name,
)

_regex_cache: dict[str, Any] = {}


def compile_regex(pattern: str) -> Any:
    """RE2, as in Go: Python's `re` rejects e.g. `^(?i)...`, which the Istio CRDs use."""
    compiled = _regex_cache.get(pattern)
    if compiled is None:
        try:
            compiled = re2.compile(pattern)
        except re2.error as exc:
            raise CelError(f"invalid regex {pattern!r}: {exc}") from None
        _regex_cache[pattern] = compiled
    return compiled


def _str(v: Any, what: str) -> str:
    if not isinstance(v, str):
        raise CelError(f"{what}: expected string, got {type_name(v)}")
    return v


def _int(v: Any, what: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise CelError(f"{what}: expected int, got {type_name(v)}")
    return int(v)


def _list(v: Any, what: str) -> list[Any]:
    if not isinstance(v, list):
        raise CelError(f"{what}: expected list, got {type_name(v)}")
    return v


# --- core -------------------------------------------------------------------------------


def size(v: Any) -> int:
    if isinstance(v, (str, bytes, list, dict)):
        return len(v)
    raise CelError(f"size: unsupported type {type_name(v)}")


def contains(s: Any, sub: Any) -> bool:
    return _str(sub, "contains") in _str(s, "contains")


def starts_with(s: Any, prefix: Any) -> bool:
    return _str(s, "startsWith").startswith(_str(prefix, "startsWith"))


def ends_with(s: Any, suffix: Any) -> bool:
    return _str(s, "endsWith").endswith(_str(suffix, "endsWith"))


def matches(s: Any, pattern: Any) -> bool:
    return compile_regex(_str(pattern, "matches")).search(_str(s, "matches")) is not None


_INT_RE = re.compile(r"[+-]?[0-9]+")


def to_int(v: Any) -> int:
    if isinstance(v, bool):
        raise CelError("int: unsupported type bool")
    if isinstance(v, int):
        return check_int(int(v))
    if isinstance(v, float):
        if math.isnan(v) or not INT64_MIN <= v < 2.0**63:
            raise CelError("int: double out of range")
        return int(v)
    if isinstance(v, str):
        if not _INT_RE.fullmatch(v):
            raise CelError(f"int: cannot parse {v!r}")
        return check_int(int(v))
    if isinstance(v, Timestamp):
        return v.nanos // 1_000_000_000
    raise CelError(f"int: unsupported type {type_name(v)}")


def to_uint(v: Any) -> Uint:
    if isinstance(v, bool):
        raise CelError("uint: unsupported type bool")
    if isinstance(v, float):
        if math.isnan(v) or not 0 <= v < 2.0**64:
            raise CelError("uint: double out of range")
        return Uint(int(v))
    if isinstance(v, str):
        if not re.fullmatch(r"\+?[0-9]+", v):
            raise CelError(f"uint: cannot parse {v!r}")
        v = int(v)
    if isinstance(v, int):
        if not 0 <= v <= UINT64_MAX:
            raise CelError("uint: out of range")
        return Uint(v)
    raise CelError(f"uint: unsupported type {type_name(v)}")


def to_double(v: Any) -> float:
    if isinstance(v, bool):
        raise CelError("double: unsupported type bool")
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            raise CelError(f"double: cannot parse {v!r}") from None
    raise CelError(f"double: unsupported type {type_name(v)}")


def to_string(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (str, int)):
        return str(int(v)) if isinstance(v, int) else v
    if isinstance(v, float):
        return repr(v) if not v.is_integer() or abs(v) >= 1e21 else str(int(v))
    if isinstance(v, bytes):
        try:
            return v.decode("utf-8")
        except UnicodeDecodeError:
            raise CelError("string: invalid UTF-8 in bytes") from None
    if isinstance(v, Duration):
        return format_duration(v)
    if isinstance(v, Timestamp):
        return v.to_datetime().strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(v, (cel_net.IP, cel_net.CIDR, cel_net.URL)):
        return str(v)
    raise CelError(f"string: unsupported type {type_name(v)}")


_BOOLS = {
    "1": True,
    "t": True,
    "T": True,
    "TRUE": True,
    "true": True,
    "True": True,
    "0": False,
    "f": False,
    "F": False,
    "FALSE": False,
    "false": False,
    "False": False,
}


def to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v in _BOOLS:
        return _BOOLS[v]
    raise CelError(f"bool: cannot convert {v!r}")


def to_bytes(v: Any) -> bytes:
    if isinstance(v, bytes):
        return v
    return _str(v, "bytes").encode("utf-8")


def to_duration(v: Any) -> Duration:
    if isinstance(v, Duration):
        return v
    return parse_duration(_str(v, "duration"))


def to_timestamp(v: Any) -> Timestamp:
    if isinstance(v, Timestamp):
        return v
    if isinstance(v, int) and not isinstance(v, bool):
        return Timestamp(v * 1_000_000_000)
    return parse_timestamp(_str(v, "timestamp"))


def type_of(v: Any) -> TypeValue:
    return TypeValue(type_name(v))


# --- Kubernetes strings library (cel-go ext.Strings) ------------------------------------


def char_at(s: Any, i: Any) -> str:
    s, i = _str(s, "charAt"), _int(i, "charAt")
    if i < 0 or i > len(s):
        raise CelError(f"charAt: index out of range: {i}")
    return s[i : i + 1]


def index_of(target: Any, sub: Any, offset: Any = 0) -> int:
    if isinstance(target, list):
        return list_index_of(target, sub)
    s, sub, offset = _str(target, "indexOf"), _str(sub, "indexOf"), _int(offset, "indexOf")
    if offset < 0 or offset > len(s):
        raise CelError(f"indexOf: index out of range: {offset}")
    return s.find(sub, offset)


def last_index_of(target: Any, sub: Any, offset: Any = None) -> int:
    if isinstance(target, list):
        return list_last_index_of(target, sub)
    s, sub = _str(target, "lastIndexOf"), _str(sub, "lastIndexOf")
    if offset is None:
        return s.rfind(sub)
    offset = _int(offset, "lastIndexOf")
    if offset < 0 or offset > len(s):
        raise CelError(f"lastIndexOf: index out of range: {offset}")
    return s.rfind(sub, 0, offset + len(sub))


def _ascii_map(s: str, upper: bool) -> str:
    table = _UPPER if upper else _LOWER
    return s.translate(table)


_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def lower_ascii(s: Any) -> str:
    return _ascii_map(_str(s, "lowerAscii"), upper=False)


def upper_ascii(s: Any) -> str:
    return _ascii_map(_str(s, "upperAscii"), upper=True)


def replace(s: Any, old: Any, new: Any, n: Any = -1) -> str:
    n = _int(n, "replace")
    return _str(s, "replace").replace(_str(old, "replace"), _str(new, "replace"), n)


def split(s: Any, sep: Any, n: Any = -1) -> list[str]:
    """Go's strings.SplitN: n == 0 gives [], n < 0 gives all parts, "" splits into runes."""
    s, sep, n = _str(s, "split"), _str(sep, "split"), _int(n, "split")
    if n == 0:
        return []
    if sep == "":
        chars = list(s)
        if 0 < n < len(chars):
            return [*chars[: n - 1], "".join(chars[n - 1 :])]
        return chars
    return s.split(sep, n - 1) if n > 0 else s.split(sep)


def substring(s: Any, start: Any, end: Any = None) -> str:
    s, start = _str(s, "substring"), _int(start, "substring")
    stop = len(s) if end is None else _int(end, "substring")
    if start < 0 or start > len(s) or stop < start or stop > len(s):
        raise CelError(f"substring: index out of range: [{start}:{stop}] of {len(s)}")
    return s[start:stop]


def trim(s: Any) -> str:
    return _str(s, "trim").strip()


def join(items: Any, sep: Any = "") -> str:
    parts = _list(items, "join")
    return _str(sep, "join").join(_str(p, "join") for p in parts)


def reverse(s: Any) -> str:
    return _str(s, "reverse")[::-1]


# --- Kubernetes lists library -----------------------------------------------------------


def is_sorted(items: Any) -> bool:
    items = _list(items, "isSorted")
    return all(not cel_lt(b, a) for a, b in itertools.pairwise(items))


def list_sum(items: Any) -> Any:
    items = _list(items, "sum")
    if not items:
        return 0
    total = items[0]
    for x in items[1:]:
        total = cel_add(total, x)
    return total


def list_min(items: Any) -> Any:
    items = _list(items, "min")
    if not items:
        raise CelError("min called on empty list")
    best = items[0]
    for x in items[1:]:
        if cel_lt(x, best):
            best = x
    return best


def list_max(items: Any) -> Any:
    items = _list(items, "max")
    if not items:
        raise CelError("max called on empty list")
    best = items[0]
    for x in items[1:]:
        if cel_lt(best, x):
            best = x
    return best


def list_index_of(items: list[Any], x: Any) -> int:
    return next((i for i, v in enumerate(items) if cel_eq(v, x)), -1)


def list_last_index_of(items: list[Any], x: Any) -> int:
    return next((i for i in range(len(items) - 1, -1, -1) if cel_eq(items[i], x)), -1)


def list_slice(items: Any, start: Any, end: Any) -> list[Any]:
    items, start, end = _list(items, "slice"), _int(start, "slice"), _int(end, "slice")
    if start < 0 or end > len(items) or start > end:
        raise CelError(f"slice: index out of range: [{start}:{end}]")
    return items[start:end]


def flatten(items: Any) -> list[Any]:
    out: list[Any] = []
    for x in _list(items, "flatten"):
        out.extend(x if isinstance(x, list) else [x])
    return out


# --- Kubernetes regex library -----------------------------------------------------------


def find(s: Any, pattern: Any) -> str:
    m = compile_regex(_str(pattern, "find")).search(_str(s, "find"))
    return m.group(0) if m is not None else ""


def find_all(s: Any, pattern: Any, n: Any = -1) -> list[str]:
    n = _int(n, "findAll")
    if n == 0:
        return []
    regex = compile_regex(_str(pattern, "findAll"))
    found = [m.group(0) for m in regex.finditer(_str(s, "findAll"))]
    return found if n < 0 else found[:n]


# --- Kubernetes format library (format.dns1123Label().validate(s)) ---------------------

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_RE_1123_LABEL = re.compile(_LABEL)
_RE_1123_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
_RE_1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
_RE_QUALIFIED = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_RE_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_RE_UUID = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def _check(regex: re.Pattern[str], limit: int, what: str) -> Callable[[str], list[str]]:
    def check(s: str) -> list[str]:
        errors = []
        if len(s) > limit:
            errors.append(f"must be no more than {limit} characters")
        if not regex.fullmatch(s):
            errors.append(f"a {what} must match the regex {regex.pattern!r}")
        return errors

    return check


_check_1123_label = _check(_RE_1123_LABEL, 63, "lowercase RFC 1123 label")
_check_1123_subdomain = _check(_RE_1123_SUBDOMAIN, 253, "lowercase RFC 1123 subdomain")
_check_1035_label = _check(_RE_1035_LABEL, 63, "DNS-1035 label")


def _prefix(check: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    """The *Prefix formats accept a trailing dash, as for generateName."""

    def check_prefix(s: str) -> list[str]:
        return check(s[:-1] + "a" if len(s) > 1 and s.endswith("-") else s)

    return check_prefix


def _qualified_name(s: str) -> list[str]:
    prefix, slash, name = s.rpartition("/")
    errors = []
    if slash:
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors += [f"prefix part {e}" for e in _check_1123_subdomain(prefix)]
    if not name:
        errors.append("name part must be non-empty")
    else:
        errors += _check(_RE_QUALIFIED, 63, "qualified name")(name)
    return errors


def _uri(s: str) -> list[str]:
    try:
        cel_net.parse_request_uri(s)
    except CelError as exc:
        return [str(exc)]
    return []


def _byte(s: str) -> list[str]:
    try:
        base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        return ["must be base64 encoded"]
    return []


def _date(s: str) -> list[str]:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
        try:
            dt.date.fromisoformat(s)
            return []
        except ValueError:
            pass
    return ["must be a date in the format YYYY-MM-DD"]


def _datetime(s: str) -> list[str]:
    try:
        parse_timestamp(s)
    except CelError:
        return ["must be a RFC3339 date-time"]
    return []


FORMATS: dict[str, Callable[[str], list[str]]] = {
    "dns1123Label": _check_1123_label,
    "dns1123Subdomain": _check_1123_subdomain,
    "dns1035Label": _check_1035_label,
    "qualifiedName": _qualified_name,
    "dns1123LabelPrefix": _prefix(_check_1123_label),
    "dns1123SubdomainPrefix": _prefix(_check_1123_subdomain),
    "dns1035LabelPrefix": _prefix(_check_1035_label),
    "labelValue": _check(_RE_LABEL_VALUE, 63, "label value"),
    "uri": _uri,
    "uuid": lambda s: [] if _RE_UUID.fullmatch(s) else ["must be a UUID"],
    "byte": _byte,
    "date": _date,
    "datetime": _datetime,
}


class Format:
    """A named format from the Kubernetes format library."""

    cel_type = "kubernetes.NamedFormat"

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Format) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


def format_validate(fmt: Any, s: Any) -> Optional:
    if not isinstance(fmt, Format):
        raise CelError(f"validate: expected a format, got {type_name(fmt)}")
    errors = FORMATS[fmt.name](_str(s, "validate"))
    return Optional(errors) if errors else Optional()


def format_named(name: Any) -> Optional:
    name = _str(name, "format.named")
    return Optional(Format(name)) if name in FORMATS else Optional()


def _format_factory(name: str) -> Callable[[], Format]:
    def factory() -> Format:
        return Format(name)

    return factory


# --- optionals --------------------------------------------------------------------------


def _opt(v: Any, what: str) -> Optional:
    if not isinstance(v, Optional):
        raise CelError(f"{what}: expected optional, got {type_name(v)}")
    return v


def opt_has_value(v: Any) -> bool:
    return _opt(v, "hasValue").has_value


def opt_value(v: Any) -> Any:
    o = _opt(v, "value")
    if not o.has_value:
        raise CelError("optional.none() dereference")
    return o.value


def opt_or_value(v: Any, default: Any) -> Any:
    o = _opt(v, "orValue")
    return o.value if o.has_value else default


def opt_of_non_zero(v: Any) -> Optional:
    zero = (
        v is None
        or v is False
        or (not isinstance(v, bool) and v in (0, "", b""))
        or (isinstance(v, (list, dict)) and not v)
    )
    return Optional() if zero else Optional(v)


GLOBALS: dict[str, Callable[..., Any]] = {
    "size": size,
    "matches": matches,
    "int": to_int,
    "uint": to_uint,
    "double": to_double,
    "string": to_string,
    "bool": to_bool,
    "bytes": to_bytes,
    "duration": to_duration,
    "timestamp": to_timestamp,
    "dyn": lambda v: v,
    "type": type_of,
    "format.named": format_named,
    "optional.of": Optional,
    "optional.none": Optional,
    "optional.ofNonZeroValue": opt_of_non_zero,
    **{f"format.{name}": _format_factory(name) for name in FORMATS},
    **cel_net.GLOBALS,
}

METHODS: dict[str, Callable[..., Any]] = {
    "size": size,
    "contains": contains,
    "startsWith": starts_with,
    "endsWith": ends_with,
    "matches": matches,
    "charAt": char_at,
    "indexOf": index_of,
    "lastIndexOf": last_index_of,
    "lowerAscii": lower_ascii,
    "upperAscii": upper_ascii,
    "replace": replace,
    "split": split,
    "substring": substring,
    "trim": trim,
    "join": join,
    "reverse": reverse,
    "isSorted": is_sorted,
    "sum": list_sum,
    "min": list_min,
    "max": list_max,
    "slice": list_slice,
    "flatten": flatten,
    "find": find,
    "findAll": find_all,
    "validate": format_validate,
    "hasValue": opt_has_value,
    "value": opt_value,
    "orValue": opt_or_value,
    **cel_net.METHODS,
}

TYPE_NAMES = frozenset(
    {"int", "uint", "double", "bool", "string", "bytes", "list", "map", "null_type", "type"}
)
