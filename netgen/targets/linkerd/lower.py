"""Linkerd's objects for one environment under `mesh(LINKERD)`.

resolve decided the neutral part (identities, the allow matrix, traffic plans); this module
shapes it into Linkerd's policy resources and GAMMA routes:

- a ServiceAccount per service (the identity a MeshTLSAuthentication names);
- a `Server` per service port; its `accessPolicy` is what no AuthorizationPolicy allows:
  `deny` (`audit` with `linkerd_audit=True`) when callers are declared or isolation is
  STRICT, else the namespace's default (meshed clients only under mtls=STRICT);
- per called service an `AuthorizationPolicy` on that Server requiring a
  `MeshTLSAuthentication` of exactly its callers' ServiceAccounts, and for services exposed
  outside the mesh (load balancers, ingress controllers) one requiring the namespace's
  `NetworkAuthentication` of every network (their clients have no mesh identity);
- per `traffic()` on an HTTP port a `gateway.networking.k8s.io` HTTPRoute whose parent is
  the Service (GAMMA): splits and matches as rules, timeouts and retries as Linkerd's
  `timeout.linkerd.io/*` and `retry.linkerd.io/*` annotations (per-route timeouts as the
  rule's `timeouts.request`);
- per external with addresses (`cidr=` or an IP host) an `EgressNetwork` allowing them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from netgen.plan import Plan, ServicePlan
from netgen.plan.mesh import RetryPlan, TrafficPlan, is_http
from netgen.render import Document, Renderer
from netgen.targets.base import Backend, MeshHooks, object_labels
from netgen.targets.linkerd import checks, settings
from netgen.targets.linkerd.lint import LINTS
from netgen.targets.linkerd.matches import match
from netgen.targets.linkerd.protocol import is_linkerd, server_protocol
from netgen.targets.linkerd.tokens import LINKERD
from netgen.targets.mesh_readback import MeshReadback

POLICY = "policy.linkerd.io"
GATEWAY = "gateway.networking.k8s.io"
ALL_NETWORKS = "all-networks"  # the NetworkAuthentication of clients without a mesh identity
EVERY_NETWORK = ("0.0.0.0/0", "::/0")
def account(principal: str) -> tuple[str, str]:
    """(namespace, service account) of resolve's `<trust domain>/ns/<ns>/sa/<sa>`."""
    parts = principal.split("/")
    return parts[2], parts[4]


def lower(plan: Plan, r: Renderer) -> Iterator[Document]:
    mesh = plan.mesh
    if mesh is None or not is_linkerd(plan):
        return
    base = object_labels((), plan.blueprint)
    raw = plan.setting
    for sa in mesh.service_accounts:
        yield r.document("linkerd/serviceaccount.yaml.j2", api_version="v1",
                         kind="ServiceAccount", name=sa.name, namespace=sa.namespace,
                         labels=object_labels(sa.labels, plan.blueprint))
    rules = {a.name: a.rules for a in mesh.authorizations if a.selector is not None}
    fallback = settings.default_policy(mesh, raw)
    closed = "audit" if fallback == "audit" else "deny"
    outside_namespaces = set()
    for s in plan.services:
        if s.port is None:  # a worker accepts nothing: no Server, the namespace default denies
            continue
        restricted = s.name in rules or mesh.deny_by_default
        yield r.document("linkerd/server.yaml.j2", api_version=f"{POLICY}/v1beta3",
                         kind="Server", name=s.name, namespace=s.namespace,
                         labels=object_labels(s.labels, plan.blueprint),
                         selector=dict(s.selector), port=s.port.target_port,
                         access_policy=closed if restricted else fallback,
                         proxy_protocol=server_protocol(s))
        principals = sorted({p for rule in rules.get(s.name, ()) for p in rule.principals})
        if principals:
            callers = f"{s.name}-callers"
            yield r.document("linkerd/meshtlsauthentication.yaml.j2",
                             api_version=f"{POLICY}/v1alpha1", kind="MeshTLSAuthentication",
                             name=callers, namespace=s.namespace, labels=base,
                             refs=[{"kind": "ServiceAccount", "name": sa, "namespace": ns}
                                   for ns, sa in (account(p) for p in principals)])
            yield _authorization(r, base, callers, s, "MeshTLSAuthentication", callers)
        if any(rule.plaintext for rule in rules.get(s.name, ())):
            outside_namespaces.add(s.namespace)
            yield _authorization(r, base, f"{s.name}-outside", s, "NetworkAuthentication",
                                 ALL_NETWORKS)
    for ns in sorted(outside_namespaces):
        yield r.document("linkerd/networkauthentication.yaml.j2",
                         api_version=f"{POLICY}/v1alpha1", kind="NetworkAuthentication",
                         name=ALL_NETWORKS, namespace=ns, labels=base,
                         networks=[{"cidr": n} for n in EVERY_NETWORK])
    by_name = {s.name: s for s in plan.services}
    for t in mesh.traffic:
        s = by_name[t.service]
        if s.port is not None and is_http(s):
            yield r.document("linkerd/httproute.yaml.j2", api_version=f"{GATEWAY}/v1",
                             kind="HTTPRoute", name=f"{s.name}-mesh", namespace=s.namespace,
                             loc=t.loc, labels=base, annotations=annotations(t),
                             parent={"group": "", "kind": "Service", "name": s.name,
                                     "port": s.port.port},
                             rules=route_rules(t, s))
    for x in plan.externals:
        networks = x.cidr or ((x.host,) if checks._is_ip(x.host) else ())
        if networks:
            yield r.document("linkerd/egressnetwork.yaml.j2", api_version=f"{POLICY}/v1alpha1",
                             kind="EgressNetwork", name=x.name, namespace=x.namespace,
                             labels=base, networks=[{"cidr": _cidr(n)} for n in networks])


def _authorization(r: Renderer, labels: Any, name: str, s: ServicePlan, kind: str,
                   ref: str) -> Document:
    return r.document("linkerd/authorizationpolicy.yaml.j2", api_version=f"{POLICY}/v1alpha1",
                      kind="AuthorizationPolicy", name=name, namespace=s.namespace,
                      labels=labels, server=s.name, auth_kind=kind, auth_name=ref)


def _cidr(value: str) -> str:
    import ipaddress

    return str(ipaddress.ip_network(value, strict=False))



def retry_annotations(r: RetryPlan) -> list[tuple[str, str]]:
    """Linkerd retries on response statuses only (`5xx`, `gateway-error`, codes or ranges);
    checks.py rejects the other conditions."""
    out = [("retry.linkerd.io/http", r.on or "5xx"), ("retry.linkerd.io/limit", str(r.attempts))]
    if r.per_try is not None:
        out.append(("retry.linkerd.io/timeout", r.per_try))
    return out


def annotations(t: TrafficPlan) -> tuple[tuple[str, str], ...]:
    out = []
    retries = t.retries or next((m.retries for m in t.routes if m.retries), None)
    if retries is not None:
        out.extend(retry_annotations(retries))
    if t.timeout is not None:
        out.append(("timeout.linkerd.io/request", t.timeout))
    return tuple(sorted(out))


def _backends(s: ServicePlan, split: tuple[tuple[str, int], ...] | None
              ) -> list[dict[str, Any]]:
    assert s.port is not None
    if split is None:
        return [{"name": s.name, "port": s.port.port}]
    names = {v.name: v.service_name for v in s.versions}
    return [{"name": names[version], "port": s.port.port, "weight": weight}
            for version, weight in split]


def route_rules(t: TrafficPlan, s: ServicePlan) -> list[dict[str, Any]]:
    """The routes in declaration order, then the split (or the Service itself) for every
    other call; with routes and no split an unmatched call gets no rule (a 404)."""
    out = []
    for m in t.routes:
        rule: dict[str, Any] = {"matches": [match(m.match)], "backendRefs": _backends(s, m.split)}
        if m.timeout is not None:
            rule["timeouts"] = {"request": m.timeout}
        out.append(rule)
    if t.split is not None or not t.routes:
        out.append({"backendRefs": _backends(s, t.split)})
    return out


def check(plan: Plan) -> Iterator[tuple[Any, str]]:
    if is_linkerd(plan):
        yield from checks.problems(plan)


def _readback(plan: Plan, docs: list[Any]) -> tuple[frozenset[Any], frozenset[Any]]:
    from netgen.targets.linkerd import readback  # what only `netgen verify` runs

    return readback.readback(plan, docs)


def _routes(plan: Plan, docs: list[Any]) -> tuple[frozenset[Any], frozenset[Any]]:
    from netgen.targets.linkerd import readback

    return readback.routes(plan, docs)


HOOKS = MeshHooks(kind=LINKERD, control_plane=settings.control_plane,
                  namespace_annotations=settings.namespace_annotations,
                  readback=_readback, routes=_routes)

BACKEND = Backend(
    name="Linkerd",
    # its policy objects, and the GAMMA HTTPRoutes (the Gateway API bundle, either channel)
    crds=("linkerd-2.20", "gateway-api-v1.6.1-standard", "gateway-api-v1.6.1-experimental"),
    lower=lower,
    check=check,
    reserved_names=("allow-linkerd",),
    settings=settings.SETTINGS,
    lints=LINTS,
    mesh=HOOKS,
    readback=MeshReadback(HOOKS),
)
