"""Settings of the Istio target: where istiod and the ingress gateway run."""

from netgen.targets.base import BOTH, Setting

SETTINGS = {
    "istio_ingress_namespace": Setting(BOTH, kind="namespace", default="istio-system"),
    "istio_namespace": Setting(BOTH, kind="namespace", default="istio-system"),
}
