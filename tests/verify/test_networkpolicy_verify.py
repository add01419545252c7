"""The intent vocabulary read by the other analyzer: the NetworkPolicy read-back
(`netgen.targets.networkpolicy.readback`, written apart from the policies, from the Kubernetes
semantics alone) computes the connectivity of every example's generated YAML, and on the
questions the intent asks it agrees with `intended_connectivity` (`verify_policies`, what
`netgen verify` runs).

The read-back places one representative address per address range; the exact "every address"
checks are the evaluator's job (tests/targets/networkpolicy/test_networkpolicy.py, with
netpol_eval.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from netgen.intent import intended_connectivity
from netgen.targets.networkpolicy.readback.against_intent import (
    host_network_endpoints,
    verify_policies,
)
from tests.conftest import EXAMPLES, build, documents
from tests.targets.networkpolicy.netpol_eval import describe


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_netgen_verify_agrees_with_the_intent(example: Path) -> None:
    for compiled in build(example):
        plan = compiled.plan
        report = verify_policies(plan, documents(compiled))
        assert report.ok, (
            f"{plan.blueprint}/{plan.env.name}: the read-back allows, not intended:\n"
            f"{describe(set(report.extra))}\nintended, the read-back denies:\n"
            f"{describe(set(report.missing))}"
        )
        host = host_network_endpoints(plan)
        intended = intended_connectivity(plan)
        assert report.allowed == {f for f in intended if f.src not in host and f.dst not in host}
        assert set(report.unenforceable) == intended - report.allowed
        assert bool(report.unenforceable) == bool(host)
        assert report.allowed <= report.domain
