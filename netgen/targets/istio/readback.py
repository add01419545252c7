"""`netgen verify` for `mesh(ISTIO)`: the hooks (`MeshHooks.readback`, `routes`,
`readback_problems`) that compare what the generated Istio YAML really does with the plan.
The allow matrix is evaluated in readback_authz.py, the route table in readback_routes.py."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from netgen.plan import Plan
from netgen.plan.mesh import Allow
from netgen.targets.istio import readback_authz, readback_routes
from netgen.targets.istio.readback_routes import RouteRow

Doc = Mapping[str, Any]


def allows(plan: Plan, docs: Iterable[Doc | None]) -> tuple[frozenset[Allow], frozenset[Allow]]:
    """(what the AuthorizationPolicies and PeerAuthentications allow, what the plan declares)."""
    docs = [d for d in docs if d]
    assert plan.mesh is not None
    trust_domain = plan.mesh.trust_domain
    return (readback_authz.allow_matrix(docs, trust_domain),
            readback_authz.expected_allow_matrix(
                plan, readback_authz.sources(docs, trust_domain)))


def routes(plan: Plan, docs: Iterable[Doc | None]
           ) -> tuple[frozenset[RouteRow], frozenset[RouteRow]]:
    """(the VirtualServices' rows, the plan's)."""
    return (frozenset(readback_routes.route_table(docs)),
            frozenset(readback_routes.expected_route_table(plan)))


def problems(docs: list[Doc]) -> list[str]:
    """Routes an earlier one always catches, and gateway references that go nowhere."""
    return [*readback_routes.shadowed(docs), *readback_routes.gateway_problems(docs)]
