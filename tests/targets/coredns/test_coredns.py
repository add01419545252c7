"""CoreDNS: dns_forward/dns_log produce the seed guide's coredns-custom ConfigMap, with the
key suffixes AKS and k3s import; every zone and address is checked with its file:line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from netgen.problems import ProblemError
from netgen.render.yamltext import literal
from netgen.targets.coredns.lower import configmap_data
from tests.conftest import BLUEPRINTS, build, documents

FIXTURE = Path(__file__).parent / "fixtures" / "seed-coredns-custom.yaml"

HEADER = "from netgen import *\nservice('web', port=80, image='nginx')\n"


def configmap(path: Path, env: str | None = None) -> dict:
    compiled = build(path, (env,) if env else ())
    found = [d for c in compiled for d in documents(c) if d["kind"] == "ConfigMap"]
    assert len(found) == 1
    return found[0]


def corefile_lines(text: str) -> list[str]:
    """Corefile text without comments and blank lines: what CoreDNS reads."""
    return [line for line in text.splitlines() if line.strip() and not line.lstrip()
            .startswith("#")]


def test_configmap_matches_the_seeds() -> None:
    seed = yaml.safe_load(FIXTURE.read_text())
    ours = configmap(BLUEPRINTS / "dns.py")
    assert (ours["apiVersion"], ours["kind"]) == (seed["apiVersion"], seed["kind"])
    assert ours["metadata"]["name"] == seed["metadata"]["name"] == "coredns-custom"
    assert ours["metadata"]["namespace"] == seed["metadata"]["namespace"] == "kube-system"
    # The seed puts a server block and a plugin in one key named `override`, which no
    # distribution imports; netgen splits them by the suffixes AKS and k3s read. The
    # Corefile text itself is the seed's, byte for byte.
    assert ours["data"] == {
        "example.com.server": "example.com:53 {\n    forward . 8.8.8.8 8.8.4.4\n}\n",
        "log.override": "log {\n    class denial error\n}\n",
    }
    assert corefile_lines("".join(ours["data"].values())) == corefile_lines(
        seed["data"]["override"])


def test_configmap_prints_readable_literal_blocks() -> None:
    text = next(t for c in build(BLUEPRINTS / "dns.py") for n, t in c.files().items()
                if n.startswith("ConfigMap."))
    assert "  example.com.server: |\n    example.com:53 {\n        forward . 8.8.8.8 8.8.4.4\n" \
        in text
    assert "  log.override: |\n    log {\n        class denial error\n    }\n" in text


def test_file_and_kustomization() -> None:
    (compiled,) = build(BLUEPRINTS / "dns.py")
    files = compiled.files()
    assert "ConfigMap.kube-system.coredns-custom.yaml" in files
    assert "  - ConfigMap.kube-system.coredns-custom.yaml\n" in files["Kustomization"]
    # kube-system is the cluster's own: netgen never emits it as a Namespace
    assert not any("kube-system" in n for n in files if n.startswith("00-Namespace"))


def test_no_dns_settings_no_configmap(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    compiled = build(blueprint_file(HEADER))
    assert not any(d["kind"] == "ConfigMap" for c in compiled for d in documents(c))


def test_log_without_classes_logs_everything(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    cm = configmap(blueprint_file(HEADER + "dns_log()\n"))
    assert cm["data"] == {"log.override": "log\n"}


def test_policy_ports_ipv6_and_trailing_dot(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    cm = configmap(blueprint_file(
        HEADER + "dns_forward('corp.example.', to=['10.0.0.10:5353', '[2001:db8::53]:53'], "
                 "policy='sequential')\n"))
    assert cm["data"] == {"corp.example.server": (
        "corp.example:53 {\n"
        "    forward . 10.0.0.10:5353 [2001:db8::53]:53 {\n"
        "        policy sequential\n"
        "    }\n"
        "}\n")}


def test_environment_scoping(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(HEADER + (
        "env('dev')\nenv('prod')\n"
        "dns_forward('corp.example', to=['10.0.0.1'])\n"
        "with env('prod'):\n"
        "    dns_forward('corp.example', to=['10.9.9.9'])\n"
        "    dns_log(classes=['error'])\n"))
    dev, prod = configmap(path, "dev"), configmap(path, "prod")
    assert dev["data"] == {"corp.example.server": "corp.example:53 {\n    forward . 10.0.0.1\n}\n"}
    assert prod["data"] == {
        "corp.example.server": "corp.example:53 {\n    forward . 10.9.9.9\n}\n",
        "log.override": "log {\n    class error\n}\n",
    }


def errors(path: Path) -> list[str]:
    with pytest.raises(ProblemError) as e:
        build(path)
    return [d.render() for d in e.value.problems]


def test_every_mistake_is_reported_with_its_line(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    path = blueprint_file(HEADER + "\n".join([
        "dns_forward('Example.com', to=['8.8.8.8'])",                     # 3
        "dns_forward('example.org', to=['dns.google'])",                  # 4
        "dns_forward('example.net', to=[])",                              # 5
        "dns_forward('.', to=['8.8.8.8'])",                               # 6
        "dns_forward('cluster.local', to=['8.8.8.8'])",                   # 7
        "dns_forward('a.example', to=['8.8.8.8:99999', '1.1.1.1', '1.1.1.1'])",  # 8
        "dns_forward('b.example', to=['8.8.8.8'], policy='fastest')",     # 9
        "dns_forward('b.example', to=['8.8.4.4'])",                       # 10
        "dns_log(classes=['denial', 'warnings'])",                        # 11
        "dns_log()",                                                      # 12
        "dns_forward('c.example', to=['[10.0.0.1]:53', '8.8.8.8 8.8.4.4'])",  # 13
    ]) + "\n")
    shown = path.name
    got = [re.sub(r"^.*?" + re.escape(shown), shown, e) for e in errors(path)]
    assert got == [
        f"{shown}:3: error: dns_forward('Example.com'): host 'Example.com' is not a valid DNS "
        "name (lowercase, dot-separated labels)",
        f"{shown}:4: error: dns_forward('example.org'): resolver 'dns.google' is not an IP "
        "address (CoreDNS forwards to addresses, such as '8.8.8.8' or '8.8.8.8:53')",
        f"{shown}:5: error: dns_forward('example.net'): to= needs at least one resolver address",
        f"{shown}:6: error: dns_forward('.'): the root zone '.' cannot be forwarded here: it is "
        "the cluster's default server block (set its upstream in the distribution's own "
        "CoreDNS configuration)",
        f"{shown}:7: error: dns_forward('cluster.local'): forwarding cluster.local away from "
        "the cluster would break Service discovery",
        f"{shown}:8: error: dns_forward('a.example'): a resolver is listed twice",
        f"{shown}:8: error: dns_forward('a.example'): resolver '8.8.8.8:99999': the port must "
        "be between 1 and 65535",
        f"{shown}:9: error: dns_forward('b.example'): policy='fastest' must be one of random, "
        "round_robin, sequential",
        f"{shown}:10: error: dns_forward('b.example') is declared twice (first at {path}:9)",
        f"{shown}:11: error: dns_log(): class 'warnings' must be one of success, denial, "
        "error, all",
        f"{shown}:12: error: dns_log() is declared twice (first at {path}:11)",
        f"{shown}:13: error: dns_forward('c.example'): resolver '8.8.8.8 8.8.4.4' is not an IP "
        "address (CoreDNS forwards to addresses, such as '8.8.8.8' or '8.8.8.8:53')",
        f"{shown}:13: error: dns_forward('c.example'): resolver '[10.0.0.1]:53': only IPv6 "
        "addresses go in brackets",
    ]


def test_too_many_upstreams(blueprint_file) -> None:  # type: ignore[no-untyped-def]
    ips = ", ".join(f"'10.0.0.{i}'" for i in range(16))
    (message,) = errors(blueprint_file(HEADER + f"dns_forward('x.example', to=[{ips}])\n"))
    assert message.endswith(":3: error: dns_forward('x.example'): CoreDNS forwards to at "
                            "most 15 resolvers, not 16")


def test_backend_key_naming() -> None:
    from netgen.model import SourceLoc
    from netgen.plan import DnsForwardPlan, DnsPlan

    loc = SourceLoc("bp.py", 1)
    data = configmap_data(DnsPlan((DnsForwardPlan("b.example", ("1.1.1.1",), None, loc),
                                   DnsForwardPlan("a.example", ("1.0.0.1",), None, loc)),
                                  ("all",), loc))
    assert list(data) == ["a.example.server", "b.example.server", "log.override"]
    assert all(k.endswith((".server", ".override")) for k in data)


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60))
def test_literal_reads_back_exactly(text: str) -> None:
    doc = f"k: {literal(text, 2)}\n"
    assert yaml.safe_load(doc) == {"k": text}


@given(st.lists(st.text(alphabet=" ab{}#:.\t-", max_size=12), min_size=1, max_size=6),
       st.sampled_from(["", "\n", "\n\n"]))
def test_literal_multiline_reads_back_exactly(lines: list[str], end: str) -> None:
    text = "\n".join(lines) + end
    for indent in (2, 4):
        doc = "a:\n  k: " + literal(text, indent + 2) + "\n" if indent == 2 else \
            f"k: {literal(text, indent)}\n"
        parsed = yaml.safe_load(doc)
        assert (parsed["a"]["k"] if indent == 2 else parsed["k"]) == text
