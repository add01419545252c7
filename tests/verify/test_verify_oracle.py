"""The independent oracle of issue 4: IBM's network-config-analyzer (nca), run on the generated
policies with pods and namespaces made from the generated workloads, must find exactly the
intended connectivity on the intent's questions, in both directions; and `netgen verify`'s
own analyzer must answer every question exactly as nca does.

Both analyzers get the same stand-ins for what surrounds the workloads (`peer_model`: kube-dns,
the ingress controller's namespace, one address per outside range), and their answers are read
back into intent ids the same way (`answers`); what is computed from the policies is theirs
alone. Cases: every example blueprint (each environment) and hypothesis-generated systems
(tests/targets/networkpolicy/test_networkpolicy_props.py: tens of services over several
namespaces, externals with and without cidr, every kind of exposure, STRICT and OPEN, with and
without a mesh).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from netgen.intent import flow_domain, intended_connectivity
from netgen.model import Blueprint
from netgen.plan import Plan
from netgen.targets.networkpolicy.readback import compute_connectivity, diff, render_allows
from netgen.targets.networkpolicy.readback.against_intent import (
    answers,
    host_network_endpoints,
    peer_model,
    policy_ports,
    verify_policies,
)
from tests.conftest import EXAMPLES, build, documents
from tests.targets.networkpolicy.netpol_eval import describe
from tests.targets.networkpolicy.netpol_support import lowered, resolve
from tests.targets.networkpolicy.test_networkpolicy_props import systems
from tests.verify.nca_harness import nca_connectivity


def check(plan: Plan, docs: Sequence[dict[str, Any]]) -> None:
    named = policy_ports(docs)  # the probe ports: what the policies name, read from them
    peers, ids = peer_model(plan, named)
    # Flows of host-network pods are reported as not enforceable, not proved (nca, like
    # netgen's analyzer, would apply the policies to them as to any pod).
    host = host_network_endpoints(plan)
    domain = {f for f in flow_domain(plan, named) if f.src not in host and f.dst not in host}
    intended = {f for f in intended_connectivity(plan, named)
                if f.src not in host and f.dst not in host}
    where = f"{plan.blueprint}/{plan.env.name}"

    oracle = nca_connectivity(docs, peers)
    every, some = answers(oracle, ids, domain)
    assert every == some, f"{where}: nca treats versions of a service differently"
    assert every == intended, (
        f"{where}: nca allows, not intended:\n{describe(every - intended)}\n"
        f"intended, nca denies:\n{describe(intended - every)}"
    )

    ours = compute_connectivity(docs, peers)
    assert set(ours.endpoints) == set(oracle.endpoints)
    delta = diff(oracle, ours)
    assert delta.ok, f"{where}: the read-back vs nca\n{delta.render()}\n{render_allows(ours)}"

    report = verify_policies(plan, docs)
    assert report.ok and report.allowed == every, f"{where}: {report.render()}"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_nca_finds_exactly_the_intent_in_every_example(example: Path) -> None:
    for compiled in build(example):
        check(compiled.plan, documents(compiled))


def check_system(bp: Blueprint) -> None:
    for plan in resolve(bp):
        check(plan, lowered(plan))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(systems())
def test_nca_finds_exactly_the_intent_in_generated_systems(bp: Blueprint) -> None:
    check_system(bp)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(systems())
def test_nca_finds_exactly_the_intent_in_many_generated_systems(bp: Blueprint) -> None:
    check_system(bp)
