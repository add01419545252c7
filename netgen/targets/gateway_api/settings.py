"""Settings of the Gateway API target: the Gateway and GatewayClass it writes or uses, and
where the Gateway's proxies run (default: decided from the others, `namespace_defaults`)."""

from netgen.targets.base import BOTH, Setting

SETTINGS = {
    "gateway_proxy_namespace": Setting(BOTH, kind="namespace"),
    "gateway": Setting(BOTH),
    "gateway_namespace": Setting(BOTH),
    "gateway_name": Setting(BOTH),
    "gateway_class": Setting(BOTH),
    "gateway_controller": Setting(BOTH),
    "gateway_api": Setting(BOTH),
    # the Istio identity of the Gateway's proxies (lower.mesh_identity), checked in lower
    "gateway_principal": Setting(BOTH),
}
