"""Helpers for tests of the blueprint the ECS importer writes: write it, load it, resolve it."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import attrs

from netgen.importers.ecs import EcsSystem, analyse, load_exports
from netgen.importers.ecs.command import located
from netgen.importers.ecs.model import Forward, Route
from netgen.importers.ecs.writer import Generated, WriterOptions, write_blueprint
from netgen.loader import load_blueprint
from netgen.pipeline import resolve_all
from netgen.plan import Plan
from netgen.targets.networkpolicy.readback.against_intent import peer_model
from netgen.targets.networkpolicy.readback.model import Connectivity
from netgen.targets.networkpolicy.readback.peers import ExternalPeer
from tests.importers.ecs_helpers import ECS_SHOP
from tests.verify.nca_harness import nca_connectivity


def shop_system() -> EcsSystem:
    return analyse(load_exports(ECS_SHOP))


def generate(system: EcsSystem | None = None, **options: object) -> Generated:
    """The fixture's (or `system`'s) blueprint, located against the fixture's sources."""
    if system is None:
        exports = load_exports(ECS_SHOP)
        return write_blueprint(analyse(exports), WriterOptions(source="ecs-shop/", **options),
                               located(exports))
    return write_blueprint(system, WriterOptions(source="ecs-shop/", **options))


def plan_of(text: str, tmp_path: Path, name: str = "blueprint.py") -> Plan:
    path = tmp_path / name
    path.write_text(text)
    (plan,) = resolve_all(load_blueprint(path))
    return plan


def backend_percents(route: Route) -> tuple[tuple[str, int, str | None], ...]:
    """A forward's backends as the plan names them (`<service>-<version>` for one
    version's Service), with their share in whole percents and the version."""
    assert isinstance(route.action, Forward)
    total = sum(b.weight for b in route.action.backends)
    return tuple((f"{b.service}-{b.version}" if b.version else b.service,
                  int(Fraction(b.weight * 100, total)), b.version)
                 for b in route.action.backends)


def nca_with_outsiders(
    plan: Plan, docs: list[dict], addresses: tuple[str, ...]
) -> tuple[Connectivity, dict[str, str]]:
    """nca's connectivity with stand-ins for the intent's endpoints plus one peer per
    address (`outsider-<i>`), and the analyzer ids -> intent ids: addresses no policy
    names must reach nothing."""
    peers, ids = peer_model(plan)
    outsiders = [ExternalPeer(f"outsider-{i}", ip) for i, ip in enumerate(addresses)]
    peers = attrs.evolve(peers, external=(*peers.external, *outsiders))
    return nca_connectivity(docs, peers), ids
