"""Settings of the ingress-nginx target: where the controller's pods run."""

from netgen.targets.base import BOTH, Setting

SETTINGS = {
    "ingress_namespace": Setting(BOTH, kind="namespace", default="ingress-nginx"),
}
