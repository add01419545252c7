"""The seed's service-mesh section as a blueprint: the ServiceEntry for an external HTTPS API
and the DestinationRule with LEAST_CONN, a connection pool and v1/v2 subsets, plus what the
mesh enforces from the same intents: mTLS, one identity per service, and AuthorizationPolicies
that let exactly the declared calls through."""

from netgen import *

blueprint("mesh", domain="shop.example.com")

env("staging", namespace="staging", replicas=1, isolation=OPEN)
env("production", namespace="production", replicas=3, isolation=STRICT)

mesh(ISTIO, mtls=STRICT)

service("web-app", port=80, target_port=8080, image="myapp:latest", versions=["v1", "v2"],
        health="/health")
service("api", port=8080, image="shop/api:2.0", versions=["v1", "v2"])
service("database", port=5432, image="postgres:16", stateful=True, port_name="tcp-postgres",
        run_as_user=999, run_as_group=999, fs_group=999,
        env_vars={"PGDATA": "/var/lib/postgresql/data/pgdata"},
        storage=storage("10Gi", "/var/lib/postgresql/data"))
external("external-api", host="external-api.example.com", port=443)
external("rds", host="shop.abc.us-west-2.rds.amazonaws.com", port=5432, cidr="10.0.0.0/16")

calls("web-app", "api")
calls("api", "database", "external-api", "rds")

traffic("web-app", lb="LEAST_CONN", max_connections=100, http1_max_pending=50,
        max_requests_per_connection=2)
traffic("api", timeout="5s", retries=retries(3, per_try="2s", on="5xx,reset"),
        outlier=outlier(consecutive_5xx=5, interval="30s", ejection="30s"))

expose("web-app", via=ISTIO, host="shop.example.com", path="/", tls=tls_secret("shop-tls"))
expose("api", via=ISTIO, host="shop.example.com", path="/api", canary=0.2)
expose("api", via=ISTIO, host="shop.example.com", path="/api", match=header("X-Version", "v2"),
       version="v2")

with env("staging"):
    mesh(ISTIO, mtls=PERMISSIVE)
    expose("web-app", via=NODEPORT, node_port=30080)
