"""Linkerd's lint rules: an external Linkerd cannot account for (its EgressNetworks match
addresses, so a host-name-only external gets none), and a database's or broker's port that
netgen takes for HTTP (the same well-known ports as Istio's NG201, `plan.mesh.NOT_HTTP`)."""

from __future__ import annotations

from collections.abc import Iterator

from netgen.plan.mesh import NOT_HTTP, not_http_taken_for_http
from netgen.problems import Problem
from netgen.targets.base import Lint, LintContext, Rule
from netgen.targets.linkerd.checks import externals_without_address
from netgen.targets.linkerd.protocol import is_linkerd


def _external_without_address(ctx: LintContext) -> Iterator[Problem]:
    for loc, message in externals_without_address(ctx.plan):
        yield Lint("NG301", loc, message, ctx.plan.env.name)


def _database_port_as_http(ctx: LintContext) -> Iterator[Problem]:
    """Linkerd detects the protocol itself, so the port's name does not break connections
    as under Istio; but netgen reads the name: a port it takes for HTTP gets no
    `proxyProtocol: opaque` on its Server, and a `traffic()` split, timeout or retries become
    an HTTPRoute that Linkerd applies only to connections it detects as HTTP."""
    plan = ctx.plan
    if not is_linkerd(plan):
        return
    routed = {t.service for t in plan.mesh.traffic} if plan.mesh else set()
    for s, port, said in not_http_taken_for_http(plan.services):
        lost = (f"traffic({s.name!r}) becomes an HTTPRoute that Linkerd never applies to it, "
                "and " if s.name in routed else "")
        yield Lint("NG302", s.loc, f"service({s.name!r}): port {port} is {NOT_HTTP[port]}'s, "
                   f"but {said}, so netgen takes it for HTTP: {lost}its Server is left to "
                   "Linkerd's protocol detection instead of proxyProtocol: opaque; set "
                   "app_protocol='tcp' (or stateful=True for a database)", plan.env.name)


LINTS: tuple[Rule, ...] = (
    Rule("NG301", "linkerd-external-without-address",
         "Under mesh(LINKERD) an external known only by host name gets no EgressNetwork "
         "(it matches addresses): its egress is not accounted for by Linkerd.",
         _external_without_address),
    Rule("NG302", "linkerd-database-port-as-http",
         "Under mesh(LINKERD) a database's or broker's port (PostgreSQL, AMQP, Redis, ...) "
         "named http is taken for HTTP: traffic() becomes HTTPRoutes Linkerd never applies "
         "to it, and its Server is not marked opaque.",
         _database_port_as_http),
)
