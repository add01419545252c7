"""ingress-nginx Ingress (via=NGINX)."""
