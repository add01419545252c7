"""service(env_vars=, secrets=, cpu=, command=, liveness=, rollout=, volumes=, versions={...}):
what each prints in the workload, per-version overrides, and the file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from netgen.pipeline import compile_blueprint
from netgen.problems import ProblemError
from netgen.validate import validate_documents
from tests.conftest import documents

HEAD = "from netgen import *\n"

FULL = HEAD + """\
env("prod", namespace="shop")
service(
    "api",
    port=8080,
    port_name="api-http",
    command=["/app/bin/api"],
    args=["serve", "--port", "8080"],
    env_vars={"LOG_LEVEL": "info", "ORDERS_HOST": "orders.example"},
    secrets={"DB_PASSWORD": secret_ref("shop-db", "password")},
    cpu="500m",
    memory="512Mi",
    memory_limit="1Gi",
    liveness=probe(exec=["sh", "-c", "true"], period=15, timeout=5, failures=3,
                   initial_delay=20),
    readiness=probe(http="/healthz", period=10, successes=2),
    volumes=[volume("scratch", "/tmp", size_limit="1Gi"),
             volume("data", "/var/lib/api", claim="api-data", read_only=True)],
    versions={
        "v1": version(image="api:1", replicas=4,
                      rollout=rollout(max_surge="100%", max_unavailable="50%")),
        "v2": version(image="api:2", replicas=1, env_vars={"NEW": "true"}, cpu="1"),
    },
)
service("orders", port=9090, image="orders:1", readiness=probe(grpc=True),
        liveness=probe(tcp=True, port="http"))
calls("api", "orders")
"""


def _workloads(path: Path) -> dict[str, dict]:
    (compiled,) = compile_blueprint(path)
    docs = documents(compiled)
    assert validate_documents(docs) == []
    return {d["metadata"]["name"]: d for d in docs if d["kind"] in ("Deployment", "StatefulSet")}


def _container(workload: dict) -> dict:
    (container,) = workload["spec"]["template"]["spec"]["containers"]
    return container


def test_every_setting_reaches_the_container(blueprint_file) -> None:
    workloads = _workloads(blueprint_file(FULL))
    v1 = _container(workloads["api-v1"])
    assert v1["image"] == "api:1"
    assert workloads["api-v1"]["spec"]["replicas"] == 4
    assert v1["command"] == ["/app/bin/api"]
    assert v1["args"] == ["serve", "--port", "8080"]
    by_name = {e["name"]: e for e in v1["env"]}
    assert by_name["ORDERS_HOST"] == {"name": "ORDERS_HOST", "value": "orders.example"}
    assert by_name["DB_PASSWORD"] == {
        "name": "DB_PASSWORD",
        "valueFrom": {"secretKeyRef": {"name": "shop-db", "key": "password"}},
    }
    # discovery variables first (so values can use $(ORDERS_PORT)), the user's own next;
    # the user's ORDERS_HOST replaces the discovery one; secrets last
    assert [e["name"] for e in v1["env"]] == [
        "ORDERS_PORT", "LOG_LEVEL", "ORDERS_HOST", "DB_PASSWORD"]
    assert v1["resources"] == {"requests": {"cpu": "500m", "memory": "512Mi"},
                               "limits": {"memory": "1Gi"}}
    assert v1["livenessProbe"] == {
        "exec": {"command": ["sh", "-c", "true"]}, "initialDelaySeconds": 20,
        "periodSeconds": 15, "timeoutSeconds": 5, "failureThreshold": 3}
    assert v1["readinessProbe"] == {
        "httpGet": {"path": "/healthz", "port": "api-http"}, "periodSeconds": 10,
        "successThreshold": 2}
    assert v1["volumeMounts"] == [
        {"name": "scratch", "mountPath": "/tmp"},
        {"name": "data", "mountPath": "/var/lib/api", "readOnly": True}]
    assert workloads["api-v1"]["spec"]["template"]["spec"]["volumes"] == [
        {"name": "scratch", "emptyDir": {"sizeLimit": "1Gi"}},
        {"name": "data", "persistentVolumeClaim": {"claimName": "api-data", "readOnly": True}}]
    assert workloads["api-v1"]["spec"]["strategy"] == {
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": "100%", "maxUnavailable": "50%"}}


def test_a_version_overrides_and_adds_to_its_service(blueprint_file) -> None:
    workloads = _workloads(blueprint_file(FULL))
    v2 = _container(workloads["api-v2"])
    assert v2["image"] == "api:2"
    assert workloads["api-v2"]["spec"]["replicas"] == 1
    assert "strategy" not in workloads["api-v2"]["spec"]
    assert v2["resources"]["requests"] == {"cpu": "1", "memory": "512Mi"}
    names = [e["name"] for e in v2["env"]]
    assert names == ["ORDERS_PORT", "LOG_LEVEL", "ORDERS_HOST", "NEW", "DB_PASSWORD"]
    assert v2["command"] == ["/app/bin/api"]


def test_grpc_and_tcp_probes_use_the_right_port(blueprint_file) -> None:
    orders = _container(_workloads(blueprint_file(FULL))["orders"])
    assert orders["readinessProbe"] == {"grpc": {"port": 9090}}  # gRPC probes need a number
    assert orders["livenessProbe"] == {"tcpSocket": {"port": "http"}}


def test_health_keeps_its_simple_readiness_probe(blueprint_file) -> None:
    path = blueprint_file(HEAD + "service('web', port=80, image='w', health='/health')\n")
    web = _container(_workloads(path)["web"])
    assert web["readinessProbe"] == {"httpGet": {"path": "/health", "port": "http"}}
    assert set(web) == {"name", "image", "ports", "readinessProbe", "securityContext"}


def test_versions_as_a_list_still_share_everything(blueprint_file) -> None:
    path = blueprint_file(HEAD + "service('api', port=80, image='a', versions=['v1', 'v2'], "
                                 "env_vars={'A': 'b'})\n")
    workloads = _workloads(path)
    assert {_container(w)["image"] for w in workloads.values()} == {"a"}
    assert all(_container(w)["env"] == [{"name": "A", "value": "b"}] for w in workloads.values())


ERRORS = {
    "env value not a string": (
        "service('a', port=80, image='a', env_vars={'PORT': 8080})",
        "service('a'): env_vars['PORT']=8080 must be a string (quote numbers: '8080')"),
    "env name": (
        "service('a', port=80, image='a', env_vars={'1X': 'y'})",
        "service('a'): environment variable name '1X' must be letters, digits, '_', '-' and "
        "'.', not starting with a digit"),
    "secret value inlined": (
        "service('a', port=80, image='a', secrets={'PW': 'hunter2'})",
        "service('a'): secrets['PW'] must be secret_ref('secret-name', 'key'), not str (never "
        "put a secret's value in a blueprint)"),
    "secret name": (
        "service('a', port=80, image='a', secrets={'PW': secret_ref('Shop_DB', 'pw')})",
        "service('a'): secrets['PW']: Secret name 'Shop_DB' is not a valid DNS subdomain "
        "(lowercase letters, digits, '-' and '.')"),
    "env and secret of one name": (
        "service('a', port=80, image='a', env_vars={'PW': 'x'}, "
        "secrets={'PW': secret_ref('s', 'k')})",
        "service('a'): 'PW' is both in env_vars and in secrets"),
    "command as a string": (
        "service('a', port=80, image='a', command='run --fast')",
        "service('a'): command='run --fast' must be a list of strings, such as "
        "['/app/run', '--port']"),
    "cpu quantity": (
        "service('a', port=80, image='a', cpu='half')",
        "service('a'): cpu='half' must be a number of CPUs such as '2' or '0.5', in "
        "thousandths such as '500m', or with an exponent such as '1e3'"),
    "limit below request": (
        "service('a', port=80, image='a', memory='1Gi', memory_limit='512Mi')",
        "service('a'): memory_limit='512Mi' is less than memory='1Gi' (Kubernetes rejects a "
        "request above its limit)"),
    "probe of two kinds": (
        "service('a', port=80, image='a', liveness=probe(http='/h', tcp=True))",
        "service('a'): liveness=probe(...) needs exactly one of exec=[...], http='/path', "
        "tcp=True or grpc=True (got http, tcp)"),
    "liveness successes": (
        "service('a', port=80, image='a', liveness=probe(http='/h', successes=3))",
        "service('a'): liveness: successes=3 must be 1 (Kubernetes requires it)"),
    "probe period": (
        "service('a', port=80, image='a', readiness=probe(tcp=True, period=0))",
        "service('a'): readiness: period=0 must be a whole number of at least 1"),
    "health and readiness": (
        "service('a', port=80, image='a', health='/h', readiness=probe(http='/r'))",
        "service('a'): health= and readiness= both set the readiness probe; keep one"),
    "rollout that cannot move": (
        "service('a', port=80, image='a', rollout=rollout(max_surge=0, max_unavailable='0%'))",
        "service('a'): rollout: max_surge and max_unavailable cannot both be 0 (nothing "
        "could change)"),
    "rollout of a stateful service": (
        "service('a', port=80, image='a', stateful=True, rollout=rollout(max_surge=1))",
        "service('a'): rollout= applies to Deployments; a stateful service updates pod by pod"),
    "relative mount path": (
        "service('a', port=80, image='a', volumes=[volume('d', 'data')])",
        "service('a'): volume 'd': path='data' must be an absolute path"),
    "version without an image": (
        "service('a', port=80, versions={'v1': version(image='a:1'), 'v2': version()})",
        "service('a'): image= is required unless every version(...) sets its own (missing for "
        "v2)"),
    "version settings not from version()": (
        "service('a', port=80, image='a', versions={'v1': {'image': 'b'}})",
        "service('a'): versions['v1'] must be version(...), not {'image': 'b'}"),
}


@pytest.mark.parametrize("source, message", ERRORS.values(), ids=list(ERRORS))
def test_mistakes_are_diagnostics_with_the_line(blueprint_file, source: str,
                                                message: str) -> None:
    path = blueprint_file(HEAD + "\n" + source + "\n")
    with pytest.raises(ProblemError) as raised:
        compile_blueprint(path)
    rendered = [d.render() for d in raised.value.problems]
    assert f"{path}:3: error: {message}" in rendered, rendered


def test_documented_examples_build(tmp_path: Path) -> None:
    import re

    text = (Path(__file__).parents[3] / "docs" / "workload-settings.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 3
    for i, source in enumerate(blocks):
        path = tmp_path / f"example_{i}.py"
        path.write_text(source)
        for compiled in compile_blueprint(path):
            assert validate_documents(documents(compiled)) == []
