"""Plain-text views of a Connectivity for `netgen verify` and for test failure messages."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from netgen.targets.networkpolicy.readback.model import Connectivity

NONE = "-"
CORNER = "from \\ to"


def render_matrix(
    conn: Connectivity,
    sources: Sequence[str] | None = None,
    destinations: Sequence[str] | None = None,
    asked: Callable[[str, str], bool] | None = None,
) -> str:
    """Rows are sources, columns destinations, cells the reachable ports (`TCP/80,UDP/53`).

    A `-` cell means nothing is allowed; cells between two external peers stay blank because
    that traffic never crosses the cluster, and so do cells `asked` says were never asked.
    """
    rows = list(sources if sources is not None else conn.endpoints)
    cols = list(destinations if destinations is not None else conn.endpoints)
    external = {e for e in conn.endpoints if "/" not in e}
    cells: dict[tuple[str, str], str] = {}
    for a in conn.allows:
        cells.setdefault((a.src, a.dst), "")
    for src, dst in cells:
        cells[src, dst] = ",".join(str(p) for p in conn.ports(src, dst))

    def cell(src: str, dst: str) -> str:
        if (src in external and dst in external) or (asked and not asked(src, dst)):
            return ""
        return cells.get((src, dst), NONE)

    table = [[CORNER, *cols]] + [[src, *(cell(src, dst) for dst in cols)] for src in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    return "\n".join(
        "  ".join(text.ljust(w) for text, w in zip(row, widths, strict=True)).rstrip()
        for row in table
    )


def render_allows(conn: Connectivity) -> str:
    """One `src -> dst: ports` line per connected pair; readable however many endpoints."""
    lines = []
    for src in conn.endpoints:
        for dst in conn.endpoints:
            ports = conn.ports(src, dst)
            if ports:
                lines.append(f"{src} -> {dst}: {','.join(str(p) for p in ports)}")
    return "\n".join(lines)
