"""The importer reads what a `--via` can do from its target (ViaSpec and features), so a
new ingress target is importable without editing the importer."""

from __future__ import annotations

from netgen.importers.ecs.exposures import _carried_by
from netgen.importers.ecs.vias import importable, importable_vias, via_help
from netgen.model import Token
from netgen.targets.base import Backend, Layer, Registry, ViaSpec
from netgen.targets.features import Feature
from netgen.targets.registry import BACKENDS


def test_the_shipped_vias_and_what_each_means() -> None:
    assert importable_vias() == ("ALB", "NGINX", "GATEWAY", "CLUSTER")
    by = {v.name: v for v in importable()}
    assert [n for n, v in by.items() if v.acm] == ["ALB"]
    assert [n for n, v in by.items() if v.tls_secret] == ["NGINX", "GATEWAY"]
    assert [n for n, v in by.items() if v.in_cluster] == ["CLUSTER"]
    assert [n for n, v in by.items() if not v.backend_tls] == ["GATEWAY"]
    assert via_help().startswith("Expose the load balancer's rules through ALB, NGINX or "
                                 "GATEWAY (CLUSTER:")


def test_a_new_ingress_target_is_importable() -> None:
    new = Token("TRAEFIK", "traefik")
    backend = Backend("TRAEFIK", lambda plan, r: (), (ViaSpec(new, Layer.L7),),
                      frozenset({Feature.TLS_SECRET, Feature.QUERY_MATCH}))
    registry = Registry((*BACKENDS, backend))
    via = importable(registry)[-2]
    assert (via.name, via.tls_secret, via.can("query-string"), via.can("method")) == (
        "TRAEFIK", True, True, False)
    assert "GATEWAY or TRAEFIK (CLUSTER:" in via_help(registry)


def test_the_warning_names_the_vias_that_carry_a_rule() -> None:
    assert _carried_by(["source-ip"]) == " (with --via ALB it is carried)"
    assert _carried_by(["query-string"]) == " (with --via ALB or GATEWAY it is carried)"
    assert _carried_by(["key-less query-string"]) == ""  # no via says it: nothing to suggest
