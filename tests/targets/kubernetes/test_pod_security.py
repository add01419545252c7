"""Pod security levels, per-service security settings, service-account tokens, storage,
host networking and disruption budgets: what each prints, and the file:line errors.

Whether the printed pods meet their level is judged by pss.py beside it (the Pod Security
Standards, written from Kubernetes' page) here and in the property tests, and by Checkov in
tests/test_checkov.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from netgen.problems import ProblemError
from netgen.validate import validate_documents
from tests.conftest import build, documents
from tests.targets.kubernetes import pss

HEAD = "from netgen import *\n"
Make = Callable[[str], Path]
PSA = "pod-security.kubernetes.io/"


def docs_of(path: Path, env: str | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for c in build(path):
        if env is None or c.plan.env.name == env:
            docs = documents(c)
            assert validate_documents(docs) == []
            out.update({(d["kind"], d["metadata"]["name"]): d for d in docs})
    return out


def pod(docs: dict[tuple[str, str], dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return docs[(kind, name)]["spec"]["template"]["spec"]


def errors(path: Path) -> list[str]:
    with pytest.raises(ProblemError) as e:
        build(path)
    return [d.render() for d in e.value.problems]


# --- what is printed ---------------------------------------------------------------------


def test_defaults_are_restricted_and_every_namespace_says_so(blueprint_file: Make) -> None:
    path = blueprint_file(HEAD + "env('prod', isolation=OPEN)\n"
                          "service('web', port=80, image='web:1.0', namespace='front')\n")
    docs = docs_of(path)
    for ns in ("prod", "front"):
        labels = docs[("Namespace", ns)]["metadata"]["labels"]
        for mode in ("enforce", "warn", "audit"):
            assert labels[f"{PSA}{mode}"] == "restricted"
            assert labels[f"{PSA}{mode}-version"] == "v1.33"
    web = pod(docs, "Deployment", "web")
    assert web["automountServiceAccountToken"] is False
    assert web["securityContext"] == {"runAsNonRoot": True,
                                      "seccompProfile": {"type": "RuntimeDefault"}}
    assert web["containers"][0]["securityContext"] == {
        "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    assert pss.violations(web, "restricted") == []
    assert "serviceAccountName" not in web and ("ServiceAccount", "web") not in docs


def test_blueprint_level_is_the_default_of_its_environments(blueprint_file: Make) -> None:
    path = blueprint_file(HEAD + "blueprint('bp', pod_security=BASELINE)\n"
                          "env('dev')\nenv('prod', pod_security=RESTRICTED)\n"
                          "service('web', port=80, image='web:1.0')\n")
    assert docs_of(path, "dev")[("Namespace", "dev")]["metadata"]["labels"][
        f"{PSA}enforce"] == "baseline"
    assert docs_of(path, "prod")[("Namespace", "prod")]["metadata"]["labels"][
        f"{PSA}enforce"] == "restricted"


def test_service_settings_are_printed(blueprint_file: Make) -> None:
    path = blueprint_file(HEAD + "env('prod')\n"
                          "service('web', port=80, image='nginx:1.27', run_as_user=101, "
                          "run_as_group=101, fs_group=101, read_only_root=True, "
                          "capabilities=['NET_BIND_SERVICE'], service_account_token=True)\n")
    docs = docs_of(path)
    web = pod(docs, "Deployment", "web")
    assert web["securityContext"] == {
        "runAsNonRoot": True, "runAsUser": 101, "runAsGroup": 101, "fsGroup": 101,
        "seccompProfile": {"type": "RuntimeDefault"}}
    container = web["containers"][0]
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]}}
    # A read-only root gets a writable /tmp.
    assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
    assert web["volumes"] == [{"name": "tmp", "emptyDir": {}}]
    # The token is mounted, under an identity of the service's own.
    assert "automountServiceAccountToken" not in web
    assert web["serviceAccountName"] == "web"
    assert docs[("ServiceAccount", "web")]["metadata"]["namespace"] == "prod"
    assert pss.violations(web, "restricted") == []


def test_every_container_of_a_pod_meets_the_level(blueprint_file: Make) -> None:
    """Pod Security Admission judges every container: a `container(...)` beside the main one
    runs under the same container securityContext, with its own writable /tmp when the root
    filesystem is read-only."""
    path = blueprint_file(HEAD + "env('prod')\n"
                          "service('web', port=8080, image='wordpress:6', read_only_root=True, "
                          "containers=[container('mysql', image='mysql:8', ports=[3306])])\n")
    web = pod(docs_of(path), "Deployment", "web")
    main, mysql = web["containers"]
    assert mysql["securityContext"] == main["securityContext"]
    assert mysql["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]
    assert [v["name"] for v in web["volumes"]] == ["tmp"]
    assert pss.violations(web, "restricted") == []


def test_an_image_that_needs_root_runs_at_baseline(blueprint_file: Make) -> None:
    path = blueprint_file(HEAD + "env('prod', pod_security=BASELINE)\n"
                          "service('db', port=5432, image='postgres:16', stateful=True, "
                          "pod_security=BASELINE, capabilities=['CHOWN', 'DAC_OVERRIDE', "
                          "'FOWNER', 'SETGID', 'SETUID'], "
                          "storage=storage('20Gi', '/var/lib/postgresql/data', "
                          "storage_class='gp3'))\n")
    docs = docs_of(path)
    db = pod(docs, "StatefulSet", "db")
    assert "runAsNonRoot" not in db["securityContext"]
    assert pss.violations(db, "baseline") == []
    assert pss.violations(db, "restricted") != []
    claims = docs[("StatefulSet", "db")]["spec"]["volumeClaimTemplates"]
    assert claims == [{"metadata": {"name": "data"}, "spec": {
        "accessModes": ["ReadWriteOnce"], "storageClassName": "gp3",
        "resources": {"requests": {"storage": "20Gi"}}}}]
    assert db["containers"][0]["volumeMounts"] == [
        {"name": "data", "mountPath": "/var/lib/postgresql/data"}]


def test_host_network_at_the_privileged_level(blueprint_file: Make) -> None:
    path = blueprint_file(HEAD + "env('nodes', pod_security=PRIVILEGED)\n"
                          "service('agent', port=9100, image='agent:1.0', host_network=True)\n")
    agent = pod(docs_of(path), "Deployment", "agent")
    assert agent["hostNetwork"] is True
    assert agent["dnsPolicy"] == "ClusterFirstWithHostNet"
    assert pss.violations(agent, "privileged") == []
    assert pss.violations(agent, "baseline") == ["host namespaces: hostNetwork"]


def test_host_network_services_without_a_port_bind_none(blueprint_file: Make) -> None:
    """Found by the property test of broken blueprints: the port check of host-network
    services crashed on one without a port."""
    path = blueprint_file(HEAD + "env('nodes', pod_security=PRIVILEGED)\n"
                          "service('shipper', image='shipper:1', host_network=True)\n"
                          "service('scraper', image='scraper:1', host_network=True)\n"
                          "service('agent', port=9100, image='agent:1.0', host_network=True)\n")
    docs = docs_of(path)
    assert [pod(docs, "Deployment", n)["hostNetwork"] for n in ("shipper", "scraper", "agent")
            ] == [True, True, True]


def test_intro_guide_pods(tmp_path: Path) -> None:
    from tests.conftest import BLUEPRINTS

    by_env = {c.plan.env.name: {(d["kind"], d["metadata"]["name"]): d for d in documents(c)}
              for c in build(BLUEPRINTS / "pod_networking.py")}
    bridge = pod(by_env["bridge"], "Deployment", "my-app")
    host = pod(by_env["host"], "Deployment", "my-app")
    assert "hostNetwork" not in bridge and host["hostNetwork"] is True
    assert bridge["containers"][0]["ports"][0]["containerPort"] == 8080
    assert host["containers"][0]["ports"][0]["containerPort"] == 8080


def test_disruption_budgets_in_strict_environments(blueprint_file: Make) -> None:
    source = HEAD + ("env('dev', isolation=OPEN, replicas=2)\n"
                     "env('prod', replicas=3)\nenv('lab', replicas=3, disruption_budgets=False)\n"
                     "service('web', port=80, image='web:1.0')\n"
                     "service('one', port=80, image='one:1.0', replicas=1)\n")
    path = blueprint_file(source)
    prod = docs_of(path, "prod")
    assert prod[("PodDisruptionBudget", "web")]["spec"] == {
        "maxUnavailable": 1, "selector": {"matchLabels": {"app": "web"}}}
    assert ("PodDisruptionBudget", "one") not in prod
    for env in ("dev", "lab"):
        assert not [k for k in docs_of(path, env) if k[0] == "PodDisruptionBudget"]


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "message"), [
    ("env('prod')\nservice('web', port=80, image='w:1', pod_security=BASELINE)\n",
     "bp.py:3: error: service('web'): pod_security=BASELINE is above the level of environment "
     "'prod' (bp.py:2), RESTRICTED; set env('prod', pod_security=BASELINE) or lower the "
     "service's"),
    ("env('prod')\nservice('web', port=80, image='w:1', host_network=True)\n",
     "bp.py:3: error: service('web'): host_network=True needs pod_security=PRIVILEGED, but "
     "the service runs at RESTRICTED (environment 'prod' (bp.py:2)); set "
     "pod_security=PRIVILEGED on the service and the environment"),
    ("env('prod', pod_security=PRIVILEGED)\n"
     "service('web', port=80, image='w:1', pod_security=BASELINE, capabilities=['NET_ADMIN'])\n",
     "bp.py:3: error: service('web'): capability 'NET_ADMIN' needs pod_security=PRIVILEGED, "
     "but the service runs at BASELINE (its own pod_security); set pod_security=PRIVILEGED "
     "on the service"),
    ("env('prod')\nservice('web', port=80, image='w:1', run_as_user=0)\n",
     "bp.py:3: error: service('web'): run_as_user=0 (root) needs pod_security=BASELINE, but "
     "the service runs at RESTRICTED (environment 'prod' (bp.py:2)); set "
     "pod_security=BASELINE on the service and the environment"),
    ("env('prod', pod_security=PRIVILEGED)\n"
     "service('a', port=80, image='a:1', host_network=True)\n"
     "service('b', port=8080, target_port=80, image='b:1', host_network=True)\n",
     "bp.py:4: error: service('b'): host_network=True binds TCP port 80 on the nodes, as "
     "service('a') at bp.py:3 does; give one of them another target_port"),
    ("service('web', port=80, image='w:1', storage=storage('1Gi', '/data'))\n",
     "bp.py:2: error: service('web'): storage= needs stateful=True (a StatefulSet gives each "
     "pod its own claim); a Deployment mounts an existing claim with "
     "volumes=[volume(..., claim=...)]"),
    ("service('db', port=1, image='d:1', stateful=True, storage=storage('lots', 'data', "
     "access_mode='RWO'))\n",
     "bp.py:2: error: service('db'): storage: access_mode='RWO' must be one of ReadWriteOnce, "
     "ReadOnlyMany, ReadWriteMany, ReadWriteOncePod"),
    ("service('w', port=80, image='w:1', run_as_user=-1)\n",
     "bp.py:2: error: service('w'): run_as_user=-1 must be a whole number from 0 to "
     "2147483647"),
    ("service('w', port=80, image='w:1', capabilities=['CAP_NET_ADMIN'])\n",
     "bp.py:2: error: service('w'): capabilities: 'CAP_NET_ADMIN' must be one capability's "
     "name without 'CAP_', such as 'NET_BIND_SERVICE'"),
    ("env('prod', pod_security='restricted')\nservice('w', port=80, image='w:1')\n",
     "bp.py:2: error: env('prod'): pod_security='restricted' must be RESTRICTED, BASELINE or "
     "PRIVILEGED"),
    ("service('w', port=80, image='w:1', read_only_root='yes')\n",
     "bp.py:2: error: service('w'): read_only_root='yes' must be True or False"),
])
def test_errors_name_file_and_line(blueprint_file: Make, source: str, message: str) -> None:
    path = blueprint_file(HEAD + source)
    found = [m.replace(f"{path.parent}/", "") for m in errors(path)]
    assert message in found, "\n".join(found)
