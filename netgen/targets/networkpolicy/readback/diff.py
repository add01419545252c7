"""Compare what the blueprint promises with what the emitted policies actually allow."""

from __future__ import annotations

from collections.abc import Iterable

from attrs import frozen

from netgen.targets.networkpolicy.readback.model import Allow, Connectivity


@frozen
class ConnectivityDiff:
    """`missing`: promised but blocked. `extra`: allowed but never promised."""

    missing: tuple[Allow, ...]
    extra: tuple[Allow, ...]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.extra

    def render(self) -> str:
        if self.ok:
            return "connectivity matches"
        lines = []
        if self.missing:
            lines.append(f"missing allows ({len(self.missing)}): expected but blocked")
            lines.extend(f"  - {a}" for a in self.missing)
        if self.extra:
            lines.append(f"extra allows ({len(self.extra)}): allowed but not expected")
            lines.extend(f"  + {a}" for a in self.extra)
        return "\n".join(lines)


def diff(
    expected: Connectivity | Iterable[Allow], actual: Connectivity | Iterable[Allow]
) -> ConnectivityDiff:
    """Set difference both ways, sorted so reports are stable across runs."""
    want = frozenset(expected.allows if isinstance(expected, Connectivity) else expected)
    got = frozenset(actual.allows if isinstance(actual, Connectivity) else actual)
    return ConnectivityDiff(tuple(sorted(want - got)), tuple(sorted(got - want)))
