"""The introductory guide's two Pod network examples: the "Bridge" Pod (`hostNetwork:
false`, the pod has its own network namespace and address) and the "Host" Pod
(`hostNetwork: true`, the pod shares its node's network). Host networking is only allowed at
the PRIVILEGED Pod Security level, and NetworkPolicies do not apply to such pods."""

from netgen import *

blueprint("pod-networking")

env("bridge", namespace="bridge")
env("host", namespace="host", pod_security=PRIVILEGED)

service("my-app", port=8080, image="my-app:1.0")

with env("host"):
    service("my-app", port=8080, image="my-app:1.0", host_network=True)
