"""Core Kubernetes objects: Namespaces, workloads, Services of every type the seed shows.

Also lowers the two exposures that are plain Services: NODEPORT (a NodePort Service next
to the ClusterIP one) and NLB (a LoadBalancer Service for the AWS Load Balancer Controller).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from attrs import frozen

from netgen.backends.base import Backend
from netgen.backends.features import Feature
from netgen.lower.render import Document, Renderer
from netgen.model import AcmCert, Via
from netgen.plan import (
    ContainerPlan,
    Labels,
    Plan,
    ProbePlan,
    RoutePlan,
    ServicePlan,
    Workload,
)

MANAGED_BY = ("app.kubernetes.io/managed-by", "netgen")
NLB_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-"


@frozen
class ServicePort:
    name: str
    port: int
    protocol: str
    target_port: int | str | None = None
    node_port: int | None = None
    app_protocol: str | None = None


def object_labels(labels: Labels, part_of: str) -> Labels:
    """Labels of every generated object: the service's own plus who made it."""
    return (*labels, ("app.kubernetes.io/part-of", part_of), MANAGED_BY)


def lower(plan: Plan, r: Renderer) -> Iterator[Document]:
    for ns in plan.namespaces:
        yield r.document(
            "kubernetes/namespace.yaml.j2", api_version="v1", kind="Namespace", name=ns,
            namespace=None, labels=object_labels(plan.namespace_labels.get(ns, ()), plan.blueprint),
        )
    for w in plan.workloads:
        yield r.document(
            "kubernetes/workload.yaml.j2", api_version="apps/v1", kind=w.kind, name=w.name,
            namespace=w.namespace, w=w, labels=object_labels(w.labels, plan.blueprint),
            selector=w.selector, pod_labels=w.labels, service_account=w.service_account,
            pod=pod_parts(w),
        )
    for s in plan.services:
        if s.port is not None:  # a worker has no Service
            yield from _services(plan, s, r)
    for x in plan.externals:
        if x.alias:
            yield _service(
                r, plan, x.name, x.namespace, "ExternalName", (("app", x.name),), None,
                [ServicePort("tcp" if x.port not in (80, 443) else _port_name(x.port), x.port,
                             x.protocol)],
                external_name=x.host,
            )


def _services(plan: Plan, s: ServicePlan, r: Renderer) -> Iterator[Document]:
    port = s.port
    ports = [ServicePort(port.name, port.port, port.protocol, port.target_port,
                         app_protocol=port.app_protocol)]
    yield _service(r, plan, s.name, s.namespace, "ClusterIP", s.labels, s.selector, ports,
                   headless=s.headless and not s.stateful)
    if s.stateful and s.headless_name:
        yield _service(r, plan, s.headless_name, s.namespace, "ClusterIP", s.labels,
                       s.selector, ports, headless=True)
    for v in s.versions:
        labels = (*s.labels, ("version", v.name))
        yield _service(r, plan, v.service_name, s.namespace, "ClusterIP", labels, v.selector,
                       ports)


def _service(
    r: Renderer,
    plan: Plan,
    name: str,
    namespace: str,
    type_: str,
    labels: Labels,
    selector: Labels | None,
    ports: list[ServicePort],
    *,
    headless: bool = False,
    external_name: str | None = None,
    annotations: Labels | None = None,
    load_balancer_class: str | None = None,
) -> Document:
    return r.document(
        "kubernetes/service.yaml.j2", api_version="v1", kind="Service", name=name,
        namespace=namespace, type=type_, labels=object_labels(labels, plan.blueprint),
        selector=selector, ports=ports, headless=headless,
        external_name=external_name, annotations=annotations,
        load_balancer_class=load_balancer_class,
    )


def _port_name(port: int) -> str:
    return {80: "http", 443: "https"}.get(port, f"port-{port}")


def _routes(plan: Plan, via: Via) -> Iterator[tuple[RoutePlan, ServicePlan]]:
    services = {s.name: s for s in plan.services}
    for route in plan.routes:
        if route.via is via:
            yield route, services[route.service]


def lower_nodeport(plan: Plan, r: Renderer) -> Iterator[Document]:
    for route, s in _routes(plan, Via.NODEPORT):
        ports = [ServicePort(s.port.name, s.port.port, s.port.protocol, s.port.target_port,
                             node_port=route.node_port)]
        yield _service(r, plan, f"{route.name}-nodeport", s.namespace, "NodePort", s.labels,
                       s.selector, ports)


def lower_nlb(plan: Plan, r: Renderer) -> Iterator[Document]:
    """An NLB provisioned by the AWS Load Balancer Controller, targeting pod IPs."""
    for route, s in _routes(plan, Via.NLB):
        a = {
            "type": "external",
            "nlb-target-type": "ip",
            "scheme": route.scheme,
            "attributes": "load_balancing.cross_zone.enabled=true",
        }
        listen = route.ports or (s.port.port,)
        if isinstance(route.tls, AcmCert):
            a["ssl-cert"] = route.tls.arn
            a["ssl-ports"] = ",".join(str(p) for p in listen if p != 80) or "443"
        if route.health is not None:
            a["healthcheck-protocol"] = "http"
            a["healthcheck-path"] = route.health.path
            for key, value in (
                ("healthcheck-interval", route.health.interval),
                ("healthcheck-timeout", route.health.timeout),
                ("healthcheck-healthy-threshold", route.health.healthy),
                ("healthcheck-unhealthy-threshold", route.health.unhealthy),
            ):
                if value is not None:
                    a[key] = str(value)
        ports = [ServicePort(_port_name(p), p, s.port.protocol, s.port.target_port)
                 for p in listen]
        yield _service(
            r, plan, f"{route.name}-lb", s.namespace, "LoadBalancer", s.labels, s.selector, ports,
            annotations=tuple((NLB_ANNOTATION + k, v) for k, v in sorted(a.items())),
            load_balancer_class="service.k8s.aws/nlb",
        )


BACKEND = Backend(name="Kubernetes", lower=lower, via=(Via.CLUSTER,))
NODEPORT_BACKEND = Backend(
    name="NODEPORT",
    lower=lower_nodeport,
    via=(Via.NODEPORT,),
    features=frozenset({Feature.NODE_PORT}),
)
NLB_BACKEND = Backend(
    name="NLB",
    lower=lower_nlb,
    via=(Via.NLB,),
    features=frozenset(
        {Feature.LISTENER_PORTS, Feature.SCHEME, Feature.TLS_ACM, Feature.HEALTH_CHECK}
    ),
    terminates_tls=True,
)


def pod_parts(w: Workload) -> dict[str, Any]:
    """The optional parts of a workload in Kubernetes field shapes, for the template to print
    with `block`; all empty when a service uses none, so such output stays as it was."""
    parts: dict[str, Any] = {"strategy": None, "resources": None, "mounts": [], "volumes": [],
                             "liveness": _probe(w.liveness), "readiness": _probe(w.readiness)}
    if w.rollout is not None:
        rolling = {k: v for k, v in (("maxSurge", w.rollout.max_surge),
                                     ("maxUnavailable", w.rollout.max_unavailable))
                   if v is not None}
        parts["strategy"] = {"type": "RollingUpdate", "rollingUpdate": rolling}
    if w.resources is not None:
        parts["resources"] = {k: dict(v) for k, v in (("requests", w.resources.requests),
                                                      ("limits", w.resources.limits)) if v}
    for v in w.volumes:
        mount: dict[str, Any] = {"name": v.name, "mountPath": v.path}
        if v.read_only:
            mount["readOnly"] = True
        parts["mounts"].append(mount)
        if v.claim is not None:
            claim: dict[str, Any] = {"claimName": v.claim}
            if v.read_only:
                claim["readOnly"] = True
            parts["volumes"].append({"name": v.name, "persistentVolumeClaim": claim})
        else:
            scratch = {"sizeLimit": v.size_limit} if v.size_limit else {}
            parts["volumes"].append({"name": v.name, "emptyDir": scratch})
    parts["containers"] = [_container(c, parts["volumes"]) for c in w.containers]
    parts["node_selector"] = dict(w.node_selector)
    return parts


def _container(c: ContainerPlan, volumes: list[dict[str, Any]]) -> dict[str, Any]:
    """A further container of the pod in Kubernetes field shapes; a volume not already in
    the pod's list is added to it (a name used twice is the same volume)."""
    out: dict[str, Any] = {"name": c.name, "image": c.image}
    if c.command:
        out["command"] = list(c.command)
    if c.args:
        out["args"] = list(c.args)
    if c.ports:
        out["ports"] = [{"containerPort": p, "protocol": "TCP"} for p in c.ports]
    env: list[dict[str, Any]] = [{"name": e.name, "value": e.value} for e in c.env]
    env += [{"name": e.name, "valueFrom": {"secretKeyRef": {"name": e.secret, "key": e.key}}}
            for e in c.secret_env]
    if env:
        out["env"] = env
    if c.resources is not None:
        out["resources"] = {k: dict(v) for k, v in (("requests", c.resources.requests),
                                                     ("limits", c.resources.limits)) if v}
    mounts = []
    for v in c.volumes:
        mount: dict[str, Any] = {"name": v.name, "mountPath": v.path}
        if v.read_only:
            mount["readOnly"] = True
        mounts.append(mount)
        if all(existing["name"] != v.name for existing in volumes):
            volumes.append({"name": v.name, "persistentVolumeClaim": {"claimName": v.claim}}
                           if v.claim else {"name": v.name, "emptyDir": (
                               {"sizeLimit": v.size_limit} if v.size_limit else {})})
    if mounts:
        out["volumeMounts"] = mounts
    for key, probe in (("livenessProbe", c.liveness), ("readinessProbe", c.readiness)):
        if probe is not None:
            out[key] = _probe(probe)
    return out


def _probe(p: ProbePlan | None) -> dict[str, Any] | None:
    if p is None:
        return None
    check: dict[str, Any]
    if p.kind == "exec":
        out: dict[str, Any] = {"exec": {"command": list(p.command)}}
    elif p.kind == "http":
        check = {"path": p.path, "port": p.port}
        if p.scheme:
            check["scheme"] = p.scheme
        out = {"httpGet": check}
    else:
        out = {"grpc" if p.kind == "grpc" else "tcpSocket": {"port": p.port}}
    for key, value in (("initialDelaySeconds", p.initial_delay), ("periodSeconds", p.period),
                       ("timeoutSeconds", p.timeout), ("successThreshold", p.successes),
                       ("failureThreshold", p.failures)):
        if value is not None:
            out[key] = value
    return out
