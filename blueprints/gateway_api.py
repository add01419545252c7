"""The seed guide's Gateway API section: a GatewayClass, a Gateway in gateway-system with
HTTP and HTTPS listeners, one HTTPRoute for myapp.example.com (static files, a 90% rollout
of api v2 that `X-Version: v2` always reaches, the front end) and a TCPRoute to postgres.

`staging` shows the same routes on a cluster whose shared Gateway already exists and whose
Gateway API is older (TCPRoute v1alpha2)."""

from netgen import *

blueprint("myapp", domain="myapp.example.com")

env("production", namespace="production", replicas=3, tls=tls_secret("myapp-tls-cert"),
    gateway_name="production-gateway", gateway_namespace="gateway-system")
env("staging", namespace="staging", gateway="gateway-system/shared-gateway",
    gateway_api="v1alpha2")

service("static-files-service", port=80, image="myapp/static:1.0")
service("api", port=8080, image="myapp/api:2.0", versions=["v1", "v2"])
service("web-frontend-service", port=80, target_port=3000, image="myapp/web:1.0")
service("postgres-service", port=5432, image="postgres:16", stateful=True,
        port_name="postgres", run_as_user=999, run_as_group=999, fs_group=999,
        env_vars={"PGDATA": "/var/lib/postgresql/data/pgdata"},
        storage=storage("10Gi", "/var/lib/postgresql/data"))

expose("static-files-service", via=GATEWAY, path="/static", route="web-app-route")
expose("api", via=GATEWAY, path="/api", canary=0.9, match=header("X-Version", "v2"),
       route="web-app-route")
expose("web-frontend-service", via=GATEWAY, path="/", route="web-app-route")
expose("postgres-service", via=TCP)
