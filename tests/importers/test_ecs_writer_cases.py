"""The writer on small hand-built systems: every ALB rule shape, ports, versions, secrets,
flows, and hostile strings. Each generated blueprint is loaded and resolved, so the checks
are on what netgen will build, not on the text."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netgen.importers.ecs.model import (
    Backend,
    Container,
    ContainerPort,
    DnsName,
    EcsSystem,
    Endpoint,
    EnvVar,
    External,
    FixedResponse,
    Flow,
    Forward,
    HeaderMatch,
    Ingress,
    Listener,
    Mount,
    PathMatch,
    Probe,
    QueryMatch,
    Redirect,
    Resources,
    Route,
    SecretRef,
    Service,
    TlsCertificate,
    Version,
    Volume,
)
from netgen.importers.ecs.secrets import SecretNames
from netgen.model import AcmCert
from tests.importers.blueprint_helpers import generate, plan_of

CERT = TlsCertificate("arn:aws:acm:eu-west-1:111122223333:certificate/one", ("example.com",
                                                                            "*.example.com"))
OTHER = TlsCertificate("arn:aws:acm:eu-west-1:111122223333:certificate/two",
                       ("other.org", "*.other.org"))
ARN = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:listener-rule/app/edge/1/2/"


def version(name: str | None = None, image: str = "img:1", replicas: int = 2,
            **container: object) -> Version:
    fields = {"ports": (ContainerPort("http", 8080),), **container}
    return Version(name=name, ecs_service=f"svc-{name or 'main'}",
                   ecs_service_arn=f"arn:aws:ecs:eu-west-1:111122223333:service/c/{name}",
                   task_definition="td:1", replicas=replicas,
                   container=Container(name="app", image=image, **fields))  # type: ignore[arg-type]


def service(name: str, *versions: Version) -> Service:
    versions = versions or (version(),)
    return Service(name, versions, versions[0].container.ports)


def fwd(*targets: tuple[str, str | None, int]) -> Forward:
    return Forward(tuple(Backend(s, v, 8080, w, f"tg-{s}-{v or 'all'}") for s, v, w in targets))


def rule(priority: int | None, action, **conditions) -> Route:  # type: ignore[no-untyped-def]
    return Route(priority, action, rule_arn=f"{ARN}{priority or 'default'}", **conditions)


def prefix(value: str) -> PathMatch:
    return PathMatch("prefix", value, value.rstrip("/") + "/*")


def https(*routes: Route, redirect: bool = True, certs=(CERT,)) -> tuple[Listener, ...]:  # type: ignore[no-untyped-def]
    listeners = [Listener(443, "HTTPS", routes, tls=certs)]
    if redirect:
        listeners.insert(0, Listener(80, "HTTP", (), https_redirect=True))
    return tuple(listeners)


def system(*ingresses: Ingress, services=None, **more) -> EcsSystem:  # type: ignore[no-untyped-def]
    services = services or (service("api", version("v1"), version("v2")), service("web"))
    return EcsSystem(services=tuple(services), ingresses=ingresses, cluster="prod", **more)


def alb(*listeners: Listener, name: str = "edge", internet: bool = True) -> Ingress:
    return Ingress(name, f"arn:lb/{name}", internet, tuple(listeners))


def routes(sys: EcsSystem, tmp_path: Path, via: str = "ALB"):  # type: ignore[no-untyped-def]
    generated = generate(sys, via=via)
    return plan_of(generated.text, tmp_path).routes, generated


def codes(generated) -> list[str]:  # type: ignore[no-untyped-def]
    return [w.code for w in generated.warnings]


pytestmark = pytest.mark.usefixtures("http_backends")


def test_alternatives_become_one_exposure_each(tmp_path: Path) -> None:
    r = rule(10, fwd(("web", None, 1)), hosts=("a.example.com", "b.example.com"),
             paths=(prefix("/x"), PathMatch("exact", "/y", "/y")),
             headers=(HeaderMatch("X-Env", ("blue", "green")),))
    found, _ = routes(system(alb(*https(r))), tmp_path)
    assert sorted((x.host, x.path, x.path_type, x.matches[0].value) for x in found) == sorted(
        (h, p, t, v) for h in ("a.example.com", "b.example.com")
        for p, t in (("/x", "Prefix"), ("/y", "Exact")) for v in ("blue", "green"))


def test_rules_that_answer_themselves_are_reported(tmp_path: Path) -> None:
    sys = system(alb(*https(
        rule(5, FixedResponse(403), paths=(prefix("/internal"),)),
        rule(6, Redirect(301, host="new.example.com"), hosts=("old.example.com",)),
        rule(10, fwd(("web", None, 1)), paths=(prefix("/app"),)),
        rule(None, FixedResponse(404)),
    )))
    found, generated = routes(sys, tmp_path)
    assert [(x.service, x.path) for x in found] == [("web", "/app")]
    assert codes(generated) == ["rule-fixed-response", "rule-redirect"]
    assert "left out: unmatched requests get 404 from the ingress controller too" in (
        generated.text)
    assert "requests it answered now reach the next matching rule" in generated.warnings[0].message


def test_a_rule_an_earlier_rule_covers_is_left_out(tmp_path: Path) -> None:
    sys = system(alb(*https(
        rule(10, fwd(("web", None, 1)), paths=(prefix("/api"),)),
        rule(20, fwd(("api", "v2", 1)), paths=(prefix("/api/v2"),),
             headers=(HeaderMatch("X-Beta", ("1",)),)),
        rule(30, fwd(("api", "v1", 1)), paths=(prefix("/apiv1"),)),
    )))
    found, generated = routes(sys, tmp_path)
    assert [(x.service, x.path) for x in found] == [("web", "/api"), ("api", "/apiv1")]
    assert codes(generated) == ["rule-shadowed"]
    assert "earlier HTTPS:443 rule 10 takes every request it matches" in (
        generated.warnings[0].message)


def test_canary_shares_are_whole_percents(tmp_path: Path) -> None:
    sys = system(alb(*https(rule(10, fwd(("api", "v1", 2), ("api", "v2", 1))))))
    found, generated = routes(sys, tmp_path)
    assert [(b.version, b.weight) for b in found[0].backends] == [("v1", 67), ("v2", 33)]
    assert codes(generated) == ["canary-rounded"]
    assert "canary=0.33" in generated.text


def test_a_zero_weight_canary_is_kept(tmp_path: Path) -> None:
    sys = system(alb(*https(rule(10, fwd(("api", "v1", 100), ("api", "v2", 0))))))
    found, generated = routes(sys, tmp_path)
    assert [(b.version, b.weight) for b in found[0].backends] == [("v1", 100), ("v2", 0)]
    assert codes(generated) == []


def test_a_split_across_services_goes_to_the_heaviest(tmp_path: Path) -> None:
    sys = system(alb(*https(rule(10, fwd(("web", None, 30), ("api", "v1", 70))))))
    found, generated = routes(sys, tmp_path)
    assert [(b.service, b.weight) for b in found[0].backends] == [("api-v1", 100)]
    assert codes(generated) == ["forward-narrowed"]


def test_method_query_and_source_conditions_are_carried_or_the_rule_left_out(
        tmp_path: Path) -> None:
    """The issue's case: a query-string rule, then a source-ip rule, then a default 404.
    ALB carries both; GATEWAY carries the query and leaves the source-ip rule out; NGINX
    leaves both out; nobody calls the source-ip rule shadowed, nor the query rule a
    catch-all."""
    sys = system(alb(*https(
        rule(10, fwd(("web", None, 1)), queries=(QueryMatch("version", "beta"),),
             methods=("GET",)),
        rule(20, fwd(("api", "v1", 1)), source_ips=("192.0.2.0/24",)),
        rule(None, FixedResponse(404)),
    )))
    found, generated = routes(sys, tmp_path)
    assert [(x.service, x.query, x.methods, x.source_ips) for x in found] == [
        ("web", (("version", "beta"),), ("GET",), ()),
        ("api", (), (), ("192.0.2.0/24",))]
    assert codes(generated) == []
    assert "unmatched requests get 404" in generated.text
    found, generated = routes(sys, tmp_path, via="GATEWAY")
    assert [(x.service, x.query) for x in found] == [("web", (("version", "beta"),))]
    assert codes(generated) == ["rule-condition"]
    assert "source-ip condition cannot be expressed with --via GATEWAY" in (
        generated.warnings[0].message)
    found, generated = routes(sys, tmp_path, via="NGINX")
    assert found == ()
    assert codes(generated) == ["rule-condition", "rule-condition"]
    assert "rule-shadowed" not in codes(generated)


def test_a_query_wildcard_leaves_the_rule_out_and_an_escaped_one_is_literal(
        tmp_path: Path) -> None:
    """ALB reads `*` and `?` in a query-string condition as wildcards, `\\*` and `\\?` as
    the characters: `query=` matches exactly, so the first cannot be carried (it was, as a
    literal `*`, on every via) and the second is carried without its backslash."""
    sys = system(alb(*https(
        rule(10, fwd(("web", None, 1)), queries=(QueryMatch("v", "beta*"),)),
        rule(20, fwd(("api", "v1", 1)), queries=(QueryMatch("q", "a\\?b"),)),
        rule(None, FixedResponse(404)),
    )))
    found, generated = routes(sys, tmp_path)
    assert [(x.service, x.query) for x in found] == [("api", (("q", "a?b"),))]
    assert codes(generated) == ["rule-condition"]
    assert ("its query-string wildcard condition cannot be expressed with --via ALB"
            in generated.warnings[0].message)


def test_a_method_condition_to_a_grpc_target_group(tmp_path: Path) -> None:
    """Every gRPC call is a POST: a POST condition holds for all of them (dropped, the rule
    kept), a GET one for none (the rule left out). Both were written as methods=, which
    netgen refuses for a gRPC service: the imported blueprint did not build."""
    grpc = service("g", attrs.evolve(version(), target_protocol="GRPC"))
    sys = system(alb(*https(
        rule(10, fwd(("g", None, 1)), methods=("POST",), paths=(prefix("/a"),)),
        rule(20, fwd(("g", None, 1)), methods=("GET",), paths=(prefix("/b"),)),
        rule(30, fwd(("g", None, 1)), queries=(QueryMatch("v", "2"),), paths=(prefix("/c"),)),
        rule(None, FixedResponse(404)))), services=(grpc,))
    found, generated = routes(sys, tmp_path)
    assert [(x.service, x.path, x.methods) for x in found] == [("g", "/a", ())]
    assert codes(generated) == ["rule-condition", "rule-condition"]
    assert [w.message.split(": ", 2)[-1] for w in generated.warnings] == [
        "its method condition (GET) takes no call of 'g', which speaks gRPC (every call a "
        "POST)",
        "its query-string condition takes no call of 'g', which speaks gRPC (no call has a "
        "query string)"]


def test_a_catch_all_and_the_default_to_one_target_are_one_exposure(tmp_path: Path) -> None:
    sys = system(alb(*https(
        rule(10, fwd(("web", None, 1)), paths=(PathMatch("prefix", "/", "/*"),)),
        rule(None, fwd(("web", None, 1))))))
    found, generated = routes(sys, tmp_path)
    assert [(x.service, x.path) for x in found] == [("web", None)]
    assert codes(generated) == []
    assert "HTTPS:443 rule 10 catches every request, so this default never answered" in (
        generated.text)


def test_header_wildcards_go_to_alb_as_alb_reads_them(tmp_path: Path) -> None:
    sys = system(alb(*https(
        rule(10, fwd(("api", "v2", 1)), headers=(HeaderMatch("User-Agent", ("*Chrome*",)),)),
        rule(None, fwd(("web", None, 1))))))
    found, generated = routes(sys, tmp_path)
    assert [(m.name, m.value, m.wildcards) for m in found[0].matches] == [
        ("User-Agent", "*Chrome*", True)]
    assert 'header("User-Agent", "*Chrome*", wildcards=True)' in generated.text
    found, generated = routes(sys, tmp_path, via="NGINX")
    assert [x.service for x in found] == ["web"]
    assert codes(generated) == ["rule-condition"]
    assert "header wildcard condition cannot be expressed with --via NGINX" in (
        generated.warnings[0].message)


def test_an_http_rule_equal_to_an_https_rule_serves_both(tmp_path: Path) -> None:
    same = rule(10, fwd(("web", None, 1)), paths=(prefix("/a"),))
    plain_only = rule(20, fwd(("web", None, 1)), paths=(prefix("/plain"),))
    sys = system(alb(Listener(80, "HTTP", (same, plain_only)),
                     Listener(443, "HTTPS", (same,), tls=(CERT,))))
    found, generated = routes(sys, tmp_path)
    assert [(x.path, x.tls, x.redirect_https, x.ports) for x in found] == [
        ("/a", AcmCert(CERT.arn), False, ()),
        ("/plain", None, False, ()),
    ]
    assert 'env("prod", namespace="prod", isolation=STRICT)' in generated.text


def test_an_https_only_load_balancer_keeps_to_its_port(tmp_path: Path) -> None:
    sys = system(alb(*https(rule(None, fwd(("web", None, 1))), redirect=False)))
    (found,), _ = routes(sys, tmp_path)
    assert (found.redirect_https, found.ports) == (False, (443,))


def test_each_host_gets_its_own_certificate(tmp_path: Path) -> None:
    sys = system(alb(*https(rule(10, fwd(("web", None, 1)), hosts=("www.other.org",)),
                            rule(20, fwd(("api", None, 1)), hosts=("api.example.com",)),
                            certs=(CERT, OTHER))))
    found, generated = routes(sys, tmp_path)
    assert [(x.host, x.tls) for x in found] == [
        ("www.other.org", AcmCert(OTHER.arn)), ("api.example.com", AcmCert(CERT.arn))]
    assert "tls=acm(" not in generated.text.split("env(", 1)[1].split(")", 1)[0]


def test_several_load_balancers_keep_their_groups_and_schemes(tmp_path: Path) -> None:
    sys = system(alb(*https(rule(10, fwd(("web", None, 1)), hosts=("www.example.com",)))),
                 alb(*https(rule(10, fwd(("api", None, 1)), hosts=("api.example.com",))),
                     name="inside", internet=False))
    found, _ = routes(sys, tmp_path)
    assert [(x.service, x.group, x.scheme) for x in found] == [
        ("web", "edge", "internet-facing"), ("api", "inside", "internal")]


@pytest.mark.parametrize("via", ["NGINX", "GATEWAY"])
def test_other_controllers_get_a_tls_secret_and_no_alb_settings(tmp_path: Path, via: str) -> None:
    sys = system(alb(*https(rule(10, fwd(("web", None, 1)), hosts=("www.example.com",))),
                     internet=False))
    (found,), generated = routes(sys, tmp_path, via)
    assert (found.tls.secret, found.health, found.scheme, found.group) == (
        "example-com-tls", None, "internet-facing", None)
    assert "# - Secret example-com-tls (kubernetes.io/tls) for example.com, *.example.com" in (
        generated.text)


def test_service_connect_port_is_the_service_port(tmp_path: Path) -> None:
    orders = service("orders", version(ports=(ContainerPort("grpc", 9090, "TCP", "grpc"),)))
    web = service("web", version(env=(
        EnvVar("ORDERS", "orders.local:80", ("orders.local",)),
        EnvVar("ORDERS_SD", "http://orders.sd.local:9090/x", ("orders.sd.local",)),
    )))
    sys = EcsSystem(services=(orders, web), cluster="Prod_Cluster", dns_names=(
        DnsName("orders.local", "service-connect", "orders", 80),
        DnsName("orders.sd.local", "cloud-map", "orders")))
    generated = generate(sys, via="CLUSTER")
    plan = plan_of(generated.text, tmp_path)
    port = plan.service("orders").port
    assert (port.port, port.target_port, port.name, port.app_protocol) == (80, 9090, "grpc",
                                                                          "grpc")
    env = {e.name: e.value for e in next(w for w in plan.workloads if w.name == "web").env}
    assert env["ORDERS"] == "orders.prod-cluster.svc.cluster.local:80"
    assert env["ORDERS_SD"] == "http://orders.prod-cluster.svc.cluster.local:80/x"


def test_versions_share_what_they_have_in_common(tmp_path: Path) -> None:
    probe = Probe("http", 10, 2, 3, path="/ready", port=8080)
    same = dict(env=(EnvVar("A", "1"),), resources=Resources(500, None, 256, 512),
                readiness=probe)
    api = service("api", version("v1", "api:1", 4, **same),
                  version("v2", "api:2", 1, env=(EnvVar("A", "1"), EnvVar("B", "2")),
                          resources=Resources(500, 1000, 256, 512), readiness=probe))
    twins = service("twins", version("v1", **same), version("v2", **same))
    generated = generate(EcsSystem(services=(api, twins), cluster="c"), via="CLUSTER")
    assert 'versions=["v1", "v2"]' in generated.text
    w = {w.name: w for w in plan_of(generated.text, tmp_path).workloads}
    assert (w["api-v1"].image, w["api-v1"].replicas, w["api-v2"].image) == ("api:1", 4, "api:2")
    assert [e.name for e in w["api-v1"].env] == ["A"]
    assert [e.name for e in w["api-v2"].env] == ["A", "B"]
    assert dict(w["api-v1"].resources.limits) == {"memory": "512Mi"}
    assert dict(w["api-v2"].resources.limits) == {"cpu": "1", "memory": "512Mi"}
    assert w["api-v1"].readiness == w["api-v2"].readiness
    assert (w["api-v1"].readiness.path, w["api-v1"].readiness.port) == ("/ready", "http")


def test_secret_names() -> None:
    names = SecretNames()
    sm = "arn:aws:secretsmanager:eu-west-1:1:secret:prod/db-AbC123"
    assert names.key_for(SecretRef("A", "secretsmanager", sm, "user")).secret == "prod-db"
    assert names.key_for(SecretRef("B", "secretsmanager", sm, "pass/word")).key == "pass-word"
    assert names.key_for(SecretRef("C", "secretsmanager", sm, "pass-word")).key == "pass-word-2"
    assert names.key_for(SecretRef("D", "secretsmanager", sm)).key == "value"
    staged = names.key_for(SecretRef("E", "secretsmanager", sm, "user",
                                     version_stage="AWSPREVIOUS"))
    assert (staged.secret, staged.key) == ("prod-db-awsprevious", "user")
    assert "version stage AWSPREVIOUS" in staged.origin()
    assert names.key_for(SecretRef("F", "ssm", "/prod/API_KEY")).secret == "prod-api-key"
    other = "arn:aws:secretsmanager:eu-west-1:1:secret:prod_db-XyZ789"
    assert names.key_for(SecretRef("G", "secretsmanager", other)).secret == "prod-db-2"


def test_flows_that_are_not_calls_are_reported(tmp_path: Path) -> None:
    api, web = service("api"), service("web")
    flows = (
        Flow(Endpoint("service", "web"), Endpoint("service", "api"), "TCP", 22, 22),
        Flow(Endpoint("cidr", "10.8.0.0/16"), Endpoint("service", "api"), "TCP", 8080, 8080),
        Flow(Endpoint("service", "web"), Endpoint("external", "api"), "ANY", None, None),
    )
    externals = (External("api", "rds", "db.example.com", 5432, "postgres", "arn:db"),)
    generated = generate(EcsSystem(services=(api, web), flows=flows, externals=externals,
                                   cluster="c"), via="CLUSTER")
    plan = plan_of(generated.text, tmp_path)
    assert [(c.src, c.dst, c.dst_kind) for c in plan.calls] == [("web", "api-2", "external")]
    assert sorted(codes(generated)) == ["cidr-source", "external-access", "flow-port"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(max_size=40), arg=st.text(min_size=1, max_size=20))
def test_any_value_survives_as_a_python_literal(tmp_path: Path, value: str, arg: str) -> None:
    sys = EcsSystem(services=(service("web", version(env=(EnvVar("V", value),),
                                                      args=(arg,))),), cluster="c")
    plan = plan_of(generate(sys, via="CLUSTER").text, tmp_path)
    (w,) = plan.workloads
    assert [e.value for e in w.env] == [value]
    assert w.args == (arg,)


def test_aws_volume_names_become_kubernetes_names(tmp_path: Path) -> None:
    data = attrs.evolve(
        version(mounts=(Mount("Orders_Data", "/data"), Mount("scratch", "/tmp", True))),
        volumes=(Volume("Orders_Data", "efs", "fs-1:/"), Volume("scratch", "ephemeral")))
    generated = generate(EcsSystem(services=(service("orders", data),), cluster="c"),
                         via="CLUSTER")
    (w,) = plan_of(generated.text, tmp_path).workloads
    assert [(v.name, v.path, v.claim, v.read_only) for v in w.volumes] == [
        ("orders-data", "/data", "orders-data", False), ("scratch", "/tmp", None, True)]
    assert "# - PersistentVolumeClaim orders-data for orders: EFS fs-1:/" in generated.text


def test_a_database_without_endpoint_is_not_called(tmp_path: Path) -> None:
    flows = (Flow(Endpoint("service", "web"), Endpoint("external", "db"), "TCP", 5432, 5432),)
    externals = (External("db", "rds", None, None, "postgres", "arn:db"),)
    generated = generate(EcsSystem(services=(service("web"),), flows=flows,
                                   externals=externals, cluster="c"), via="CLUSTER")
    assert plan_of(generated.text, tmp_path).calls == ()
    assert codes(generated) == ["external-endpoint"]


@pytest.mark.parametrize(("via", "protocol", "warned"), [
    ("ALB", "https", False), ("NGINX", "https", False), ("GATEWAY", "https", True)])
def test_an_https_target_group_means_tls_to_the_pods(tmp_path: Path, via: str,
                                                     protocol: str | None, warned: bool) -> None:
    web = service("web", attrs.evolve(version(), target_protocol="HTTPS"))
    sys = system(alb(*https(rule(None, fwd(("web", None, 1))))),
                 services=(service("api", version("v1"), version("v2")), web))
    generated = generate(sys, via=via)
    plan = plan_of(generated.text, tmp_path)
    (found,) = plan.routes
    assert found.backend_tls is (protocol == "https")
    assert ("target-protocol" in codes(generated)) is warned
    if warned:
        assert "BackendTLSPolicy" in generated.warnings[0].message


@pytest.mark.parametrize("via", ["ALB", "GATEWAY"])
def test_a_later_rule_as_specific_keeps_its_place(tmp_path: Path, via: str) -> None:
    """Rules 10 and 20 rank alike (one header each): the first declared answers a request
    with both headers in the cluster too (ALB's group.order, the HTTPRoute's rule order), as
    on the ALB: no warning."""
    sys = system(alb(*https(
        rule(10, fwd(("api", "v2", 1)), headers=(HeaderMatch("X-A", ("1",)),)),
        rule(20, fwd(("web", None, 1)), headers=(HeaderMatch("X-B", ("2",)),)),
    )))
    found, generated = routes(sys, tmp_path, via=via)
    assert [r.service for r in found] == ["api", "web"]
    assert codes(generated) == []


def test_a_later_more_specific_rule_that_overlaps_is_named(tmp_path: Path) -> None:
    """The ALB tried rule 10 first; the cluster tries the more specific rule 20 first: a
    request matching both changes target, and the warning says which."""
    sys = system(alb(*https(
        rule(10, fwd(("api", "v2", 1)), headers=(HeaderMatch("User-Agent", ("*Chrome*",)),)),
        rule(20, fwd(("web", None, 1)), queries=(QueryMatch("version", "beta"),),
             methods=("GET",)),
        rule(30, fwd(("web", None, 1)), headers=(HeaderMatch("X-Tier", ("gold",)),),
             paths=(prefix("/static"),)),
        rule(40, fwd(("api", "v1", 1)), headers=(HeaderMatch("X-Tier", ("silver",)),),
             paths=(prefix("/static"),)),
    )))
    found, generated = routes(sys, tmp_path)
    assert len(found) == 4
    pairs = [tuple(re.findall(r"rule (\d+) \(", w.message)) for w in generated.warnings]
    # 30 and 40 exclude each other (X-Tier); 20 and 30 go to the same target
    assert pairs == [("20", "10"), ("30", "10"), ("40", "10"), ("40", "20")]
    assert set(codes(generated)) == {"rule-order"}
    message = generated.warnings[0].message
    assert message.startswith("HTTPS:443 rule 20 (method GET, query version=beta) comes after "
                              "HTTPS:443 rule 10 (header User-Agent: *Chrome*)")
    assert "went to tg-api-v2 and now goes to tg-web-all" in message
