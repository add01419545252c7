"""Hand-written systems: the analyzer must produce exactly the hand-written connectivity, and
nca (in-process and through its CLI) must agree with the analyzer exactly."""

from __future__ import annotations

import pytest

from netgen.targets.networkpolicy.readback import (
    PeerModel,
    compute_connectivity,
    diff,
    parse_allows,
    render_allows,
)

from . import expectations as ex
from .conftest import load_fixture
from .nca_harness import nca_cli_connectivity, nca_connectivity

CASES = {
    "a-seed-name-labelled": (
        "a_seed_production.yaml",
        ex.PEERS_NAME_LABELLED,
        ex.A_SEED_WITH_NAME_LABELS,
    ),
    "a-seed-as-deployed": ("a_seed_production.yaml", ex.PEERS, ex.A_SEED_AS_DEPLOYED),
    "b-development": ("b_development.yaml", ex.PEERS, ex.B_DEVELOPMENT),
    "c-cross-namespace": ("c_cross_namespace.yaml", ex.PEERS, ex.C_CROSS_NAMESPACE),
    "d-ipblock-except": ("d_ipblock_except.yaml", ex.PEERS_IPBLOCK, ex.D_IPBLOCK),
    "e-named-ports": ("e_named_ports.yaml", ex.PEERS, ex.E_NAMED_PORTS),
}


def _expected(peers: PeerModel, text: str):
    return parse_allows(text) | parse_allows(ex.peer_baseline(peers))


@pytest.mark.parametrize("case", CASES)
def test_analyzer_matches_hand_written(case: str) -> None:
    fixture, peers, text = CASES[case]
    actual = compute_connectivity(load_fixture(fixture), peers)
    delta = diff(_expected(peers, text), actual)
    assert delta.ok, f"{delta.render()}\n--- actual ---\n{render_allows(actual)}"


@pytest.mark.parametrize("case", CASES)
def test_nca_agrees_with_analyzer(case: str) -> None:
    fixture, peers, _ = CASES[case]
    docs = load_fixture(fixture)
    ours = compute_connectivity(docs, peers)
    theirs = nca_connectivity(docs, peers)
    assert theirs.endpoints == ours.endpoints
    delta = diff(theirs, ours)
    assert delta.ok, "analyzer vs nca (missing = nca allows, we do not)\n" + delta.render()


@pytest.mark.parametrize("case", CASES)
def test_nca_cli_agrees_with_analyzer(case: str) -> None:
    fixture, peers, _ = CASES[case]
    docs = load_fixture(fixture)
    ours = compute_connectivity(docs, peers)
    theirs = nca_cli_connectivity(docs, peers)
    delta = diff(theirs, ours)
    assert delta.ok, "analyzer vs nca CLI (missing = nca allows, we do not)\n" + delta.render()
