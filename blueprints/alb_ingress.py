"""The seed guide's basic Ingress (AWS Load Balancer Controller): two hosts, HTTPS with an
ACM certificate, HTTP redirected to HTTPS, and the guide's health-check settings."""

from netgen import *

blueprint("myapp", domain="myapp.example.com")

env("production", namespace="production", replicas=3,
    tls=acm("arn:aws:acm:us-west-2:123456789012:certificate/cert-id"), vpc_cidr="10.0.0.0/16")

service("web-frontend", port=80, target_port=3000, image="myapp/web:1.0", health="/health")
service("api-backend", port=8080, image="myapp/api:1.0", health="/health")
service("admin-frontend", port=80, target_port=3000, image="myapp/admin:1.0",
        health="/health")

checks = health_check("/health", interval=30, timeout=5, healthy=2, unhealthy=3)

expose("web-frontend", via=ALB, path="/", health=checks)
expose("api-backend", via=ALB, path="/api", health=checks)
expose("admin-frontend", via=ALB, host="admin.myapp.example.com", path="/", health=checks)
