"""Gateway API: Gateway, GatewayClass, HTTPRoute/GRPCRoute (via=GATEWAY) and TCPRoute
(via=TCP)."""
