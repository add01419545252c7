"""Generated systems (tens of services over several namespaces, externals, every kind of
exposure, STRICT and OPEN): the policies allow exactly the intended connectivity."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netgen import ALB, GATEWAY, ISTIO, NGINX, TCP
from netgen.intent import intended_connectivity
from netgen.model import (
    Blueprint,
    BlueprintInfo,
    Call,
    Env,
    Exposure,
    External,
    Isolation,
    Mesh,
    Service,
    SourceLoc,
)
from netgen.targets.registry import REGISTRY
from tests.targets.networkpolicy.netpol_eval import allowed_flows, describe, probe_outside
from tests.targets.networkpolicy.netpol_support import lowered, netpols, resolve, validate

NAMESPACES = [None, "front", "back", "data"]  # None: the environment's namespace
PORTS = [80, 443, 5432, 8080, 8081, 9000]
CIDRS = [None, None, "10.0.64.0/20", "10.0.64.0/24", "192.0.2.0/24", "203.0.113.0/28",
         "172.16.5.0/24"]
HOSTS = ["api.example.com", "10.0.64.9", "198.51.100.20"]
VIAS = list(REGISTRY.vias())


def loc(line: int) -> SourceLoc:
    return SourceLoc("gen.py", line)


@st.composite
def systems(draw: st.DrawFn) -> Blueprint:
    n = draw(st.integers(8, 30))
    services = []
    for i in range(n):
        versions = draw(st.sampled_from([(), (), ("v1", "v2")]))
        services.append(Service(
            name=f"s{i}", loc=loc(100 + i), image="img", port=draw(st.sampled_from(PORTS)),
            target_port=draw(st.sampled_from([None, 3000, 8080])),
            versions=versions, stateful=not versions and draw(st.booleans()),
            namespace=draw(st.sampled_from(NAMESPACES)),
            protocol=draw(st.sampled_from(["TCP", "TCP", "TCP", "UDP"])),
        ))
    externals = []
    for i in range(draw(st.integers(0, 5))):
        cidr = draw(st.sampled_from(CIDRS))
        host = draw(st.sampled_from(HOSTS)) if cidr is None else "ext.example.com"
        externals.append(External(name=f"x{i}", loc=loc(200 + i), host=host,
                                  port=draw(st.sampled_from([443, 5432])), cidr=cidr))
    names = [s.name for s in services]
    targets = names + [x.name for x in externals]
    calls = []
    for i, src in enumerate(draw(st.lists(st.sampled_from(names), max_size=2 * n))):
        others = [t for t in targets if t != src]  # calls(x, x) is an error
        if others:
            dsts = draw(st.lists(st.sampled_from(others), min_size=1, max_size=4))
            calls.append(Call(src=src, dsts=tuple(dsts), loc=loc(300 + i)))
    meshed = draw(st.booleans())  # sidecars everywhere: istiod must stay reachable
    http = {s.name for s in services if not s.stateful and s.protocol == "TCP"}
    exposures = []
    for i, svc in enumerate(draw(st.lists(st.sampled_from(names), min_size=2, max_size=8))):
        via = draw(st.sampled_from(VIAS))
        if via is ISTIO and not (meshed and svc in http):  # Istio routes HTTP, in a mesh
            via = NGINX
        path = f"/p{i}" if via in (ALB, NGINX, GATEWAY, ISTIO) else None
        listen = (10000 + i,) if via is TCP else ()  # a Gateway listener of its own
        exposures.append(Exposure(service=svc, via=via, loc=loc(400 + i), path=path,
                                  ports=listen))
    vpc = draw(st.sampled_from(["10.0.0.0/16", ["10.0.0.0/16", "100.64.0.0/16"]]))
    strict: dict[str, Any] = {"vpc_cidr": vpc}
    if draw(st.booleans()):
        strict["nodeport_cidr"] = "10.0.8.0/22"
    if draw(st.booleans()):
        strict["ingress_namespace"] = "edge"
    envs = (
        Env("prod", loc(1), namespace="prod", isolation=Isolation.STRICT, settings=strict),
        Env("dev", loc(2), namespace="dev", isolation=Isolation.OPEN),
    )
    return Blueprint(path="gen.py", info=BlueprintInfo("gen"), envs=envs,
                     services=tuple(services), externals=tuple(externals), calls=tuple(calls),
                     exposures=tuple(exposures),
                     meshes=(Mesh(ISTIO, loc(3)),) if meshed else ())


def check(bp: Blueprint) -> None:
    for plan in resolve(bp):
        docs = lowered(plan)
        intended = intended_connectivity(plan)
        allowed = allowed_flows(plan, docs)
        assert allowed == intended, (
            f"{plan.env.name}: allowed but not intended:\n{describe(allowed - intended)}\n"
            f"intended but not allowed:\n{describe(intended - allowed)}"
        )
        assert probe_outside(plan, docs, plan.env.isolation is Isolation.OPEN) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(systems())
def test_generated_systems_allow_exactly_the_intent(bp: Blueprint) -> None:
    check(bp)


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(systems())
def test_many_generated_systems_allow_exactly_the_intent(bp: Blueprint) -> None:
    check(bp)


@settings(max_examples=10, deadline=None)
@given(systems())
def test_generated_policies_match_the_kubernetes_schema(bp: Blueprint) -> None:
    for plan in resolve(bp):
        for policy in netpols(lowered(plan)).values():
            validate(policy)
