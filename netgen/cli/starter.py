"""The blueprint `netgen init` writes: every common declaration, commented, and it builds
as it is (tests build it), so a new user starts from something that works."""

from __future__ import annotations

from pathlib import Path

from netgen.naming import dns_label

BLUEPRINT_FILE = "blueprint.py"

STARTER = '''\
"""{name}: a netgen blueprint. Describe the system once; netgen writes the Kubernetes
networking YAML for every environment.

    netgen build blueprint.py --out out    # out/<environment>/: one file per object
    netgen diff blueprint.py --out out     # what the next build would change
    netgen graph blueprint.py              # the system as a Mermaid diagram
    netgen explain dns blueprint.py        # the DNS name of every service and pod

Each call below records a declaration. netgen checks them all at once and reports every
mistake as `blueprint.py:LINE: error: ...`.
"""

from netgen import *

# The system's name: it labels every object (app.kubernetes.io/part-of).
blueprint("{name}")

# Environments: each is built into its own out/<environment>/ folder and namespace.
# STRICT allows only the traffic declared with calls() and expose(); OPEN also lets the
# pods of a namespace reach each other and send anywhere (a development sandbox).
# vpc_cidr is where the AWS load balancers connect from (their NetworkPolicy source);
# tls is the certificate they terminate HTTPS with.
env("development", namespace="{dev}", replicas=1, isolation=OPEN)
env("production", namespace="{prod}", replicas=3, isolation=STRICT, vpc_cidr="10.0.0.0/16",
    tls=acm("arn:aws:acm:us-west-2:123456789012:certificate/replace-me"))

# A service is a Deployment plus a ClusterIP Service. target_port is the container's
# port when it differs from the Service's; health= becomes a readiness probe; cpu= and
# memory= are what the scheduler reserves for each pod.
# Pods run non-root under the "restricted" Pod Security level: the unprivileged nginx
# image listens on 8080 as user 101 (the official nginx image starts as root).
service("web", port=80, target_port=8080, image="nginxinc/nginx-unprivileged:1.27",
        run_as_user=101, health="/healthz", cpu="100m", memory="128Mi")

# versions= runs one Deployment per version (label version: v1, v2), with a Service
# each, so traffic can be split between them (a canary).
service("api", port=8080, image="example/api:1.0", versions=["v1", "v2"], health="/ready",
        cpu="250m", memory="256Mi")

# stateful=True: a StatefulSet and a headless Service, so every pod has its own DNS
# name (db-0.db-headless.<namespace>.svc.cluster.local), and with storage= its own disk.
# The postgres image drops from root to its user 999; running as that user from the start
# keeps the pod non-root.
service("db", port=5432, image="postgres:16", stateful=True, port_name="postgres",
        run_as_user=999, run_as_group=999, fs_group=999, cpu="500m", memory="1Gi",
        readiness=probe(tcp=True), env_vars={{"PGDATA": "/var/lib/postgresql/data/pgdata"}},
        storage=storage("10Gi", "/var/lib/postgresql/data"))

# Something outside the cluster, reached through an ExternalName Service.
external("payments", host="api.payments.example.net", port=443)

# Declared traffic. Callers get the callee's address as <NAME>_HOST and <NAME>_PORT.
calls("web", "api")
calls("api", "db", "payments")

# How clients reach a service. Inside `with env(...)` declarations apply to that
# environment only.
with env("development"):
    expose("web", via=NODEPORT, node_port=30080)

with env("production"):
    expose("web", via=NLB, scheme="internet-facing", ports=[443])

# More to try (see the README): an HTTP route with a 20 % canary,
#   expose("api", via=ALB, host="{name}.example.com", path="/api", canary=0.2)
# and a CoreDNS forward zone for a corporate domain,
#   dns_forward("corp.example.com", to=["10.0.0.10", "10.0.0.11"])
'''


def blueprint_name(folder: Path) -> str:
    """A valid blueprint name (DNS-1123 label) from the folder's name, or 'my-system'."""
    return dns_label(folder.resolve().name, 40) or "my-system"


def starter_text(name: str) -> str:
    return STARTER.format(name=name, dev=f"{name}-dev", prod=name)


def write_starter(folder: Path) -> Path:
    """Writes FOLDER/blueprint.py; refuses (FileExistsError) to replace an existing one."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / BLUEPRINT_FILE
    with open(target, "x", encoding="utf-8") as f:
        f.write(starter_text(blueprint_name(folder)))
    return target
