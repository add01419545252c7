# netgen blueprint for the ECS cluster "appmesh-demo", written by `netgen import ecs`
# from aws-export/. It is yours now: review it, keep it in version control, and build
# the manifests with `netgen build` (see docs/migration.md).
#
# What did not carry over exactly (23 warnings, with the export file and JSON path they
# come from):
# - [appmesh-proxy] containers envoy, xray-daemon and proxyConfiguration APPMESH are App
#   Mesh's data plane (Envoy, X-Ray); not carried over: Istio injects its own sidecar
#     (td-colorgateway-1.json $.taskDefinition)
# - [task-size-shared] the task's memory 256 was shared by its 3 containers; netgen does
#   not split it, so app gets no memory request or limit: set memory= on the service (or
#   its container(...))
#     (td-colorgateway-1.json $.taskDefinition.memory)
# - [appmesh-proxy] containers envoy, xray-daemon and proxyConfiguration APPMESH are App
#   Mesh's data plane (Envoy, X-Ray); not carried over: Istio injects its own sidecar
#     (td-colorteller-black-1.json $.taskDefinition)
# - [task-size-shared] the task's memory 256 was shared by its 3 containers; netgen does
#   not split it, so app gets no memory request or limit: set memory= on the service (or
#   its container(...))
#     (td-colorteller-black-1.json $.taskDefinition.memory)
# - [appmesh-proxy] containers envoy, xray-daemon and proxyConfiguration APPMESH are App
#   Mesh's data plane (Envoy, X-Ray); not carried over: Istio injects its own sidecar
#     (td-colorteller-white-1.json $.taskDefinition)
# - [task-size-shared] the task's memory 256 was shared by its 3 containers; netgen does
#   not split it, so app gets no memory request or limit: set memory= on the service (or
#   its container(...))
#     (td-colorteller-white-1.json $.taskDefinition.memory)
# - [appmesh-proxy] containers envoy, xray-daemon and proxyConfiguration APPMESH are App
#   Mesh's data plane (Envoy, X-Ray); not carried over: Istio injects its own sidecar
#     (td-colorteller-blue-1.json $.taskDefinition)
# - [task-size-shared] the task's memory 256 was shared by its 3 containers; netgen does
#   not split it, so app gets no memory request or limit: set memory= on the service (or
#   its container(...))
#     (td-colorteller-blue-1.json $.taskDefinition.memory)
# - [appmesh-proxy] containers envoy, xray-daemon and proxyConfiguration APPMESH are App
#   Mesh's data plane (Envoy, X-Ray); not carried over: Istio injects its own sidecar
#     (td-colorteller-red-1.json $.taskDefinition)
# - [task-size-shared] the task's memory 256 was shared by its 3 containers; netgen does
#   not split it, so app gets no memory request or limit: set memory= on the service (or
#   its container(...))
#     (td-colorteller-red-1.json $.taskDefinition.memory)
# - [rules-not-exported] no describe-rules output for this listener; only its default
#   action is imported
#     (alb-listeners.json $.Listeners[0])
# - [subnet-unknown] load balancer appmesh-demo-public: subnet(s)
#   subnet-0public000000001, subnet-0public000000002 not in the export (aws ec2
#   describe-subnets --subnet-ids subnet-0public000000001 subnet-0public000000002);
#   STRICT policies admit it from the private ranges instead
#     (alb.json $.LoadBalancers[0])
# - [egress-denied] colorgateway: security group sg-0ecsservice00001 allowed outbound
#   all traffic to 0.0.0.0/0; under STRICT it may now reach only DNS and what calls()
#   declares for it: every other outbound connection (hosts named in code, config files
#   or secrets, or reached by address) is denied; to allow a destination again add
#   external("name", host="its.host.name", port=443) and calls("colorgateway", "name")
#     (security-groups.json $.SecurityGroups[1].IpPermissionsEgress[0])
# - [egress-denied] colorteller-black: security group sg-0ecsservice00001 allowed
#   outbound all traffic to 0.0.0.0/0; under STRICT it may now reach only DNS and what
#   calls() declares for it: every other outbound connection (hosts named in code,
#   config files or secrets, or reached by address) is denied; to allow a destination
#   again add external("name", host="its.host.name", port=443) and
#   calls("colorteller-black", "name")
#     (security-groups.json $.SecurityGroups[1].IpPermissionsEgress[0])
# - [egress-denied] colorteller: security group sg-0ecsservice00001 allowed outbound all
#   traffic to 0.0.0.0/0; under STRICT it may now reach only DNS and what calls()
#   declares for it: every other outbound connection (hosts named in code, config files
#   or secrets, or reached by address) is denied; to allow a destination again add
#   external("name", host="its.host.name", port=443) and calls("colorteller", "name")
#     (security-groups.json $.SecurityGroups[1].IpPermissionsEgress[0])
# - [egress-denied] tcpecho: security group sg-0ecsservice00001 allowed outbound all
#   traffic to 0.0.0.0/0; under STRICT it may now reach only DNS and what calls()
#   declares for it: every other outbound connection (hosts named in code, config files
#   or secrets, or reached by address) is denied; to allow a destination again add
#   external("name", host="its.host.name", port=443) and calls("tcpecho", "name")
#     (security-groups.json $.SecurityGroups[1].IpPermissionsEgress[0])
# - [appmesh-version-name] colorteller-blue.default.svc.cluster.local was the discovery
#   name of colorteller-blue alone; it now means colorteller, every version (a caller
#   meaning this version only: colorteller-v2.<namespace>.svc.cluster.local)
#     (ecs-services.json $.services[2].serviceRegistries)
# - [appmesh-version-name] colorteller-red.default.svc.cluster.local was the discovery
#   name of colorteller-red alone; it now means colorteller, every version (a caller
#   meaning this version only: colorteller-v3.<namespace>.svc.cluster.local)
#     (ecs-services.json $.services[3].serviceRegistries)
# - [appmesh-listener] virtual node colorteller-black-vn: listener healthCheck is not
#   carried over (readiness probes and traffic(...) cover parts of it)
#     (appmesh-vn-colorteller-black-vn.json $.virtualNode.spec.listeners[0].healthCheck)
# - [appmesh-listener] virtual node colorteller-blue-vn: listener healthCheck is not
#   carried over (readiness probes and traffic(...) cover parts of it)
#     (appmesh-vn-colorteller-blue-vn.json $.virtualNode.spec.listeners[0].healthCheck)
# - [appmesh-listener] virtual node colorteller-red-vn: listener healthCheck is not
#   carried over (readiness probes and traffic(...) cover parts of it)
#     (appmesh-vn-colorteller-red-vn.json $.virtualNode.spec.listeners[0].healthCheck)
# - [appmesh-listener] virtual node colorteller-white-vn: listener healthCheck is not
#   carried over (readiness probes and traffic(...) cover parts of it)
#     (appmesh-vn-colorteller-white-vn.json $.virtualNode.spec.listeners[0].healthCheck)
# - [appmesh-listener] virtual node tcpecho-vn: listener healthCheck is not carried over
#   (readiness probes and traffic(...) cover parts of it)
#     (appmesh-vn-tcpecho-vn.json $.virtualNode.spec.listeners[0].healthCheck)
#
# Names: ECS names that changed (characters a DNS label cannot hold, CloudFormation
# stack prefixes and random suffixes) or were joined as versions:
#     colorteller-white -> colorteller v1
#     colorteller-blue -> colorteller v2
#     colorteller-red -> colorteller v3
#
# Cloud Map names are rewritten in environment values only. If an application reads them
# from files or code, add these lines to the main server block of the cluster's Corefile
# (an exact rewrite answers under the name asked for), or change the application:
#     rewrite name exact colorgateway.default.svc.cluster.local colorgateway.appmesh-demo.svc.cluster.local
#     rewrite name exact colorteller-black.default.svc.cluster.local colorteller-black.appmesh-demo.svc.cluster.local
#     rewrite name exact colorteller-blue.default.svc.cluster.local colorteller.appmesh-demo.svc.cluster.local
#     rewrite name exact colorteller-red.default.svc.cluster.local colorteller.appmesh-demo.svc.cluster.local
#     rewrite name exact colorteller.default.svc.cluster.local colorteller.appmesh-demo.svc.cluster.local
#     rewrite name exact tcpecho.default.svc.cluster.local tcpecho.appmesh-demo.svc.cluster.local

from netgen import *

blueprint("appmesh-demo")

# One environment: the ECS cluster, in namespace appmesh-demo. STRICT isolation: pods
# accept only the traffic declared below (calls() from the security groups, expose()
# from the load balancer).
env("appmesh-demo", namespace="appmesh-demo", isolation=STRICT)

# --- services ------------------------------------------------------------------------

# colorgateway: ECS service colorgateway, task definition colorgateway:1.
# COLOR_TELLER_ENDPOINT: colorteller.default.svc.cluster.local (App Mesh virtual
# service) -> colorteller.appmesh-demo.svc.cluster.local
# TCP_ECHO_ENDPOINT: tcpecho.default.svc.cluster.local (App Mesh virtual service) ->
# tcpecho.appmesh-demo.svc.cluster.local
# Not carried over: sidecar container envoy
# (840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.9.0.0-prod).
# Not carried over: sidecar container xray-daemon (amazon/aws-xray-daemon).
service(
    "colorgateway",
    image="123456789012.dkr.ecr.us-west-2.amazonaws.com/gateway:latest",
    port=9080,
    replicas=1,
    env_vars={
        "SERVER_PORT": "9080",
        "COLOR_TELLER_ENDPOINT": "colorteller.appmesh-demo.svc.cluster.local:9080",
        "TCP_ECHO_ENDPOINT": "tcpecho.appmesh-demo.svc.cluster.local:2701",
    },
    readiness=probe(http="/ping", period=6, timeout=5, failures=2, successes=2),
    rollout=rollout(max_surge="100%", max_unavailable="0%"),
)

# colorteller: 3 ECS services, run as versions of one service (primary first):
#   v1: ECS service colorteller-white, task definition colorteller-white:1
#   v2: ECS service colorteller-blue, task definition colorteller-blue:1
#   v3: ECS service colorteller-red, task definition colorteller-red:1
# Not carried over (v1): sidecar container envoy
# (840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.9.0.0-prod).
# Not carried over (v1): sidecar container xray-daemon (amazon/aws-xray-daemon).
# Not carried over (v2): sidecar container envoy
# (840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.9.0.0-prod).
# Not carried over (v2): sidecar container xray-daemon (amazon/aws-xray-daemon).
# Not carried over (v3): sidecar container envoy
# (840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.9.0.0-prod).
# Not carried over (v3): sidecar container xray-daemon (amazon/aws-xray-daemon).
service(
    "colorteller",
    image="123456789012.dkr.ecr.us-west-2.amazonaws.com/colorteller:latest",
    port=9080,
    replicas=1,
    env_vars={"SERVER_PORT": "9080"},
    rollout=rollout(max_surge="100%", max_unavailable="0%"),
    versions={
        "v1": version(env_vars={"COLOR": "white"}),
        "v2": version(env_vars={"COLOR": "blue"}),
        "v3": version(env_vars={"COLOR": "red"}),
    },
)

# colorteller-black: ECS service colorteller-black, task definition colorteller-black:1.
# Not carried over: sidecar container envoy
# (840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.9.0.0-prod).
# Not carried over: sidecar container xray-daemon (amazon/aws-xray-daemon).
service(
    "colorteller-black",
    image="123456789012.dkr.ecr.us-west-2.amazonaws.com/colorteller:latest",
    port=9080,
    replicas=1,
    env_vars={"COLOR": "black", "SERVER_PORT": "9080"},
    rollout=rollout(max_surge="100%", max_unavailable="0%"),
)

# tcpecho: ECS service tcpecho, task definition tcpecho:1.
service(
    "tcpecho",
    image="cjimti/go-echo",
    port=2701,
    port_name="tcp-2701",
    replicas=1,
    env_vars={
        "TCP_PORT": "2701",
        "NODE_NAME": "mesh/appmesh-mesh/virtualNode/tcpecho-vn",
    },
    memory="256Mi",
    memory_limit="256Mi",
    rollout=rollout(max_surge="100%", max_unavailable="0%"),
)

# --- load balancer appmesh-demo-public -----------------------------------------------
# appmesh-demo-public (internet-facing,
# appmesh-demo-public-1234567890.us-west-2.elb.amazonaws.com):
# - HTTP:80
# The rules in ALB order, each exposed through ALB.

# appmesh-demo-public HTTP:80 default rule: any request -> appmesh-demo-web
expose(
    "colorgateway",
    via=ALB,
    health=health_check("/ping", interval=6, timeout=5, healthy=2, unhealthy=2),
)

# --- App Mesh ------------------------------------------------------------------------
# The App Mesh routes, carried by the Istio mesh: each virtual router becomes the
# traffic() of the service its nodes run as.
mesh(ISTIO)

# colorteller.default.svc.cluster.local (virtual router colorteller-vr): route
# colorteller-route, first match wins.
# route colorteller-route: App Mesh weights v1 1, v2 1, v3 1 are written as whole
# percentages
# timeout 15s: App Mesh's default per-request timeout, written out because Istio has
# none by default
# routes without a retryPolicy: App Mesh's hidden default (meshes of accounts new after
# 2020-07-29: 2 retries on HTTP 503, gRPC UNAVAILABLE, connect-failure, refused-stream)
# is close to Istio's (2 attempts on connect-failure, refused-stream, unavailable,
# cancelled, 503), which applies
traffic("colorteller", split={"v1": 34, "v2": 33, "v3": 33}, timeout="15s")

# colorgateway: the backends of its virtual node
calls("colorgateway", "colorteller", "tcpecho")
