"""The seed guide's canary Ingress (ingress-nginx): 10% of myapp.example.com to the new
version, and the `X-Canary` header as its switch: `always` sends a request to the new
version, `never` to the stable one."""

from netgen import *

blueprint("myapp", domain="myapp.example.com")

env("production", namespace="production", replicas=2)

service("web-app", port=80, target_port=8080, image="myapp/web:2.0", versions=["v1", "v2"])

expose("web-app", via=NGINX, path="/", canary=0.1, match=header("X-Canary"))
