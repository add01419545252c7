"""The mesh blueprint on Linkerd instead of Istio: the same intents (one identity per
service, only the declared calls authorized, mTLS between meshed pods, deny by default in
production) as Servers, AuthorizationPolicies and MeshTLSAuthentications; an in-mesh canary
and a header route as a GAMMA HTTPRoute on the Service, with Linkerd's timeout and retry
annotations; and the database external in the VPC as an EgressNetwork."""

from netgen import *

blueprint("linkerd", domain="shop.example.com")

env("staging", namespace="staging", replicas=1, isolation=OPEN)
env("production", namespace="production", replicas=3, isolation=STRICT)

mesh(LINKERD, mtls=STRICT)

service("web-app", port=80, target_port=8080, image="shop/web:1.4", versions=["v1", "v2"],
        health="/health")
service("api", port=8080, image="shop/api:2.0", versions=["v1", "v2"])
service("database", port=5432, image="postgres:16", stateful=True, port_name="tcp-postgres",
        run_as_user=999, run_as_group=999, fs_group=999,
        env_vars={"PGDATA": "/var/lib/postgresql/data/pgdata"},
        storage=storage("10Gi", "/var/lib/postgresql/data"))
external("rds", host="shop.abc.us-west-2.rds.amazonaws.com", port=5432, cidr="10.0.0.0/16")

calls("web-app", "api")
calls("api", "database", "rds")

traffic("api", timeout="5s", retries=retries(3, per_try="2s", on="5xx"),
        split={"v1": 90, "v2": 10},
        routes=[mesh_route(headers=header("X-Version", "v2"), split={"v2": 100})])

expose("web-app", via=GATEWAY, host="shop.example.com", tls=tls_secret("shop-tls"))

with env("staging"):
    mesh(LINKERD, mtls=PERMISSIVE)
    expose("web-app", via=NODEPORT, node_port=30080)
