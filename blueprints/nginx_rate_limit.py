"""The seed guide's rate-limited Ingress (ingress-nginx) behind HTTP basic auth, with the
annotation names ingress-nginx really reads (limit-connections, limit-rpm)."""

from netgen import *

blueprint("myapp")

env("production", namespace="production", replicas=2)

service("api-service", port=8080, image="myapp/api:1.0")

expose("api-service", via=NGINX, host="api.myapp.example.com", path="/",
       rate_limit=rate_limit(rpm=60, connections=10),
       auth=basic("api-auth", realm="Authentication Required"))
