"""Values the blueprint language used to accept although the API server refuses the YAML
they give (an outside review's F2-F7, F12 and two misleading messages): each is an error at
its declaration's line, and what Kubernetes does accept is accepted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

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
}


@pytest.mark.parametrize("source, message", REFUSED.values(), ids=list(REFUSED))
def test_values_the_api_server_refuses_are_errors_at_their_line(
        blueprint_file, source: str, message: str) -> None:  # type: ignore[no-untyped-def]
    assert errors(blueprint_file(HEAD + source + "\n")) == [message]


ACCEPTED = {
    "replicas at the int32 bound": SVC + ", replicas=2**31 - 1)",
}


@pytest.mark.parametrize("source", ACCEPTED.values(), ids=list(ACCEPTED))
def test_values_kubernetes_accepts_build(blueprint_file, source: str) -> None:  # type: ignore[no-untyped-def]
    assert docs_of(blueprint_file(HEAD + source + "\n"))
