"""`netgen verify` and `netgen explain connectivity` from the command line: verdicts, exit
codes, the differences a broken policy causes, and the matrix's cells."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from attrs import frozen
from typer.testing import CliRunner

from netgen import pipeline
from netgen.cli import app
from netgen.pipeline import resolve_blueprint
from netgen.targets.base import Backend, Registry
from tests.conftest import BLUEPRINTS, EXAMPLES, REPO

POLICY_TEMPLATE = REPO / "netgen/targets/networkpolicy/templates/networkpolicy.yaml.j2"


def netgen(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args], env={"NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.stderr


def override(tmp_path: Path, old: str, new: str) -> Path:
    """A --templates folder whose NetworkPolicy template differs from the real one."""
    text = POLICY_TEMPLATE.read_text()
    assert old in text
    folder = tmp_path / "templates"
    (folder / "networkpolicy").mkdir(parents=True)
    (folder / "networkpolicy" / POLICY_TEMPLATE.name).write_text(text.replace(old, new))
    return folder


def cells(output: str) -> dict[tuple[str, str], str]:
    """(source, destination) -> cell text, read back from a printed matrix."""
    lines = [line for line in output.splitlines() if line.startswith("  ")]
    header = lines[0].split()
    cols = header[3:]  # after "from \ to"
    starts = [lines[0].index(c) for c in cols]
    out = {}
    for line in lines[1:]:
        src = line.split()[0]
        for i, col in enumerate(cols):
            end = starts[i + 1] if i + 1 < len(cols) else None
            out[src, col] = line[starts[i]:end].strip()
    return out


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_environment_verifies(example: Path) -> None:
    for plan in resolve_blueprint(example):
        code, out, err = netgen("verify", example, "--env", plan.env.name)
        assert (code, err) == (0, ""), out
        assert out.startswith(f"{plan.env.name}: ok: NetworkPolicies allow exactly")
        if plan.mesh is not None:
            assert "mesh routes and allows match the blueprint" in out


def test_a_dropped_ingress_rule_is_a_missing_allow(tmp_path: Path) -> None:
    folder = override(tmp_path, "{% if ingress %}", '{% if ingress and name != "api" %}')
    code, out, err = netgen("verify", BLUEPRINTS / "shop.py", "--templates", folder)
    assert code == 1
    assert out.splitlines() == [
        "development: FAIL: NetworkPolicies differ from the declared traffic: 2 missing, 0 extra",
        "  missing allow: cidr:0.0.0.0/0 -> shop-dev/api TCP/8080",
        # under OPEN the ALB admits 0.0.0.0/0 (no vpc_cidr): the internet reaches api
        "  missing allow: internet:203.0.113.10 -> shop-dev/api TCP/8080",
        "production: FAIL: NetworkPolicies differ from the declared traffic: 2 missing, 0 extra",
        "  missing allow: cidr:10.0.0.0/16 -> production/api TCP/8080",
        "  missing allow: production/web -> production/api TCP/8080",
    ]
    assert err == "netgen: 2 of the environments differ from the blueprint\n"


def test_a_policy_open_to_the_internet_and_every_namespace_is_an_extra_allow(
        tmp_path: Path) -> None:
    rules = ("    - from: [{ipBlock: {cidr: 0.0.0.0/0}}]\n"
             "      ports: [{protocol: TCP, port: 3000}]\n"
             "    - from: [{namespaceSelector: {}}]\n      ports: [{protocol: TCP, port: 3000}]\n")
    folder = override(tmp_path, "{{ ingress | block(4) }}\n",
                      "{{ ingress | block(4) }}\n{% if name == 'web' %}" + rules + "{% endif %}")
    code, out, err = netgen("verify", BLUEPRINTS / "shop.py", "-e", "production",
                            "--templates", folder)
    assert code == 1
    assert out.splitlines() == [
        "production: FAIL: NetworkPolicies differ from the declared traffic: 0 missing, 2 extra",
        "  extra allow: internet:203.0.113.10 -> production/web TCP/3000",
        "  extra allow: unmanaged/stranger -> production/web TCP/3000",
    ]
    assert err == "netgen: 1 environment differs from the blueprint\n"


def test_a_widened_pod_selector_is_an_extra_allow(tmp_path: Path) -> None:
    folder = override(tmp_path, "{% if pod_selector %}", '{% if pod_selector and name != "api" %}')
    code, out, err = netgen("verify", BLUEPRINTS / "shop.py", "-e", "production",
                            "--templates", folder)
    assert code == 1
    # api's policy now selects every pod: its egress to rds (the internet) opens for web and
    # postgres too (postgres still admits only api, so web -> postgres stays closed), and so
    # does its ingress from the VPC on api's port, which web and postgres do not serve
    assert out.splitlines() == [
        "production: FAIL: NetworkPolicies differ from the declared traffic: 0 missing, 6 extra",
        "  extra allow: cidr:10.0.0.0/16 -> production/postgres TCP/8080",
        "  extra allow: cidr:10.0.0.0/16 -> production/web TCP/8080",
        "  extra allow: production/postgres -> external:rds TCP/5432",
        "  extra allow: production/postgres -> internet:203.0.113.10 TCP/5432",
        "  extra allow: production/web -> external:rds TCP/5432",
        "  extra allow: production/web -> internet:203.0.113.10 TCP/5432",
    ]
    assert err == "netgen: 1 environment differs from the blueprint\n"


CALLER = """from netgen import *
blueprint("calls")
env("production", namespace="prod", isolation=STRICT, vpc_cidr="10.0.0.0/16")
service("web", port=80, target_port=3000, image="web:1")
service("api", port=8080, image="api:1")
service("auth", port=9000, image="auth:1")
calls("web", "api", "auth")
"""


def test_egress_open_to_every_namespace_and_the_internet_is_an_extra_allow(
        tmp_path: Path, blueprint_file: Callable[[str], Path]) -> None:
    """web declares two calls; a hand-edited policy lets it reach every pod of every namespace
    and, on api's port only, every IPv4 and IPv6 address. verify asked only whether policies
    admitted the stranger and the internet, so it passed this; they are destinations now,
    asked on every port the blueprint uses (53 of DNS too) and one nobody uses (65535, per
    protocol); so is kube-dns, on the ports besides 53."""
    rules = ("    - to: [{namespaceSelector: {}}]\n"
             "    - to: [{ipBlock: {cidr: 0.0.0.0/0}}, {ipBlock: {cidr: '::/0'}}]\n"
             "      ports: [{protocol: TCP, port: 8080}]\n")
    folder = override(tmp_path, "{{ egress | block(4) }}\n",
                      "{{ egress | block(4) }}\n{% if name == 'web' %}" + rules + "{% endif %}")
    code, out, err = netgen("verify", blueprint_file(CALLER), "--templates", folder)
    assert code == 1
    assert out.splitlines() == [
        "production: FAIL: NetworkPolicies differ from the declared traffic: 0 missing, 14 extra",
        "  extra allow: prod/web -> internet:2001:db8::10 TCP/8080",
        "  extra allow: prod/web -> internet:203.0.113.10 TCP/8080",
        *(f"  extra allow: prod/web -> kube-system/kube-dns {port}" for port in (
            "TCP/3000", "TCP/8080", "TCP/9000", "TCP/65535", "UDP/65535")),
        *(f"  extra allow: prod/web -> unmanaged/stranger {port}" for port in (
            "TCP/53", "TCP/3000", "TCP/8080", "TCP/9000", "TCP/65535", "UDP/53", "UDP/65535")),
    ]
    assert err == "netgen: 1 environment differs from the blueprint\n"


def test_blueprint_errors_exit_1(blueprint_file: Callable[[str], Path]) -> None:
    path = blueprint_file(
        'from netgen import *\nblueprint("x")\nenv("prod", namespace="prod")\n'
        'service("web", port=80, image="w")\ncalls("web", "nowhere")\n'
    )
    code, out, err = netgen("verify", path)
    assert code == 1 and out == ""
    assert f"{path}:5: error:" in err


def test_the_matrix_of_shop_production() -> None:
    code, out, _ = netgen("verify", BLUEPRINTS / "shop.py", "-e", "production", "--matrix")
    assert code == 0
    got = cells(out)
    assert got["production/web", "production/api"] == "TCP/8080"
    assert got["production/web", "kube-system/kube-dns"] == "TCP/53,UDP/53"
    assert got["production/web", "production/postgres"] == "-"
    assert got["production/api", "external:rds"] == "TCP/5432"
    assert got["production/api", "production/web"] == "-"
    assert got["cidr:10.0.0.0/16", "production/web"] == "TCP/3000"
    assert got["cidr:10.0.0.0/16", "kube-system/kube-dns"] == ""  # never asked
    assert got["production/web", "production/web"] == ""


def test_explain_connectivity_prints_the_matrix_per_environment() -> None:
    code, out, _ = netgen("explain", "connectivity", BLUEPRINTS / "network_isolation.py")
    assert code == 0
    dev, prod = out.split("production (namespace production)\n")
    assert dev.startswith("development (namespace development)\n")
    # OPEN: its namespace on every port asked
    assert cells(dev)["development/api", "development/web"] == (
        "TCP/53,TCP/443,TCP/5432,TCP/8080,TCP/65535,UDP/53,UDP/65535")
    assert cells(prod)["production/api", "production/web"] == "-"
    assert cells(prod)["production/web", "database/database"] == "TCP/5432"
    assert cells(prod)["ingress:ingress-nginx", "production/web"] == "TCP/8080"


def test_the_documented_session_is_real_output() -> None:
    doc = (REPO / "docs" / "networkpolicy.md").read_text()
    prompt = "$ netgen verify blueprints/shop.py --matrix\n"
    shown = doc.split(prompt, 1)[1].split("```", 1)[0]
    code, out, _ = netgen("verify", BLUEPRINTS / "shop.py", "--matrix")
    assert (code, out) == (0, shown)


def test_the_verdict_says_what_was_checked_and_what_is_denied() -> None:
    """'11 of 18 flows asked are allowed' read like 7 failures; it says both counts now."""
    code, out, _ = netgen("verify", BLUEPRINTS / "shop.py", "-e", "production")
    assert code == 0
    assert out.splitlines()[0] == (
        "production: ok: NetworkPolicies allow exactly the declared traffic (213 "
        "source-destination-port flows checked: 12 allowed and 201 denied, each as declared)")


@frozen
class StubReading:
    """What a second policy target's read-back might say: one difference."""

    ok: bool = False

    def verdict(self) -> str:
        return "stub policies differ from the declared traffic"

    def render(self) -> str:
        return "extra allow: a -> b TCP/1"

    def matrix(self) -> str:
        return "stub matrix"


def test_verify_asks_every_read_back_the_registry_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    """`netgen verify` imports no target: each backend's `readback` is asked, in order, and
    any one difference fails the environment."""
    shipped = pipeline.registry()
    stub = Backend(name="Stub", lower=lambda plan, renderer: (),
                   readback=lambda plan, docs: StubReading())
    registry = Registry((*shipped.backends, stub), schema_folders=shipped.schema_folders)
    monkeypatch.setattr(pipeline, "registry", lambda: registry)
    code, out, _ = netgen("verify", BLUEPRINTS / "shop.py", "--env", "development", "--matrix")
    assert code == 1
    first, *rest = out.splitlines()
    assert first.startswith("development: FAIL: NetworkPolicies allow exactly the declared")
    assert first.endswith("; stub policies differ from the declared traffic")
    assert rest.index("  stub matrix") < rest.index("  extra allow: a -> b TCP/1")


def test_a_mesh_is_one_more_read_back() -> None:
    """Each mesh backend's `readback` is the neutral comparison with its hooks, asked after
    the others (its verdict ends the line); in an environment that chose another mesh, or
    none, it adds nothing, and it never draws a table (`netgen explain connectivity`)."""
    registry = pipeline.registry()
    meshes = [b for b in registry.backends if b.mesh is not None]
    assert len(meshes) >= 2
    assert registry.readbacks()[-len(meshes):] == tuple(b.readback for b in meshes)
    plans = [*resolve_blueprint(BLUEPRINTS / "shop.py"),
             *resolve_blueprint(BLUEPRINTS / "linkerd.py")]
    for b in meshes:
        for plan in plans:
            reading = b.readback(plan, [])
            assert reading.matrix() == ""
            if plan.mesh is None or plan.mesh.kind != b.mesh.kind.name:
                assert (reading.ok, reading.verdict(), reading.render()) == (True, "", "")


def test_documents_a_read_back_cannot_model_fail_with_a_reason_not_a_crash(
        tmp_path: Path) -> None:
    """A `--templates` override may write what no read-back models (here a Linkerd
    AuthorizationPolicy aimed at a kind netgen never targets): verify cannot judge it, says so
    and fails (exit 1), and `explain connectivity` on a NetworkPolicy it cannot read is an
    error (exit 1), never an internal error (exit 70)."""
    source = REPO / "netgen/targets/linkerd/templates/authorizationpolicy.yaml.j2"
    folder = tmp_path / "templates"
    (folder / "linkerd").mkdir(parents=True)
    (folder / "linkerd" / source.name).write_text(
        source.read_text().replace("kind: Server", "kind: Servr"))
    code, out, err = netgen("verify", BLUEPRINTS / "linkerd.py", "--templates", folder)
    assert code == 1, (out, err)
    assert "FAIL: the documents cannot be judged:" in out and "Servr" in out
    assert "internal error" not in err

    broken = override(tmp_path / "np", "podSelector:", "podSelector: {matchLabels: 7}\n  x:")
    code, out, err = netgen("explain", "connectivity", BLUEPRINTS / "shop.py",
                            "--templates", broken)
    assert code == 1 and "internal error" not in err, (out, err)
