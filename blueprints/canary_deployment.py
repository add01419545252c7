"""The seed guide's staged canary (Gateway API): beta testers (`X-User-Type: beta`) get
v2, `X-Region: us-west` goes to the west-coast deployment, everyone else 80% v1 / 20% v2."""

from netgen import *

blueprint("myapp", domain="myapp.example.com")

env("production", namespace="production", replicas=3)

service("app", port=80, target_port=8080, image="myapp/app:2.0", versions=["v1", "v2"])
service("app-west", port=80, target_port=8080, image="myapp/app:2.0")

expose("app", via=GATEWAY, match=header("X-User-Type", "beta"), version="v2",
       route="canary-deployment")
expose("app-west", via=GATEWAY, match=header("X-Region", "us-west"),
       route="canary-deployment")
expose("app", via=GATEWAY, canary=0.2, route="canary-deployment")
