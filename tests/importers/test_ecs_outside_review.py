"""What an outside review of `netgen import ecs` found on variants of the ecs-shop fixture
(each variant an edit of the published shapes the fixture is made of): what the export
says is carried over or named in a warning with its file and JSON path, never lost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from netgen.importers.ecs import EcsSystem, ExportError, analyse, load_exports
from netgen.importers.ecs.command import located
from netgen.importers.ecs.load import parse_exports
from netgen.importers.ecs.writer import WriterOptions, write_blueprint
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


def test_a_companion_containers_urls_are_called(tmp_path: Path) -> None:
    """A second application container's environment names hosts as the main one's does:
    each becomes an external the service calls, or STRICT denies it without a word."""
    docs = shop_documents()
    docs["td-shop-web-7.json"]["taskDefinition"]["containerDefinitions"].append({
        "name": "uploader", "image": "shop/uploader:1", "essential": True,
        "environment": [{"name": "UPLOAD_URL", "value": "https://uploads.example.org/put"},
                        {"name": "KAFKA", "value": "kafka.broker.internal:9092"}]})
    plan = plan_of(generate(system_of(docs), via="ALB").text, tmp_path)
    hosts = {x.name: (x.host, x.port) for x in plan.externals}
    assert ("uploads.example.org", 443) in hosts.values()
    assert ("kafka.broker.internal", 9092) in hosts.values()
    called = {c.dst for c in plan.calls if c.src == "web"}
    assert {n for n, (host, _) in hosts.items()
            if host in ("uploads.example.org", "kafka.broker.internal")} <= called


def test_without_security_groups_an_external_is_not_said_to_be_let_out(tmp_path: Path) -> None:
    """A task definition alone: no egress rule was read, so the comment says so instead of
    the security groups' verdict."""
    task = {"family": "api", "networkMode": "awsvpc", "containerDefinitions": [{
        "name": "app", "image": "shop/api:1", "essential": True,
        "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
        "environment": [{"name": "UPSTREAM", "value": "https://api.stripe.com/v1"}]}]}
    (tmp_path / "task-definition.json").write_text(json.dumps(task))
    text = " ".join(w for w in generate(analyse(load_exports(tmp_path)), via="ALB").text.split()
                    if w != "#")
    assert ("api-stripe: api.stripe.com:443, named in the environment of api (UPSTREAM); no "
            "security group of the tasks was in the export, so nothing says whether ECS let "
            "it out.") in text
    assert "let it out." not in text.replace("whether ECS let it out.", "")


def test_how_a_container_ran_is_carried_or_named(tmp_path: Path) -> None:
    """The main container's numeric user, read-only root and NET_BIND_SERVICE become the
    pod's settings (the kubelet refused an image that starts as root without them); what the
    language has no word for is a warning at its own JSON path."""
    docs = shop_documents()
    web = container(docs, "web-7")
    web.update({
        "user": "1000:1000", "readonlyRootFilesystem": True, "privileged": True,
        "workingDirectory": "/srv/app", "stopTimeout": 90, "dnsServers": ["10.0.0.2"],
        "extraHosts": [{"hostname": "legacy-db.internal", "ipAddress": "10.1.2.3"}],
        "linuxParameters": {"capabilities": {"add": ["NET_BIND_SERVICE", "NET_ADMIN"],
                                             "drop": ["ALL"]},
                            "tmpfs": [{"containerPath": "/tmp", "size": 64}]}})
    generated = generate(system_of(docs), via="ALB")
    plan = plan_of(generated.text, tmp_path)
    security = next(w.security for w in plan.workloads if w.service == "web")
    assert security is not None
    assert (security.run_as_user, security.run_as_group, security.read_only_root,
            security.capabilities) == (1000, 1000, True, ("NET_BIND_SERVICE",))
    at = "$.taskDefinition.containerDefinitions[0]"
    found = {(f.code, f.loc.json_path) for f in generated.warnings
             if f.loc is not None and f.loc.file == "td-shop-web-7.json"}
    assert {("container-capabilities", f"{at}.linuxParameters.capabilities.add"),
            ("container-privileged", f"{at}.privileged"),
            ("extra-hosts", f"{at}.extraHosts[0]"),
            ("container-dns", f"{at}.dnsServers"),
            ("container-settings", at)} <= found
    (settings,) = [f for f in generated.warnings if f.code == "container-settings"]
    assert "workingDirectory '/srv/app', stopTimeout 90, linuxParameters.tmpfs" \
        in settings.message


def test_a_user_by_name_is_a_warning_not_a_guess(tmp_path: Path) -> None:
    docs = shop_documents()
    container(docs, "web-7")["user"] = "node"
    generated = generate(system_of(docs), via="ALB")
    security = next(w.security for w in plan_of(generated.text, tmp_path).workloads
                    if w.service == "web")
    assert security is not None and security.run_as_user is None
    (user,) = [f for f in generated.warnings if f.code == "container-user"]
    assert "user 'node', a name" in user.message


def test_a_tasks_shared_size_is_named_where_it_was(tmp_path: Path) -> None:
    """Task-level CPU and memory of a task with two application containers: not split, so
    said at the task's own fields (not a container's)."""
    docs = shop_documents()
    docs["td-shop-web-7.json"]["taskDefinition"]["containerDefinitions"].append(
        {"name": "cache", "image": "redis:7", "essential": True})
    generated = generate(system_of(docs), via="ALB")
    shared = [(f.loc.json_path, f.message) for f in generated.warnings
              if f.code == "task-size-shared"]
    assert [p for p, _ in shared] == ["$.taskDefinition.cpu", "$.taskDefinition.memory"]
    assert "the task's cpu 512 was shared by its 2 containers" in shared[0][1]
    assert "so web, cache get no cpu request or limit" in shared[0][1]


def test_an_unreadable_task_size_names_the_tasks_field() -> None:
    docs = shop_documents()
    docs["td-shop-web-7.json"]["taskDefinition"]["memory"] = "1e308x"
    (size,) = [f for f in system_of(docs).warnings if f.code == "task-size"]
    assert size.loc is not None and size.loc.json_path == "$.taskDefinition.memory"


def test_warnings_about_rules_and_names_point_at_them() -> None:
    """A rule by address, a rule on a port the service does not serve, and a Service
    Connect alias equal to another service's Cloud Map name: each warning names its file
    and JSON path, as every other does."""
    docs = shop_documents()
    api_rules = docs["security-groups.json"]["SecurityGroups"][4]["IpPermissions"]
    api_rules += [
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
         "IpRanges": [{"CidrIp": "10.9.0.0/16"}], "UserIdGroupPairs": []},
        {"IpProtocol": "tcp", "FromPort": 9999, "ToPort": 9999, "IpRanges": [],
         "UserIdGroupPairs": [{"GroupId": "sg-0f2b6d8e4c1a93b57", "UserId": "123456789012"}]},
    ]
    orders = next(s for s in docs["ecs-services.json"]["services"]
                  if s["serviceName"] == "orders")
    config = next(d for d in orders["deployments"] if d["status"] == "PRIMARY")[
        "serviceConnectConfiguration"]
    config["services"][0]["clientAliases"].append({"port": 9090, "dnsName": "api.shop.local"})
    exports = parse_exports(encode(docs))
    generated = write_blueprint(analyse(exports), WriterOptions(via="ALB"), located(exports))
    where = {f.code: (f.loc.file, f.loc.json_path) for f in generated.warnings
             if f.loc is not None}
    assert where["cidr-source"] == ("security-groups.json", "$.SecurityGroups[4].IpPermissions[1]")
    assert where["flow-port"] == ("security-groups.json", "$.SecurityGroups[4].IpPermissions[2]")
    file, path = where["ambiguous-dns-name"]
    assert file == "ecs-services.json"
    assert path.endswith(".serviceConnectConfiguration.services[0].clientAliases[1]")
    assert all(f.loc is not None and f.loc.file for f in generated.warnings), [
        f.code for f in generated.warnings if f.loc is None or not f.loc.file]


def test_a_task_definition_alone_locates_its_warnings(tmp_path: Path) -> None:
    task = {"family": "api", "networkMode": "awsvpc", "containerDefinitions": [{
        "name": "app", "image": "shop/api:1", "essential": True,
        "portMappings": [{"containerPort": 8080, "name": "web"},
                         {"containerPort": 9090, "name": "metrics"}]}]}
    (tmp_path / "task-definition.json").write_text(json.dumps(task))
    exports = load_exports(tmp_path)
    generated = write_blueprint(analyse(exports), WriterOptions(), located(exports))
    (extra,) = [f for f in generated.warnings if f.code == "extra-ports"]
    assert extra.loc is not None and extra.loc.file == "task-definition.json"


def test_a_null_in_a_list_is_an_error_at_its_own_index() -> None:
    """Dropped, it took a service away without a word and moved every later index by one
    (an error at services[3] was reported at services[2])."""
    docs = shop_documents()
    services = docs["ecs-services.json"]["services"]
    services[2]["desiredCount"] = "three"
    services.insert(0, None)
    with pytest.raises(ExportError) as raised:
        parse_exports(encode(docs))
    assert [(p.loc.json_path, p.message) for p in raised.value.problems] == [
        ("$.services[0]", "expected object, got null"),
        ("$.services[3].desiredCount",
         'expected an integer from 0 to 2147483647, got string "three"')]


@pytest.mark.parametrize(("edit", "path", "message"), [
    (lambda c: c["portMappings"][0].update(containerPort=99999), ".portMappings[0].containerPort",
     "expected an integer from 1 to 65535, got number 99999"),
    (lambda c: c["portMappings"][0].update(containerPort=0), ".portMappings[0].containerPort",
     "expected an integer from 1 to 65535, got number 0"),
    (lambda c: c.update(image=""), ".image", 'expected a non-empty string, got string ""'),
    (lambda c: c.update(cpu=10**30), ".cpu",
     f"expected an integer from 0 to 2147483647, got number {10**30}"),
    (lambda c: c.update(healthCheck={"command": ["CMD", "true"], "interval": 10**10}),
     ".healthCheck.interval", "expected an integer from 5 to 300, got number 10000000000"),
])
def test_values_outside_the_documented_range_are_export_errors(edit, path: str,  # type: ignore[no-untyped-def]
                                                               message: str) -> None:
    """Imported, each wrote a blueprint that failed to build (a port, an image) or that the
    API server refuses (an int32 period); ECS documents the ranges."""
    docs = shop_documents()
    edit(container(docs, "web-7"))
    with pytest.raises(ExportError) as raised:
        parse_exports(encode(docs))
    assert [(p.loc.json_path, p.message) for p in raised.value.problems] == [
        (f"$.taskDefinition.containerDefinitions[0]{path}", message)]


def test_replicas_beyond_int32_are_an_export_error() -> None:
    docs = shop_documents()
    docs["ecs-services.json"]["services"][0]["desiredCount"] = 10**12
    with pytest.raises(ExportError) as raised:
        parse_exports(encode(docs))
    assert [p.loc.json_path for p in raised.value.problems] == ["$.services[0].desiredCount"]


def test_a_container_asking_for_more_than_its_task_requests_the_task(tmp_path: Path) -> None:
    """ECS refuses it at registration; written as it was, `cpu` above `cpu_limit` failed
    the build."""
    docs = shop_documents()
    container(docs, "web-7").update(cpu=2048, memory=512, memoryReservation=1024)
    generated = generate(system_of(docs), via="ALB")
    plan_of(generated.text, tmp_path)  # builds
    assert 'cpu="500m"' in generated.text and 'memory="512Mi"' in generated.text
    sizes = sorted(f.loc.json_path for f in generated.warnings if f.code == "task-size")
    assert sizes == ["$.taskDefinition.containerDefinitions[0].cpu",
                     "$.taskDefinition.containerDefinitions[0].memoryReservation"]


def test_a_service_connect_alias_on_another_port_is_rewritten_to_the_services() -> None:
    """orders answered orders.shop.local:9090 and, on a second alias, zz.shop.local:80
    (`http://zz.shop.local/x`, the port implied by the scheme): the Service listens on
    9090, so both URLs name it there, and the second alias is a warning at its place."""
    docs = shop_documents()
    orders = next(s for s in docs["ecs-services.json"]["services"]
                  if s["serviceName"] == "orders")
    config = orders["deployments"][0]["serviceConnectConfiguration"]
    config["services"][0]["clientAliases"].append({"port": 80, "dnsName": "zz.shop.local"})
    api = container(docs, "api-14")["environment"]
    api += [{"name": "ZZ_URL", "value": "http://zz.shop.local/x"},
            {"name": "ZZ_PORTED", "value": "http://zz.shop.local:80/y"}]
    exports = parse_exports(encode(docs))
    generated = write_blueprint(analyse(exports), WriterOptions(via="ALB"), located(exports))
    assert '"ZZ_URL": "http://orders.shop.svc.cluster.local:9090/x"' in generated.text
    assert '"ZZ_PORTED": "http://orders.shop.svc.cluster.local:9090/y"' in generated.text
    assert '"ORDERS_URL": "http://orders.shop.svc.cluster.local:9090"' in generated.text
    (alias,) = [f for f in generated.warnings if f.code == "service-connect-alias-port"]
    assert alias.loc.json_path.endswith("serviceConnectConfiguration.services[0]"
                                        ".clientAliases[1]")
    assert "clients called zz.shop.local on 80; the Service listens on 9090 only" \
        in alias.message


def test_every_changed_ecs_name_is_listed(tmp_path: Path) -> None:
    """`Web_Front.End--` and `wéb-サービス` became DNS labels without a word in the header's
    list of changed names (it listed only shortened ones)."""
    for i, name in enumerate(("Web_Front.End--", "wéb-サービス")):
        task = {"family": name, "containerDefinitions": [
            {"name": "app", "image": "a:1", "portMappings": [{"containerPort": 80}]}]}
        (tmp_path / f"td-{i}.json").write_text(json.dumps(task))
    text = generate(analyse(load_exports(tmp_path))).text
    assert "# Names: ECS names that changed" in text
    assert "Web_Front.End-- -> web-front-end" in text
    assert "wéb-サービス -> w-b" in text


@pytest.mark.parametrize("user", ["0", "0:0"])
def test_a_container_that_ran_as_root_is_a_warning_not_a_blueprint_that_fails(
        tmp_path: Path, user: str) -> None:
    """run_as_user=0 needs BASELINE: written as it was, the blueprint did not build."""
    docs = shop_documents()
    container(docs, "web-7")["user"] = user
    generated = generate(system_of(docs), via="ALB")
    plan_of(generated.text, tmp_path)  # builds
    code = [line for line in generated.text.splitlines() if not line.startswith("#")]
    assert not [line for line in code if "run_as_user" in line]
    (root,) = [f for f in generated.warnings if f.code == "container-user"]
    assert f"ran as root (user {user!r}); not carried over" in root.message
