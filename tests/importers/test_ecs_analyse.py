"""The ecs-shop fixture, analysed, equals what a person reading the AWS export would write."""

from __future__ import annotations

import pytest

from netgen.importers.ecs import EcsSystem, Finding, analyse, load_exports
from netgen.importers.ecs.load import parse_exports
from netgen.importers.ecs.model import (
    Backend,
    Container,
    ContainerPort,
    DnsName,
    Endpoint,
    EnvVar,
    External,
    Flow,
    Forward,
    HeaderMatch,
    Mount,
    PathMatch,
    Probe,
    Resources,
    Rollout,
    Route,
    SecretRef,
    Service,
    TlsCertificate,
    Version,
    Volume,
)
from tests.importers.blueprint_helpers import generate
from tests.importers.ecs_helpers import ECS_SHOP, encode, shop_documents

ECS = "arn:aws:ecs:us-west-2:123456789012"
ELB = "arn:aws:elasticloadbalancing:us-west-2:123456789012"
RULE = f"{ELB}:listener-rule/app/shop-alb/8e3b5a7c9d1f2e40/a9c4e2f6b8d01357"
CERT = "arn:aws:acm:us-west-2:123456789012:certificate/7c1e5b9a-3d2f-4e8b-a6c0-9f4d2e1b7a53"
ECR = "123456789012.dkr.ecr.us-west-2.amazonaws.com/shop"
DB_HOST = "shop-db.cxq9mhz3k2ab.us-west-2.rds.amazonaws.com"


@pytest.fixture(scope="module")
def system() -> EcsSystem:
    return analyse(load_exports(ECS_SHOP))


def http_port(name: str, port: int) -> ContainerPort:
    return ContainerPort(name, port, "TCP", "http")


def ready(path: str, port: int, period: int, success: int, failure: int, matcher: str) -> Probe:
    return Probe(
        kind="http",
        path=path,
        port=port,
        scheme="HTTP",
        period_seconds=period,
        timeout_seconds=5,
        success_threshold=success,
        failure_threshold=failure,
        matcher=matcher,
    )


def api_version(name: str, ecs: str, revision: int, image: str, replicas: int, min_pct: int):
    env = [
        EnvVar("ORDERS_URL", "http://orders.shop.local:9090", ("orders.shop.local",)),
        EnvVar("DATABASE_HOST", DB_HOST, (DB_HOST,)),
        EnvVar("DATABASE_PORT", "5432"),
        EnvVar("LOG_LEVEL", "info"),
    ]
    if revision == 15:
        env.append(EnvVar("FEATURE_NEW_CHECKOUT", "true"))
    return Version(
        name=name,
        ecs_service=ecs,
        ecs_service_arn=f"{ECS}:service/shop/{ecs}",
        task_definition=f"shop-api:{revision}",
        replicas=replicas,
        container=Container(
            name="api",
            image=f"{ECR}/api:{image}",
            ports=(http_port("api-http", 8080),),
            env=tuple(env),
            secrets=(
                SecretRef(
                    "DATABASE_PASSWORD",
                    "secretsmanager",
                    "arn:aws:secretsmanager:us-west-2:123456789012:secret:shop/api/db-Xy7Pq2",
                    json_key="password",
                ),
                SecretRef(
                    "STRIPE_API_KEY",
                    "ssm",
                    "arn:aws:ssm:us-west-2:123456789012:parameter/shop/api/stripe-key",
                ),
            ),
            command=("/app/bin/api",),
            args=("serve", "--port", "8080"),
            resources=Resources(1000, 1000, 1536, 2048),
            liveness=Probe(
                kind="exec",
                command=("sh", "-c", "curl -fsS http://localhost:8080/healthz || exit 1"),
                period_seconds=15,
                timeout_seconds=5,
                failure_threshold=3,
                initial_delay_seconds=20,
            ),
            readiness=ready("/healthz", 8080, 15, 3, 3, "200-299"),
        ),
        rollout=Rollout(100, 100 - min_pct, circuit_breaker=True, rollback_on_failure=True),
    )


EXPECTED_SERVICES = (
    Service(
        name="admin",
        versions=(
            Version(
                name=None,
                ecs_service="admin",
                ecs_service_arn=f"{ECS}:service/shop/admin",
                task_definition="shop-admin:3",
                replicas=1,
                container=Container(
                    name="admin",
                    image=f"{ECR}/admin:0.9.12",
                    ports=(http_port("admin-http", 8000),),
                    env=(
                        EnvVar(
                            "API_BASE_URL",
                            "http://api.shop.local:8080/internal",
                            ("api.shop.local",),
                        ),
                    ),
                    command=("gunicorn",),
                    args=("admin.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2"),
                    # Fargate task size 256/512 and container cpu 0: the task size applies.
                    resources=Resources(250, 250, 512, 512),
                    readiness=ready("/admin/healthz", 8000, 30, 5, 2, "200"),
                ),
                rollout=Rollout(0, 100),  # maximumPercent 100, minimumHealthyPercent 0
            ),
        ),
        ports=(http_port("admin-http", 8000),),
    ),
    Service(
        name="api",
        versions=(
            # api takes 80% of /api traffic, api-canary 20%: api is primary.
            api_version("v1", "api", 14, "1.8.2", 4, 50),
            api_version("v2", "api-canary", 15, "1.9.0-rc.1", 1, 100),
        ),
        ports=(http_port("api-http", 8080),),
    ),
    Service(
        name="orders",
        versions=(
            Version(
                name=None,
                ecs_service="orders",
                ecs_service_arn=f"{ECS}:service/shop/orders",
                task_definition="shop-orders:22",
                replicas=2,
                container=Container(
                    name="orders",
                    image=f"{ECR}/orders:3.4.0",
                    ports=(http_port("orders-http", 9090),),
                    env=(EnvVar("DATA_DIR", "/var/lib/orders"), EnvVar("HTTP_PORT", "9090")),
                    # Two containers: no task-level cap is split between them.
                    resources=Resources(375, None, 768, 896),
                    liveness=Probe(
                        kind="exec",
                        command=("wget", "-q", "-O", "/dev/null", "http://localhost:9090/health"),
                        period_seconds=30,
                        timeout_seconds=5,
                        failure_threshold=3,
                    ),
                    mounts=(Mount("orders-data", "/var/lib/orders"),),
                ),
                sidecars=(
                    Container(
                        name="log-router",
                        image="public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0",
                        resources=Resources(125, None, 128, None),
                    ),
                ),
                volumes=(Volume("orders-data", "efs", "fs-0a1b2c3d4e5f67890:/orders"),),
                rollout=Rollout(50, 0),
            ),
        ),
        ports=(http_port("orders-http", 9090),),
    ),
    Service(
        name="web",
        versions=(
            Version(
                name=None,
                ecs_service="web",
                ecs_service_arn=f"{ECS}:service/shop/web",
                task_definition="shop-web:7",
                replicas=3,
                container=Container(
                    name="web",
                    image=f"{ECR}/web:2024.03.1",
                    ports=(http_port("web-http", 3000),),
                    env=(
                        EnvVar("NODE_ENV", "production"),
                        EnvVar("API_URL", "http://api.shop.local:8080", ("api.shop.local",)),
                        EnvVar("PORT", "3000"),
                    ),
                    resources=Resources(500, 500, 1024, 1024),
                    readiness=ready("/", 3000, 30, 5, 2, "200"),
                ),
                rollout=Rollout(100, 0, circuit_breaker=True, rollback_on_failure=True),
            ),
        ),
        ports=(http_port("web-http", 3000),),
    ),
)


def test_services_and_versions(system: EcsSystem):
    assert system.services == EXPECTED_SERVICES


def web_backend() -> Forward:
    return Forward((Backend("web", None, 3000, 1, "shop-web"),))


API_PREFIX = PathMatch("prefix", "/api", "/api/*")


def test_routes_in_precedence_order(system: EcsSystem):
    (ingress,) = system.ingresses
    assert (ingress.name, ingress.internet_facing) == ("shop-alb", True)
    assert ingress.dns_name == "shop-alb-1418062587.us-west-2.elb.amazonaws.com"
    http, https = ingress.listeners
    assert (http.port, http.protocol, http.https_redirect, http.routes) == (80, "HTTP", True, ())
    assert (https.port, https.protocol, https.https_redirect) == (443, "HTTPS", False)
    assert https.tls == (TlsCertificate(CERT, ("shop.example.com", "*.shop.example.com")),)
    assert https.ssl_policy == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https.routes == (
        Route(
            priority=10,
            hosts=("admin.shop.example.com",),
            action=Forward((Backend("admin", None, 8000, 1, "shop-admin"),)),
            rule_arn=f"{RULE}/1a2b3c4d5e6f7081",
        ),
        Route(
            priority=20,
            paths=(API_PREFIX,),
            headers=(HeaderMatch("X-Version", ("v2",)),),
            action=Forward((Backend("api", "v2", 8080, 1, "shop-api-v2"),)),
            rule_arn=f"{RULE}/2b3c4d5e6f708192",
        ),
        Route(
            priority=30,
            paths=(API_PREFIX,),
            action=Forward(
                (
                    Backend("api", "v1", 8080, 80, "shop-api-v1"),
                    Backend("api", "v2", 8080, 20, "shop-api-v2"),
                )
            ),
            rule_arn=f"{RULE}/3c4d5e6f708192a3",
        ),
        Route(
            priority=100,
            paths=(PathMatch("prefix", "/img", "/img/*.png", exact_translation=False),),
            action=web_backend(),
            rule_arn=f"{RULE}/4d5e6f708192a3b4",
        ),
        Route(priority=None, action=web_backend(), rule_arn=f"{RULE}/5e6f708192a3b4c5"),
    )


def flow(src: tuple[str, str], dst: tuple[str, str], port: int) -> Flow:
    return Flow(Endpoint(*src), Endpoint(*dst), "TCP", port, port)


def test_flows(system: EcsSystem):
    alb, world, world6 = ("ingress", "shop-alb"), ("cidr", "0.0.0.0/0"), ("cidr", "::/0")
    assert system.flows == (
        flow(("service", "api"), ("external", "shop-db"), 5432),
        flow(world, alb, 80),
        flow(world, alb, 443),
        flow(world6, alb, 80),
        flow(world6, alb, 443),
        flow(alb, ("service", "admin"), 8000),
        flow(alb, ("service", "api"), 8080),
        flow(("service", "web"), ("service", "api"), 8080),
        flow(world, ("service", "orders"), 9090),
        flow(("service", "api"), ("service", "orders"), 9090),
        flow(alb, ("service", "web"), 3000),
    )


def test_externals_keep_the_real_host_name(system: EcsSystem):
    assert system.externals == (
        External(
            "shop-db",
            "rds",
            DB_HOST,
            5432,
            "postgres",
            "arn:aws:rds:us-west-2:123456789012:db:shop-db",
            ("10.20.10.0/24", "10.20.11.0/24"),  # shop-db-subnets: shop-private-a and -b
        ),
    )


def test_load_balancers_connect_from_their_subnets(system: EcsSystem):
    (alb,) = system.ingresses
    assert alb.source_ranges == ("10.20.0.0/24", "10.20.1.0/24")  # shop-public-a and -b


def test_dns_names_say_which_service_they_mean(system: EcsSystem):
    assert system.dns_names == (
        DnsName("api.shop.local", "cloud-map", "api"),
        DnsName("orders.shop.local", "service-connect", "orders", 9090),
        DnsName(DB_HOST, "rds", "shop-db", 5432),
        DnsName("web.shop.local", "cloud-map", "web"),
    )
    assert system.dns_name("Orders.Shop.Local") == system.dns_names[1]


def test_warnings(system: EcsSystem):
    td = "$.taskDefinition"
    assert [(w.code, w.loc.file, w.loc.json_path) for w in system.warnings] == [
        ("unknown-file", "iam-task-roles.json", "$"),
        # ECS cut Service Connect calls at 15 s; a Service does not
        ("service-connect-timeout", "ecs-services.json",
         "$.services[3].deployments[0].serviceConnectConfiguration.services[0]"),
        ("ulimits-dropped", "td-shop-api-14.json", f"{td}.containerDefinitions[0].ulimits"),
        ("ulimits-dropped", "td-shop-api-15.json", f"{td}.containerDefinitions[0].ulimits"),
        ("sidecar", "td-shop-orders-22.json", f"{td}.containerDefinitions[1]"),
        ("volume-data", "td-shop-orders-22.json", f"{td}.volumes[0]"),
        ("path-widened", "rules-https-443.json", "$.Rules[1].Conditions[0]"),
        ("acm-certificate", "alb-listeners.json", "$.Listeners[1].Certificates[0]"),
        ("unattached-security-group", "security-groups.json", "$.SecurityGroups[1]"),
        (
            "open-to-world",
            "security-groups.json",
            "$.SecurityGroups[5].IpPermissions[0].IpRanges[0]",
        ),
        # every service kept the default egress rule: STRICT now denies what it named
        *(("egress-denied", "security-groups.json", f"$.SecurityGroups[{i}]"
           ".IpPermissionsEgress[0]") for i in (7, 4, 5, 3)),
    ]
    assert system.warnings[-5] == Finding(
        "open-to-world",
        "orders accept(s) traffic from anywhere (0.0.0.0/0) without going through a load balancer",
        "security-groups.json",
        "$.SecurityGroups[5].IpPermissions[0].IpRanges[0]",
    )


def test_analysis_is_deterministic(system: EcsSystem):
    assert analyse(load_exports(ECS_SHOP)) == system


def test_unknown_subnets_give_no_ranges_and_say_what_happens_instead():
    """A range list missing one zone would cut that zone's load balancer node (or the
    database's standby) off, so one unknown subnet means no ranges, and a warning."""
    docs = shop_documents()
    docs["subnets.json"]["Subnets"] = [
        s for s in docs["subnets.json"]["Subnets"]
        if s["SubnetId"] not in ("subnet-0a1b2c3d4e5f60002", "subnet-0a1b2c3d4e5f60012")
    ]
    system = analyse(parse_exports(encode(docs)))
    assert system.ingresses[0].source_ranges == () and system.externals[0].ranges == ()
    unknown = [f for f in system.warnings if f.code == "subnet-unknown"]
    assert [(f.loc.file, f.loc.json_path) for f in unknown] == [
        ("rds-instances.json", "$.DBInstances[0]"), ("alb.json", "$.LoadBalancers[0]")]
    assert unknown[1].message == (
        "load balancer shop-alb: subnet(s) subnet-0a1b2c3d4e5f60002 not in the export (aws ec2 "
        "describe-subnets --subnet-ids subnet-0a1b2c3d4e5f60002); STRICT policies admit it "
        "from the private ranges instead")
    code = [line for line in generate(system, via="ALB").text.splitlines()
            if not line.startswith("#")]
    assert not [line for line in code if "cidr" in line]
