"""What an outside review of `netgen import ecs` found on variants of the ecs-shop fixture
(each variant an edit of the published shapes the fixture is made of): what the export
says is carried over or named in a warning with its file and JSON path, never lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from netgen.importers.ecs import EcsSystem, analyse
from netgen.importers.ecs.load import parse_exports
from tests.importers.blueprint_helpers import generate, plan_of
from tests.importers.ecs_helpers import encode, shop_documents


def system_of(docs: dict[str, Any]) -> EcsSystem:
    return analyse(parse_exports(encode(docs)))


def container(docs: dict[str, Any], task: str, index: int = 0) -> dict[str, Any]:
    return docs[f"td-shop-{task}.json"]["taskDefinition"]["containerDefinitions"][index]


def test_the_load_balancers_port_is_the_service_port(tmp_path: Path) -> None:
    """A metrics port listed before the one the target group sends to: the Service, the
    Ingress and the probe keep the load balancer's port, and the warning names the other."""
    docs = shop_documents()
    mappings = container(docs, "web-7")["portMappings"]
    mappings.insert(0, {"containerPort": 9100, "protocol": "tcp", "name": "web-metrics"})
    system = system_of(docs)
    (web,) = [s for s in system.services if s.name == "web"]
    assert [p.port for p in web.ports] == [3000, 9100]
    generated = generate(system, via="ALB")
    plan = plan_of(generated.text, tmp_path)
    (service,) = [s for s in plan.services if s.name == "web"]
    assert service.port is not None
    assert (service.port.port, service.port.target_port) == (3000, 3000)
    assert next(w.readiness for w in plan.workloads if w.service == "web") is not None
    (extra,) = [f for f in generated.warnings if f.code == "extra-ports"]
    assert "also listens on web-metrics 9100" in extra.message
    assert "only web-http 3000 is reachable" in extra.message
