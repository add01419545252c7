"""Properties of every build, checked on generated blueprints (see strategies.py).

Each property runs twice: with the fast profile in every `pytest`, and with 10,000 examples
under `pytest -m slow`. A failure prints the blueprint's source and a reproduction blob.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from netgen.model import AcmCert, TlsSecret
from netgen.problems import ProblemError
from netgen.readback.mesh import verify_mesh
from netgen.targets.base import Backend
from netgen.validate import CrdIndex, validate_documents
from netgen.validate.shipped import shipped_index
from tests.conftest import parse
from tests.properties import checks
from tests.properties.conftest import FAST, SLOW
from tests.properties.harness import Built, HashSeedWorker, build_source
from tests.properties.mutations import broken_blueprints
from tests.properties.spec import Spec
from tests.properties.strategies import blueprints, mesh_targets
from tests.targets.kubernetes import pss

PROFILES = [pytest.param(FAST, id="fast"), pytest.param(SLOW, id="slow", marks=pytest.mark.slow)]
MESHES = [pytest.param(b, id=b.name) for b in mesh_targets()]  # every mesh target registered
CORE_KINDS = {"Namespace", "Service", "Deployment", "StatefulSet", "ConfigMap", "Ingress",
              "NetworkPolicy", "ServiceAccount", "Secret", "Endpoints", "EndpointSlice",
              "PodDisruptionBudget"}


def run(profile: str, strategy: st.SearchStrategy[Any], body: Callable[..., None],
        case: str = "") -> None:
    """Runs `body` as a Hypothesis test under `profile`; named after `body` (and `case`, a
    parameter such as the mesh), so each property keeps its own examples in the database."""

    count = 0

    def test(example: Any) -> None:
        nonlocal count
        count += 1
        body(example)

    name = "_".join(x for x in (body.__name__, case, profile) if x).replace("-", "_")
    test.__name__ = test.__qualname__ = name
    given(strategy)(settings(settings.get_profile(profile))(test))()
    print(f"{body.__name__} [{case or '-'}, {profile}]: {count} examples passed")  # with -s


def built(spec: Spec) -> Built:
    source = spec.source()
    note(source)
    return build_source(source)


# -- the build never fails but with diagnostics -------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_valid_blueprints_build_without_errors(profile: str) -> None:
    def valid_blueprint_builds(spec: Spec) -> None:
        try:
            result = built(spec)
        except ProblemError as e:
            raise AssertionError(f"a valid blueprint was rejected:\n{e}") from None
        assert sorted(result.files) == sorted(spec.envs)

    run(profile, blueprints(), valid_blueprint_builds)


@pytest.mark.parametrize("profile", PROFILES)
def test_broken_blueprints_fail_only_with_diagnostics(profile: str) -> None:
    def broken_blueprint_is_diagnosed(spec: Spec) -> None:
        try:
            built(spec)
        except ProblemError as e:
            assert e.problems and all(d.message for d in e.problems)
        # Anything else (TypeError, KeyError, ...) escapes: that is the failure.

    run(profile, broken_blueprints(), broken_blueprint_is_diagnosed)


# -- every document is valid, and names are unique ----------------------------------------


@functools.cache
def _crds() -> CrdIndex:
    """The shipped Gateway API standard channel and the meshes' CRDs: the channel a default
    environment needs (`shipped=False` below keeps the experimental one out)."""
    return shipped_index("gateway-api-v1.6.1-standard", "istio-1.30.3", "linkerd-2.20")


@pytest.mark.parametrize("profile", PROFILES)
def test_documents_are_valid_and_names_unique(profile: str) -> None:
    def documents_are_valid(spec: Spec) -> None:
        result = built(spec)
        for c in result.compiled:
            docs = [checks.parse_one(d) for d in c.documents]
            custom = any(d["kind"] not in CORE_KINDS for d in docs)
            problems = validate_documents(docs, _crds() if custom else None, shipped=False)
            assert not problems, "\n".join(map(str, problems))
            for doc in docs:
                assert not checks.name_problems(doc)
            keys = [(d["kind"], d["metadata"].get("namespace"), d["metadata"]["name"])
                    for d in docs]
            assert len(set(keys)) == len(keys), f"duplicate objects: {sorted(keys)}"
            # The one stream `build --stdout` prints is exactly these documents.
            assert parse(result.streams[c.plan.env.name]) == docs
            files = result.files[c.plan.env.name]
            assert len(files) == len(c.documents) + 1, "two objects share a file"
            kustomization = parse(files["Kustomization"])[0]
            assert kustomization["resources"] == sorted(n for n in files if n != "Kustomization")
            for name, text in files.items():
                assert text.startswith("# Generated by netgen "), name

    run(profile, blueprints(), documents_are_valid)


# -- every pod meets the Pod Security level its namespace enforces --------------------------


PSA = "pod-security.kubernetes.io/"


@pytest.mark.parametrize("profile", PROFILES)
def test_pods_meet_their_namespace_pod_security_level(profile: str) -> None:
    def pods_meet_their_level(spec: Spec) -> None:
        result = built(spec)
        for c in result.compiled:
            docs = [checks.parse_one(d) for d in c.documents]
            levels = {}
            for ns in (d for d in docs if d["kind"] == "Namespace"):
                labels = ns["metadata"]["labels"]
                for mode in ("enforce", "warn", "audit"):
                    assert labels[f"{PSA}{mode}-version"] == "v1.33"
                    assert labels[f"{PSA}{mode}"] == labels[f"{PSA}enforce"]
                levels[ns["metadata"]["name"]] = labels[f"{PSA}enforce"]
            for w in (d for d in docs if d["kind"] in ("Deployment", "StatefulSet")):
                level = levels[w["metadata"]["namespace"]]
                pod = w["spec"]["template"]["spec"]
                assert not pss.violations(pod, level), (w["metadata"]["name"], level)
                # Nothing in the generator asks for root, capabilities or the host network
                # unless the level allows it; a pod that asks for none meets restricted.
                asks = pod.get("hostNetwork") or any(
                    (k.get("securityContext") or {}).get("capabilities", {}).get("add")
                    for k in pod["containers"]) or "runAsNonRoot" not in pod["securityContext"]
                if not asks:
                    assert not pss.violations(pod, "restricted"), w["metadata"]["name"]

    run(profile, blueprints(), pods_meet_their_level)


# -- canary weights add up to 100 everywhere ----------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_canary_weights_add_up_to_100(profile: str) -> None:
    def weights_add_up(spec: Spec) -> None:
        result = built(spec)
        for c in result.compiled:
            planned = []
            for route in c.plan.routes:
                weights = tuple(b.weight for b in route.backends)
                assert sum(weights) == 100 and all(0 <= w <= 100 for w in weights), route
                if len(weights) > 1:
                    planned.append(weights)
            docs = [checks.parse_one(d) for d in c.documents]
            found = [(where, split) for doc in docs for where, split in checks.splits(doc)]
            for where, split in found:
                assert sum(split) == 100 and all(0 <= w <= 100 for w in split), (where, split)
            # Every planned split appears in the output, if a backend whose form we know
            # wrote one (a backend merged later without an extractor is not held to it).
            if found or any(d["kind"] in checks.KNOWN_SPLIT_KINDS for d in docs):
                shown = {tuple(sorted(s)) for _, s in found}
                for weights in planned:
                    assert tuple(sorted(weights)) in shown, (weights, found)

    run(profile, blueprints(), weights_add_up)


# -- a mesh's read-back says what the blueprint says --------------------------------------


@pytest.mark.parametrize("mesh", MESHES)
@pytest.mark.parametrize("profile", PROFILES)
def test_the_mesh_reads_back_as_declared(profile: str, mesh: Backend) -> None:
    """Every mesh target: its YAML read back by the target's own evaluator (`MeshHooks`
    readback/routes; Istio's in netgen/targets/istio/readback*.py) allows exactly the
    declared calls and exposures and routes as planned, in every environment, whatever else
    the blueprint holds. What a mesh cannot express is left out by its `MeshLimits`
    (strategies.py)."""

    assert mesh.mesh is not None
    kind = mesh.mesh.kind.name

    def mesh_reads_back(spec: Spec) -> None:
        result = built(spec)
        for c in result.compiled:
            assert c.plan.mesh is not None and c.plan.mesh.kind == kind
            report = verify_mesh(c.plan, [checks.parse_one(d) for d in c.documents])
            assert report.ok, f"{c.plan.env.name}:\n{report.render()}"

    run(profile, blueprints(meshes=(mesh,)), mesh_reads_back, case=mesh.name)


# -- deterministic, and order-free ---------------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_build_is_deterministic(profile: str, other_hash_seed: HashSeedWorker) -> None:
    def same_input_same_bytes(spec: Spec) -> None:
        source = spec.source()
        note(source)
        first, second = build_source(source), build_source(source)
        assert first.files == second.files and first.streams == second.streams
        files, streams = other_hash_seed.build(source)
        assert files == first.files and streams == first.streams

    run(profile, blueprints(), same_input_same_bytes)


@pytest.mark.parametrize("profile", PROFILES)
def test_declaration_order_does_not_change_the_output(profile: str) -> None:
    """Services, externals, calls, exposures of different services, scoped blocks and env
    declarations in any order: the same files, the same stream per env. (The exposures of
    one service keep their relative order: they are numbered in it.)"""

    def order_does_not_matter(example: tuple[Spec, int]) -> None:
        spec, seed = example
        shuffled = spec.source(random.Random(seed))
        note(shuffled)
        first, second = built(spec), build_source(shuffled)
        assert first.files == second.files
        assert first.streams == second.streams

    run(profile, st.tuples(blueprints(), st.integers(0, 2**32)), order_does_not_matter)


# -- user strings come out exactly as given ------------------------------------------------


@pytest.mark.parametrize("profile", PROFILES)
def test_user_strings_come_out_exactly(profile: str) -> None:
    def strings_survive(spec: Spec) -> None:
        result = built(spec)
        found: dict[str, set[str]] = {}
        for c in result.compiled:
            here = found[c.plan.env.name] = set()
            for d in c.documents:
                here.update(checks.strings(checks.parse_one(d)))
            # What the Plan decided to use: certificates (also inherited from the env),
            # external hosts behind an ExternalName alias, images.
            for route in c.plan.routes:
                if isinstance(route.tls, AcmCert):
                    assert route.tls.arn in here, ("certificate ARN", route.tls.arn)
                elif isinstance(route.tls, TlsSecret):
                    assert route.tls.secret in here, ("TLS secret", route.tls.secret)
            for x in c.plan.externals:
                if x.alias:
                    assert x.host in here, ("external host", x.host)
        for s in spec.supplied:
            for env in s.envs:
                here = found[env] if not s.any_case else {x.lower() for x in found[env]}
                value = s.value if not s.any_case else s.value.lower()
                assert value in here, (
                    f"{s.what} {s.value!r} of {s.where} is not in the output of {env}")

    run(profile, blueprints(), strings_survive)


def test_generator_reaches_every_backend() -> None:
    """The strategies really generate exposures over every registered backend (and so
    would over one merged later)."""
    from tests.properties.strategies import exposable

    seen: set[str] = set()

    @settings(max_examples=200, database=None, deadline=None)
    @given(blueprints())
    def collect(spec: Spec) -> None:
        for d in (*spec.body, *(x for _, decls in spec.scoped for x in decls)):
            if d.fn == "expose":
                seen.add(dict(d.kwargs)["via"].name)

    collect()
    assert {via.name for via, _ in exposable()} <= seen

