"""Helpers for tests of the blueprint the ECS importer writes: write it, load it, resolve it."""

from __future__ import annotations

from pathlib import Path

from netgen.importers.ecs import EcsSystem, analyse, load_exports
from netgen.importers.ecs.writer import Generated, WriterOptions, write_blueprint
from netgen.loader import load_blueprint
from netgen.plan import Plan
from netgen.resolve import resolve_all
from tests.importers.ecs_helpers import ECS_SHOP


def shop_system() -> EcsSystem:
    return analyse(load_exports(ECS_SHOP))


def generate(system: EcsSystem | None = None, **options: object) -> Generated:
    """The fixture's (or `system`'s) blueprint, located against the fixture's sources."""
    if system is None:
        exports = load_exports(ECS_SHOP)
        return write_blueprint(analyse(exports), WriterOptions(source="ecs-shop/", **options),
                               exports.source)
    return write_blueprint(system, WriterOptions(source="ecs-shop/", **options))


def plan_of(text: str, tmp_path: Path, name: str = "blueprint.py") -> Plan:
    path = tmp_path / name
    path.write_text(text)
    (plan,) = resolve_all(load_blueprint(path))
    return plan
