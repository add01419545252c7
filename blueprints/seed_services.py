"""The Service section of the seed guide: every Service type it shows, from one blueprint.

- ClusterIP for the database, reached through DATABASE-style discovery variables;
- NodePort 30080 for web-app in development;
- an NLB (LoadBalancer Service for the AWS Load Balancer Controller) in production, listening
  on 80 and 443;
- an ExternalName alias for the RDS endpoint;
- a headless Service governing the postgres StatefulSet, with per-pod DNS names.
"""

from netgen import *

blueprint("services")

env("development", namespace="development", replicas=1, isolation=OPEN)
env("production", namespace="production", replicas=3, isolation=STRICT, vpc_cidr="10.0.0.0/16")

service("web-app", port=80, target_port=8080, image="myapp:latest", tier="web")
service("postgres", port=5432, image="postgres:16", stateful=True, port_name="postgres",
        tier="database",
        run_as_user=999, run_as_group=999, fs_group=999,
        env_vars={"PGDATA": "/var/lib/postgresql/data/pgdata"},
        storage=storage("10Gi", "/var/lib/postgresql/data"))
external("external-database", host="rds.us-west-2.amazonaws.com", port=5432)

calls("web-app", "postgres", "external-database")

expose("web-app", via=NLB, ports=[80, 443], scheme="internet-facing")

with env("development"):
    expose("web-app", via=NODEPORT, node_port=30080)
