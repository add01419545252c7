"""`netgen explain dns`: every DNS name of an environment, read from the Plan."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from netgen.cli import app
from netgen.pipeline import resolve_blueprint
from netgen.plan.dns import dns_names
from tests.conftest import BLUEPRINTS


def netgen(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def test_the_seeds_names() -> None:
    """The names the seed guide's service-consumer example uses, and the CoreDNS zone."""
    (plan,) = resolve_blueprint(BLUEPRINTS / "dns.py")
    names = {(n.kind, n.name, n.port) for n in dns_names(plan)}
    assert names == {
        ("service", "service-consumer.database.svc.cluster.local", 8080),
        ("service", "postgres.database.svc.cluster.local", 5432),
        ("headless", "postgres-headless.database.svc.cluster.local", 5432),
        ("pod", "postgres-0.postgres-headless.database.svc.cluster.local", 5432),
        ("pod", "postgres-1.postgres-headless.database.svc.cluster.local", 5432),
        ("pod", "postgres-2.postgres-headless.database.svc.cluster.local", 5432),
        ("service", "redis-service.cache.svc.cluster.local", 6379),
        ("external", "external-api.external.svc.cluster.local", 443),
        ("forward", "example.com", None),
    }


def test_versions_headless_and_unaliased_externals(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(
        "from netgen import *\nblueprint('b')\n"
        "service('api', port=8080, image='a', versions=['v1', 'v2'])\n"
        "service('peers', port=7000, image='p', headless=True)\n"
        "external('bank', host='api.bank.example', port=443, alias=False)\n")
    (plan,) = resolve_blueprint(path)
    got = [(n.kind, n.name, n.note, n.loc.line) for n in dns_names(plan)]
    assert got == [
        ("service", "api.b.svc.cluster.local", "ClusterIP", 3),
        ("version", "api-v1.b.svc.cluster.local", "ClusterIP, pods of version v1", 3),
        ("version", "api-v2.b.svc.cluster.local", "ClusterIP, pods of version v2", 3),
        ("headless", "peers.b.svc.cluster.local", "every ready pod's IP", 4),
        ("external", "api.bank.example", "outside the cluster (alias=False)", 5),
    ]


def test_an_external_at_an_ip_address_has_no_name(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    """An IP host gets no ExternalName Service (the workload is handed the address); the
    note said `alias=False`, which the blueprint never set."""
    path = blueprint_file(
        "from netgen import *\nblueprint('b')\n"
        "external('ldap', host='10.1.2.3', port=636)\n")
    (plan,) = resolve_blueprint(path)
    assert [(n.kind, n.name, n.note) for n in dns_names(plan)] == [
        ("external", "10.1.2.3", "outside the cluster (an IP address, no DNS name)")]


def test_cli_text() -> None:
    code, out, err = netgen("explain", "dns", BLUEPRINTS / "shop.py", "-e", "development")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "development (namespace shop-dev)"
    assert lines[1].split() == ["service", "web.shop-dev.svc.cluster.local", ":80", "ClusterIP"]
    assert lines[7].split() == ["pod", "postgres-0.postgres-headless.shop-dev.svc.cluster.local",
                                ":5432", "pod", "postgres-0"]
    assert lines[-1].split() == ["external", "rds.shop-dev.svc.cluster.local", ":5432", "CNAME",
                                 "shop.abc.us-west-2.rds.amazonaws.com"]


def test_cli_json_every_environment() -> None:
    code, out, _ = netgen("explain", "dns", BLUEPRINTS / "shop.py", "--json")
    assert code == 0
    envs = [json.loads(line) for line in out.splitlines()]
    assert [e["environment"] for e in envs] == ["development", "production"]
    pods = [n["name"] for n in envs[1]["names"] if n["kind"] == "pod"]
    assert pods == [f"postgres-{i}.postgres-headless.production.svc.cluster.local"
                    for i in range(3)]
    assert envs[0]["names"][0]["declared_at"].endswith("shop.py:11")


def test_cli_errors_and_usage(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    bad = blueprint_file("from netgen import *\nservice('web', image='x', health='/h')\n")
    code, out, err = netgen("explain", "dns", bad)
    assert (code, out) == (1, "")
    assert f"{bad}:2: error: service('web'): health= needs port=" in err
    assert netgen("explain")[0] == 2
