"""Hand-written documents: the valid ones pass, each invalid one fails for its one reason."""

from __future__ import annotations

import pytest
from validate_support import FIXTURES, load_yaml_documents

from netgen.validate import CrdIndex, Problem, validate_documents

VALID = [
    ("gateway-api-standard.yaml", "standard"),
    ("gateway-api-experimental.yaml", "experimental"),
    ("istio.yaml", "standard"),
    ("core.yaml", None),
]

# (fixture, channel, [(path, message fragment), ...]): exactly these problems, no others.
INVALID: list[tuple[str, str | None, list[tuple[str, str]]]] = [
    (
        "httproute-unknown-field.yaml",
        "standard",
        [("spec.rules[0].backendRefs[0].weigth", 'unknown field "weigth"')],
    ),
    (
        "httproute-wrong-type.yaml",
        "standard",
        [("spec.rules[0].backendRefs[0].port", 'expected integer, got string "8080"')],
    ),
    (
        "httproute-enum.yaml",
        "standard",
        [("spec.rules[0].matches[0].path.type", 'unsupported value "Prefix"')],
    ),
    (
        "httproute-weight-bounds.yaml",
        "standard",
        [("spec.rules[0].backendRefs[0].weight", "greater than the maximum of 1000000")],
    ),
    (
        "httproute-cel-relative-path.yaml",
        "standard",
        [("spec.rules[0].matches[0].path", "value must be an absolute path and start with '/'")],
    ),
    (
        "httproute-cel-redirect-and-rewrite.yaml",
        "standard",
        [
            (
                "spec.rules[0].filters",
                "May specify either httpRouteFilterRequestRedirect or "
                "httpRouteFilterRequestRewrite, but not both",
            )
        ],
    ),
    (
        "httproute-cel-redirect-with-backends.yaml",
        "standard",
        [("spec.rules[0]", "RequestRedirect filter must not be used together with backendRefs")],
    ),
    (
        "gateway-duplicate-listener.yaml",
        "standard",
        [("spec.listeners[1]", 'duplicate entry with key {"name": "http"}')],
    ),
    (
        "gateway-cel-terminate-without-certificates.yaml",
        "standard",
        [("spec.listeners[0].tls", "rule could not be evaluated: Key not found in map")],
    ),
    (
        "gateway-label-not-a-string.yaml",
        "standard",
        [("metadata.labels.generation", "expected string, got integer 2")],
    ),
    (
        "istio-serviceentry-cel-cidr-with-dns.yaml",
        "standard",
        [("spec", "CIDR addresses are allowed only for NONE/STATIC resolution types")],
    ),
    (
        "istio-destinationrule-cel-duration.yaml",
        "standard",
        [
            (
                "spec.trafficPolicy.connectionPool.tcp.connectTimeout",
                "must be a valid duration greater than 1ms",
            )
        ],
    ),
    (
        "istio-authorizationpolicy-cel-selector-and-targetrefs.yaml",
        "standard",
        [("spec", "only one of targetRefs or selector can be set")],
    ),
    (
        "istio-destinationrule-enum.yaml",
        "standard",
        [("spec.trafficPolicy.loadBalancer.simple", 'unsupported value "LEAST_CONNECTIONS"')],
    ),
    ("unknown-kind.yaml", "standard", [("", "no schema for example.com/v1 Widget")]),
    ("unknown-kind.yaml", None, [("", "no schema for example.com/v1 Widget")]),
    (
        "core-service-unknown-field.yaml",
        None,
        [("spec.ports[0].targetPorts", 'unknown field "targetPorts"')],
    ),
    (
        "core-deployment-wrong-type.yaml",
        "standard",
        [("spec.replicas", 'expected integer or null, got string "2"')],
    ),
]


@pytest.fixture
def channels(standard_crds: CrdIndex, experimental_crds: CrdIndex) -> dict[str | None, CrdIndex]:
    return {"standard": standard_crds, "experimental": experimental_crds}


def _validate(name: str, folder: str, channel: str | None, channels: dict) -> list[Problem]:
    docs = load_yaml_documents(FIXTURES / folder / name)
    assert docs, f"{name} holds no documents"
    return validate_documents(docs, channels.get(channel))


@pytest.mark.parametrize(("name", "channel"), VALID, ids=[v[0] for v in VALID])
def test_valid_fixture_passes(name: str, channel: str | None, channels: dict) -> None:
    problems = _validate(name, "valid", channel, channels)
    assert problems == [], "\n".join(map(str, problems))


@pytest.mark.parametrize(
    ("name", "channel", "expected"),
    INVALID,
    ids=[f"{name}-{channel}" for name, channel, _ in INVALID],
)
def test_invalid_fixture_fails_for_its_reason(
    name: str, channel: str | None, expected: list[tuple[str, str]], channels: dict
) -> None:
    problems = _validate(name, "invalid", channel, channels)
    report = "\n".join(map(str, problems))
    assert len(problems) == len(expected), report
    for path, fragment in expected:
        assert any(p.loc.path == path and fragment in p.message for p in problems), report


def test_every_invalid_fixture_is_listed() -> None:
    listed = {name for name, _, _ in INVALID}
    on_disk = {p.name for p in (FIXTURES / "invalid").glob("*.yaml")}
    assert on_disk == listed


def test_problem_names_the_document(standard_crds: CrdIndex) -> None:
    docs = load_yaml_documents(FIXTURES / "invalid" / "httproute-cel-relative-path.yaml")
    [problem] = validate_documents(docs, standard_crds)
    at = problem.loc
    assert (at.kind, at.name, at.namespace) == ("HTTPRoute", "relative-path", "shop")
    assert str(problem).startswith("HTTPRoute shop/relative-path: spec.rules[0].matches[0].path:")


def test_experimental_kind_is_unknown_to_the_standard_channel(standard_crds: CrdIndex) -> None:
    docs = load_yaml_documents(FIXTURES / "valid" / "gateway-api-experimental.yaml")
    [problem] = validate_documents(docs, standard_crds, shipped=False)
    assert "no schema for gateway.networking.k8s.io/v1alpha2 TCPRoute" in problem.message
    assert validate_documents(docs, standard_crds) == []  # the shipped experimental channel


def test_custom_resource_without_crds_is_a_failure() -> None:
    docs = load_yaml_documents(FIXTURES / "valid" / "istio.yaml")
    problems = validate_documents(docs, shipped=False)
    assert len(problems) == len(docs)
    assert all("no schema" in p.message for p in problems)
    assert validate_documents(docs) == []  # the shipped Istio CRDs


def test_several_problems_in_one_document_are_all_reported(standard_crds: CrdIndex) -> None:
    [doc] = load_yaml_documents(FIXTURES / "invalid" / "httproute-unknown-field.yaml")
    doc["spec"]["rules"][0]["backendRefs"][0]["port"] = "http"
    doc["spec"]["rules"].append({"matches": [{"path": {"type": "Exact", "value": "x"}}]})
    paths = sorted(p.loc.path for p in validate_documents([doc], standard_crds))
    assert paths == [
        "spec.rules[0].backendRefs[0].port",
        "spec.rules[0].backendRefs[0].weigth",
        "spec.rules[1].matches[0].path",
    ]
