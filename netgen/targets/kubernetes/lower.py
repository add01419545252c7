"""Core Kubernetes objects: Namespaces, workloads, Services of every type the seed shows.

Also lowers the two exposures that are plain Services: NODEPORT (a NodePort Service next
to the ClusterIP one) and NLB (a LoadBalancer Service for the AWS Load Balancer Controller).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from attrs import frozen

from netgen import values as checks
from netgen.model import AcmCert, SourceLoc, Via
from netgen.plan import (
    SCRATCH,
    ContainerPlan,
    Labels,
    Plan,
    ProbePlan,
    RoutePlan,
    ServicePlan,
    Workload,
    psa_labels,
)
from netgen.render import Document, Renderer
from netgen.targets.base import Backend, FromCidr, Layer, ViaSpec, object_labels
from netgen.targets.features import Feature
from netgen.targets.kubernetes.lint import LINTS
from netgen.targets.kubernetes.settings import SETTINGS
from netgen.targets.kubernetes.tokens import CLUSTER, NLB, NODEPORT

NLB_ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-"
# Namespaces every cluster has: objects there need no Namespace document.
SYSTEM_NAMESPACES = frozenset({"default", "kube-node-lease", "kube-public", "kube-system"})


@frozen
class ServicePort:
    name: str
    port: int
    protocol: str
    target_port: int | str | None = None
    node_port: int | None = None
    app_protocol: str | None = None


def lower(plan: Plan, r: Renderer) -> Iterator[Document]:
    for ns in plan.namespaces:
        yield r.document(
            "kubernetes/namespace.yaml.j2", api_version="v1", kind="Namespace", name=ns,
            namespace=None, labels=object_labels(plan.namespace_labels.get(ns, ()), plan.blueprint),
            annotations=plan.namespace_annotations.get(ns, ()),
        )
    for w in plan.workloads:
        yield r.document(
            "kubernetes/workload.yaml.j2", api_version="apps/v1", kind=w.kind, name=w.name,
            namespace=w.namespace, w=w, labels=object_labels(w.labels, plan.blueprint),
            selector=w.selector, pod_labels=w.labels, service_account=w.service_account,
            pod=pod_parts(w),
        )
    yield from _identities_and_budgets(plan, r)
    for s in plan.services:
        if s.port is not None:  # a worker has no Service
            yield from _services(plan, s, r)
    for x in plan.externals:
        if x.alias:
            yield _service(
                r, plan, x.name, x.namespace, "ExternalName", (("app", x.name),), None,
                [ServicePort(x.protocol.lower() if x.protocol != "TCP"
                             else "tcp" if x.port not in (80, 443) else _port_name(x.port),
                             x.port, x.protocol)],
                external_name=x.host,
            )


def _identities_and_budgets(plan: Plan, r: Renderer) -> Iterator[Document]:
    """A ServiceAccount per service that has an identity (the mesh writes its own), and a
    PodDisruptionBudget per workload that `resolve` gave one: a drain then evicts at most
    one pod at a time."""
    accounts: dict[tuple[str, str], Workload] = {}
    for w in plan.workloads:
        # Only identities netgen gave (`service_accounts=True` names accounts you create).
        if (plan.mesh is None and w.security is not None and w.security.mount_token
                and w.service_account == w.service):
            accounts.setdefault((w.namespace, w.service_account), w)
    for (ns, name), w in accounts.items():
        labels = tuple((k, v) for k, v in w.labels if k != "version")
        yield r.document("kubernetes/serviceaccount.yaml.j2", api_version="v1",
                         kind="ServiceAccount", name=name, namespace=ns,
                         labels=object_labels(labels, plan.blueprint))
    for w in plan.workloads:
        if w.disruption_budget:
            yield r.document("kubernetes/poddisruptionbudget.yaml.j2", api_version="policy/v1",
                             kind="PodDisruptionBudget", name=w.name, namespace=w.namespace,
                             labels=object_labels(w.labels, plan.blueprint),
                             selector=w.selector)


def existing_namespaces(plan: Plan) -> frozenset[str]:
    """`existing_namespaces=[...]` (env or blueprint): namespaces managed elsewhere."""
    value = plan.setting("existing_namespaces", ())
    return frozenset([value] if isinstance(value, str) else value)


def with_namespaces(plan: Plan, r: Renderer, docs: list[Document]) -> list[Document]:
    """Every namespace an object lives in is created by the output, so `kubectl apply` on an
    empty cluster never fails for a missing one (a Gateway in `gateway_namespace=`, say),
    except the cluster's own and those the blueprint says exist (`existing_namespaces=`),
    whose Namespace documents are left out."""
    existing = existing_namespaces(plan)
    kept = [d for d in docs if not (d.kind == "Namespace" and d.name in existing)]
    declared = {d.name for d in kept if d.kind == "Namespace"}
    used = {d.namespace for d in kept if d.namespace}
    for ns in sorted(used - declared - existing - SYSTEM_NAMESPACES):
        # Created for another controller's objects (a Gateway, say), still at the env's level.
        labels = plan.namespace_labels.get(ns) or psa_labels(plan.env.pod_security)
        kept.append(r.document(
            "kubernetes/namespace.yaml.j2", api_version="v1", kind="Namespace", name=ns,
            namespace=None, labels=object_labels(labels, plan.blueprint), annotations=(),
        ))
    return kept


def check(plan: Plan) -> Iterator[tuple[SourceLoc | None, str]]:

    value = plan.setting("existing_namespaces")
    names = [value] if isinstance(value, str) else value
    if value is not None and (not isinstance(names, list | tuple)
                              or any(not isinstance(n, str) or checks.dns1123(n) for n in names)):
        yield (plan.setting_loc("existing_namespaces"),
               f"existing_namespaces={value!r}: must be a list of namespace names "
               "(DNS-1123 labels)")


def _services(plan: Plan, s: ServicePlan, r: Renderer) -> Iterator[Document]:
    port = s.port
    ports = [ServicePort(port.name, port.port, port.protocol, port.target_port,
                         app_protocol=port.app_protocol)]
    yield _service(r, plan, s.name, s.namespace, "ClusterIP", s.labels, s.selector, ports,
                   headless=s.headless and not s.stateful, loc=s.loc)
    if s.stateful and s.headless_name:
        yield _service(r, plan, s.headless_name, s.namespace, "ClusterIP", s.labels,
                       s.selector, ports, headless=True, loc=s.loc)
    for v in s.versions:
        labels = (*s.labels, ("version", v.name))
        yield _service(r, plan, v.service_name, s.namespace, "ClusterIP", labels, v.selector,
                       ports, loc=s.loc)


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
    loc: SourceLoc | None = None,
) -> Document:
    return r.document(
        "kubernetes/service.yaml.j2", api_version="v1", kind="Service", name=name,
        namespace=namespace, loc=loc, type=type_, labels=object_labels(labels, plan.blueprint),
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


def nodeport_name(route: RoutePlan) -> str:
    return f"{route.name}-nodeport"


def nlb_name(route: RoutePlan) -> str:
    return f"{route.name}-lb"


def _service_names_fit(plan: Plan, via: Via,
                       name: Callable[[RoutePlan], str]) -> Iterator[tuple[SourceLoc, str]]:
    """A Service name is a DNS-1035 label (at most 63 characters); the apiserver refuses a
    longer one, so the generated `<service>-nodeport` / `<service>-lb` must fit."""
    for route, _ in _routes(plan, via):
        generated = name(route)
        if len(generated) > 63:
            yield route.loc, (f"expose({route.service!r}, via={via.name}): the Service name "
                              f"'{generated}' is longer than 63 characters (a DNS-1035 label); "
                              "shorten the service's name")


def check_nodeport(plan: Plan) -> Iterator[tuple[SourceLoc, str]]:
    yield from _service_names_fit(plan, NODEPORT, nodeport_name)


def check_nlb(plan: Plan) -> Iterator[tuple[SourceLoc, str]]:
    yield from _service_names_fit(plan, NLB, nlb_name)


def lower_nodeport(plan: Plan, r: Renderer) -> Iterator[Document]:
    for route, s in _routes(plan, NODEPORT):
        ports = [ServicePort(s.port.name, s.port.port, s.port.protocol, s.port.target_port,
                             node_port=route.node_port)]
        yield _service(r, plan, nodeport_name(route), s.namespace, "NodePort", s.labels,
                       s.selector, ports, loc=route.loc)


def lower_nlb(plan: Plan, r: Renderer) -> Iterator[Document]:
    """An NLB provisioned by the AWS Load Balancer Controller, targeting pod IPs."""
    for route, s in _routes(plan, NLB):
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
        if s.port.protocol != "TCP":
            # AWS health-checks a UDP target group over TCP (or HTTP), on the target's port
            # unless told otherwise: said here, and admitted by the NetworkPolicy
            a["healthcheck-protocol"] = "tcp"
            a["healthcheck-port"] = "traffic-port"
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
            r, plan, nlb_name(route), s.namespace, "LoadBalancer", s.labels, s.selector, ports,
            annotations=tuple((NLB_ANNOTATION + k, v) for k, v in sorted(a.items())),
            load_balancer_class="service.k8s.aws/nlb", loc=route.loc,
        )


BACKEND = Backend(name="Kubernetes", lower=lower, check=check, settings=SETTINGS,
                  vias=(ViaSpec(CLUSTER, Layer.CLUSTER, outside=False),), lints=LINTS,
                  finish=with_namespaces)
NODEPORT_BACKEND = Backend(
    name="NODEPORT",
    lower=lower_nodeport,
    check=check_nodeport,
    vias=(ViaSpec(NODEPORT, Layer.L4, traffic_from=FromCidr(("nodeport_cidr", "vpc_cidr")),
                  graph_label=("NodePort", "every node's IP")),),
    features=frozenset({Feature.NODE_PORT}),
)
NLB_BACKEND = Backend(
    name="NLB",
    lower=lower_nlb,
    check=check_nlb,
    vias=(ViaSpec(NLB, Layer.L4, load_balancer=True, traffic_from=FromCidr(("vpc_cidr",)),
                  checks_over_tcp=True,
                  graph_label=("NLB", "AWS Load Balancer Controller"),
                  tls_default="the controller's default (ELBSecurityPolicy-2016-08 unless "
                              "service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-"
                              "policy says otherwise)"),),
    features=frozenset(
        {Feature.LISTENER_PORTS, Feature.SCHEME, Feature.TLS_ACM, Feature.HEALTH_CHECK}
    ),
    terminates_tls=True,
)


def pod_parts(w: Workload) -> dict[str, Any]:
    """The optional parts of a workload in Kubernetes field shapes, for the template to print
    with `block`; all empty when a service uses none, so such output stays as it was."""
    parts: dict[str, Any] = {"strategy": None, "resources": None, "mounts": [], "volumes": [],
                             "liveness": _probe(w.liveness), "readiness": _probe(w.readiness),
                             **security_parts(w)}
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
    if w.storage is not None:
        parts["mounts"].append({"name": w.storage.name, "mountPath": w.storage.path})
    parts["containers"] = [_container(c, parts["volumes"], parts["container_security"])
                           for c in w.containers]
    parts["node_selector"] = dict(w.node_selector)
    return parts


def security_parts(w: Workload) -> dict[str, Any]:
    """The pod's and the container's securityContext, the token, host networking and the
    volumeClaimTemplates, as decided in `resolve/podsecurity.py`."""
    sec = w.security
    if sec is None:
        return {"security": None, "container_security": None, "mount_token": True,
                "host_network": False, "claims": []}
    pod: dict[str, Any] = {}
    if sec.run_as_non_root:
        pod["runAsNonRoot"] = True
    for key, value in (("runAsUser", sec.run_as_user), ("runAsGroup", sec.run_as_group),
                       ("fsGroup", sec.fs_group)):
        if value is not None:
            pod[key] = value
    pod["seccompProfile"] = {"type": "RuntimeDefault"}
    caps: dict[str, Any] = {"drop": ["ALL"]}
    if sec.capabilities:
        caps["add"] = list(sec.capabilities)
    container: dict[str, Any] = {"allowPrivilegeEscalation": False, "capabilities": caps}
    if sec.read_only_root:
        container["readOnlyRootFilesystem"] = True
    claims = []
    if w.storage is not None:
        spec: dict[str, Any] = {"accessModes": [w.storage.access_mode]}
        if w.storage.storage_class is not None:
            spec["storageClassName"] = w.storage.storage_class
        spec["resources"] = {"requests": {"storage": w.storage.size}}
        claims.append({"metadata": {"name": w.storage.name}, "spec": spec})
    return {"security": pod, "container_security": container, "mount_token": sec.mount_token,
            "host_network": sec.host_network, "claims": claims}


def _container(
    c: ContainerPlan, volumes: list[dict[str, Any]], security: dict[str, Any] | None
) -> dict[str, Any]:
    """A further container of the pod in Kubernetes field shapes; a volume not already in
    the pod's list is added to it (a name used twice is the same volume). It runs under the
    same container securityContext as the main one: Pod Security Admission judges every
    container of the pod, so one exception would reject the whole pod."""
    out: dict[str, Any] = {"name": c.name, "image": c.image}
    if c.command:
        out["command"] = list(c.command)
    if c.args:
        out["args"] = list(c.args)
    if c.ports:
        out["ports"] = [{"containerPort": p, "protocol": "TCP"} for p in c.ports]
    if security:
        out["securityContext"] = security
    env: list[dict[str, Any]] = [{"name": e.name, "value": e.value} for e in c.env]
    env += [{"name": e.name, "valueFrom": {"secretKeyRef": {"name": e.secret, "key": e.key}}}
            for e in c.secret_env]
    if env:
        out["env"] = env
    if c.resources is not None:
        out["resources"] = {k: dict(v) for k, v in (("requests", c.resources.requests),
                                                     ("limits", c.resources.limits)) if v}
    mounts = []
    scratch = [SCRATCH] if (security and security.get("readOnlyRootFilesystem")
                            and all(v.path != SCRATCH.path for v in c.volumes)) else []
    for v in (*c.volumes, *scratch):
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
