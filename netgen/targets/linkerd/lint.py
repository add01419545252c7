"""Linkerd's lint rule: an external Linkerd cannot account for (its EgressNetworks match
addresses, so a host-name-only external gets none)."""

from __future__ import annotations

from collections.abc import Iterator

from netgen.problems import Problem
from netgen.targets.base import Lint, LintContext, Rule
from netgen.targets.linkerd.checks import externals_without_address


def _external_without_address(ctx: LintContext) -> Iterator[Problem]:
    for loc, message in externals_without_address(ctx.plan):
        yield Lint("NG301", loc, message, ctx.plan.env.name)


LINTS: tuple[Rule, ...] = (
    Rule("NG301", "linkerd-external-without-address",
         "Under mesh(LINKERD) an external known only by host name gets no EgressNetwork "
         "(it matches addresses): its egress is not accounted for by Linkerd.",
         _external_without_address),
)
