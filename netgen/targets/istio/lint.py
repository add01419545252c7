"""Istio's lint rule: a database's port that the sidecars would parse as HTTP.

Istio picks a port's protocol from its name (`http`, `tcp-...`) or its appProtocol, and
netgen names a service's port `http` unless the service is stateful, speaks UDP or gRPC, or
says otherwise (`port_name=`, `app_protocol=`). A PostgreSQL or Redis service declared
without `stateful=True` then gets `http`, and under mesh(ISTIO) every connection to it fails
at the sidecar."""

from __future__ import annotations

from collections.abc import Iterator

from netgen.plan.mesh import NOT_HTTP, not_http_taken_for_http
from netgen.problems import Problem
from netgen.targets.base import Lint, LintContext, Rule
from netgen.targets.istio.tokens import ISTIO


def _database_port_as_http(ctx: LintContext) -> Iterator[Problem]:
    plan = ctx.plan
    if plan.mesh is None or plan.mesh.kind != ISTIO.name:
        return
    for s, port, said in not_http_taken_for_http(plan.services):
        fix = ("app_protocol='tcp'" if s.port is not None and s.port.app_protocol
               else "app_protocol='tcp' (or stateful=True for a database)")
        yield Lint("NG201", s.loc, f"service({s.name!r}): port {port} is {NOT_HTTP[port]}'s, but "
                   f"{said}, so Istio's sidecars parse the traffic as HTTP and the connections "
                   f"fail; set {fix}", plan.env.name)


LINTS: tuple[Rule, ...] = (
    Rule("NG201", "istio-database-port-as-http",
         "Under mesh(ISTIO) a port named http is parsed as HTTP by the sidecars: a "
         "database's or broker's port (PostgreSQL, Redis, Kafka, ...) must be TCP.",
         _database_port_as_http),
)
