"""The guide's microservices architecture: a front end, an API gateway and two services,
each tier in its own namespace, so every call crosses a namespace boundary."""

from netgen import *

blueprint("microservices", domain="myapp.example.com")

env("production", namespace="web", replicas=2, isolation=STRICT, vpc_cidr="10.0.0.0/16")

service("frontend", port=80, target_port=3000, image="myapp/frontend:1.0", namespace="web")
service("api-gateway", port=8080, image="myapp/api-gateway:1.0", namespace="api")
service("user-service", port=8081, image="myapp/user-service:1.0", namespace="services")
service("order-service", port=8082, image="myapp/order-service:1.0", namespace="services")
external("payments", host="api.payments.example", port=443)

calls("frontend", "api-gateway")
calls("api-gateway", "user-service", "order-service")
calls("order-service", "user-service", "payments")

expose("frontend", via=NLB, ports=[443])
