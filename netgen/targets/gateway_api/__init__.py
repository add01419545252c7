"""Gateway API: Gateway, GatewayClass, HTTPRoute/GRPCRoute (via=GATEWAY) and TCPRoute
(via=TCP)."""

from netgen.targets.gateway_api.lower import BACKEND, TCP_BACKEND

__all__ = ["BACKEND", "TCP_BACKEND"]
