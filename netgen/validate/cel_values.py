"""CEL value model and operators, as Kubernetes' cel-go runtime defines them.

Values are plain Python objects (str, int, float, bool, None, list, dict, bytes) plus a few
small classes for the CEL types Python lacks. Plain values keep evaluation fast; the classes
here exist only where Python semantics differ from CEL's (``True == 1``, ``1 + 1.0``,
unbounded ints, ``-7 // 2``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1


class CelError(Exception):
    """A CEL runtime error; `&&`, `||`, `?:` and the `all`/`exists` macros may absorb it."""


class Uint(int):
    """CEL `uint`: a distinct type, so `1u == 1` works but `1u + 1` does not."""

    def __repr__(self) -> str:
        return f"{int(self)}u"


class Duration:
    """CEL `duration` with nanosecond precision (Go's time.Duration)."""

    __slots__ = ("nanos",)

    def __init__(self, nanos: int) -> None:
        self.nanos = nanos

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Duration) and other.nanos == self.nanos

    def __hash__(self) -> int:
        return hash(self.nanos)

    def __repr__(self) -> str:
        return f"duration({self.nanos}ns)"


class Timestamp:
    """CEL `timestamp` (UTC, nanoseconds since the epoch)."""

    __slots__ = ("nanos",)

    def __init__(self, nanos: int) -> None:
        self.nanos = nanos

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Timestamp) and other.nanos == self.nanos

    def __hash__(self) -> int:
        return hash(self.nanos)

    def __repr__(self) -> str:
        return f"timestamp({self.nanos}ns)"

    def to_datetime(self) -> dt.datetime:
        epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        return epoch + dt.timedelta(microseconds=self.nanos // 1000)


class TypeValue:
    """The value of `type(x)` and of type names such as `string` used as expressions."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TypeValue) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return self.name


class Optional:
    """CEL `optional_type`, returned by the Kubernetes `format` library's `validate`."""

    __slots__ = ("value",)
    _NONE: Any = object()

    def __init__(self, value: Any = _NONE) -> None:
        self.value = value

    @property
    def has_value(self) -> bool:
        return self.value is not Optional._NONE

    def __repr__(self) -> str:
        return f"optional.of({self.value!r})" if self.has_value else "optional.none()"


def type_name(value: Any) -> str:
    if value is None:
        return "null_type"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, Uint):
        return "uint"
    for py, name in _TYPE_NAMES:
        if isinstance(value, py):
            return name
    return getattr(value, "cel_type", type(value).__name__)


_TYPE_NAMES: tuple[tuple[type, str], ...] = (
    (int, "int"),
    (float, "double"),
    (str, "string"),
    (bytes, "bytes"),
    (list, "list"),
    (dict, "map"),
    (Duration, "google.protobuf.Duration"),
    (Timestamp, "google.protobuf.Timestamp"),
    (TypeValue, "type"),
    (Optional, "optional_type"),
)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def cel_eq(a: Any, b: Any) -> bool:
    """Heterogeneous equality: values of different types are unequal, numbers compare by value.

    One deliberate leniency: `optional.none() == null` is true, because the Gateway API
    XBackend CRD writes `format.dns1123Label().validate(self) == null`.
    """
    if a is None or b is None:
        return a is b or _none_optional(a) or _none_optional(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if _is_num(a) and _is_num(b):
        return a == b
    if isinstance(a, str) or isinstance(b, str):
        return isinstance(a, str) and isinstance(b, str) and a == b
    if isinstance(a, list):
        return (
            isinstance(b, list)
            and len(a) == len(b)
            and all(cel_eq(x, y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(a, dict):
        if not isinstance(b, dict) or len(a) != len(b):
            return False
        return all(k in b and cel_eq(v, b[k]) for k, v in a.items())
    if isinstance(a, Optional) and isinstance(b, Optional):
        return a.has_value == b.has_value and (not a.has_value or cel_eq(a.value, b.value))
    return type(a) is type(b) and bool(a == b)


def _none_optional(v: Any) -> bool:
    return isinstance(v, Optional) and not v.has_value


def _order_key(a: Any, b: Any) -> tuple[Any, Any]:
    if _is_num(a) and _is_num(b):
        return a, b
    if isinstance(a, (Duration, Timestamp)) and type(a) is type(b):
        return a.nanos, b.nanos
    for t in (bool, str, bytes):
        if isinstance(a, t) and isinstance(b, t):
            return a, b
    raise CelError(f"no such overload: {type_name(a)} < {type_name(b)}")


def cel_lt(a: Any, b: Any) -> bool:
    x, y = _order_key(a, b)
    return bool(x < y)


def cel_le(a: Any, b: Any) -> bool:
    x, y = _order_key(a, b)
    return bool(x <= y)


def cel_gt(a: Any, b: Any) -> bool:
    x, y = _order_key(a, b)
    return bool(x > y)


def cel_ge(a: Any, b: Any) -> bool:
    x, y = _order_key(a, b)
    return bool(x >= y)


def cel_in(item: Any, container: Any) -> bool:
    if isinstance(container, list):
        return any(cel_eq(item, x) for x in container)
    if isinstance(container, dict):
        return any(cel_eq(item, k) for k in container)
    raise CelError(f"no such overload: {type_name(item)} in {type_name(container)}")


def check_int(v: int) -> int:
    if not INT64_MIN <= v <= INT64_MAX:
        raise CelError("integer overflow")
    return v


def check_uint(v: int) -> Uint:
    if not 0 <= v <= UINT64_MAX:
        raise CelError("unsigned integer overflow")
    return Uint(v)


def _same(a: Any, b: Any, t: type) -> bool:
    return isinstance(a, t) and isinstance(b, t)


def _int_kind(v: Any) -> str | None:
    if isinstance(v, bool) or not isinstance(v, int):
        return None
    return "uint" if isinstance(v, Uint) else "int"


def _int_pair(a: Any, b: Any) -> str | None:
    kind = _int_kind(a)
    return kind if kind is not None and kind == _int_kind(b) else None


def cel_add(a: Any, b: Any) -> Any:
    kind = _int_pair(a, b)
    if kind == "int":
        return check_int(a + b)
    if kind == "uint":
        return check_uint(a + b)
    if type(a) is float and type(b) is float:
        return a + b
    for t in (str, bytes, list):
        if _same(a, b, t):
            return a + b
    if _same(a, b, Duration):
        return Duration(check_int(a.nanos + b.nanos))
    if isinstance(a, Timestamp) and isinstance(b, Duration):
        return Timestamp(a.nanos + b.nanos)
    if isinstance(a, Duration) and isinstance(b, Timestamp):
        return Timestamp(a.nanos + b.nanos)
    raise CelError(f"no such overload: {type_name(a)} + {type_name(b)}")


def cel_sub(a: Any, b: Any) -> Any:
    kind = _int_pair(a, b)
    if kind == "int":
        return check_int(a - b)
    if kind == "uint":
        return check_uint(a - b)
    if type(a) is float and type(b) is float:
        return a - b
    if _same(a, b, Duration):
        return Duration(check_int(a.nanos - b.nanos))
    if _same(a, b, Timestamp):
        return Duration(check_int(a.nanos - b.nanos))
    if isinstance(a, Timestamp) and isinstance(b, Duration):
        return Timestamp(a.nanos - b.nanos)
    raise CelError(f"no such overload: {type_name(a)} - {type_name(b)}")


def cel_mul(a: Any, b: Any) -> Any:
    kind = _int_pair(a, b)
    if kind == "int":
        return check_int(a * b)
    if kind == "uint":
        return check_uint(a * b)
    if type(a) is float and type(b) is float:
        return a * b
    raise CelError(f"no such overload: {type_name(a)} * {type_name(b)}")


def _trunc_div(a: int, b: int) -> int:
    if b == 0:
        raise CelError("division by zero")
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def cel_div(a: Any, b: Any) -> Any:
    kind = _int_pair(a, b)
    if kind == "int":
        return check_int(_trunc_div(a, b))
    if kind == "uint":
        return Uint(_trunc_div(a, b))
    if type(a) is float and type(b) is float:
        if b == 0.0:
            return float("nan") if a == 0.0 or a != a else float("inf") * (1 if a > 0 else -1)
        return a / b
    raise CelError(f"no such overload: {type_name(a)} / {type_name(b)}")


def cel_mod(a: Any, b: Any) -> Any:
    kind = _int_pair(a, b)
    if kind is None:
        raise CelError(f"no such overload: {type_name(a)} % {type_name(b)}")
    if b == 0:
        raise CelError("modulus by zero")
    r = a - b * _trunc_div(a, b)
    return Uint(r) if kind == "uint" else r


def cel_neg(a: Any) -> Any:
    if _int_kind(a) == "int":
        return check_int(-a)
    if type(a) is float:
        return -a
    if isinstance(a, Duration):
        return Duration(-a.nanos)
    raise CelError(f"no such overload: -{type_name(a)}")


def cel_not(a: Any) -> bool:
    if isinstance(a, bool):
        return not a
    raise CelError(f"no such overload: !{type_name(a)}")


_DURATION_RE = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)")
_UNIT_NANOS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "μs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}


def parse_duration(text: str) -> Duration:
    """Go's time.ParseDuration, which is what CEL's `duration(string)` uses."""
    s = text
    sign = 1
    if s and s[0] in "+-":
        sign = -1 if s[0] == "-" else 1
        s = s[1:]
    if s == "0":
        return Duration(0)
    if not s:
        raise CelError(f"invalid duration {text!r}")
    total = 0
    pos = 0
    while pos < len(s):
        m = _DURATION_RE.match(s, pos)
        if m is None or m.group(1) in ("", "."):
            raise CelError(f"invalid duration {text!r}")
        number, unit = m.groups()
        whole, _, frac = number.partition(".")
        nanos = int(whole or "0") * _UNIT_NANOS[unit]
        if frac:
            nanos += int(frac) * _UNIT_NANOS[unit] // 10 ** len(frac)
        total += nanos
        pos = m.end()
    return Duration(check_int(sign * total))


_TS_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))$"
)


def parse_timestamp(text: str) -> Timestamp:
    """RFC 3339, as CEL's `timestamp(string)` and Kubernetes' date-time format accept it."""
    m = _TS_RE.match(text)
    if m is None:
        raise CelError(f"invalid timestamp {text!r}")
    year, mon, day, hh, mm, ss = (int(g) for g in m.groups()[:6])
    frac = m.group(7) or ""
    try:
        moment = dt.datetime(year, mon, day, hh, mm, ss, tzinfo=dt.UTC)
    except ValueError as exc:
        raise CelError(f"invalid timestamp {text!r}: {exc}") from None
    if m.group(9):
        offset = dt.timedelta(hours=int(m.group(10)), minutes=int(m.group(11)))
        moment -= offset if m.group(9) == "+" else -offset
    seconds = int((moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds())
    return Timestamp(seconds * 1_000_000_000 + int(frac.ljust(9, "0") or "0"))


def format_duration(d: Duration) -> str:
    seconds, nanos = divmod(abs(d.nanos), 1_000_000_000)
    sign = "-" if d.nanos < 0 else ""
    return f"{sign}{seconds}.{nanos:09d}".rstrip("0").rstrip(".") + "s"
