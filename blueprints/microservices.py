"""The seed guide's microservices architecture: a front end, an API gateway and two
services in their own namespaces, one ingress-nginx host with `/api` rewritten to `/`."""

from netgen import *

blueprint("microservices", domain="myapp.example.com")

env("production", namespace="production", replicas=2, isolation=OPEN,
    tls=tls_secret("myapp-tls"))

service("frontend-service", port=80, target_port=3000, image="myapp/frontend:1.0",
        namespace="web")
service("api-gateway-service", port=8080, image="myapp/api-gateway:1.0", namespace="api")
service("user-service", port=8081, image="myapp/users:1.0", namespace="services")
service("order-service", port=8082, image="myapp/orders:1.0", namespace="services")

calls("frontend-service", "api-gateway-service")
calls("api-gateway-service", "user-service", "order-service")

expose("frontend-service", via=NGINX, path="/")
expose("api-gateway-service", via=NGINX, path="/api", rewrite="/")
