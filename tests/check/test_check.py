"""`netgen check`: every document validated (a missing schema fails), lint rules with their
file:line, and output for people, scripts (JSON) and code scanning (SARIF)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import attrs
import jsonschema
import pytest
from typer.testing import CliRunner

from netgen import ALB, GATEWAY, ISTIO, NGINX, pipeline
from netgen.check import CheckReport, run_check
from netgen.check.formats import to_json
from netgen.cli import app
from netgen.lint import RULES
from netgen.plan import Plan
from netgen.render import Document, Renderer, builtin_template
from netgen.targets import registry
from netgen.targets.base import Backend, Registry
from netgen.targets.features import Feature
from netgen.targets.kubernetes.lint import image_tag_problem
from netgen.validate import CrdIndex, shipped
from netgen.validate.core import core_schemas
from tests.conftest import EXAMPLES, build, documents

HEAD = "from netgen import *\n"
# STRICT environments name the VPC range so that NetworkPolicies (once that backend is
# registered) can admit load-balancer traffic; without that backend the setting is unused.
VPC = "vpc_cidr='10.0.0.0/16'"
ENV = f"env('prod', {VPC})\n"
FINDING_KEYS = {"severity", "code", "message", "file", "line", "env", "kind", "name",
                "namespace", "path", "output"}

Write = Callable[[str], Path]


def check(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["check", *args])
    return result.exit_code, result.stdout, result.stderr


def fields(report: CheckReport) -> list[SimpleNamespace]:
    """Each finding as its JSON fields (the public shape), read as attributes."""
    return [SimpleNamespace(**to_json(f)) for f in report.findings]


def lints(report: CheckReport) -> list[tuple[str, int | None, str | None]]:
    return sorted((f.code, f.line, f.env) for f in fields(report) if f.severity == "warning")


def errors(report: CheckReport) -> list[SimpleNamespace]:
    return [f for f in fields(report) if f.severity == "error"]


# --- L7 exposures in a tree without the HTTP backends -------------------------------------


@pytest.fixture
def l7_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lint rules read the Plan, not the YAML: where no backend handles ALB/NGINX/GATEWAY/
    ISTIO yet, a stub that can express everything and renders nothing stands in. Real
    backends, once registered, are used as they are."""
    stubs = tuple(
        Backend(f"stub-{via.name}", lambda plan, r: (), (via,), frozenset(Feature))
        for via in (ALB, NGINX, GATEWAY, ISTIO)
        if registry.backend_for(via) is None
    )
    monkeypatch.setattr(pipeline, "registry", lambda: Registry(registry.BACKENDS + stubs))


# --- the examples ------------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_checks_clean_with_no_flags(example: Path) -> None:
    """The shipped CRDs check every custom resource an example emits; nothing is given."""
    core = core_schemas(None)
    for compiled in build(example):
        env = compiled.plan.env.name
        docs = documents(compiled)
        report = run_check(example, envs=[env])
        assert errors(report) == [], env
        assert report.exit_code == 0
        custom = [(d["apiVersion"], d["kind"]) for d in docs
                  if core.validator(d["apiVersion"], d["kind"]) is None]
        assert report.counts.get("crd", 0) == len(custom)
        assert report.counts.get("none", 0) == 0
        assert report.documents == len(docs)
        gateway_api = any(a.startswith("gateway.networking.k8s.io/") for a, _ in custom)
        assert bool(report.channels[env]) == gateway_api
        code, out, _ = check(str(example), "-e", env)
        assert code == 0, out


def test_the_channel_each_environment_needs_is_said() -> None:
    example = next(e for e in EXAMPLES if e.stem == "gateway_api")
    report = run_check(example)
    assert report.channels["production"] == ("Gateway API v1.6.1 standard channel",)
    (staging,) = report.channels["staging"]
    assert staging.startswith("Gateway API v1.6.1 experimental channel (TCPRoute "
                              "staging/postgres-service (gateway.networking.k8s.io/v1alpha2) "
                              "is served only by the experimental channel")
    code, out, _ = check(str(example))
    assert code == 0
    assert "netgen check: staging needs the Gateway API v1.6.1 experimental channel" in out
    code, out, _ = check(str(example), "--format", "json")
    assert json.loads(out)["crd_channels"]["production"] == [
        "Gateway API v1.6.1 standard channel"]


def test_an_environment_needing_both_channels_fails(
    blueprint_file: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TCPRoute v1alpha2 only in experimental; a kind only in standard (made so here by
    hiding it from the shipped experimental bundle) cannot be applied with it."""
    path = blueprint_file(HEAD + "env('prod', namespace='prod', gateway_api='v1alpha2')\n"
                          "service('web', port=80, image='web:1.0')\n"
                          "service('db', port=5432, image='pg:16')\n"
                          "expose('web', via=GATEWAY, host='a.example.com')\n"
                          "expose('db', via=TCP)\n")
    assert errors(run_check(path)) == []
    experimental = next(b for b in shipped.shipped_bundles() if b.channel == "experimental")
    hidden = experimental.index
    clone = CrdIndex()
    for version in hidden:
        if version.kind != "HTTPRoute":
            clone.add(version)
    patched = tuple(attrs.evolve(b, index=clone) if b is experimental else b
                    for b in shipped.shipped_bundles())
    monkeypatch.setattr(shipped, "shipped_bundles", lambda: patched)
    report = run_check(path)
    (finding,) = errors(report)
    assert finding.code == "NG022"
    assert finding.message.startswith("needs both the standard and the experimental channel "
                                      "of Gateway API v1.6.1, but a cluster has one of them")
    assert "TCPRoute prod/db (gateway.networking.k8s.io/v1alpha2) is served only by the " \
        "experimental channel" in finding.message
    assert "HTTPRoute prod/" in finding.message and "only by the standard channel" in \
        finding.message
    assert report.exit_code == 1


# --- broken documents ------------------------------------------------------------------


def override(tmp_path: Path, template: str, edit: Callable[[str], str]) -> Path:
    """A --templates folder holding an edited copy of a built-in template."""
    folder = tmp_path / "house"
    target = folder / template
    target.parent.mkdir(parents=True)
    target.write_text(edit(builtin_template(template).read_text()))
    return folder


SMALL = HEAD + f"env('staging', namespace='stage', {VPC})\n" \
    "service('web', port=80, image='web:1.0')\nexpose('web', via=NLB, scheme='internal')\n"


def test_unknown_field_fails_with_its_path(blueprint_file: Write, tmp_path: Path) -> None:
    path = blueprint_file(SMALL)
    folder = override(tmp_path, "kubernetes/service.yaml.j2",
                      lambda t: t.replace("spec:\n", "spec:\n  bogusField: 1\n"))
    code, out, _ = check(str(path), "--templates", str(folder))
    assert code == 1
    lines = out.splitlines()
    assert 'staging/Service.web.yaml: Service stage/web: spec.bogusField: unknown field ' \
        '"bogusField"' in lines
    assert 'staging/Service.web-lb.yaml: Service stage/web-lb: spec.bogusField: unknown ' \
        'field "bogusField"' in lines
    assert lines[-1].endswith(": 2 errors, 0 warnings")

    report = run_check(path, templates=[folder])
    first = errors(report)[0]
    assert (first.code, first.kind, first.name, first.namespace, first.path, first.env,
            first.output) == ("NG020", "Service", "web", "stage", "spec.bogusField", "staging",
                              "staging/Service.web.yaml")
    # Pointed at the declarations that made them: service() line 3, expose() line 4.
    assert [(f.file, f.line) for f in errors(report)] == [(str(path), 3), (str(path), 4)]


def test_wrong_type_fails_with_its_path(blueprint_file: Write, tmp_path: Path) -> None:
    folder = override(tmp_path, "kubernetes/workload.yaml.j2",
                      lambda t: t.replace("replicas: {{ w.replicas }}", "replicas: many"))
    report = run_check(blueprint_file(SMALL), templates=[folder])
    assert [(f.kind, f.path, f.message) for f in errors(report)] == [
        ("Deployment", "spec.replicas", 'expected integer or null, got string "many"')]


def test_override_printing_broken_yaml_is_named(blueprint_file: Write, tmp_path: Path) -> None:
    folder = override(tmp_path, "kubernetes/namespace.yaml.j2",
                      lambda t: t.replace("kind: Namespace", "kind: [Namespace"))
    code, out, _ = check(str(blueprint_file(SMALL)), "--templates", str(folder))
    assert code == 1
    assert out.startswith(f"{folder / 'kubernetes/namespace.yaml.j2'}:3: error: ")


def test_backend_printing_broken_yaml_is_named(blueprint_file: Write,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Overrides are checked as they render; a built-in template's mistake is caught here."""
    def lower(plan: Plan, r: Renderer) -> Iterator[Document]:
        yield Document("v1", "ConfigMap", "broken", "stage", "kind: [ConfigMap\n",
                       "kubernetes/configmap.yaml.j2")

    monkeypatch.setattr(pipeline, "registry",
                        lambda: Registry((*registry.BACKENDS, Backend("broken", lower))))
    code, out, _ = check(str(blueprint_file(SMALL)))
    assert code == 1
    assert "staging/ConfigMap.broken.yaml: ConfigMap stage/broken: template " \
        "kubernetes/configmap.yaml.j2 rendered YAML that does not parse at line 2 of the " \
        "document: did not find expected ',' or ']'" in out.splitlines()
    (finding,) = errors(run_check(blueprint_file(SMALL)))
    assert (finding.code, finding.file, finding.line) == ("NG010",
                                                          "kubernetes/configmap.yaml.j2", None)


# --- custom resources --------------------------------------------------------------------


def http_route(weight: int) -> Callable[[Plan, Renderer], Iterator[Document]]:
    """A stand-in backend that emits one Gateway API HTTPRoute per route."""

    def lower(plan: Plan, r: Renderer) -> Iterator[Document]:
        for route in plan.routes:
            text = (
                "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
                f"metadata:\n  name: {route.name}\n  namespace: {route.namespace}\n"
                "spec:\n  parentRefs:\n    - name: gw\n  rules:\n    - backendRefs:\n"
                f"        - name: {route.service}\n          port: 80\n"
                f"          weight: {weight}\n"
            )
            yield Document("gateway.networking.k8s.io/v1", "HTTPRoute", route.name,
                           route.namespace, text)

    return lower


@pytest.fixture
def gateway_backend(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    def install(weight: int) -> None:
        monkeypatch.setattr(pipeline, "registry", lambda: Registry(
            (*registry.BACKENDS, Backend("test-httproute", http_route(weight)))))

    return install


def test_custom_resource_without_a_schema_fails(blueprint_file: Write,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def lower(plan: Plan, r: Renderer) -> Iterator[Document]:
        for route in plan.routes:
            yield Document("example.netgen.dev/v1", "Gadget", route.name, None,
                           f"apiVersion: example.netgen.dev/v1\nkind: Gadget\n"
                           f"metadata:\n  name: {route.name}\nspec:\n  colour: red\n")

    monkeypatch.setattr(pipeline, "registry",
                        lambda: Registry((*registry.BACKENDS, Backend("gadget", lower))))
    path = blueprint_file(SMALL)
    code, out, _ = check(str(path))
    assert code == 1
    assert ("staging/Gadget.web.yaml: Gadget web: no schema for example.netgen.dev/v1 Gadget: "
            "not a built-in kind of Kubernetes 1.37 nor a served version of a CRD shipped "
            "with netgen") in out.splitlines()
    assert out.splitlines()[-1].endswith("; give the CRDs of other custom resources with "
                                         "--crds DIR")
    (finding,) = errors(run_check(path))
    assert (finding.code, finding.kind, finding.path, finding.line) == ("NG021", "Gadget",
                                                                        None, 4)
    gadgets = Path(__file__).parents[1] / "validate" / "fixtures" / "crds" / "gadgets.yaml"
    assert errors(run_check(path, crds=[gadgets])) == []


def test_custom_resource_is_checked_against_its_crd(
    blueprint_file: Write, gateway_backend: Callable[[int], None], tmp_path: Path
) -> None:
    """The shipped CRD with no flags; a CRD given with --crds overrides it."""
    path = blueprint_file(SMALL)
    gateway_backend(1)
    code, out, _ = check(str(path))
    assert code == 0, out
    gateway_backend(-1)
    report = run_check(path)
    assert [(f.code, f.path, f.message) for f in errors(report)] == [
        ("NG020", "spec.rules[0].backendRefs[0].weight", "-1 is less than the minimum of 0")]
    shipped_file = shipped.bundle_folder("gateway-api-v1.6.1-standard") / \
        "gateway.networking.k8s.io_httproutes.json"
    schema = json.loads(shipped_file.read_text())["versions"]["v1"]
    backend = schema["properties"]["spec"]["properties"]["rules"]["items"]["properties"][
        "backendRefs"]["items"]
    backend["properties"]["weight"]["minimum"] = -5
    crd = tmp_path / "httproute.json"
    crd.write_text(json.dumps({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "httproutes.gateway.networking.k8s.io"},
        "spec": {"group": "gateway.networking.k8s.io", "scope": "Namespaced",
                 "names": {"kind": "HTTPRoute", "plural": "httproutes"},
                 "versions": [{"name": "v1", "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": schema}}]}}))
    assert errors(run_check(path, crds=[crd])) == []
    code, out, _ = check(str(path), "--crds", str(crd))
    assert code == 0, out
    assert out.splitlines()[-1].endswith("and 1 CRD version given: 0 errors, 0 warnings")


# --- exit codes and usage -------------------------------------------------------------------


def test_blueprint_errors_exit_1_with_file_and_line(blueprint_file: Write) -> None:
    path = blueprint_file(HEAD + "service('web', port=0, image='web:1.0')\n")
    code, out, _ = check(str(path))
    assert code == 1
    assert out.splitlines() == [
        f"{path}:2: error: service('web'): port=0 must be a whole number between 1 and 65535",
        f"netgen check: {path}: 1 error, 0 warnings; nothing was validated",
    ]
    code, out, _ = check(str(path), "--format", "json")
    (finding,) = json.loads(out)["findings"]
    assert (finding["code"], finding["line"], finding["severity"]) == ("NG000", 2, "error")


@pytest.mark.parametrize("args, message", [
    (["--format", "xml"], "'xml' is not one of"),
    (["--crds", "/nonexistent/crds"], "--crds: no such file or folder: /nonexistent/crds"),
    (["--k8s-version", "1.20"], "--k8s-version: kubernetes_validate has schemas for"),
    (["--ignore", "NG999"], "--ignore: NG999 is not a lint rule"),
    (["--ignore", "NG020"], "--ignore: NG020 is not a lint rule"),
])
def test_usage_errors_exit_2(blueprint_file: Write, args: list[str], message: str) -> None:
    code, out, err = check(str(blueprint_file(SMALL)), *args)
    assert code == 2
    assert message in err
    assert out == ""


def test_a_release_newer_than_the_bundle_is_checked_against_its_newest(
        blueprint_file: Write) -> None:
    """A pipeline pinned to its cluster's release broke the day the cluster passed
    kubernetes-validate's newest bundle (exit 2); the option reads 'the newest bundled
    release not newer than the one asked for'."""
    from netgen.validate.core import default_kubernetes_version

    code, out, err = check(str(blueprint_file(SMALL)), "--k8s-version", "1.99")
    assert code == 0, err
    assert f"checked against Kubernetes {default_kubernetes_version()}" in out


def test_warnings_pass_unless_strict(blueprint_file: Write) -> None:
    path = blueprint_file(HEAD + ENV + "service('web', port=80, image='web:latest')\n"
                          "expose('web', via=NLB, scheme='internal')\n")
    code, out, _ = check(str(path))
    assert code == 0
    assert out.splitlines()[0] == (
        f"{path}:3: warning: service('web'): image 'web:latest' uses the :latest tag; a rollout "
        "or node restart may pull a different image: pin a version tag or a digest [NG104]")
    code, out, _ = check(str(path), "--strict")
    assert code == 1
    assert out.splitlines()[-1].endswith(
        "0 errors, 1 warning; --strict: warnings fail the check")
    code, out, err = check(str(path), "--strict", "--quiet")
    assert (code, out, err) == (1, "", "")
    code, out, _ = check(str(path), "--strict", "--ignore", "NG104")
    assert code == 0
    assert out.splitlines()[-1].endswith("0 errors, 0 warnings (1 ignored)")


def test_clean_blueprint_exits_0_with_a_summary(blueprint_file: Write) -> None:
    path = blueprint_file(SMALL)
    n = sum(len(c.documents) for c in build(path))
    code, out, err = check(str(path), "--strict")
    assert code == 0, out
    assert out.splitlines() == [
        f"netgen check: {path} (staging): {n} documents checked against Kubernetes 1.37: "
        "0 errors, 0 warnings"]
    assert err == ""


def test_env_option_checks_only_that_environment(blueprint_file: Write) -> None:
    path = blueprint_file(HEAD + "env('dev', isolation=OPEN)\nenv('prod', isolation=STRICT, "
                          "replicas=3)\nservice('web', port=80, image='web:1.0')\n")
    report = run_check(path, envs=["dev"])
    assert report.environments == ("dev",)
    assert lints(report) == []
    assert lints(run_check(path)) == [("NG106", 4, "prod"), ("NG110", 4, "prod")]


def test_k8s_version_selects_the_schemas(blueprint_file: Write) -> None:
    report = run_check(blueprint_file(SMALL), k8s_version="1.35")
    assert report.kubernetes == "1.35"
    assert errors(report) == []


# --- lint rules ----------------------------------------------------------------------------

PROD = f"env('production', isolation=STRICT, replicas=3, {VPC})\n"
ACM = "acm('arn:aws:acm:us-east-1:123456789012:certificate/abc')"

LINT_CASES: dict[str, tuple[str, list[tuple[str, int, str | None]]]] = {
    "NG101 internet-facing NLB without TLS": (
        ENV + "service('web', port=80, image='web:1.0')\nexpose('web', via=NLB)\n",
        [("NG101", 4, "prod")]),
    "NG101 HTTP route with a host without TLS": (
        ENV + "service('web', port=80, image='web:1.0')\n"
        "expose('web', via=NGINX, host='shop.example.com')\n",
        [("NG101", 4, "prod")]),
    "NG101 only where the environment gives no certificate": (
        "env('dev', isolation=OPEN)\n"
        f"env('production', isolation=STRICT, replicas=3, tls={ACM}, {VPC})\n"
        "service('web', port=80, image='web:1.0', health='/health')\nexpose('web', via=NLB)\n",
        [("NG101", 5, "dev"), ("NG110", 4, "production")]),
    "NG102 exposed without health check in STRICT": (
        PROD + f"service('web', port=80, image='web:1.0')\nexpose('web', via=NLB, tls={ACM})\n",
        [("NG102", 3, "production"), ("NG110", 3, "production")]),
    "NG103 canary of 0": (
        ENV + "service('api', port=80, image='api:1.0', versions=['v1', 'v2'])\n"
        "expose('api', via=NGINX, host='api.example.com', tls=tls_secret('api-tls'), "
        "canary=0)\n",
        [("NG103", 4, None)]),
    "NG103 canary of 1": (
        ENV + "service('api', port=80, image='api:1.0', versions=['v1', 'v2'])\n"
        "expose('api', via=NGINX, host='api.example.com', tls=tls_secret('api-tls'), "
        "canary=1)\n",
        [("NG103", 4, None)]),
    "NG104 untagged image": (
        ENV + "service('web', port=80, image='registry.local:5000/web')\n"
        "expose('web', via=NLB, scheme='internal')\n",
        [("NG104", 3, None)]),
    "NG105 STRICT environment with one replica by default": (
        f"env('production', isolation=STRICT, {VPC})\nservice('web', port=80, "
        "image='web:1.0', health='/h')\nservice('db', port=5432, image='pg:16', stateful=True)\n"
        "calls('web', 'db')\nexpose('web', via=NLB, scheme='internal')\n",
        [("NG105", 2, "production"), ("NG109", 4, "production"), ("NG110", 3, "production"),
         ("NG110", 4, "production"), ("NG111", 4, "production")]),
    "NG105 service pinned to one replica": (
        PROD + "service('web', port=80, image='web:1.0', health='/h', replicas=1)\n"
        "expose('web', via=NLB, scheme='internal')\n",
        [("NG105", 3, "production"), ("NG110", 3, "production")]),
    "NG106 service nobody calls or exposes": (
        ENV + "service('web', port=80, image='web:1.0')\n"
        "service('orphan', port=80, image='o:1')\nexpose('web', via=NLB, scheme='internal')\n",
        [("NG106", 4, "prod")]),
    "NG106 also when exposed via=CLUSTER only (it admits nothing), not for a host-network "
    "pod (no NetworkPolicy polices it)": (
        "env('prod', pod_security=PRIVILEGED)\n"
        "service('web', port=80, image='web:1.0')\nexpose('web', via=CLUSTER)\n"
        "service('agent', port=9100, image='agent:1.0', host_network=True)\n",
        [("NG106", 3, "prod"), ("NG112", 5, "prod")]),
    "NG107 database on the internet": (
        ENV + "service('db', port=5432, image='pg:16', stateful=True, health='/h')\n"
        f"expose('db', via=NLB, tls={ACM})\n",
        [("NG107", 4, "prod"), ("NG109", 3, "prod")]),
    "NG108 declared STRICT without the VPC's range": (
        "env('production', isolation=STRICT, replicas=3)\n"
        "service('web', port=80, image='web:1.0', health='/h')\n"
        f"expose('web', via=NLB, tls={ACM}, scheme='internal')\n",
        [("NG108", 4, "production"), ("NG110", 3, "production")]),
    "NG108 for the implicit STRICT too, not with nodeport_cidr or OPEN": (
        "env('prod')\n"
        "env('production', isolation=STRICT, replicas=3, nodeport_cidr='10.0.8.0/22')\n"
        "env('dev', isolation=OPEN)\n"
        "service('web', port=80, image='web:1.0', health='/h')\nexpose('web', via=NODEPORT)\n",
        [("NG108", 6, "prod"), ("NG110", 5, "production")]),
    "NG109 stateful service without storage": (
        ENV + "service('db', port=5432, image='pg:16', stateful=True)\n"
        "service('ok', port=5432, image='pg:16', stateful=True, "
        "storage=storage('1Gi', '/data'))\nexpose('db', via=CLUSTER)\nexpose('ok', via=CLUSTER)\n",
        [("NG106", 3, "prod"), ("NG106", 4, "prod"), ("NG109", 3, "prod")]),
    "NG110 STRICT service without requests": (
        PROD + "service('web', port=80, image='web:1.0', health='/h')\n"
        "service('api', port=80, image='api:1.0', health='/h', cpu='100m', memory='64Mi')\n"
        "calls('web', 'api')\n",
        [("NG110", 3, "production")]),
    "NG111 called without readiness in STRICT": (
        PROD + "service('web', port=80, image='web:1.0', health='/h', cpu='1', memory='1Gi')\n"
        "service('api', port=80, image='api:1.0', cpu='1', memory='1Gi')\n"
        "calls('web', 'api')\n",
        [("NG111", 4, "production")]),
    "NG112 host network is not policed": (
        "env('prod', pod_security=PRIVILEGED)\n"
        "service('agent', port=9100, image='agent:1.0', host_network=True)\n"
        "expose('agent', via=CLUSTER)\n",
        [("NG112", 3, "prod")]),
    "NG301 Linkerd external known only by host name": (
        "env('prod')\nmesh(LINKERD)\n"
        "service('api', port=8080, image='api:1.0')\n"
        "external('stripe', host='api.stripe.com', port=443)\n"
        "external('rds', host='db.example.com', port=5432, cidr='10.0.0.0/16')\n"
        "calls('api', 'stripe', 'rds')\n",
        [("NG301", 5, "prod")]),
    "NG114 an official image that starts as root, in a non-root pod without a user": (
        "env('prod', isolation=OPEN, pod_security=BASELINE)\n"
        "service('db', pod_security=RESTRICTED, port=5432, image='postgres:16.4', "
        "stateful=True, storage=storage('1Gi', '/d'))\n"
        "service('pg2', port=5432, image='docker.io/library/postgres@sha256:' + 'a' * 64)\n"
        "service('pg3', port=5432, image='postgres:16.4', run_as_user=999)\n"
        "service('web', port=80, image='nginxinc/nginx-unprivileged:1.27')\n"
        "service('old', port=80, image='nginx:1.27', pod_security=BASELINE)\n"
        "service('cache', port=6379, image='bitnami/redis:7.2')\n",
        [("NG114", 3, "prod"), ("NG114", 4, "prod")]),
    "NG201 a database's port named http under mesh(ISTIO), not with app_protocol= or "
    "without the mesh": (
        "env('prod', isolation=OPEN)\nenv('plain', isolation=OPEN)\n"
        "with env('prod'):\n    mesh(ISTIO)\n"
        "service('cache', port=6379, image='shop/cache:7.2')\n"
        "service('db', port=5432, image='pg:16', app_protocol='tcp')\n"
        "service('q', port=80, target_port=5672, image='rabbit:3')\n"
        "service('web', port=80, target_port=8080, image='w:1')\n"
        "calls('web', 'cache', 'db', 'q')\n",
        [("NG201", 6, "prod"), ("NG201", 8, "prod")]),
    "NG302 a broker's port named http under mesh(LINKERD), not when stateful, with "
    "app_protocol= or under Istio": (
        "env('prod', isolation=OPEN)\nenv('other', isolation=OPEN)\n"
        "with env('prod'):\n    mesh(LINKERD)\n"
        "with env('other'):\n    mesh(ISTIO)\n"
        "service('queue', port=5672, image='rabbit:3', versions=['a', 'b'])\n"
        "service('db', port=5432, image='shop/pg:16', stateful=True, "
        "storage=storage('1Gi', '/d'))\n"
        "service('cache', port=6379, image='shop/cache:7', app_protocol='tcp')\n"
        "traffic('queue', split={'a': 50, 'b': 50})\n",
        [("NG201", 8, "other"), ("NG302", 8, "prod")]),
    "NG113 an RDS or MSK endpoint by name alone under STRICT, not with cidr=, vpc_cidr=, "
    "a public API, nobody calling it or OPEN": (
        "env('prod')\nenv('staging', vpc_cidr='10.0.0.0/16')\n"
        "env('dev', isolation=OPEN)\n"
        "service('api', port=8080, image='api:1.0')\n"
        "external('rds', host='shop.abc.us-west-2.rds.amazonaws.com', port=5432)\n"
        "external('msk', host='b-1.shop.x1y2z3.c2.kafka.us-east-1.amazonaws.com', port=9094)\n"
        "external('pinned', host='a.b.us-west-2.cache.amazonaws.com', port=6379, "
        "cidr='10.0.8.0/22')\n"
        "external('s3', host='s3.us-west-2.amazonaws.com', port=443)\n"
        "external('idle', host='x.y.us-west-2.rds.amazonaws.com', port=5432)\n"
        "calls('api', 'rds', 'msk', 'pinned', 's3')\n",
        [("NG113", 6, "prod"), ("NG113", 7, "prod")]),
    "NG115 the environment's certificate on a UDP NLB, not on its TCP one, not without one": (
        f"env('prod', isolation=OPEN, tls={ACM})\nenv('dev', isolation=OPEN)\n"
        "service('dns', port=53, image='dns:1.0', protocol='UDP')\n"
        "service('web', port=80, image='web:1.0')\n"
        "expose('dns', via=NLB, scheme='internal')\nexpose('web', via=NLB, scheme='internal')\n",
        [("NG115", 6, "prod")]),
    "NG116 a service's namespace= in two environments, or in another's own namespace; not "
    "one per environment, not an external's": (
        "env('dev', namespace='dev', isolation=OPEN)\nenv('prod', namespace='prod')\n"
        "service('web', port=80, image='w:1')\n"
        "service('db', port=5432, image='d:1', namespace='data')\n"
        "service('cache', port=6379, image='c:1', namespace='cache')\n"
        "external('pay', host='pay.example.com', port=443, namespace='ext')\n"
        "calls('web', 'db', 'cache', 'pay')\n"
        "with env('prod'):\n"
        "    service('cache', port=6379, image='c:1', namespace='prod-cache')\n"
        "    service('admin', port=80, image='a:1', namespace='dev')\n"
        "    calls('admin', 'db')\n",
        [("NG116", 5, "prod"), ("NG116", 11, "prod")]),
}

CLEAN = HEAD + (
    "env('development', namespace='dev', isolation=OPEN)\n"
    f"env('production', isolation=STRICT, replicas=3, tls={ACM}, {VPC})\n"
    "service('web', port=80, target_port=3000, image='shop/web:1.4', health='/health', "
    "cpu='250m', memory='256Mi')\n"
    "service('api', port=8080, image='shop/api@sha256:" + "a" * 64 + "', versions=['v1', 'v2'], "
    "health='/ready', cpu='250m', memory='256Mi')\n"
    "service('db', port=5432, image='postgres:16.4', stateful=True, cpu='1', memory='1Gi', "
    "run_as_user=999, run_as_group=999, fs_group=999, "
    "readiness=probe(tcp=True), storage=storage('10Gi', '/var/lib/postgresql/data'))\n"
    "external('rds', host='shop.abc.us-west-2.rds.amazonaws.com', port=5432)\n"
    "calls('web', 'api')\ncalls('api', 'db', 'rds')\n"
    "expose('web', via=NLB)\n"
    "expose('api', via=NGINX, host='api.example.com', tls=tls_secret('api-tls'), canary=0.2)\n"
    "with env('development'):\n    expose('web', via=NODEPORT, node_port=30080)\n"
)


@pytest.mark.parametrize("case", LINT_CASES)
def test_lint_rule_fires_with_file_and_line(case: str, blueprint_file: Write,
                                            l7_backends: None) -> None:
    source, expected = LINT_CASES[case]
    path = blueprint_file(HEAD + source)
    report = run_check(path)
    assert lints(report) == sorted(expected)
    for f in fields(report):
        if f.severity == "warning":
            assert f.file == str(path)
    for code, line, _ in expected:
        assert f"{path}:{line}: warning: " in render(report, code)


def render(report: CheckReport, code: str) -> str:
    from netgen.check.formats import render_text
    return "\n".join(x for x in render_text(report).splitlines() if x.endswith(f"[{code}]"))


@pytest.mark.parametrize("host, inside", [
    ("shop.abc.us-west-2.rds.amazonaws.com", True),
    ("shop.abc.rds.cn-north-1.amazonaws.com.cn", True),
    ("c.x1.0001.usw2.cache.amazonaws.com", True),
    ("wg.123456789012.us-east-1.redshift-serverless.amazonaws.com", True),
    ("boot-x.c2.kafka-serverless.us-east-1.amazonaws.com", True),
    ("b-1.shop.x.c2.kafka.us-east-1.amazonaws.com", True),
    ("dax.abc.dax-clusters.us-east-1.amazonaws.com", True),
    ("vpc-logs-abc.us-east-1.es.amazonaws.com", True),
    ("search-logs-abc.us-east-1.es.amazonaws.com", False),  # a public OpenSearch domain
    ("b-1234.mq.us-east-1.amazonaws.com", False),  # Amazon MQ may be public
    ("s3.us-west-2.amazonaws.com", False),
    ("rds.amazonaws.com", False),
    ("shop.rds.amazonaws.com.evil.example", False),
])
def test_which_aws_hosts_answer_inside_their_vpc(host: str, inside: bool) -> None:
    from netgen.lint.rules import _answers_inside_the_vpc

    assert _answers_inside_the_vpc(host) is inside


def test_ng201_names_the_setting_that_makes_the_port_http(blueprint_file: Write) -> None:
    """An appProtocol of http, not the port's name, is what Istio goes by there; and
    stateful=True would not change it."""
    path = blueprint_file(HEAD + "env('prod', isolation=OPEN)\nwith env('prod'):\n"
                          "    mesh(ISTIO)\nservice('a', port=5432, port_name='db', "
                          "app_protocol='http', image='a:1')\n")
    said = render(run_check(path), "NG201")
    assert "its appProtocol is 'http', so Istio's sidecars parse" in said
    assert said.endswith("set app_protocol='tcp' [NG201]")


def test_every_rule_has_a_case() -> None:
    covered = {code for _, expected in LINT_CASES.values() for code, _, _ in expected}
    assert covered == {r.code for r in RULES}
    assert len({r.code for r in RULES}) == len({r.name for r in RULES}) == len(RULES)


def test_clean_blueprint_has_no_findings(blueprint_file: Write, l7_backends: None) -> None:
    report = run_check(blueprint_file(CLEAN))
    assert report.findings == ()
    assert report.environments == ("development", "production")


def test_tls_of_a_host_covers_its_other_routes(blueprint_file: Write, l7_backends: None) -> None:
    source = ENV + ("service('web', port=80, image='web:1.0')\n"
                    "service('api', port=80, image='api:1.0')\n"
                    "expose('web', via=NGINX, host='shop.example.com', path='/', "
                    "tls=tls_secret('shop-tls'))\n"
                    "expose('api', via=NGINX, host='shop.example.com', path='/api')\n"
                    "expose('api', via=NGINX, host='api.example.com')\n")
    assert lints(run_check(blueprint_file(HEAD + source))) == [("NG101", 7, "prod")]


def test_canary_between_0_and_1_is_fine(blueprint_file: Write, l7_backends: None) -> None:
    source = LINT_CASES["NG103 canary of 0"][0].replace("canary=0)", "canary=0.05)")
    assert lints(run_check(blueprint_file(HEAD + source))) == []


def test_header_only_canary_is_deliberate(blueprint_file: Write, l7_backends: None) -> None:
    source = LINT_CASES["NG103 canary of 0"][0].replace(
        "canary=0)", "canary=0, match=header('X-Canary', 'always'))")
    assert lints(run_check(blueprint_file(HEAD + source))) == []


def test_health_on_the_exposure_satisfies_ng102(blueprint_file: Write) -> None:
    source = PROD + (f"service('web', port=80, image='web:1.0', cpu='1', memory='1Gi')\n"
                     f"expose('web', via=NLB, tls={ACM}, health='/healthz')\n")
    assert lints(run_check(blueprint_file(HEAD + source))) == []


def test_internal_load_balancer_needs_no_tls(blueprint_file: Write) -> None:
    source = ENV + "service('web', port=80, image='web:1.0')\nexpose('web', via=NLB, " \
        "scheme='internal')\n"
    assert lints(run_check(blueprint_file(HEAD + source))) == []


def test_open_environment_skips_the_production_rules(blueprint_file: Write) -> None:
    source = ("env('dev', isolation=OPEN)\nservice('web', port=80, image='web:1.0', "
              "replicas=1)\nservice('lonely', port=80, image='l:1')\n"
              "expose('web', via=NLB, scheme='internal')\n")
    assert lints(run_check(blueprint_file(HEAD + source))) == []


@pytest.mark.parametrize("image, problem", [
    ("web", "has no tag (so it means :latest)"),
    ("web:latest", "uses the :latest tag"),
    ("registry.local:5000/team/web", "has no tag (so it means :latest)"),
    ("registry.local:5000/team/web:latest", "uses the :latest tag"),
    ("registry.local:5000/team/web:2.1", None),
    ("web:1.0", None),
    ("web@sha256:" + "0" * 64, None),
    ("web:latest@sha256:" + "0" * 64, None),
])
def test_image_tags(image: str, problem: str | None) -> None:
    assert image_tag_problem(image) == problem


def test_findings_of_several_environments_print_once(blueprint_file: Write) -> None:
    path = blueprint_file(HEAD + f"env('staging', isolation=STRICT, replicas=2, {VPC})\n" + PROD +
                          "service('web', port=80, image='web:1.0', cpu='1', memory='1Gi')\n"
                          f"expose('web', via=NLB, tls={ACM})\n")
    report = run_check(path)
    assert lints(report) == [("NG102", 4, "production"), ("NG102", 4, "staging")]
    text = render(report, "NG102")
    assert text.count("\n") == 0
    assert text.endswith("(in staging, production) [NG102]")


# --- suppressions --------------------------------------------------------------------------


def test_inline_ignore_comment(blueprint_file: Write) -> None:
    path = blueprint_file(HEAD + ENV + "service('web', port=80,\n"
                          "        image='web')  # netgen: ignore[NG104, NG999]\n"
                          "expose('web', via=NLB)  # netgen: ignore[NG104]\n")
    report = run_check(path)
    assert lints(report) == [("NG101", 5, "prod")]
    assert report.suppressed == 1


# --- machine-readable output -------------------------------------------------------------


def test_json_output(blueprint_file: Write, tmp_path: Path) -> None:
    path = blueprint_file(HEAD + ENV + "service('web', port=80, image='web')\n"
                          "expose('web', via=NLB, scheme='internal')\n")
    n = sum(len(c.documents) for c in build(path))
    folder = override(tmp_path, "kubernetes/service.yaml.j2",
                      lambda t: t.replace("spec:\n", "spec:\n  bogusField: 1\n"))
    code, out, _ = check(str(path), "--format", "json", "--templates", str(folder))
    assert code == 1
    data = json.loads(out)
    assert {k: data[k] for k in ("format", "version", "blueprint", "kubernetes", "environments",
                                 "documents", "strict", "summary", "exit_code")} == {
        "format": "netgen-check", "version": 1, "blueprint": str(path), "kubernetes": "1.37",
        "environments": ["prod"], "documents": n, "strict": False,
        "summary": {"errors": 2, "warnings": 1, "ignored": 0}, "exit_code": 1}
    assert all(set(f) == FINDING_KEYS for f in data["findings"])
    assert data["findings"][0] == {
        "severity": "error", "code": "NG020", "message": 'unknown field "bogusField"',
        "file": str(path), "line": 3, "env": "prod", "kind": "Service", "name": "web",
        "namespace": "prod", "path": "spec.bogusField", "output": "prod/Service.web.yaml"}
    assert data["findings"][-1]["code"] == "NG104"
    assert data["findings"][-1]["line"] == 3


# A faithful subset of the OASIS SARIF 2.1.0 schema (Schemata/sarif-schema-2.1.0.json): the
# objects netgen writes, with their required properties, and no property the standard lacks.
_TEXT = {"type": "object", "required": ["text"], "additionalProperties": False,
         "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}}}
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "additionalProperties": False,
    "properties": {
        "$schema": {"type": "string"},
        "version": {"enum": ["2.1.0"]},
        "runs": {"type": "array", "items": {"$ref": "#/$defs/run"}},
    },
    "$defs": {
        "run": {"type": "object", "required": ["tool"], "additionalProperties": False,
                "properties": {
                    "tool": {"$ref": "#/$defs/tool"},
                    "invocations": {"type": "array", "items": {"$ref": "#/$defs/invocation"}},
                    "results": {"type": "array", "items": {"$ref": "#/$defs/result"}}}},
        "tool": {"type": "object", "required": ["driver"], "additionalProperties": False,
                 "properties": {"driver": {
                     "type": "object", "required": ["name"], "additionalProperties": False,
                     "properties": {"name": {"type": "string"}, "version": {"type": "string"},
                                    "rules": {"type": "array",
                                              "items": {"$ref": "#/$defs/rule"}}}}}},
        "rule": {"type": "object", "required": ["id"], "additionalProperties": False,
                 "properties": {
                     "id": {"type": "string"}, "name": {"type": "string"},
                     "shortDescription": _TEXT,
                     "defaultConfiguration": {
                         "type": "object", "additionalProperties": False,
                         "properties": {"level": {"$ref": "#/$defs/level"}}}}},
        "level": {"enum": ["none", "note", "warning", "error"]},
        "invocation": {"type": "object", "required": ["executionSuccessful"],
                       "additionalProperties": False,
                       "properties": {"executionSuccessful": {"type": "boolean"},
                                      "exitCode": {"type": "integer"}}},
        "result": {"type": "object", "required": ["message"], "additionalProperties": False,
                   "properties": {
                       "ruleId": {"type": "string"},
                       "ruleIndex": {"type": "integer", "minimum": -1},
                       "level": {"$ref": "#/$defs/level"},
                       "message": _TEXT,
                       "locations": {"type": "array", "items": {
                           "type": "object", "additionalProperties": False,
                           "properties": {"physicalLocation": {"$ref": "#/$defs/physical"}}}},
                       "properties": {"type": "object"}}},
        "physical": {"type": "object", "required": ["artifactLocation"],
                     "additionalProperties": False,
                     "properties": {
                         "artifactLocation": {
                             "type": "object", "required": ["uri"], "additionalProperties": False,
                             "properties": {"uri": {"type": "string", "minLength": 1}}},
                         "region": {"type": "object", "additionalProperties": False,
                                    "properties": {"startLine": {"type": "integer",
                                                                 "minimum": 1}}}}},
    },
}


def test_sarif_output(blueprint_file: Write) -> None:
    path = blueprint_file(HEAD + ENV + "service('web', port=80, image='web:latest')\n"
                          "expose('web', via=NLB)\n")
    code, out, _ = check(str(path), "--format", "sarif", "--strict")
    assert code == 1
    log: dict[str, Any] = json.loads(out)
    jsonschema.validate(log, SARIF_SUBSET)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "netgen"
    assert {r["id"] for r in rules} >= {r.code for r in RULES} | {"NG020", "NG021"}
    results = [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["region"]
                ["startLine"]) for r in run["results"]]
    assert results == [("NG104", "warning", 3), ("NG101", "warning", 4)]
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
            path.as_uri()
    assert run["invocations"] == [{"executionSuccessful": True, "exitCode": 1}]


def test_sarif_relative_paths_stay_relative(blueprint_file: Write,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    path = blueprint_file(HEAD + ENV + "service('web', port=80, image='web')\n"
                          "expose('web', via=NLB, scheme='internal')\n", "my blueprint.py")
    monkeypatch.chdir(path.parent)
    code, out, _ = check("my blueprint.py", "--format", "sarif")
    assert code == 0
    (result,) = json.loads(out)["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "my%20blueprint.py"


def test_an_unknown_field_in_every_httproute_fails_with_no_flags(tmp_path: Path) -> None:
    """The README promise: a house template adding a field the shipped HTTPRoute CRD does
    not declare fails `netgen check`, naming the field, with no --crds."""
    example = next(e for e in EXAMPLES if e.stem == "gateway_api")
    folder = override(tmp_path, "gateway_api/route.yaml.j2",
                      lambda t: t.replace("\nspec:\n", "\nspec:\n  bogusField: 1\n", 1))
    code, out, _ = check(str(example), "--templates", str(folder))
    assert code == 1
    routes = [line for line in out.splitlines() if "/HTTPRoute." in line]
    assert len(routes) == 3
    assert all(line.endswith('spec.bogusField: unknown field "bogusField"') for line in routes)
