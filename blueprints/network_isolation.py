"""The guide's NetworkPolicy sections as intents: production is STRICT (default deny, DNS, the
ingress controller into the web tier only, the web tier to the database and to an external
HTTPS API, the API tier to the database), development is OPEN inside its namespace.

In production the database runs in its own namespace, so its callers cross a namespace
boundary and each side of the call gets its half of the rule."""

from netgen import *

blueprint("isolation", domain="myapp.example.com")

env("development", namespace="development", replicas=1, isolation=OPEN)
env("production", namespace="production", replicas=3, isolation=STRICT, vpc_cidr="10.0.0.0/16")

service("web", port=80, target_port=8080, image="myapp/web:1.0", tier="web")
service("api", port=80, target_port=8080, image="myapp/api:1.0", tier="api")
service("database", port=5432, image="postgres:16", stateful=True, tier="database",
        run_as_user=999, run_as_group=999, fs_group=999,
        env_vars={"PGDATA": "/var/lib/postgresql/data/pgdata"},
        storage=storage("10Gi", "/var/lib/postgresql/data"))
external("payments-api", host="api.payments.example", port=443)

calls("web", "api", "database", "payments-api")
calls("api", "database")

expose("web", via=NGINX, host="myapp.example.com", path="/")

with env("production"):
    service("database", port=5432, image="postgres:16", stateful=True, tier="database",
            namespace="database", run_as_user=999, run_as_group=999, fs_group=999,
            env_vars={"PGDATA": "/var/lib/postgresql/data/pgdata"},
            storage=storage("10Gi", "/var/lib/postgresql/data"))
