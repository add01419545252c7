"""The text a person reads from `netgen verify`: matrix, list and diff."""

from __future__ import annotations

from netgen.targets.networkpolicy.readback import (
    Allow,
    Connectivity,
    diff,
    parse_allows,
    render_allows,
    render_matrix,
)

CONN = Connectivity(
    ("prod/web", "prod/db", "internet", "vpc"),
    parse_allows(
        """
        # comments and blank lines are fine
        prod/web -> prod/db: TCP/5432
        prod/web -> internet: TCP/443,TCP/80
        internet -> prod/web: TCP/8080
        """
    ),
)


def test_matrix_rows_are_sources_and_cells_are_ports() -> None:
    assert render_matrix(CONN) == (
        "from \\ to  prod/web  prod/db   internet        vpc\n"
        "prod/web   -         TCP/5432  TCP/80,TCP/443  -\n"
        "prod/db    -         -         -               -\n"
        "internet   TCP/8080  -\n"
        "vpc        -         -"
    )


def test_matrix_can_focus_on_some_endpoints() -> None:
    out = render_matrix(CONN, sources=["prod/web"], destinations=["prod/db"])
    assert out == "from \\ to  prod/db\nprod/web   TCP/5432"


def test_allows_list_round_trips_through_parse() -> None:
    text = render_allows(CONN)
    assert text.splitlines()[0] == "prod/web -> prod/db: TCP/5432"
    assert parse_allows(text) == CONN.allows


def test_diff_names_missing_and_extra() -> None:
    expected = parse_allows("prod/web -> prod/db: TCP/5432\nprod/db -> internet: TCP/443")
    delta = diff(expected, CONN)
    assert not delta.ok
    assert delta.missing == (Allow("prod/db", "internet", "TCP", 443),)
    assert len(delta.extra) == 3
    text = delta.render()
    assert "missing allows (1)" in text and "  - prod/db -> internet TCP/443" in text
    assert "extra allows (3)" in text and "  + internet -> prod/web TCP/8080" in text
    assert diff(CONN, CONN).ok and diff(CONN, CONN).render() == "connectivity matches"
