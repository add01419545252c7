"""The seed guide's DNS section: CoreDNS forwarding and query logging (the coredns-custom
ConfigMap), and the names a consumer gets for a service in its own namespace, one in
another namespace, an external, and one pod of a headless StatefulSet."""

from netgen import *

blueprint("dns")

env("production", namespace="database", replicas=3)

service("service-consumer", port=8080, image="myapp:latest")
service("postgres", port=5432, image="postgres:16", stateful=True, port_name="postgres",
        run_as_user=999, run_as_group=999, fs_group=999,
        env_vars={"PGDATA": "/var/lib/postgresql/data/pgdata"},
        storage=storage("10Gi", "/var/lib/postgresql/data"))
service("redis-service", port=6379, image="redis:7", namespace="cache", port_name="redis",
        run_as_user=999, run_as_group=999)
external("external-api", host="api.example.com", port=443, namespace="external")

calls("service-consumer", "postgres", "redis-service", "external-api")

dns_forward("example.com", to=["8.8.8.8", "8.8.4.4"])
dns_log(classes=["denial", "error"])
