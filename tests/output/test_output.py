"""Meaning of the core output: selectors select, names resolve, documents are valid."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest

from tests.conftest import BLUEPRINTS, EXAMPLES, build, documents

K8S_VERSION = kubernetes_validate.latest_version()
CORE_KINDS = {"Namespace", "Service", "Deployment", "StatefulSet", "Ingress", "NetworkPolicy",
              "ConfigMap", "ServiceAccount"}


def _by_kind(docs: list[dict], kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_service_selects_pods_of_a_workload(example: Path) -> None:
    for compiled in build(example):
        docs = documents(compiled)
        pods = [
            (w["metadata"]["namespace"], w["spec"]["template"]["metadata"]["labels"])
            for w in docs if w["kind"] in ("Deployment", "StatefulSet")
        ]
        for svc in _by_kind(docs, "Service"):
            if svc["spec"]["type"] == "ExternalName":
                assert "selector" not in svc["spec"]
                continue
            sel = svc["spec"]["selector"]
            ns = svc["metadata"]["namespace"]
            assert any(n == ns and sel.items() <= labels.items() for n, labels in pods), (
                f"{ns}/{svc['metadata']['name']} selects no pods"
            )


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_workload_selector_matches_its_template(example: Path) -> None:
    for compiled in build(example):
        for w in documents(compiled):
            if w["kind"] in ("Deployment", "StatefulSet"):
                sel = w["spec"]["selector"]["matchLabels"]
                assert sel.items() <= w["spec"]["template"]["metadata"]["labels"].items()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_core_documents_are_valid_kubernetes(example: Path) -> None:
    for compiled in build(example):
        for doc in documents(compiled):
            if doc["kind"] in CORE_KINDS:
                kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_validation_really_rejects_unknown_fields() -> None:
    bad = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"},
           "spec": {"ports": [{"port": 80}], "selectr": {"app": "x"}}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)


def test_discovery_variables_hold_fqdns_and_ports() -> None:
    (prod,) = build(BLUEPRINTS / "shop.py", ("production",))
    docs = {(d["kind"], d["metadata"]["name"]): d for d in documents(prod)}

    def env_of(kind: str, name: str) -> dict[str, str]:
        container = docs[(kind, name)]["spec"]["template"]["spec"]["containers"][0]
        return {e["name"]: e["value"] for e in container.get("env", [])}

    assert env_of("Deployment", "web") == {
        "API_HOST": "api.production.svc.cluster.local", "API_PORT": "8080"}
    api = env_of("Deployment", "api-v1")
    assert api["POSTGRES_HOST"] == "postgres.production.svc.cluster.local"
    assert api["POSTGRES_0_HOST"] == "postgres-0.postgres-headless.production.svc.cluster.local"
    assert api["POSTGRES_2_HOST"] == "postgres-2.postgres-headless.production.svc.cluster.local"
    assert api["RDS_HOST"] == "rds.production.svc.cluster.local"
    assert api == env_of("Deployment", "api-v2")


def test_stateful_service_has_headless_governing_service() -> None:
    (prod,) = build(BLUEPRINTS / "shop.py", ("production",))
    docs = {(d["kind"], d["metadata"]["name"]): d for d in documents(prod)}
    sts = docs[("StatefulSet", "postgres")]
    headless = docs[("Service", sts["spec"]["serviceName"])]
    assert headless["spec"]["clusterIP"] == "None"
    assert headless["spec"]["selector"] == {"app": "postgres"}
    assert "clusterIP" not in docs[("Service", "postgres")]["spec"]
    assert sts["spec"]["replicas"] == 3


def test_versions_get_a_workload_and_a_service_each() -> None:
    (dev,) = build(BLUEPRINTS / "shop.py", ("development",))
    docs = {(d["kind"], d["metadata"]["name"]): d for d in documents(dev)}
    for v in ("v1", "v2"):
        dep = docs[("Deployment", f"api-{v}")]
        assert dep["spec"]["template"]["metadata"]["labels"]["version"] == v
        assert docs[("Service", f"api-{v}")]["spec"]["selector"] == {"app": "api", "version": v}
    assert docs[("Service", "api")]["spec"]["selector"] == {"app": "api"}
    assert dev.plan.env.replicas == 1


def test_external_is_an_externalname_service() -> None:
    (prod,) = build(BLUEPRINTS / "shop.py", ("production",))
    rds = next(d for d in documents(prod) if d["metadata"]["name"] == "rds")
    assert rds["spec"] == {
        "type": "ExternalName",
        "externalName": "shop.abc.us-west-2.rds.amazonaws.com",
        "ports": [{"name": "tcp", "port": 5432, "protocol": "TCP"}],
    }


def test_builds_are_byte_identical() -> None:
    first = [c.files() for c in build(BLUEPRINTS / "shop.py")]
    second = [c.files() for c in build(BLUEPRINTS / "shop.py")]
    assert first == second


def test_declaration_order_of_calls_does_not_change_output(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    head = ("from netgen import *\nservice('a', port=80, image='a')\n"
            "service('b', port=81, image='b')\nservice('c', port=82, image='c')\n")
    one = blueprint_file(head + "calls('a', 'b', 'c')\n", "one/bp.py")
    two = blueprint_file(head + "calls('a', 'c')\ncalls('a', 'b')\n", "two/bp.py")
    assert build(one)[0].files() == build(two)[0].files()
