"""Values the blueprint language used to accept although the API server refuses the YAML
they give (an outside review's F2-F7, F12 and two misleading messages): each is an error at
its declaration's line, and what Kubernetes does accept is accepted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from netgen.problems import ProblemError
from netgen.validate import validate_documents
from tests.conftest import build, documents

HEAD = "from netgen import *\nenv('prod', namespace='prod')\n"
SVC = "service('web', port=80, image='w:1', health='/h'"


def errors(path: Path) -> list[str]:
    with pytest.raises(ProblemError) as e:
        build(path)
    return [d.render().removeprefix(f"{path}:") for d in e.value.problems]


def docs_of(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for c in build(path):
        docs = documents(c)
        assert validate_documents(docs) == []
        out.update({(d["kind"], d["metadata"]["name"]): d for d in docs})
    return out


REFUSED = {
    "tier too long (F2)": (
        SVC + ", tier='t' * 64)",
        f"3: error: service('web'): tier='{'t' * 64}' must be a label value: at most 63 "
        "letters, digits, '-', '_' and '.', starting and ending with a letter or digit"),
    "tier with a space (F2)": (
        SVC + ", tier='front end')",
        "3: error: service('web'): tier='front end' must be a label value: at most 63 "
        "letters, digits, '-', '_' and '.', starting and ending with a letter or digit"),
    "app_protocol not a qualified name (F3)": (
        SVC + ", app_protocol='HTTP/2')",
        "3: error: service('web'): app_protocol='HTTP/2' must be a protocol name such as "
        "'http', 'grpc' or 'tcp', or a domain-prefixed one such as 'kubernetes.io/h2c' (at "
        "most 63 letters, digits, '-', '_' and '.' after a lowercase DNS-subdomain prefix)"),
    "IP address as an NGINX host (F4)": (
        SVC + ")\nexpose('web', via=NGINX, host='10.0.0.1')",
        "4: error: expose('web'): host '10.0.0.1' is an IP address; an Ingress rule's host "
        "and a Gateway API hostname must be a DNS name"),
    "IP address as a Gateway hostname (F4)": (
        SVC + ")\nexpose('web', via=GATEWAY, host='192.0.2.10')",
        "4: error: expose('web'): host '192.0.2.10' is an IP address; an Ingress rule's host "
        "and a Gateway API hostname must be a DNS name"),
    "query parameter name not an HTTP token (Gateway API)": (
        SVC + ")\nexpose('web', via=GATEWAY, host='a.example.com', query={'ids[]': '1'})",
        "4: error: expose('web', via=GATEWAY): query parameter name 'ids[]' is not an HTTP "
        "token (letters, digits and !#$%&'*+-.^_`|~), as Gateway API requires"),
    "query value past 1024 characters (Gateway API)": (
        SVC + ")\nexpose('web', via=GATEWAY, host='a.example.com', query={'q': 'v' * 1025})",
        "4: error: expose('web', via=GATEWAY): query 'q': value "
        "'vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv...' has 1025 characters; Gateway API takes at "
        "most 1024"),
    "header name past 40 characters (ALB)": (
        SVC + ")\nexpose('web', via=ALB, match=header('x' * 41, 'v'))",
        "4: error: expose('web', via=ALB): the header name "
        "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' has 41 characters; ALB takes at most 40"),
    "path pattern past 128 characters (ALB)": (
        SVC + ")\nexpose('web', via=ALB, path='/' + 'a' * 126)",
        "4: error: expose('web', via=ALB): the path pattern "
        "'/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' has 129 characters; ALB takes at most 128"),
    "escaped query value past 128 characters (ALB)": (
        SVC + ")\nexpose('web', via=ALB, query={'q': '*' * 65})",
        "4: error: expose('web', via=ALB): the query value '" + "*" * 37 + "...' has 130 "
        "characters with ALB's escapes of '*' and '?'; ALB takes at most 128"),
    "tls_secret name not a subdomain (F5)": (
        SVC + ")\nexpose('web', via=NGINX, host='a.example.com', tls=tls_secret('Bad_Name'))",
        "4: error: expose('web'): tls_secret() name 'Bad_Name' is not a valid DNS-1123 "
        "subdomain (lowercase letters, digits, '-' and '.', at most 253 characters)"),
    "env tls_secret name not a subdomain (F5)": (
        "env('dev', tls=tls_secret('x_y'))\n" + SVC + ")",
        "3: error: env('dev'): tls_secret() name 'x_y' is not a valid DNS-1123 subdomain "
        "(lowercase letters, digits, '-' and '.', at most 253 characters)"),
    "repeated port (F6)": (
        SVC + ")\nexpose('web', via=NLB, ports=[80, 443, 80])",
        "4: error: expose('web'): ports= names 80 more than once (a Service's ports must be "
        "unique)"),
    "storage named tmp beside read_only_root (F7)": (
        "service('db', port=5432, image='p:1', stateful=True, run_as_user=1000, "
        "read_only_root=True, storage=storage('1Gi', '/data', name='tmp'))",
        "3: error: service('db'): read_only_root=True mounts a writable volume 'tmp' at /tmp; "
        "rename your storage 'tmp' (storage(..., name=...))"),
    "replicas past int32 (F12)": (
        SVC + ", replicas=2**31)",
        "3: error: service('web'): replicas=2147483648 must be at most 2147483647 "
        "(Kubernetes keeps it in 32 bits)"),
    "env replicas past int32 (F12)": (
        "env('dev', replicas=2**40)\n" + SVC + ")",
        "3: error: env('dev'): replicas=1099511627776 must be at most 2147483647 "
        "(Kubernetes keeps it in 32 bits)"),
    "probe period past int32 (F12)": (
        SVC + ", liveness=probe(http='/l', period=2**31))",
        "3: error: service('web'): liveness: period=2147483648 must be at most 2147483647 "
        "(Kubernetes keeps it in 32 bits)"),
    "probe failures past int32 (F12)": (
        "service('web', port=80, image='w:1', readiness=probe(tcp=True, failures=2**40))",
        "3: error: service('web'): readiness: failures=1099511627776 must be at most "
        "2147483647 (Kubernetes keeps it in 32 bits)"),
    "rollout max_surge past int32 (F12)": (
        SVC + ", rollout=rollout(max_surge=2**31))",
        "3: error: service('web'): rollout: max_surge=2147483648 must be at most 2147483647 "
        "(Kubernetes keeps it in 32 bits)"),
    "version replicas past int32 (F12)": (
        "service('web', port=80, image='w:1', versions={'v1': version(replicas=2**31)})",
        "3: error: service('web'): versions['v1']: replicas=2147483648 must be at most "
        "2147483647 (Kubernetes keeps it in 32 bits)"),
    "cpu says what it accepts": (
        SVC + ", cpu='1Gi')",
        "3: error: service('web'): cpu='1Gi' must be a number of CPUs such as '2' or '0.5', "
        "in thousandths such as '500m', or with an exponent such as '1e3'"),
}


@pytest.mark.parametrize("source, message", REFUSED.values(), ids=list(REFUSED))
def test_values_the_api_server_refuses_are_errors_at_their_line(
        blueprint_file, source: str, message: str) -> None:  # type: ignore[no-untyped-def]
    assert errors(blueprint_file(HEAD + source + "\n")) == [message]


def test_a_refused_value_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    bp = tmp_path / "bp.py"
    bp.write_text(HEAD + SVC + ", tier='front end')\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(bp), "--out", str(out)])
    assert result.exit_code == 1
    assert f"{bp}:3: error: service('web'): tier='front end'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (out / "prod").exists()


ACCEPTED = {
    "tier at 63 characters": SVC + ", tier='t' * 63)",
    "domain-prefixed app_protocol": SVC + ", app_protocol='kubernetes.io/h2c')",
    "IANA app_protocol in upper case": SVC + ", app_protocol='HTTP')",
    "a host whose labels are digits but is no address": SVC + ")\n"
        "expose('web', via=NGINX, host='1.2.3.4.example.com')",
    "a wildcard over digit labels (NGINX)": SVC + ")\nexpose('web', via=NGINX, host='*.10.0.0.1')",
    "a wildcard over digit labels (Gateway)": SVC + ")\n"
        "expose('web', via=GATEWAY, host='*.10.0.0.1')",
    "a dotted tls_secret name": SVC + ")\n"
        "expose('web', via=NGINX, host='a.example.com', tls=tls_secret('a.example.com-tls'))",
    "distinct ports": SVC + ")\nexpose('web', via=NLB, ports=[80, 443])",
    "a bracketed query parameter name (ALB)": SVC + ")\nexpose('web', via=ALB, "
        "query={'ids[]': '1'})",
    "a path pattern of 128 characters (ALB)": SVC + ")\n"
        "expose('web', via=ALB, path='/' + 'a' * 125)",
    "replicas at the int32 bound": SVC + ", replicas=2**31 - 1)",
    "cpu with a decimal exponent": SVC + ", cpu='1e3', cpu_limit='2E3')",
    "memory with a decimal exponent": SVC + ", memory='5e8', memory_limit='1Gi')",
    "a dotted storage class": "service('db', port=5432, image='p:1', stateful=True, "
        "storage=storage('1Gi', '/data', storage_class='fast.ssd.example.com'))",
}


@pytest.mark.parametrize("source", ACCEPTED.values(), ids=list(ACCEPTED))
def test_values_kubernetes_accepts_build(blueprint_file, source: str) -> None:  # type: ignore[no-untyped-def]
    assert docs_of(blueprint_file(HEAD + source + "\n"))


def test_a_limit_below_its_exponent_request_is_still_found(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(HEAD + SVC + ", cpu='2e3', cpu_limit='1500')\n")
    assert errors(path) == ["3: error: service('web'): cpu_limit='1500' is less than "
                            "cpu='2e3' (Kubernetes rejects a request above its limit)"]


def test_upper_case_grpc_is_grpc(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """`app_protocol='GRPC'` is a valid appProtocol; netgen reads it as 'grpc' does (the
    port is named grpc, the Gateway API route is a GRPCRoute), not as plain HTTP."""
    path = blueprint_file(HEAD + "service('api', port=9090, image='a:1', app_protocol='GRPC')\n"
                          "expose('api', via=GATEWAY, host='api.example.com')\n")
    docs = docs_of(path)
    port = docs[("Service", "api")]["spec"]["ports"][0]
    assert (port["name"], port["appProtocol"]) == ("grpc", "GRPC")
    assert any(kind == "GRPCRoute" for kind, _ in docs)


@pytest.mark.parametrize("storage", ["storage('1Gi', '/tmp')",
                                     "storage('1Gi', '/tmp', name='tmp')"])
def test_storage_at_tmp_is_the_writable_tmp(blueprint_file, storage: str) -> None:  # type: ignore[no-untyped-def]
    """read_only_root=True adds a writable /tmp unless the pod mounts something there:
    the claim at /tmp is that writable /tmp (it was mounted twice, which is refused)."""
    path = blueprint_file(HEAD + "service('db', port=5432, image='p:1', stateful=True, "
                          f"run_as_user=1000, read_only_root=True, storage={storage})\n")
    spec = docs_of(path)[("StatefulSet", "db")]["spec"]
    mounts = spec["template"]["spec"]["containers"][0]["volumeMounts"]
    assert [m["mountPath"] for m in mounts] == ["/tmp"]
    assert all(v.get("emptyDir") is None for v in spec["template"]["spec"].get("volumes", []))
    assert [t["metadata"]["name"] for t in spec["volumeClaimTemplates"]] == [mounts[0]["name"]]
