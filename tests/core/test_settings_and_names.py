"""Misspelt settings, environments named only by a `with`, and blueprint names taken from
file names: each is a `file:line` error or a valid name, never a silent surprise."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from netgen.pipeline import SETTINGS, compile_blueprint
from netgen.problems import ProblemError

HEAD = "from netgen import *\n"
WEB = "service('web', port=80, image='web:1')\nexpose('web', via=ALB, path='/')\n"


def errors(path: Path) -> list[str]:
    with pytest.raises(ProblemError) as e:
        compile_blueprint(path)
    return [d.render() for d in e.value.problems]


@pytest.mark.parametrize(("call", "line"), [
    ("env('prod', isolaton=OPEN)",
     "env('prod'): unknown setting isolaton=OPEN (did you mean 'isolation'?)"),
    ("blueprint('x', vpc_cdir='10.0.0.0/8')",
     "blueprint('x'): unknown setting vpc_cdir='10.0.0.0/8' (did you mean 'vpc_cidr'?)"),
    ("env('prod', namespce='p')",
     "env('prod'): unknown setting namespce='p' (did you mean 'namespace'?)"),
    ("blueprint('x', domian='x.example.com')",
     "blueprint('x'): unknown setting domian='x.example.com' (did you mean 'domain'?)"),
    ("env('prod', templates='t')", "env('prod'): templates= is a setting of blueprint() only"),
    ("blueprint('x', service_accounts='yes')",
     "blueprint('x'): service_accounts= must be True or False, not 'yes'"),
])
def test_a_misspelt_or_misplaced_setting_is_an_error(
    blueprint_file, call: str, line: str  # type: ignore[no-untyped-def]
) -> None:
    path = blueprint_file(HEAD + call + "\n" + WEB)
    assert errors(path) == [f"{path}:2: error: {line}"]


def test_every_listed_setting_is_accepted(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """Each setting in the one list builds when given a valid value where it belongs."""
    valid = {"vpc_cidr": "'10.0.0.0/16'", "nodeport_cidr": "'10.1.0.0/16'",
             "ingress_namespace": "'ingress'", "istio_ingress_namespace": "'istio-ingress'",
             "istio_namespace": "'istio-system'", "gateway_proxy_namespace": "'gw'",
             "gateway_namespace": "'gw'", "gateway_name": "'main'",
             "gateway_class": "'envoy'", "gateway_controller": "'example.com/gateway'",
             "gateway_api": "'v1'", "existing_namespaces": "['edge']",
             "gateway_principal": "'cluster.local/ns/gw/sa/main-istio'",
             "service_accounts": "True", "linkerd_namespace": "'linkerd'",
             "linkerd_audit": "True"}
    assert set(valid) | {"templates", "gateway"} == set(SETTINGS)
    settings = ", ".join(f"{k}={v}" for k, v in valid.items())
    per_env = ", ".join(f"{k}={v}" for k, v in valid.items() if k != "service_accounts")
    path = blueprint_file(HEAD + f"blueprint('x', {settings})\nenv('prod', {per_env})\n" + WEB)
    assert compile_blueprint(path)


def test_with_env_of_an_undeclared_environment_is_an_error(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(HEAD + "env('development')\nenv('production')\n" + WEB
                          + "with env('prodution'):\n    expose('web', via=NODEPORT)\n")
    assert errors(path) == [
        f"{path}:6: error: with env('prodution'): no environment 'prodution' is declared "
        "(did you mean 'production'?); the blueprint declares development, production "
        "(declare a new one with env('prodution') first)"]


def test_with_env_alone_still_declares_when_no_env_is_declared(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(HEAD + WEB + "with env('development'):\n    pass\n"
                          "with env('production'):\n    pass\n")
    assert [c.plan.env.name for c in compile_blueprint(path)] == ["development", "production"]


def test_with_env_of_a_declared_environment_is_fine(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(HEAD + "env('staging')\nenv('production', replicas=2)\n" + WEB
                          + "with env('staging'):\n    pass\nwith env('production'):\n    pass\n")
    assert sorted(c.plan.env.name for c in compile_blueprint(path)) == ["production", "staging"]


@pytest.mark.parametrize(("file", "name"), [
    ("Shop_App.v2.py", "shop-app-v2"),
    ("bé.py", "be"),
    ("my shop.py", "my-shop"),
    ("shop_app.py", "shop-app"),
])
def test_a_name_from_the_file_name_is_a_dns_label(
    tmp_path: Path, file: str, name: str
) -> None:
    for source in (HEAD + WEB, HEAD + "blueprint(domain='x.example.com')\n" + WEB):
        path = tmp_path / file
        path.write_text(source)
        (c,) = compile_blueprint(path)
        assert c.plan.blueprint == name
        assert f"group.name: {name}-default" in "".join(d.text for d in c.documents)


def test_a_file_name_that_gives_no_label_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "日本.py"
    path.write_text(HEAD + WEB)
    assert errors(path) == [
        f"{path}:1: error: no blueprint name can be made from the file name '日本.py' (a DNS "
        "label needs ASCII letters or digits); name the system with blueprint(\"name\")"]


def test_a_file_name_that_is_not_utf8_builds(tmp_path: Path) -> None:
    path = Path(os.fsdecode(bytes(tmp_path) + b"/sh\xffop.py"))
    path.write_text(HEAD + WEB)
    (c,) = compile_blueprint(path)
    assert c.plan.blueprint == "shop"
    for text in c.files().values():
        text.encode("utf-8")  # nothing unwritable in any file
