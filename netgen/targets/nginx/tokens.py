"""The via the ingress-nginx target serves. Light (model only)."""

from netgen.model import Token

NGINX = Token("NGINX", "nginx")
