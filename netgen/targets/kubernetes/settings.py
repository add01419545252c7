"""Settings of the Kubernetes target: where load balancers and NodePort traffic come from,
and namespaces managed elsewhere (whose Namespace netgen does not write)."""

from netgen.targets.base import BOTH, Setting

SETTINGS = {
    "vpc_cidr": Setting(BOTH, kind="cidrs"),
    "nodeport_cidr": Setting(BOTH, kind="cidrs"),
    "existing_namespaces": Setting(BOTH),
}
