"""The vias the Gateway API target serves: HTTP/gRPC routes (GATEWAY) and TCP routes (TCP).
Light (model only)."""

from netgen.model import Token

GATEWAY = Token("GATEWAY", "gateway")
TCP = Token("TCP", "tcp")
