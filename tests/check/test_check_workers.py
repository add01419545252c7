"""`netgen check` with each environment rendered and validated in a forked worker
(`netgen.check`, `netgen.workers`) reports exactly what it does with the environments
checked one after the other: the same findings in the same order, counts, channels and exit
code."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from netgen.check import CheckReport, run_check
from netgen.check.formats import render
from tests.check.test_check import HEAD, override
from tests.conftest import BLUEPRINTS

THREE_ENVS = HEAD + (
    "env('development', namespace='dev', isolation=OPEN)\n"
    "env('staging', namespace='stage', isolation=STRICT, vpc_cidr='10.0.0.0/16')\n"
    "env('production', namespace='prod', isolation=STRICT, replicas=2,"
    " vpc_cidr='10.0.0.0/16')\n"
    "service('web', port=80, image='web:latest')\n"
    "service('api', port=8080, image='api:1.0')\n"
    "calls('web', 'api')\n"
    "expose('web', via=NLB, scheme='internal')\n"
)


def both(monkeypatch: pytest.MonkeyPatch, check: Callable[[], CheckReport]
         ) -> tuple[CheckReport, CheckReport]:
    """The report checked in one process and forked (one worker), which print alike."""
    monkeypatch.setenv("NETGEN_JOBS", "1")
    serial = check()
    forks = []
    real = os.fork

    def counted() -> int:
        pid = real()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counted)
    monkeypatch.setenv("NETGEN_JOBS", "2")
    forked = check()
    assert len(forks) == 1
    assert render(forked, "json") == render(serial, "json")
    return serial, forked


def with_override(monkeypatch: pytest.MonkeyPatch, blueprint_file: Callable[[str], Path],
                  templates: Path) -> tuple[CheckReport, CheckReport]:
    """THREE_ENVS checked with the `templates` folder both ways."""
    path = blueprint_file(THREE_ENVS)
    return both(monkeypatch, lambda: run_check(path, templates=[templates]))


@pytest.mark.parametrize("name", ["gateway_api.py", "linkerd.py", "mesh.py", "shop.py"])
def test_forked_and_serial_checks_report_the_same(
        monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    serial, forked = both(monkeypatch, lambda: run_check(BLUEPRINTS / name))
    assert forked.counts == serial.counts and sum(forked.counts.values()) > 10
    assert forked.channels == serial.channels


def test_findings_of_every_environment_come_back_in_order(
        monkeypatch: pytest.MonkeyPatch, blueprint_file: Callable[[str], Path],
        tmp_path: Path) -> None:
    serial, forked = with_override(
        monkeypatch, blueprint_file, override(tmp_path, "kubernetes/service.yaml.j2",
                                              lambda t: t.replace("spec:\n",
                                                                  "spec:\n  bogusField: 1\n")))
    violations = [f.env for f in forked.findings if f.code == "NG020"]
    assert list(dict.fromkeys(violations)) == ["development", "staging", "production"]
    assert any(f.code.startswith("NG1") for f in forked.findings)  # lint warnings after them
    assert forked.exit_code == serial.exit_code == 1


def test_a_template_failing_in_one_environment_is_told_as_in_one_process(
        monkeypatch: pytest.MonkeyPatch, blueprint_file: Callable[[str], Path],
        tmp_path: Path) -> None:
    _, forked = with_override(
        monkeypatch, blueprint_file, override(
            tmp_path, "kubernetes/namespace.yaml.j2",
            lambda t: "{% if name == 'stage' %}{{ nothing.here }}{% endif %}" + t))
    (problem,) = forked.findings
    assert problem.code == "NG000" and "nothing" in problem.message
    assert forked.exit_code == 1
