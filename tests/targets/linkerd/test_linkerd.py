"""mesh(LINKERD): what comes out, judged by the shipped Linkerd 2.20 and Gateway API CRD
schemas, by the policy read-back (an evaluator of Linkerd's inbound policy) and by Istio's
own read-back of the same blueprint; and every declaration Linkerd cannot express."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from netgen.plan.mesh import PLAINTEXT
from netgen.targets.istio import readback_authz as istio_authz
from netgen.targets.linkerd import readback
from netgen.validate.shipped import problems_against, serving
from tests.conftest import BLUEPRINTS, build, documents
from tests.targets.mesh_blueprints import Make, errors
from tests.targets.mesh_blueprints import compiled as compile_env


def compiled(make: Make, body: str, env: str | None = None) -> tuple[Any, list[dict]]:
    chosen = compile_env(make, body, env)
    return chosen.plan, documents(chosen)


def by_key(docs: list[dict]) -> dict[tuple[str, str], dict]:
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def schema_problems(doc: dict) -> list[str]:
    """The shipped CRD schema of the document's kind; a kind without one fails the test."""
    bundles = serving(doc["apiVersion"], doc["kind"])
    assert bundles, f"no shipped schema serves {doc['apiVersion']} {doc['kind']}"
    version = bundles[0].index.lookup(doc["apiVersion"], doc["kind"])
    assert version is not None
    return [f"{p.loc.path}: {p.message}" for p in problems_against(doc, version)]


CALLS = """\
mesh(LINKERD)
calls("web", "api")
calls("api", "db")
expose("web", via=NODEPORT, node_port=30080)
"""


# --- what comes out -----------------------------------------------------------------------------


def test_strict_denies_by_default_and_allows_exactly_the_callers(blueprint_file: Make) -> None:
    _, docs = compiled(blueprint_file, CALLS)
    d = by_key(docs)
    assert d[("Namespace", "prod")]["metadata"]["annotations"] == {
        "config.linkerd.io/default-inbound-policy": "deny", "linkerd.io/inject": "enabled"}
    assert "istio-injection" not in d[("Namespace", "prod")]["metadata"]["labels"]
    assert not [k for k in d if k[0] in ("PeerAuthentication", "VirtualService",
                                         "DestinationRule", "ServiceEntry")]
    assert d[("Server", "api")]["spec"] == {
        "podSelector": {"matchLabels": {"app": "api"}}, "port": 8080, "accessPolicy": "deny"}
    assert d[("Server", "web")]["spec"]["port"] == 8080  # the pods' port, not the Service's
    assert d[("MeshTLSAuthentication", "api-callers")]["spec"] == {
        "identityRefs": [{"kind": "ServiceAccount", "name": "web", "namespace": "prod"}]}
    assert d[("MeshTLSAuthentication", "db-callers")]["spec"]["identityRefs"] == [
        {"kind": "ServiceAccount", "name": "api", "namespace": "prod"}]
    assert d[("AuthorizationPolicy", "api-callers")]["spec"] == {
        "targetRef": {"group": "policy.linkerd.io", "kind": "Server", "name": "api"},
        "requiredAuthenticationRefs": [{"group": "policy.linkerd.io",
                                        "kind": "MeshTLSAuthentication", "name": "api-callers"}]}
    # web is exposed via NODEPORT: its clients have no mesh identity
    assert d[("AuthorizationPolicy", "web-outside")]["spec"]["requiredAuthenticationRefs"][0][
        "kind"] == "NetworkAuthentication"
    assert ("MeshTLSAuthentication", "web-callers") not in d
    for name in ("web", "api", "db"):
        assert ("ServiceAccount", name) in d
    assert d[("Deployment", "api-v1")]["spec"]["template"]["spec"]["serviceAccountName"] == "api"
    # NetworkPolicy keeps the control plane reachable (identity 8080, destination 8086/8090)
    egress = d[("NetworkPolicy", "allow-linkerd")]["spec"]["egress"][0]
    assert egress["to"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "linkerd"}
    assert [p["port"] for p in egress["ports"]] == [8080, 8086, 8090]
    assert ("NetworkPolicy", "allow-istiod") not in d
    for doc in docs:
        if doc["kind"] not in ("Namespace", "Deployment", "StatefulSet", "Service",
                               "ServiceAccount", "NetworkPolicy", "PodDisruptionBudget"):
            assert schema_problems(doc) == [], doc["kind"]


def test_open_and_mtls_decide_the_default_policy_and_audit_only_logs(
        blueprint_file: Make) -> None:
    body = """\
    env("dev", namespace="dev", isolation=OPEN)
    env("stage", namespace="stage", isolation=OPEN)
    env("canary", namespace="canary", isolation=STRICT, linkerd_audit=True,
        linkerd_namespace="mesh-system")
    mesh(LINKERD)
    with env("stage"):
        mesh(LINKERD, mtls=STRICT)
    calls("web", "api")
    """
    policy = {}
    for env in ("dev", "stage", "canary"):
        _, docs = compiled(blueprint_file, body, env)
        d = by_key(docs)
        policy[env] = d[("Namespace", env)]["metadata"]["annotations"][
            "config.linkerd.io/default-inbound-policy"]
        # api has callers: closed whatever the default; db has none
        assert d[("Server", "api")]["spec"]["accessPolicy"] == (
            "audit" if env == "canary" else "deny")
        assert d[("Server", "db")]["spec"]["accessPolicy"] == policy[env]
    assert policy == {"dev": "all-unauthenticated", "stage": "all-authenticated",
                      "canary": "audit"}
    _, docs = compiled(blueprint_file, body, "canary")
    assert by_key(docs)[("NetworkPolicy", "allow-linkerd")]["spec"]["egress"][0]["to"][0][
        "namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "mesh-system"}


def test_splits_and_header_routes_are_a_gamma_httproute_on_the_service(
        blueprint_file: Make) -> None:
    _, docs = compiled(blueprint_file, """\
    mesh(LINKERD)
    calls("web", "api")
    traffic("api", timeout="5s", retries=retries(3, per_try="2s", on="5xx,503"),
            split={"v1": 80, "v2": 20},
            routes=[mesh_route(headers=header("X-Version", "v2"), split={"v2": 100}),
                    mesh_route(prefix="/beta", method="GET", timeout="1500ms",
                               headers=[mesh_header("x-user", prefix="qa-"),
                                        header("X-Version", "beta")],
                               split={"v2": 50, "v1": 50})])
    """)
    route = by_key(docs)[("HTTPRoute", "api-mesh")]
    assert route["metadata"]["annotations"] == {
        "retry.linkerd.io/http": "5xx,503", "retry.linkerd.io/limit": "3",
        "retry.linkerd.io/timeout": "2s", "timeout.linkerd.io/request": "5s"}
    assert route["spec"]["parentRefs"] == [
        {"group": "", "kind": "Service", "name": "api", "port": 8080}]
    first, second, rest = route["spec"]["rules"]
    assert first == {"matches": [{"headers": [{"type": "Exact", "name": "x-version",
                                               "value": "v2"}]}],
                     "backendRefs": [{"name": "api-v2", "port": 8080, "weight": 100}]}
    assert second["matches"] == [{
        "path": {"type": "RegularExpression", "value": "^/beta.*"},
        "headers": [{"type": "RegularExpression", "name": "x-user", "value": "qa\\-.*"},
                    {"type": "Exact", "name": "x-version", "value": "beta"}],
        "method": "GET"}]
    assert second["timeouts"] == {"request": "1500ms"}
    assert rest == {"backendRefs": [{"name": "api-v1", "port": 8080, "weight": 80},
                                    {"name": "api-v2", "port": 8080, "weight": 20}]}
    assert schema_problems(route) == []


def test_externals_with_addresses_are_egress_networks(blueprint_file: Make) -> None:
    _, docs = compiled(blueprint_file, """\
    mesh(LINKERD)
    external("rds", host="db.example.com", port=5432, cidr=["10.0.0.0/16", "10.1.0.5"])
    external("ldap", host="10.2.0.7", port=389)
    external("stripe", host="api.stripe.com", port=443)
    calls("api", "rds", "ldap", "stripe")
    """)
    d = by_key(docs)
    assert d[("EgressNetwork", "rds")]["spec"] == {
        "trafficPolicy": "Allow", "networks": [{"cidr": "10.0.0.0/16"}, {"cidr": "10.1.0.5/32"}]}
    assert d[("EgressNetwork", "ldap")]["spec"]["networks"] == [{"cidr": "10.2.0.7/32"}]
    assert ("EgressNetwork", "stripe") not in d  # a host name: Linkerd matches addresses
    assert schema_problems(d[("EgressNetwork", "rds")]) == []


def test_the_schema_judge_rejects_a_misspelt_field(blueprint_file: Make) -> None:
    _, docs = compiled(blueprint_file, CALLS)
    server = copy.deepcopy(by_key(docs)[("Server", "api")])
    server["spec"]["podSelectr"] = server["spec"].pop("podSelector")
    assert schema_problems(server)
    policy = copy.deepcopy(by_key(docs)[("AuthorizationPolicy", "api-callers")])
    del policy["spec"]["requiredAuthenticationRefs"]
    assert schema_problems(policy)


# --- what Linkerd cannot express ----------------------------------------------------------------


def test_what_linkerd_cannot_express_is_an_error_at_its_line(blueprint_file: Make) -> None:
    found = "\n".join(errors(blueprint_file, """\
    mesh(LINKERD, mtls=DISABLE, revision="1-30")
    expose("web", via=ISTIO, host="a.example.com")
    traffic("api", lb="LEAST_CONN", outlier=outlier(consecutive_5xx=5),
            retries=retries(2, on="reset"))
    """))
    assert "bp.py:6: error: mesh(LINKERD): revision= are options of mesh(ISTIO) only" in found
    assert "bp.py:6: error: mesh(LINKERD, mtls=DISABLE): Linkerd always encrypts" in found
    assert "bp.py:7: error: expose('web', via=ISTIO): the Istio ingress gateway needs " \
           "mesh(ISTIO), and this environment's mesh is LINKERD; expose it via another " \
           "ingress instead" in found
    assert "bp.py:8: error: traffic('api'): lb=, outlier= cannot be expressed in Linkerd" in found
    assert "bp.py:8: error: traffic('api'): retries on 'reset': Linkerd retries on response " \
           "statuses only" in found


def test_routes_linkerd_cannot_match_and_bad_settings(blueprint_file: Make) -> None:
    found = "\n".join(errors(blueprint_file, """\
    env("canary", namespace="canary", linkerd_audit="yes", linkerd_namespace="Linkerd")
    mesh(LINKERD)
    traffic("api", routes=[
        mesh_route(headers=mesh_header("x-a", exact="1", invert=True), split={"v1": 100}),
        mesh_route(prefix="/x", timeout="1.5s", split={"v2": 100})])
    """))
    assert "bp.py:9: error: traffic('api'): mesh_route: Gateway API (Linkerd's routes) cannot " \
           "match a header's absence" in found
    assert "bp.py:10: error: traffic('api'): mesh_route timeout='1.5s'" in found
    assert "linkerd_audit= must be True or False" in found
    assert "linkerd_namespace 'Linkerd' is not a valid DNS-1123 label" in found


def test_a_split_on_a_tcp_port_is_refused(blueprint_file: Make) -> None:
    found = errors(blueprint_file, """\
    service("cache", port=6379, image="redis:7", versions=["a", "b"], port_name="tcp-redis")
    mesh(LINKERD)
    traffic("cache", split={"a": 50, "b": 50})
    """)
    assert any("bp.py:8: error: traffic('cache'): Linkerd splits and routes calls through an "
               "HTTPRoute, which needs an HTTP port" in f for f in found), found


def test_the_neutral_checks_name_linkerd(blueprint_file: Make) -> None:
    """resolve's own messages name the mesh the environment chose, not Istio."""
    found = "\n".join(errors(blueprint_file, """\
    mesh(LINKERD)
    traffic("db", timeout="5s", routes=[mesh_route(prefix="/x", split={"a": 100})])
    traffic("api", routes=[mesh_route(headers=[header("x", "1"), mesh_header("X", prefix="2")],
                                      split={"v1": 100})])
    """))
    assert "timeout= need an HTTP port, but 'db' port 'tcp' is not HTTP to Linkerd" in found
    assert "mesh_route matches need an HTTP port, but 'db' port 'tcp' is not HTTP to " \
           "Linkerd" in found
    assert "header 'x' is matched twice; a mesh takes one condition per header" in found
    assert "Istio" not in found


# --- read-back: the allow matrix the documents enforce -------------------------------------------


def test_readback_matches_the_calls_in_every_example_environment() -> None:
    for c in build(BLUEPRINTS / "linkerd.py"):
        docs = documents(c)
        allows, declared = readback.readback(c.plan, docs)
        assert allows == declared, c.plan.env.name
        assert len(allows) > 10


def _mesh_pairs(matrix: frozenset, identity_of: dict[str, str]) -> set[tuple[str, str, int]]:
    """(caller service, workload, port) for the meshed sources both meshes name."""
    return {(identity_of[a.source], a.workload, a.port) for a in matrix
            if a.source in identity_of}


@pytest.mark.parametrize("isolation", ["STRICT", "OPEN"])
def test_linkerd_enforces_what_istio_enforces_for_the_same_calls(
        blueprint_file: Make, isolation: str) -> None:
    """Istio's read-back (its own evaluator) is the second judge: between meshed services
    both meshes must let exactly the same callers through."""
    body = f"""\
    env("cmp", namespace="cmp", isolation={isolation})
    mesh(MESH)
    service("worker", image="w:1")
    calls("web", "api")
    calls("api", "db")
    calls("worker", "api")
    """
    matrices = {}
    for mesh in ("LINKERD", "ISTIO"):
        plan, docs = compiled(blueprint_file, body.replace("MESH", mesh), "cmp")
        services = [s.name for s in plan.services]
        if mesh == "LINKERD":
            allows, declared = readback.readback(plan, docs)
            assert allows == declared
            names = {readback.identity(s, "cmp", "cluster.local"): s for s in services}
        else:
            allows = istio_authz.allow_matrix(docs)
            names = {f"cluster.local/ns/cmp/sa/{s}": s for s in services}
        matrices[mesh] = _mesh_pairs(allows, names)
    assert matrices["LINKERD"] == matrices["ISTIO"]
    assert ("web", "api-v1", 8080) in matrices["LINKERD"]
    assert ("web", "db", 5432) not in matrices["LINKERD"]


def test_readback_catches_a_widened_or_narrowed_policy(blueprint_file: Make) -> None:
    plan, docs = compiled(blueprint_file, CALLS)
    web = readback.identity("web", "prod", "cluster.local")

    def diff(mutate: Callable[[dict[tuple[str, str], dict]], None]) -> tuple[set, set]:
        changed = copy.deepcopy(docs)
        mutate(by_key(changed))
        allows, declared = readback.readback(plan, changed)
        return {str(a) for a in declared - allows}, {str(a) for a in allows - declared}

    def extra_caller(d: dict) -> None:
        d[("MeshTLSAuthentication", "db-callers")]["spec"]["identityRefs"].append(
            {"kind": "ServiceAccount", "name": "web", "namespace": "prod"})

    assert diff(extra_caller) == (set(), {f"{web} -> prod/db:5432"})

    def open_server(d: dict) -> None:
        d[("Server", "db")]["spec"]["accessPolicy"] = "all-unauthenticated"

    missing, extra = diff(open_server)
    assert missing == set() and f"{PLAINTEXT} -> prod/db:5432" in extra

    def drop_policy(d: dict) -> None:
        d[("AuthorizationPolicy", "api-callers")]["spec"]["targetRef"]["name"] = "nothing"

    missing, extra = diff(drop_policy)
    assert {f"{web} -> prod/api-v1:8080", f"{web} -> prod/api-v2:8080"} == missing
    assert extra == set()

    def no_default(d: dict) -> None:  # db without its Server: the namespace default decides
        d[("Server", "db")]["kind"] = "Ignored"
        d[("Namespace", "prod")]["metadata"]["annotations"][
            "config.linkerd.io/default-inbound-policy"] = "all-authenticated"

    missing, extra = diff(no_default)
    assert f"{web} -> prod/db:5432" in extra and PLAINTEXT not in " ".join(extra)


def test_readback_refuses_what_it_does_not_model(blueprint_file: Make) -> None:
    _, docs = compiled(blueprint_file, CALLS)
    d = by_key(docs)
    d[("Server", "api")]["spec"]["podSelector"] = {"matchExpressions": [
        {"key": "app", "operator": "Exists"}]}
    with pytest.raises(readback.ReadError):
        readback.allow_matrix(docs)


# --- the commands ---------------------------------------------------------------------------------


def test_check_and_verify_pass_on_the_example_with_no_flags() -> None:
    runner = CliRunner()
    checked = runner.invoke(app, ["check", str(BLUEPRINTS / "linkerd.py")],
                            env={"NO_COLOR": "1"})
    assert checked.exit_code == 0, checked.output
    assert " 0 errors" in checked.output
    verified = runner.invoke(app, ["verify", str(BLUEPRINTS / "linkerd.py")],
                             env={"NO_COLOR": "1"})
    assert verified.exit_code == 0, verified.output
    assert verified.output.count(": ok: ") == 2


def test_verify_fails_when_the_written_policy_is_wider(tmp_path: Path) -> None:
    from netgen.readback.mesh import verify_mesh

    c = build(BLUEPRINTS / "linkerd.py", ("production",))[0]
    docs = documents(c)
    for doc in docs:
        if doc["kind"] == "MeshTLSAuthentication" and doc["metadata"]["name"] == "database-callers":
            doc["spec"]["identityRefs"].append(
                {"kind": "ServiceAccount", "name": "web-app", "namespace": "production"})
    report = verify_mesh(c.plan, docs)
    assert not report.ok
    assert "undeclared traffic allowed (1)" in report.render()


def test_linkerd_objects_carry_the_labels_every_target_writes(blueprint_file: Make) -> None:
    _, docs = compiled(blueprint_file, CALLS)
    server = by_key(docs)[("Server", "api")]["metadata"]["labels"]
    service = by_key(docs)[("Service", "api")]["metadata"]["labels"]
    assert server == service


ROUTES = """\
mesh(LINKERD)
calls("web", "api")
traffic("api", timeout="5s", split={"v1": 80, "v2": 20}, routes=[
    mesh_route(headers=header("X-Version", "v2"), split={"v2": 100}),
    mesh_route(prefix="/beta.1", method="GET", query={"debug": "1"},
               headers=[mesh_header("x-user", prefix="qa-"), header("X-Version", "beta"),
                        mesh_header("user-agent", suffix="Chrome")],
               split={"v2": 50, "v1": 50}),
    mesh_route(regex="/v[0-9]+/.*", headers=header("X-Version", "old"), split={"v1": 100})])
traffic("web", timeout="2s")
"""


def test_route_readback_gives_the_plans_rows(blueprint_file: Make) -> None:
    plan, docs = compiled(blueprint_file, ROUTES)
    rows, planned = readback.routes(plan, docs)
    assert rows == planned
    shown = sorted(str(r) for r in rows)
    assert len(shown) == 5
    assert "prod/web every other call -> web 100%" in shown
    assert "prod/api every other call -> v1 80%, v2 20%" in shown
    prefixed = next(r for r in rows if r.position == 1)
    assert prefixed.match == (("prefix", "/beta.1"),
                              (("user-agent", "regex", ".*Chrome"), ("x-user", "prefix", "qa-"),
                               ("x-version", "exact", "beta")),
                              "GET", (("debug", "1"),))


def test_route_readback_catches_a_changed_route(blueprint_file: Make) -> None:
    from netgen.readback.mesh import verify_mesh

    plan, docs = compiled(blueprint_file, ROUTES)
    assert verify_mesh(plan, docs).ok
    changed = copy.deepcopy(docs)
    route = by_key(changed)[("HTTPRoute", "api-mesh")]
    route["spec"]["rules"][-1]["backendRefs"][0]["weight"] = 70
    route["spec"]["rules"][-1]["backendRefs"][1]["weight"] = 30
    route["spec"]["rules"][0]["matches"][0]["headers"][0]["value"] = "v3"
    report = verify_mesh(plan, changed)
    assert not report.ok
    assert "routes planned but missing (2)" in report.render()
    assert "v1 70%, v2 30%" in report.render()


def test_routes_a_call_can_match_both_are_refused(blueprint_file: Make) -> None:
    """Istio tries mesh_routes as written; Gateway API most specific first. Only routes no
    call matches both of keep their meaning."""
    found = errors(blueprint_file, """\
    mesh(LINKERD)
    traffic("api", split={"v1": 100}, routes=[
        mesh_route(headers=header("x-version", "v2"), split={"v2": 100}),
        mesh_route(prefix="/beta", split={"v2": 100}),
        mesh_route(prefix="/alpha", split={"v1": 100}),
        mesh_route(exact="/beta/x", method="POST", split={"v1": 100}),
        mesh_route(exact="/beta/x", method="GET", headers=header("x-version", "v1"),
                   split={"v1": 100})])
    """)
    # /beta catches both /beta/x routes: that they can never match is said too (any mesh)
    assert [f.split(": this")[0] for f in found if "can never match" in f] == [
        "bp.py:11: error: traffic('api')", "bp.py:12: error: traffic('api')"], found
    found = [f for f in found if "can never match" not in f]
    assert [f.split(": this")[0] for f in found] == [
        "bp.py:9: error: traffic('api')", "bp.py:10: error: traffic('api')",
        "bp.py:11: error: traffic('api')", "bp.py:12: error: traffic('api')"], found
    assert "and the one at bp.py:9 can both match a call" in found[3]  # GET /beta/x is /beta
    assert "and the one at bp.py:8 can both match a call" in found[0]
