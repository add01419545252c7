# netgen blueprint for the ECS cluster "shop", written by `netgen import ecs` from
# ecs-shop/. It is yours now: review it, keep it in version control, and build the
# manifests with `netgen build` (see docs/migration.md).
#
# What did not carry over exactly (18 warnings, with the export file and JSON path they
# come from):
# - [unknown-file] not a recognised AWS CLI export (top-level keys: Roles); skipped
#     (iam-task-roles.json $)
# - [service-connect-timeout] orders: Service Connect applied ECS's default per-request
#   timeout of 15 s to calls of orders-http; a Kubernetes Service has none: with
#   mesh(ISTIO) write traffic("orders", timeout="15s"), else rely on the clients'
#     (ecs-services.json $.services[3].deployments[0].serviceConnectConfiguration.services[0])
# - [ulimits-dropped] ulimits (nofile=65536/65536) are not carried over: Kubernetes has
#   no per-pod ulimits; set them in the image or the node's container runtime
#     (td-shop-api-14.json $.taskDefinition.containerDefinitions[0].ulimits)
# - [ulimits-dropped] ulimits (nofile=65536/65536) are not carried over: Kubernetes has
#   no per-pod ulimits; set them in the image or the node's container runtime
#     (td-shop-api-15.json $.taskDefinition.containerDefinitions[0].ulimits)
# - [sidecar] container log-router
#   (public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0) is a FireLens log
#   router; it is not carried over: use the cluster's log collection (Fluent Bit
#   DaemonSet)
#     (td-shop-orders-22.json $.taskDefinition.containerDefinitions[1])
# - [volume-data] volume orders-data (efs fs-0a1b2c3d4e5f67890:/orders) holds data that
#   must be migrated or re-attached; netgen only carries the mount over
#     (td-shop-orders-22.json $.taskDefinition.volumes[0])
# - [path-widened] /img/*.png is widened to prefix /img: it now also catches paths that
#   a later rule may have been meant to get
#     (rules-https-443.json $.Rules[1].Conditions[0])
# - [unattached-security-group] legacy-bastion-sg (sg-07c3e1f9a5d2b8e40) is attached to
#   no imported task, load balancer or database; its rules are not carried over
#     (security-groups.json $.SecurityGroups[1])
# - [open-to-world] orders accept(s) traffic from anywhere (0.0.0.0/0) without going
#   through a load balancer
#     (security-groups.json $.SecurityGroups[5].IpPermissions[0].IpRanges[0])
# - [egress-denied] admin: security group sg-0f2b6d8e4c1a93b57 allowed outbound all
#   traffic to 0.0.0.0/0; under STRICT it may now reach only DNS and what calls()
#   declares for it: every other outbound connection (hosts named in code, config files
#   or secrets, or reached by address) is denied; to allow a destination again add
#   external("name", host="its.host.name", port=443) and calls("admin", "name")
#     (security-groups.json $.SecurityGroups[7].IpPermissionsEgress[0])
# - [egress-denied] api: security group sg-0c92d7a1e5b48f063 allowed outbound all
#   traffic to 0.0.0.0/0; under STRICT it may now reach only DNS and what calls()
#   declares for it: every other outbound connection (hosts named in code, config files
#   or secrets, or reached by address) is denied; to allow a destination again add
#   external("name", host="its.host.name", port=443) and calls("api", "name")
#     (security-groups.json $.SecurityGroups[4].IpPermissionsEgress[0])
# - [egress-denied] orders: security group sg-0d4e8b3f1a6c29d75 allowed outbound all
#   traffic to 0.0.0.0/0; under STRICT it may now reach only DNS and what calls()
#   declares for it: every other outbound connection (hosts named in code, config files
#   or secrets, or reached by address) is denied; to allow a destination again add
#   external("name", host="its.host.name", port=443) and calls("orders", "name")
#     (security-groups.json $.SecurityGroups[5].IpPermissionsEgress[0])
# - [egress-denied] web: security group sg-0b71e4d2a9c36f518 allowed outbound all
#   traffic to 0.0.0.0/0; under STRICT it may now reach only DNS and what calls()
#   declares for it: every other outbound connection (hosts named in code, config files
#   or secrets, or reached by address) is denied; to allow a destination again add
#   external("name", host="its.host.name", port=443) and calls("web", "name")
#     (security-groups.json $.SecurityGroups[3].IpPermissionsEgress[0])
# - [rollback] api: ECS rolled failed deployments back (circuit breaker); a Deployment
#   only stops progressing: roll back with `kubectl rollout undo` or use Argo Rollouts
#     (ecs-services.json $.services[1].deploymentConfiguration)
# - [rollback] api-canary: ECS rolled failed deployments back (circuit breaker); a
#   Deployment only stops progressing: roll back with `kubectl rollout undo` or use Argo
#   Rollouts
#     (ecs-services.json $.services[2].deploymentConfiguration)
# - [rollback] web: ECS rolled failed deployments back (circuit breaker); a Deployment
#   only stops progressing: roll back with `kubectl rollout undo` or use Argo Rollouts
#     (ecs-services.json $.services[0].deploymentConfiguration)
# - [external-access] shop-db's security groups admit the ECS tasks; admit the cluster's
#   pods too (security groups for pods, or the node subnets) before switching over
#     (rds-instances.json $.DBInstances[0])
# - [tls-policy] shop-alb HTTPS:443 used TLS policy ELBSecurityPolicy-TLS13-1-2-2021-06;
#   netgen does not set one, so the controller's default (ELBSecurityPolicy-2016-08
#   unless alb.ingress.kubernetes.io/ssl-policy or --default-ssl-policy say otherwise)
#   applies
#     (alb.json $.LoadBalancers[0])
#
# Create by hand, in namespace shop, before the first deployment:
# - Secret shop-api-db, key password: from Secrets Manager secret
#   arn:aws:secretsmanager:us-west-2:123456789012:secret:shop/api/db-Xy7Pq2, JSON key
#   password
# - Secret shop-api-stripe-key, key value: from SSM parameter
#   arn:aws:ssm:us-west-2:123456789012:parameter/shop/api/stripe-key
#   (with External Secrets Operator: one ExternalSecret per Secret; remoteRef.key is the
#   secret's ARN or name, remoteRef.property its JSON key; never put the values in this
#   file)
# - PersistentVolumeClaim orders-data for orders: EFS fs-0a1b2c3d4e5f67890:/orders (e.g.
#   a static PersistentVolume of the EFS CSI driver, ReadWriteMany); copy the data over
#
# Names: ECS names that changed (characters a DNS label cannot hold, CloudFormation
# stack prefixes and random suffixes) or were joined as versions:
#     api-canary -> api v2
#
# Cloud Map names are rewritten in environment values only. If an application reads them
# from files or code, add these lines to the main server block of the cluster's Corefile
# (an exact rewrite answers under the name asked for), or change the application:
#     rewrite name exact api.shop.local api.shop.svc.cluster.local
#     rewrite name exact orders.shop.local orders.shop.svc.cluster.local
#     rewrite name exact web.shop.local web.shop.svc.cluster.local

from netgen import *

blueprint("shop")

# One environment: the ECS cluster, in namespace shop. STRICT isolation: pods accept
# only the traffic declared below (calls() from the security groups, expose() from the
# load balancer). Every exposure terminates TLS with the listener's certificate.
# vpc_cidr: the subnets of shop-alb; the load balancer's nodes connect to the pods from
# there, so only they are admitted.
env(
    "shop",
    namespace="shop",
    isolation=STRICT,
    vpc_cidr=["10.20.0.0/24", "10.20.1.0/24"],
    tls=acm(
        "arn:aws:acm:us-west-2:123456789012:certificate/7c1e5b9a-3d2f-4e8b-a6c0-9f4d2e1b7a53"
    ),
)

# --- services ------------------------------------------------------------------------

# admin: ECS service admin, task definition shop-admin:3.
# API_BASE_URL: api.shop.local (Cloud Map) -> api.shop.svc.cluster.local
service(
    "admin",
    image="123456789012.dkr.ecr.us-west-2.amazonaws.com/shop/admin:0.9.12",
    port=8000,
    port_name="admin-http",
    replicas=1,
    command=["gunicorn"],
    args=["admin.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2"],
    env_vars={"API_BASE_URL": "http://api.shop.svc.cluster.local:8080/internal"},
    cpu="250m",
    cpu_limit="250m",
    memory="512Mi",
    memory_limit="512Mi",
    readiness=probe(
        http="/admin/healthz", period=30, timeout=5, failures=2, successes=5
    ),
    rollout=rollout(max_surge="0%", max_unavailable="100%"),
)

# api: 2 ECS services, run as versions of one service (primary first):
#   v1: ECS service api, task definition shop-api:14
#   v2: ECS service api-canary, task definition shop-api:15
# ORDERS_URL: orders.shop.local (Service Connect) -> orders.shop.svc.cluster.local
# DATABASE_HOST keeps the RDS endpoint name
# shop-db.cxq9mhz3k2ab.us-west-2.rds.amazonaws.com, so TLS hostname verification still
# works
service(
    "api",
    port=8080,
    port_name="api-http",
    command=["/app/bin/api"],
    args=["serve", "--port", "8080"],
    env_vars={
        "ORDERS_URL": "http://orders.shop.svc.cluster.local:9090",
        "DATABASE_HOST": "shop-db.cxq9mhz3k2ab.us-west-2.rds.amazonaws.com",
        "DATABASE_PORT": "5432",
        "LOG_LEVEL": "info",
    },
    secrets={
        "DATABASE_PASSWORD": secret_ref("shop-api-db", "password"),
        "STRIPE_API_KEY": secret_ref("shop-api-stripe-key", "value"),
    },
    cpu="1",
    cpu_limit="1",
    memory="1536Mi",
    memory_limit="2Gi",
    liveness=probe(
        exec=["sh", "-c", "curl -fsS http://localhost:8080/healthz || exit 1"],
        period=15,
        timeout=5,
        failures=3,
        initial_delay=20,
    ),
    readiness=probe(http="/healthz", period=15, timeout=5, failures=3, successes=3),
    versions={
        "v1": version(
            image="123456789012.dkr.ecr.us-west-2.amazonaws.com/shop/api:1.8.2",
            replicas=4,
            rollout=rollout(max_surge="100%", max_unavailable="50%"),
        ),
        "v2": version(
            image="123456789012.dkr.ecr.us-west-2.amazonaws.com/shop/api:1.9.0-rc.1",
            replicas=1,
            env_vars={"FEATURE_NEW_CHECKOUT": "true"},
            rollout=rollout(max_surge="100%", max_unavailable="0%"),
        ),
    },
)

# orders: ECS service orders, task definition shop-orders:22.
# volume orders-data: EFS fs-0a1b2c3d4e5f67890:/orders -> PersistentVolumeClaim
# orders-data (create it and copy the data; see the header)
# Not carried over: sidecar container log-router
# (public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0).
service(
    "orders",
    image="123456789012.dkr.ecr.us-west-2.amazonaws.com/shop/orders:3.4.0",
    port=9090,
    port_name="orders-http",
    replicas=2,
    env_vars={"DATA_DIR": "/var/lib/orders", "HTTP_PORT": "9090"},
    cpu="375m",
    memory="768Mi",
    memory_limit="896Mi",
    liveness=probe(
        exec=["wget", "-q", "-O", "/dev/null", "http://localhost:9090/health"],
        period=30,
        timeout=5,
        failures=3,
    ),
    rollout=rollout(max_surge="50%", max_unavailable="0%"),
    volumes=[volume("orders-data", "/var/lib/orders", claim="orders-data")],
)

# web: ECS service web, task definition shop-web:7.
# API_URL: api.shop.local (Cloud Map) -> api.shop.svc.cluster.local
service(
    "web",
    image="123456789012.dkr.ecr.us-west-2.amazonaws.com/shop/web:2024.03.1",
    port=3000,
    port_name="web-http",
    replicas=3,
    env_vars={
        "NODE_ENV": "production",
        "API_URL": "http://api.shop.svc.cluster.local:8080",
        "PORT": "3000",
    },
    cpu="500m",
    cpu_limit="500m",
    memory="1Gi",
    memory_limit="1Gi",
    readiness=probe(http="/", period=30, timeout=5, failures=2, successes=5),
    rollout=rollout(max_surge="100%", max_unavailable="0%"),
)

# --- outside the cluster -------------------------------------------------------------

# shop-db: RDS postgres arn:aws:rds:us-west-2:123456789012:db:shop-db. alias=False hands
# clients the real endpoint name, so TLS hostname verification keeps working. cidr: its
# subnet group's subnets, where its address (and a Multi-AZ standby's) lives.
external(
    "shop-db",
    host="shop-db.cxq9mhz3k2ab.us-west-2.rds.amazonaws.com",
    port=5432,
    cidr=["10.20.10.0/24", "10.20.11.0/24"],
    alias=False,
)

# --- who may call whom, from the security groups and environment values -------------
# Under STRICT isolation these are the only calls allowed between pods.

# api -> orders (TCP 9090), shop-db (TCP 5432)
calls("api", "orders", "shop-db")

# web -> api (TCP 8080)
calls("web", "api")

# --- load balancer shop-alb ----------------------------------------------------------
# shop-alb (internet-facing, shop-alb-1418062587.us-west-2.elb.amazonaws.com):
# - HTTP:80 redirects to HTTPS (redirect_https=True below)
# - HTTPS:443; certificate
#   arn:aws:acm:us-west-2:123456789012:certificate/7c1e5b9a-3d2f-4e8b-a6c0-9f4d2e1b7a53
#   (shop.example.com, *.shop.example.com); TLS policy
#   ELBSecurityPolicy-TLS13-1-2-2021-06
# The rules in ALB order, each exposed through ALB.

# shop-alb HTTPS:443 rule 10 (1a2b3c4d5e6f7081): host admin.shop.example.com ->
# shop-admin
expose(
    "admin",
    via=ALB,
    host="admin.shop.example.com",
    redirect_https=True,
    health=health_check(
        "/admin/healthz", interval=30, timeout=5, healthy=5, unhealthy=2
    ),
)

# shop-alb HTTPS:443 rule 20 (2b3c4d5e6f708192): path /api/* (prefix /api), header
# X-Version: v2 -> shop-api-v2
expose(
    "api",
    via=ALB,
    path="/api",
    match=header("X-Version", "v2"),
    version="v2",
    redirect_https=True,
    health=health_check(
        "/healthz", interval=15, timeout=5, healthy=3, unhealthy=3, codes="200-299"
    ),
)

# shop-alb HTTPS:443 rule 30 (3c4d5e6f708192a3): path /api/* (prefix /api) ->
# shop-api-v1 (80%), shop-api-v2 (20%)
expose(
    "api",
    via=ALB,
    path="/api",
    canary=0.2,
    redirect_https=True,
    health=health_check(
        "/healthz", interval=15, timeout=5, healthy=3, unhealthy=3, codes="200-299"
    ),
)

# shop-alb HTTPS:443 rule 100 (4d5e6f708192a3b4): path /img/*.png (prefix /img) ->
# shop-web
expose(
    "web",
    via=ALB,
    path="/img",
    redirect_https=True,
    health=health_check("/", interval=30, timeout=5, healthy=5, unhealthy=2),
)

# shop-alb HTTPS:443 default rule (5e6f708192a3b4c5): any request -> shop-web
expose(
    "web",
    via=ALB,
    redirect_https=True,
    health=health_check("/", interval=30, timeout=5, healthy=5, unhealthy=2),
)
