"""The DESIGN.md example: a shop with a web front end, a versioned API and its databases."""

from netgen import *

blueprint("shop", domain="shop.example.com")

env("development", namespace="shop-dev", replicas=1, isolation=OPEN)
env("production", namespace="production", replicas=3, isolation=STRICT,
    tls=acm("arn:aws:acm:us-west-2:123456789012:certificate/abc"), vpc_cidr="10.0.0.0/16")

service("web", port=80, target_port=3000, image="shop/web:1.4", health="/health")
service("api", port=8080, image="shop/api:2.0", versions=["v1", "v2"])
service("postgres", port=5432, image="postgres:16", stateful=True, port_name="postgres",
        run_as_user=999, run_as_group=999, fs_group=999,
        env_vars={"PGDATA": "/var/lib/postgresql/data/pgdata"},
        storage=storage("10Gi", "/var/lib/postgresql/data"))
external("rds", host="shop.abc.us-west-2.rds.amazonaws.com", port=5432)

calls("web", "api")
calls("api", "postgres", "rds")

expose("web", via=ALB, host="shop.example.com", path="/")
expose("api", via=ALB, path="/api", canary=0.2)          # 80% v1, 20% v2

with env("development"):
    expose("web", via=NODEPORT, node_port=30080)
