"""ingress-nginx Ingress (via=NGINX)."""

from netgen.targets.nginx.lower import BACKEND

__all__ = ["BACKEND"]
