"""Exports built from published material (see fixtures/published/*/SOURCES.md), run as a
team would: `netgen import ecs`, `build`, `check` and `verify` exit 0, and nothing the
export allowed or routed is lost without a warning naming its file and JSON path."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import attrs
import pytest
import yaml
from typer.testing import CliRunner

from netgen.cli import app
from netgen.importers.ecs import analyse, load_exports
from netgen.importers.ecs.egress import destinations
from netgen.importers.ecs.load import _encoding
from netgen.importers.ecs.model import EcsSystem
from netgen.importers.ecs.pysource import comment
from tests.importers.blueprint_helpers import backend_percents, plan_of

PUBLISHED = Path(__file__).parent / "fixtures" / "published"
IMPORTABLE = ("taskdefs-only", "external-deployer", "alb-conditions")
WARNING = re.compile(r"^(?P<file>\S+): (?P<path>\$\S*): warning: \[(?P<code>[a-z0-9-]+)\]")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """Each importable fixture's blueprint and the import's warnings (stderr)."""
    out = {}
    for name in IMPORTABLE:
        path = tmp_path_factory.mktemp(name) / "blueprint.py"
        code, _, stderr = run("import", "ecs", str(PUBLISHED / name), "-o", str(path))
        assert code == 0, stderr
        out[name] = (path, stderr)
    return out


def _warnings(stderr: str) -> list[tuple[str, str, str]]:
    found = [WARNING.match(line) for line in stderr.splitlines() if "warning: [" in line]
    assert all(found), stderr  # every warning names its file and JSON path
    return [(Path(m["file"]).name, m["path"], m["code"]) for m in found if m]


@pytest.mark.parametrize("name", IMPORTABLE)
def test_import_build_check_verify_exit_0(name: str, imported, tmp_path: Path) -> None:
    path, _ = imported[name]
    for args in (("build", str(path), "--out", str(tmp_path / "out")), ("check", str(path)),
                 ("verify", str(path))):
        code, stdout, stderr = run(*args)
        assert code == 0, (args, stdout, stderr)


def _raw(folder: Path) -> dict[str, object]:
    docs = {}
    for p in sorted(folder.iterdir()):
        if p.suffix == ".json":
            data = p.read_bytes()
            docs[p.name] = json.loads(data.decode(_encoding(data)))
    return docs


def _task_definitions(folder: Path) -> list[tuple[str, str, dict]]:
    """(file, JSON path, task definition) of every task definition file, in any form."""
    out = []
    for name, doc in _raw(folder).items():
        if isinstance(doc, dict) and "taskDefinition" in doc:
            out.append((name, "$.taskDefinition", doc["taskDefinition"]))
        elif isinstance(doc, dict) and "containerDefinitions" in doc:
            out.append((name, "$", doc))
    return out


@pytest.mark.parametrize("name", IMPORTABLE)
def test_no_destination_or_container_is_lost_silently(name: str, imported) -> None:
    """Every host an environment value names is an external() with a call, the service it
    reached through the load balancer, or a warning at that value; every container is in
    the blueprint or a warning at its definition."""
    path, stderr = imported[name]
    text = path.read_text()
    warned = {(f, p) for f, p, _ in _warnings(stderr)}
    for file, at, task in _task_definitions(PUBLISHED / name):
        for i, c in enumerate(task["containerDefinitions"]):
            c_at = f"{at}.containerDefinitions[{i}]"
            assert f'"{c["image"]}"' in text or f'container("{c["name"]}"' in text or (
                file, c_at) in warned, (file, c_at)
            for j, var in enumerate(c.get("environment") or ()):
                for dest in destinations(var["value"]):
                    kept = (f'host="{dest.host}"' in text
                            or ".svc.cluster.local" in _env_value(text, var["name"]))
                    assert kept or (file, f"{c_at}.environment[{j}].value") in warned, dest


def _env_value(text: str, variable: str) -> str:
    found = re.search(rf'"{variable}": "([^"]*)"', text)
    return found.group(1) if found else ""


def test_egress_rules_beyond_the_calls_are_each_named(imported) -> None:
    _, stderr = imported["external-deployer"]
    raw = _raw(PUBLISHED / "external-deployer")["security-groups.json"]
    warned = {(f, p) for f, p, c in _warnings(stderr) if c == "egress-denied"}
    task_groups = {"products", "storefront"}
    for i, group in enumerate(raw["SecurityGroups"]):  # type: ignore[index]
        if group["GroupName"] not in task_groups:
            continue
        for j, rule in enumerate(group["IpPermissionsEgress"]):
            if rule.get("IpRanges"):
                assert ("security-groups.json", f"$.SecurityGroups[{i}].IpPermissionsEgress[{j}]"
                        ) in warned


def _alb_table(system: EcsSystem) -> list[tuple[object, ...]]:
    """Every HTTP(S) rule of the export as route rows (host, path, headers, query, methods,
    source ranges, backends in percent), in ALB order, one row per alternative value; a
    catch-all path is no path, and a rule after a catch-all never answered."""
    rows: list[tuple[object, ...]] = []
    for ingress in system.ingresses:
        for li in ingress.listeners:
            for route in li.routes:
                backends = backend_percents(route)
                headers = list(itertools.product(*([(h.name, v) for v in h.values]
                                                   for h in route.headers)))
                query = tuple((q.key, q.value) for q in route.queries)
                for host in route.hosts or (None,):
                    for path in route.paths or (None,):
                        value = path.value if path and path.value != "/" else None
                        for header in headers:
                            row = (host, value, tuple(header), query, route.methods,
                                   route.source_ips, backends)
                            if rows and rows[-1][:6] == (None, None, (), (), (), ()):
                                continue  # after a catch-all: never reached on the ALB
                            rows.append(row)
    return rows


def _plan_table(plan) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    return [(r.host, r.path, tuple((m.name, m.value) for m in r.matches), r.query, r.methods,
             r.source_ips, tuple((b.service, b.weight, b.version) for b in r.backends))
            for r in plan.routes]


@pytest.mark.parametrize("name", ["external-deployer", "alb-conditions"])
def test_routes_equal_the_alb_rules(name: str, imported, tmp_path: Path) -> None:
    path, _ = imported[name]
    plan = plan_of(path.read_text(), tmp_path)
    assert _plan_table(plan) == _alb_table(analyse(load_exports(PUBLISHED / name)))


def test_alb_conditions_carried_as_alb_reads_them(imported, tmp_path: Path) -> None:
    path, stderr = imported["alb-conditions"]
    plan = plan_of(path.read_text(), tmp_path)
    wildcards = [m for r in plan.routes for m in r.matches]
    assert {(m.value, m.wildcards) for m in wildcards} == {("*Chrome*", True),
                                                            ("*Safari*", True)}
    beta = [r for r in plan.routes if r.service == "beta"]
    assert all(r.backend_tls and r.health.codes == "200-299" for r in beta)
    assert "rule-shadowed" not in stderr and "rule-condition" not in stderr


@pytest.mark.parametrize(("via", "left_out"), [("GATEWAY", 2), ("NGINX", 3)])
def test_rules_a_backend_cannot_express_are_left_out_whole(via: str, left_out: int,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "blueprint.py"
    code, _, stderr = run("import", "ecs", str(PUBLISHED / "alb-conditions"), "-o", str(out),
                          "--via", via)
    assert code == 0, stderr
    assert [c for _, _, c in _warnings(stderr)].count("rule-condition") == left_out
    plan = plan_of(out.read_text(), tmp_path)
    assert all(not r.matches and not r.source_ips for r in plan.routes)
    carried = [(r.query, r.methods) for r in plan.routes if r.query]
    assert carried == ([((("version", "v1"),), ("GET",))] if via == "GATEWAY" else [])


def test_task_sets_become_versions_and_urls_become_calls(imported, tmp_path: Path) -> None:
    path, _ = imported["external-deployer"]
    plan = plan_of(path.read_text(), tmp_path)
    products = {w.version: (w.image.rsplit(":", 1)[1], w.replicas)
                for w in plan.workloads if w.service == "products"}
    assert products == {"v1": ("1.8", 2), "v2": ("1.9", 1)}  # PRIMARY task set first
    (storefront,) = [w for w in plan.workloads if w.service == "storefront"]
    env = {e.name: e.value for e in storefront.env}
    assert env["PRODUCT_SERVICE_URL"] == ("http://products.mycluster.svc.cluster.local:8080"
                                          "/products")
    calls = {(c.src, c.dst) for c in plan.calls}
    assert {("storefront", "products"), ("storefront", "search-shop-abc123"),
            ("products", "api-stripe")} <= calls
    hosts = {x.name: (x.host, x.port) for x in plan.externals}
    assert hosts["api-stripe"] == ("api.stripe.com", 443)


def test_task_definitions_only(imported, tmp_path: Path) -> None:
    path, stderr = imported["taskdefs-only"]
    codes = [c for _, _, c in _warnings(stderr)]
    assert codes.count("service-facts-missing") == 3
    plan = plan_of(path.read_text(), tmp_path)
    by_name = {w.name: w for w in plan.workloads}
    wordpress = by_name["hello-world"]
    assert [(c.name, c.image, c.ports) for c in wordpress.containers] == [("mysql", "mysql", ())]
    assert dict(by_name["sample-fargate"].node_selector) == {
        "kubernetes.io/os": "linux", "kubernetes.io/arch": "arm64"}
    # the FireLens example: the port-less app is a worker, its log router is dropped
    worker = by_name["firelens-example-cloudwatch"]
    assert (worker.image, worker.port, worker.containers) == (
        "public.ecr.aws/docker/library/busybox:latest", None, ())
    assert "firelens-example-cloudwatch" not in {s.name for s in plan.services if s.port}
    assert ("firelens-worker.json", "$.containerDefinitions[0]", "sidecar") in _warnings(stderr)


def test_nothing_importable_exits_1_naming_what_was_found(tmp_path: Path) -> None:
    out = tmp_path / "blueprint.py"
    code, _, stderr = run("import", "ecs", str(PUBLISHED / "cloudformation-only"), "-o", str(out))
    assert code == 1
    assert not out.exists()
    for file, what in (("service.json", "CloudFormation template"),
                       ("service.yaml", "CloudFormation template"),
                       ("terraform.tfstate", "Terraform state")):
        assert f"{file} (a {what}" in stderr or f"{file} ({what}" in stderr, stderr


def test_yaml_cli_output_is_read(tmp_path: Path) -> None:
    """`--output yaml`: the same export, read the same way."""
    for p in (PUBLISHED / "external-deployer").glob("*.json"):
        (tmp_path / f"{p.stem}.yaml").write_text(yaml.safe_dump(json.loads(p.read_text())))
    from_yaml = analyse(load_exports(tmp_path))
    from_json = analyse(load_exports(PUBLISHED / "external-deployer"))
    assert attrs.evolve(from_yaml, warnings=()) == attrs.evolve(from_json, warnings=())
    assert [(w.code, w.loc.file.replace(".yaml", ".json"), w.loc.json_path)
            for w in from_yaml.warnings] == [(w.code, w.loc.file, w.loc.json_path)
                                             for w in from_json.warnings]


def test_utf16_without_a_byte_order_mark(tmp_path: Path) -> None:
    data = (PUBLISHED / "taskdefs-only" / "task-definition.json").read_text()
    (tmp_path / "td.json").write_bytes(data.encode("utf-16-le"))
    assert [s.name for s in analyse(load_exports(tmp_path)).services] == ["hello-world"]


def test_corefile_lines_are_never_wrapped() -> None:
    line = "    rewrite name exact " + "a" * 60 + ".shop.local " + "b" * 60 + ".svc.cluster.local"
    assert comment("text\n" + line).splitlines()[1] == "# " + line


def test_code_deploy_task_sets_beside_the_task_definition_are_versions(tmp_path: Path) -> None:
    """CODE_DEPLOY services list `taskDefinition` (the primary's) and, during a blue/green
    deployment, both task sets: each task set is a version all the same."""
    for p in (PUBLISHED / "external-deployer").glob("*.json"):
        (tmp_path / p.name).write_text(p.read_text())
    path = tmp_path / "ecs-services.json"
    doc = json.loads(path.read_text())
    products = doc["services"][0]
    products["deploymentController"] = {"type": "CODE_DEPLOY"}
    products["taskDefinition"] = products["taskSets"][0]["taskDefinition"]
    path.write_text(json.dumps(doc))
    (products_service,) = [s for s in analyse(load_exports(tmp_path)).services
                           if s.name == "products"]
    assert [(v.name, v.task_definition, v.replicas) for v in products_service.versions] == [
        ("v1", "products:2", 2), ("v2", "products:3", 1)]


def test_running_tasks_are_named_for_what_they_are(tmp_path: Path) -> None:
    """The AWS CLI reference's describe-task-definition example prints describe-tasks
    output (`tasks`, each with a `taskArn`): that file is named, not misread."""
    (tmp_path / "td.json").write_text(json.dumps({"tasks": [{
        "taskArn": "arn:aws:ecs:us-east-1:053534965804:task/fargate-cluster/c524291ae415",
        "taskDefinitionArn": "arn:aws:ecs:us-east-1:053534965804:task-definition/webserver:5",
        "lastStatus": "RUNNING"}], "failures": []}))
    (tmp_path / "task-definition.json").write_text(
        (PUBLISHED / "taskdefs-only" / "task-definition.json").read_text())
    warnings = analyse(load_exports(tmp_path)).warnings
    assert [(w.code, w.loc.file) for w in warnings if w.code == "other-format"] == [
        ("other-format", "td.json")]
    assert "describe-tasks output" in next(w.message for w in warnings if w.loc.file == "td.json")
