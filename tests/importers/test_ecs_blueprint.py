"""The blueprint written for the ecs-shop fixture: pinned, formatted, and faithful to the
export (routes, calls, environment, secrets) once netgen loads and resolves it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from netgen.importers.ecs.model import EcsSystem
from netgen.model import AcmCert, TlsSecret
from netgen.pipeline import compile_blueprint
from netgen.validate import validate_documents
from tests.conftest import documents
from tests.importers.blueprint_helpers import backend_percents, generate, plan_of, shop_system
from tests.importers.ecs_helpers import assert_ruff_clean

CERT = "arn:aws:acm:us-west-2:123456789012:certificate/7c1e5b9a-3d2f-4e8b-a6c0-9f4d2e1b7a53"
SECRET_ARNS = (
    "arn:aws:secretsmanager:us-west-2:123456789012:secret:shop/api/db-Xy7Pq2",
    "arn:aws:ssm:us-west-2:123456789012:parameter/shop/api/stripe-key",
)


def test_golden_blueprint(py_snapshot) -> None:
    assert generate().text == py_snapshot


@pytest.mark.parametrize("via", ["ALB", "NGINX", "GATEWAY", "CLUSTER"])
def test_generated_code_is_formatted_and_lint_clean(via: str, tmp_path: Path) -> None:
    assert_ruff_clean(generate(via=via).text, tmp_path)


def test_output_does_not_depend_on_file_names(tmp_path: Path) -> None:
    from netgen.importers.ecs import analyse, load_exports
    from netgen.importers.ecs.writer import WriterOptions, write_blueprint
    from tests.importers.ecs_helpers import ECS_SHOP

    for i, path in enumerate(sorted(ECS_SHOP.glob("*.json"), reverse=True)):
        shutil.copy(path, tmp_path / f"{i:02}-export.json")
    renamed = write_blueprint(analyse(load_exports(tmp_path)), WriterOptions(source="x/"))
    original = write_blueprint(shop_system(), WriterOptions(source="x/"))
    code = [line for line in renamed.text.splitlines() if not line.startswith("#")]
    assert code == [line for line in original.text.splitlines() if not line.startswith("#")]
    assert generate().text == generate().text


# --- it builds ---------------------------------------------------------------------------


def test_cluster_variant_builds_valid_manifests(tmp_path: Path, yaml_snapshot) -> None:
    path = tmp_path / "blueprint.py"
    path.write_text(generate(via="CLUSTER").text)
    (compiled,) = compile_blueprint(path)
    docs = documents(compiled)
    assert validate_documents(docs) == []
    for name, text in compiled.files().items():
        assert text == yaml_snapshot(name=name)
    kinds = sorted((d["kind"], d["metadata"]["name"]) for d in docs)
    assert kinds == [
        ("Deployment", "admin"), ("Deployment", "api-v1"), ("Deployment", "api-v2"),
        ("Deployment", "orders"), ("Deployment", "web"), ("Namespace", "shop"),
        # the security groups' flows, as STRICT NetworkPolicies
        ("NetworkPolicy", "allow-dns"), ("NetworkPolicy", "api"), ("NetworkPolicy", "default-deny"),
        ("NetworkPolicy", "orders"), ("NetworkPolicy", "web"),
        # services of two or more tasks, in a STRICT environment
        ("PodDisruptionBudget", "api-v1"), ("PodDisruptionBudget", "orders"),
        ("PodDisruptionBudget", "web"),
        ("Service", "admin"), ("Service", "api"), ("Service", "api-v1"), ("Service", "api-v2"),
        ("Service", "orders"), ("Service", "web"),
    ]


@pytest.mark.parametrize("via", ["ALB", "NGINX", "GATEWAY"])
def test_http_variants_load_and_resolve(via: str, tmp_path: Path, http_backends) -> None:
    plan = plan_of(generate(via=via).text, tmp_path)
    assert [r.via.name for r in plan.routes] == [via] * 5


def test_workloads_keep_the_task_definitions(tmp_path: Path) -> None:
    plan = plan_of(generate(via="CLUSTER").text, tmp_path)
    w = {w.name: w for w in plan.workloads}
    assert (w["api-v1"].image, w["api-v1"].replicas) == (
        "123456789012.dkr.ecr.us-west-2.amazonaws.com/shop/api:1.8.2", 4)
    assert (w["api-v2"].image, w["api-v2"].replicas) == (
        "123456789012.dkr.ecr.us-west-2.amazonaws.com/shop/api:1.9.0-rc.1", 1)
    assert w["api-v1"].command == ("/app/bin/api",)
    assert w["api-v1"].args == ("serve", "--port", "8080")
    assert dict(w["api-v1"].resources.requests) == {"cpu": "1", "memory": "1536Mi"}
    assert dict(w["api-v1"].resources.limits) == {"cpu": "1", "memory": "2Gi"}
    assert dict(w["orders"].resources.limits) == {"memory": "896Mi"}
    assert (w["api-v1"].rollout.max_surge, w["api-v1"].rollout.max_unavailable) == (
        "100%", "50%")
    assert (w["api-v2"].rollout.max_surge, w["api-v2"].rollout.max_unavailable) == (
        "100%", "0%")
    live, ready = w["api-v1"].liveness, w["api-v1"].readiness
    assert (live.kind, live.command, live.period, live.initial_delay) == (
        "exec", ("sh", "-c", "curl -fsS http://localhost:8080/healthz || exit 1"), 15, 20)
    assert (ready.kind, ready.path, ready.port, ready.successes, ready.failures) == (
        "http", "/healthz", "api-http", 3, 3)
    (volume,) = w["orders"].volumes
    assert (volume.name, volume.path, volume.claim) == (
        "orders-data", "/var/lib/orders", "orders-data")
    assert "FEATURE_NEW_CHECKOUT" in {e.name for e in w["api-v2"].env}
    assert "FEATURE_NEW_CHECKOUT" not in {e.name for e in w["api-v1"].env}


# --- calls are the security-group flows -------------------------------------------------------


def _sg_edges(system: EcsSystem) -> set[tuple[str, str, str]]:
    return {
        (f.source.name, f.destination.name, f.destination.kind)
        for f in system.flows
        if f.source.kind == "service" and f.destination.kind in ("service", "external")
    }


def test_calls_are_exactly_the_security_group_flows(tmp_path: Path) -> None:
    plan = plan_of(generate(via="CLUSTER").text, tmp_path)
    assert {(c.src, c.dst, c.dst_kind) for c in plan.calls} == _sg_edges(shop_system())
    assert _sg_edges(shop_system()) == {
        ("api", "orders", "service"), ("api", "shop-db", "external"), ("web", "api", "service")}


def test_rds_keeps_its_real_host_name(tmp_path: Path) -> None:
    plan = plan_of(generate(via="CLUSTER").text, tmp_path)
    (db,) = plan.externals
    assert (db.name, db.host, db.port, db.alias) == (
        "shop-db", "shop-db.cxq9mhz3k2ab.us-west-2.rds.amazonaws.com", 5432, False)
    env = {e.name: e.value for e in next(w for w in plan.workloads if w.name == "api-v1").env}
    assert env["DATABASE_HOST"] == "shop-db.cxq9mhz3k2ab.us-west-2.rds.amazonaws.com"
    assert env["SHOP_DB_HOST"] == "shop-db.cxq9mhz3k2ab.us-west-2.rds.amazonaws.com"


# --- environment values ------------------------------------------------------------------------


@pytest.mark.parametrize("namespace", [None, "payments"])
def test_cloud_map_names_become_cluster_dns_names(tmp_path: Path, namespace: str | None) -> None:
    generated = generate(via="CLUSTER", namespace=namespace)
    ns = namespace or "shop"
    plan = plan_of(generated.text, tmp_path)
    assert plan.env.namespace == ns
    env = {w.name: {e.name: e.value for e in w.env} for w in plan.workloads}
    assert env["api-v1"]["ORDERS_URL"] == f"http://orders.{ns}.svc.cluster.local:9090"
    assert env["api-v2"]["ORDERS_URL"] == f"http://orders.{ns}.svc.cluster.local:9090"
    assert env["web"]["API_URL"] == f"http://api.{ns}.svc.cluster.local:8080"
    assert env["admin"]["API_BASE_URL"] == f"http://api.{ns}.svc.cluster.local:8080/internal"
    assert env["orders"]["DATA_DIR"] == "/var/lib/orders"  # a path, not a host
    comments = "\n".join(line for line in generated.text.splitlines() if line.startswith("#"))
    for rewrite in (
        f"ORDERS_URL: orders.shop.local (Service Connect) -> orders.{ns}.svc.cluster.local",
        f"API_URL: api.shop.local (Cloud Map) -> api.{ns}.svc.cluster.local",
        f"API_BASE_URL: api.shop.local (Cloud Map) -> api.{ns}.svc.cluster.local",
    ):
        assert rewrite in comments
    assert ".shop.local" not in "".join(
        line for line in generated.text.splitlines() if not line.startswith("#"))
    # For names read from elsewhere: a CoreDNS exact rewrite to a Service the build emits.
    rewrites = [line.split()[4:] for line in generated.text.splitlines()
                if line.startswith("#     rewrite name exact ")]
    services = {f"{s.name}.{ns}.svc.cluster.local" for s in plan.services}
    assert rewrites == [[f"{n}.shop.local", f"{n}.{ns}.svc.cluster.local"]
                        for n in ("api", "orders", "web")]
    assert {to for _, to in rewrites} <= services


# --- secrets -------------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["ALB", "NGINX", "GATEWAY", "CLUSTER"])
def test_secret_arns_appear_only_in_comments(via: str) -> None:
    text = generate(via=via).text
    for arn in SECRET_ARNS:
        lines = [line for line in text.splitlines() if arn in line]
        assert lines, f"{arn} is not listed in the header"
        assert all(line.startswith("#") for line in lines), lines
    assert 'secret_ref("shop-api-db", "password")' in text
    assert 'secret_ref("shop-api-stripe-key", "value")' in text
    header = text.split("\nfrom netgen import *", 1)[0]
    assert "# - Secret shop-api-db, key password: from Secrets Manager secret" in header
    assert "# - Secret shop-api-stripe-key, key value: from SSM parameter" in header


def test_secrets_are_references_in_the_manifests(tmp_path: Path) -> None:
    path = tmp_path / "blueprint.py"
    path.write_text(generate(via="CLUSTER").text)
    (compiled,) = compile_blueprint(path)
    stream = "".join(d.text for d in compiled.documents)
    assert not any(arn in stream for arn in SECRET_ARNS)
    for doc in documents(compiled):
        if doc["kind"] != "Deployment" or not doc["metadata"]["name"].startswith("api"):
            continue
        (container,) = doc["spec"]["template"]["spec"]["containers"]
        secret_env = {e["name"]: e["valueFrom"] for e in container["env"] if "valueFrom" in e}
        assert secret_env == {
            "DATABASE_PASSWORD": {"secretKeyRef": {"name": "shop-api-db", "key": "password"}},
            "STRIPE_API_KEY": {"secretKeyRef": {"name": "shop-api-stripe-key", "key": "value"}},
        }


# --- the routing table is the ALB's -------------------------------------------------------------


def _alb_table(system: EcsSystem) -> list[tuple[object, ...]]:
    """The HTTPS listener's rules as rows, straight from the analysed export: one row per
    host x path x header value, weights in percent, versions as their per-version Service."""
    rows = []
    (ingress,) = system.ingresses
    https = next(li for li in ingress.listeners if li.protocol == "HTTPS")
    for route in https.routes:
        backends = backend_percents(route)
        headers = [[(h.name, v) for v in h.values] for h in route.headers] or [[]]
        for host in route.hosts or (None,):
            for path in route.paths or (None,):
                for header in headers:
                    rows.append((host, path.value if path else None,
                                 "Exact" if path and path.kind == "exact" else "Prefix",
                                 tuple(header), backends))
    return rows


def _plan_table(plan) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return [
        (r.host, r.path, r.path_type, tuple((m.name, m.value) for m in r.matches),
         tuple((b.service, b.weight, b.version) for b in r.backends))
        for r in plan.routes
    ]


@pytest.mark.parametrize("via", ["ALB", "NGINX", "GATEWAY"])
def test_routes_equal_the_alb_rules_in_order(via: str, tmp_path: Path, http_backends) -> None:
    plan = plan_of(generate(via=via).text, tmp_path)
    assert _plan_table(plan) == _alb_table(shop_system())
    assert all(r.redirect_https for r in plan.routes)
    tls = {r.tls for r in plan.routes}
    assert tls == ({AcmCert(CERT)} if via == "ALB" else {TlsSecret("shop-example-com-tls")})


def test_route_table_of_the_fixture(tmp_path: Path, http_backends) -> None:
    """The same table, written out: what a reviewer expects from the ALB console."""
    plan = plan_of(generate(via="ALB").text, tmp_path)
    assert _plan_table(plan) == [
        ("admin.shop.example.com", None, "Prefix", (), (("admin", 100, None),)),
        (None, "/api", "Prefix", (("X-Version", "v2"),), (("api-v2", 100, "v2"),)),
        (None, "/api", "Prefix", (), (("api-v1", 80, "v1"), ("api-v2", 20, "v2"))),
        (None, "/img", "Prefix", (), (("web", 100, None),)),
        (None, None, "Prefix", (), (("web", 100, None),)),
    ]
    health = {r.service: r.health for r in plan.routes}
    assert (health["api"].path, health["api"].interval, health["api"].healthy) == (
        "/healthz", 15, 3)


def test_each_expose_names_its_alb_rule() -> None:
    text = generate(via="ALB").text
    exposes = [m.start() for m in re.finditer(r"^expose\(", text, re.M)]
    assert len(exposes) == 5
    for start, rule in zip(exposes, ["rule 10", "rule 20", "rule 30", "rule 100",
                                     "default rule"], strict=True):
        preceding = text[:start].rstrip("\n").rsplit("\n\n", 1)[-1]
        assert f"shop-alb HTTPS:443 {rule}" in preceding


def test_warnings_are_listed_with_file_and_path() -> None:
    generated = generate(via="ALB")
    header = generated.text.split("\nfrom netgen import *", 1)[0]
    codes = [w.code for w in generated.warnings]
    assert codes == [
        "unknown-file", "service-connect-timeout", "ulimits-dropped", "ulimits-dropped",
        "sidecar", "volume-data",
        "path-widened", "unattached-security-group", "open-to-world", *["egress-denied"] * 4,
        "rollback", "rollback", "rollback", "external-access", "tls-policy",
    ]
    for w in generated.warnings:
        assert f"[{w.code}]" in header
        if w.loc.file:
            assert f"#     ({w.loc.file} {w.loc.json_path})\n" in header
    # the certificate stays in ACM when the ALB terminates TLS: nothing to warn about
    assert "acm-certificate" in [w.code for w in generate(via="NGINX").warnings]
