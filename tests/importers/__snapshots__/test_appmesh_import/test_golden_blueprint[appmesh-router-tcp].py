# netgen blueprint for the ECS cluster "app1", written by `netgen import ecs` from
# aws-export/. It is yours now: review it, keep it in version control, and build the
# manifests with `netgen build` (see docs/migration.md).
#
# What did not carry over exactly (17 warnings, with the export file and JSON path they
# come from):
# - [appmesh-proxy] containers envoy and proxyConfiguration APPMESH are App Mesh's data
#   plane (Envoy, X-Ray); not carried over: Istio injects its own sidecar
#     (describe-task-definition-serviceA-3.json $.taskDefinition)
# - [appmesh-proxy] containers envoy and proxyConfiguration APPMESH are App Mesh's data
#   plane (Envoy, X-Ray); not carried over: Istio injects its own sidecar
#     (describe-task-definition-serviceB-7.json $.taskDefinition)
# - [appmesh-proxy] containers envoy and proxyConfiguration APPMESH are App Mesh's data
#   plane (Envoy, X-Ray); not carried over: Istio injects its own sidecar
#     (describe-task-definition-serviceB-8.json $.taskDefinition)
# - [egress-denied] service-a: security group sg-0app1tasks000001 allowed outbound all
#   traffic to 0.0.0.0/0; under STRICT it may now reach only DNS and what calls()
#   declares for it: every other outbound connection (hosts named in code, config files
#   or secrets, or reached by address) is denied; to allow a destination again add
#   external("name", host="its.host.name", port=443) and calls("service-a", "name")
#     (describe-security-groups.json $.SecurityGroups[0].IpPermissionsEgress[0])
# - [egress-denied] service-b: security group sg-0app1tasks000001 allowed outbound all
#   traffic to 0.0.0.0/0; under STRICT it may now reach only DNS and what calls()
#   declares for it: every other outbound connection (hosts named in code, config files
#   or secrets, or reached by address) is denied; to allow a destination again add
#   external("name", host="its.host.name", port=443) and calls("service-b", "name")
#     (describe-security-groups.json $.SecurityGroups[0].IpPermissionsEgress[0])
# - [extra-ports] service-b also listens on tcp-9000 9000; netgen gives a service one
#   port, so only http 80 is reachable
#     (describe-services.json $.services[1])
# - [appmesh-version-name] servicebv1.svc.cluster.local was the discovery name of
#   serviceB-v1 alone; it now means service-b, every version (a caller meaning this
#   version only: service-b-v1.<namespace>.svc.cluster.local)
#     (describe-services.json $.services[1].serviceRegistries)
# - [appmesh-version-name] servicebv2.svc.cluster.local was the discovery name of
#   serviceB-v2 alone; it now means service-b, every version (a caller meaning this
#   version only: service-b-v2.<namespace>.svc.cluster.local)
#     (describe-services.json $.services[2].serviceRegistries)
# - [appmesh-gateway-port] virtual gateway vgIngress listened on 9080; the Istio ingress
#   gateway serves 80 (443 with TLS): point clients and load balancers there
#     (describe-virtual-gateway.json $.virtualGateway.spec.listeners[0].portMapping.port)
# - [appmesh-listener] virtual node vnServiceBv1: listener healthCheck is not carried
#   over (readiness probes and traffic(...) cover parts of it)
#     (describe-virtual-node-vnServiceBv1.json $.virtualNode.spec.listeners[0].healthCheck)
# - [appmesh-route-left-out] route tcp-serviceB of vrServiceB: it routes the calls of
#   port 9000 (tcp) to vnServiceBv1 50, vnServiceBv2 50, and netgen gives service-b one
#   port, 80, whose routes are carried; the route is left out
#     (describe-route-tcp-serviceB.json $.route.spec.tcpRoute.match.port)
# - [appmesh-idle-timeout] route beta: the idle timeout 60s is not carried over (Istio
#   sets idle timeouts per DestinationRule)
#     (describe-route-beta.json $.route.spec.httpRoute.timeout.idle)
# - [appmesh-route-left-out] route builds of vrServiceB: header x-build is matched by a
#   number range, which Istio cannot express; the route is left out
#     (describe-route-builds.json $.route.spec.httpRoute.match.headers[0].match.range)
# - [appmesh-route-left-out] route http2Route of vrServiceB: it matches scheme http,
#   which netgen cannot express; the route is left out
#     (describe-route-http2Route.json $.route.spec.http2Route.match.scheme)
# - [appmesh-gateway-host] gateway route gr-serviceA of vgIngress: App Mesh sent
#   serviceA.svc.cluster.local as the Host header (App Mesh's default for HTTP gateway
#   routes); the Istio ingress gateway passes the client's Host on to service-a, so
#   check that service-a accepts it
#     (describe-gateway-route-serviceA.json $.gatewayRoute.spec.httpRoute.action)
# - [appmesh-gateway-host] gateway route gr-serviceB of vgIngress: App Mesh sent
#   serviceB.svc.cluster.local as the Host header (App Mesh's default for HTTP gateway
#   routes); the Istio ingress gateway passes the client's Host on to service-b, so
#   check that service-b accepts it
#     (describe-gateway-route-serviceB.json $.gatewayRoute.spec.httpRoute.action)
# - [appmesh-gateway-bare-prefix] gateway route gr-serviceA of vgIngress: App Mesh's
#   prefix '/a/' does not match the path '/a' itself, and the exposure's path '/a'
#   matches whole path segments, so requests to api.example.com/a now also reach
#   service-a (rewritten to '/'); the route is kept: to keep them elsewhere, add an
#   exposure of path='/a', path_type='Exact' for them
#     (describe-gateway-route-serviceA.json $.gatewayRoute.spec.httpRoute.match.prefix)
#
# Names: ECS names that changed (characters a DNS label cannot hold, CloudFormation
# stack prefixes and random suffixes) or were joined as versions:
#     serviceA -> service-a
#     serviceB-v1 -> service-b v1
#     serviceB-v2 -> service-b v2
#
# Cloud Map names are rewritten in environment values only. If an application reads them
# from files or code, add these lines to the main server block of the cluster's Corefile
# (an exact rewrite answers under the name asked for), or change the application:
#     rewrite name exact servicea.namespace1 service-a.app1.svc.cluster.local
#     rewrite name exact servicea.svc.cluster.local service-a.app1.svc.cluster.local
#     rewrite name exact serviceb.svc.cluster.local service-b.app1.svc.cluster.local
#     rewrite name exact servicebv1.svc.cluster.local service-b.app1.svc.cluster.local
#     rewrite name exact servicebv2.svc.cluster.local service-b.app1.svc.cluster.local

from netgen import *

blueprint("app1")

# One environment: the ECS cluster, in namespace app1. STRICT isolation: pods accept
# only the traffic declared below (calls() from the security groups, expose() from the
# load balancer).
env("app1", namespace="app1", isolation=STRICT)

# --- services ------------------------------------------------------------------------

# service-a: ECS service serviceA, task definition serviceA:3.
# SERVICE_B_URL: serviceb.svc.cluster.local (App Mesh virtual service) ->
# service-b.app1.svc.cluster.local
# Not carried over: sidecar container envoy
# (840364872350.dkr.ecr.us-east-1.amazonaws.com/aws-appmesh-envoy:v1.27.3.0-prod).
service(
    "service-a",
    image="123456789012.dkr.ecr.us-east-1.amazonaws.com/servicea:3",
    port=80,
    replicas=2,
    env_vars={"SERVICE_B_URL": "http://service-b.app1.svc.cluster.local/api"},
    cpu="250m",
    memory="512Mi",
    memory_limit="512Mi",
    rollout=rollout(max_surge="100%", max_unavailable="0%"),
)

# service-b: 2 ECS services, run as versions of one service (primary first):
#   v1: ECS service serviceB-v1, task definition serviceB:7
#   v2: ECS service serviceB-v2, task definition serviceB:8
# Not carried over (v1): sidecar container envoy
# (840364872350.dkr.ecr.us-east-1.amazonaws.com/aws-appmesh-envoy:v1.27.3.0-prod).
# Not carried over (v2): sidecar container envoy
# (840364872350.dkr.ecr.us-east-1.amazonaws.com/aws-appmesh-envoy:v1.27.3.0-prod).
service(
    "service-b",
    port=80,
    replicas=2,
    cpu="250m",
    memory="512Mi",
    memory_limit="512Mi",
    rollout=rollout(max_surge="100%", max_unavailable="0%"),
    versions={
        "v1": version(
            image="123456789012.dkr.ecr.us-east-1.amazonaws.com/serviceb:7",
            env_vars={"VERSION": "1"},
        ),
        "v2": version(
            image="123456789012.dkr.ecr.us-east-1.amazonaws.com/serviceb:8",
            env_vars={"VERSION": "2"},
        ),
    },
)

# --- who may call whom, from the security groups and environment values -------------
# Under STRICT isolation these are the only calls allowed between pods.

# service-a -> service-b (TCP 80)
calls("service-a", "service-b")

# service-b -> service-a (TCP 80)
calls("service-b", "service-a")

# --- App Mesh ------------------------------------------------------------------------
# The App Mesh routes, carried by the Istio mesh: each virtual router becomes the
# traffic() of the service its nodes run as.
mesh(ISTIO)

# serviceB.svc.cluster.local (virtual router vrServiceB): route beta priority 100, route
# v2-path priority 300, route toVnServiceB-weighted, first match wins.
# routes without a retryPolicy: App Mesh's hidden default (meshes of accounts new after
# 2020-07-29: 2 retries on HTTP 503, gRPC UNAVAILABLE, connect-failure, refused-stream)
# is close to Istio's (2 attempts on connect-failure, refused-stream, unavailable,
# cancelled, 503), which applies
# timeout 15s: App Mesh's default per-request timeout, written out because Istio has
# none by default
traffic(
    "service-b",
    split={"v1": 90, "v2": 10},
    timeout="15s",
    routes=[
        mesh_route(
            prefix="/beta",
            method="GET",
            headers=[
                header("x-user-group", "beta"),
                mesh_header("User-Agent", suffix="Chrome"),
                mesh_header("x-legacy", prefix="1", invert=True),
            ],
            query={"trace": "on"},
            split={"v1": 25, "v2": 75},
            timeout="5s",
            retries=retries(
                2, per_try="2000ms", on="5xx,retriable-4xx,connect-failure"
            ),
        ),
        mesh_route(regex="/v2/.*", split={"v2": 100}, timeout="1500ms"),
    ],
)

# service-a: the backends of its virtual node
calls("service-a", "service-b")

# gateway route gr-serviceA of virtual gateway vgIngress, through the Istio ingress
# gateway
expose("service-a", via=ISTIO, host="api.example.com", path="/a", rewrite="/")

# gateway route gr-serviceB of virtual gateway vgIngress, through the Istio ingress
# gateway
expose("service-b", via=ISTIO)
