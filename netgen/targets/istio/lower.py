"""Istio: the mesh objects of an environment (identity, mTLS, authorization, traffic policy,
external services) and the `via=ISTIO` exposures through an Istio ingress Gateway.

Everything was decided in `resolve.mesh` (the neutral MeshPlan) and `planning.py` (its
IstioPlan part); this module only shapes them into the field names of
`networking.istio.io/v1` and `security.istio.io/v1`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from netgen.plan import Plan
from netgen.plan.mesh import AuthzRule, HttpMatch, RetryPlan, TrafficPlan
from netgen.render import Document, Renderer
from netgen.targets.base import Backend, FromPods, Layer, ViaSpec, object_labels
from netgen.targets.features import Feature
from netgen.targets.istio.lint import LINTS
from netgen.targets.istio.mesh import HOOKS
from netgen.targets.istio.settings import SETTINGS
from netgen.targets.istio.tokens import ISTIO
from netgen.targets.mesh_readback import MeshReadback

if TYPE_CHECKING:
    from netgen.targets.istio.plan import Destination, HttpRoute

NETWORKING = "networking.istio.io/v1"
SECURITY = "security.istio.io/v1"


def lower(plan: Plan, r: Renderer) -> Iterator[Document]:
    mesh = plan.mesh
    if mesh is None or mesh.kind != ISTIO.name:  # another mesh's target writes its own
        return
    from netgen.targets.istio.plan import istio_part  # (loaded only with the mesh)

    istio = istio_part(mesh)
    base = object_labels((), plan.blueprint)
    for sa in mesh.service_accounts:
        yield r.document("istio/serviceaccount.yaml.j2", api_version="v1",
                         kind="ServiceAccount", name=sa.name, namespace=sa.namespace,
                         labels=object_labels(sa.labels, plan.blueprint))
    for pa in istio.peer_authentications:
        yield r.document("istio/peerauthentication.yaml.j2", api_version=SECURITY,
                         kind="PeerAuthentication", name=pa.name, namespace=pa.namespace,
                         labels=base, peer=pa, selector=dict(pa.selector or ()))
    for ap in mesh.authorizations:
        yield r.document("istio/authorizationpolicy.yaml.j2", api_version=SECURITY,
                         kind="AuthorizationPolicy", name=ap.name, namespace=ap.namespace,
                         labels=base, policy=ap, selector=dict(ap.selector or ()),
                         rules=[_rule(rule) for rule in ap.rules])
    for se in istio.service_entries:
        yield r.document("istio/serviceentry.yaml.j2", api_version=NETWORKING,
                         kind="ServiceEntry", name=se.name, namespace=se.namespace,
                         labels=base, entry=se)
    for dr in istio.destination_rules:
        yield r.document("istio/destinationrule.yaml.j2", api_version=NETWORKING,
                         kind="DestinationRule", name=dr.name, namespace=dr.namespace,
                         labels=base, rule=dr,
                         subsets=[(name, dict(labels)) for name, labels in dr.subsets],
                         traffic_policy=_traffic_policy(dr.traffic) if dr.traffic else None)
    for gw in istio.gateways:
        yield r.document("istio/gateway.yaml.j2", api_version=NETWORKING, kind="Gateway",
                         name=gw.name, namespace=gw.namespace, labels=base, gateway=gw,
                         selector=dict(gw.selector))
    for vs in istio.virtual_services:
        yield r.document("istio/virtualservice.yaml.j2", api_version=NETWORKING,
                         kind="VirtualService", name=vs.name, namespace=vs.namespace,
                         labels=base, vs=vs, http=[_http(h) for h in vs.http],
                         tcp=[{"route": _destinations(d)} for d in vs.tcp])


def _rule(rule: AuthzRule) -> dict[str, Any]:
    """A client without a mesh identity has no principal: `notPrincipals: ["*"]`."""
    source = {"notPrincipals": ["*"]} if rule.plaintext else {"principals": list(rule.principals)}
    return {"from": [{"source": source}], "to": [{"operation": {"ports": list(rule.ports)}}]}


def _traffic_policy(t: TrafficPlan) -> dict[str, Any]:
    policy: dict[str, Any] = {}
    if t.lb is not None:
        policy["loadBalancer"] = {"simple": t.lb}
    tcp = _present(maxConnections=t.max_connections, connectTimeout=t.connect_timeout)
    http = _present(http1MaxPendingRequests=t.http1_max_pending,
                    http2MaxRequests=t.http2_max_requests,
                    maxRequestsPerConnection=t.max_requests_per_connection)
    pool = _present(tcp=tcp or None, http=http or None)
    if pool:
        policy["connectionPool"] = pool
    outlier = _present(consecutive5xxErrors=t.consecutive_5xx,
                       consecutiveGatewayErrors=t.consecutive_gateway_errors,
                       interval=t.interval, baseEjectionTime=t.ejection,
                       maxEjectionPercent=t.max_ejection_percent)
    if outlier:
        policy["outlierDetection"] = outlier
    return policy


def _present(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def _match(m: HttpMatch) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if m.uri_kind is not None:
        out["uri"] = {m.uri_kind: m.uri}
    if m.method is not None:
        out["method"] = {"exact": m.method}
    headers = {name: {"exact": value} for name, value in m.headers}
    headers.update({name: {kind: value} for name, kind, value in m.rules})
    if headers:
        out["headers"] = dict(sorted(headers.items()))
    if m.without:
        out["withoutHeaders"] = {name: {kind: value} for name, kind, value in m.without}
    if m.query:
        out["queryParams"] = {name: {"exact": value} for name, value in m.query}
    return out


def _destinations(dests: tuple[Destination, ...]) -> list[dict[str, Any]]:
    out = []
    for d in dests:
        destination: dict[str, Any] = {"host": d.host}
        if d.subset is not None:
            destination["subset"] = d.subset
        destination["port"] = {"number": d.port}
        entry: dict[str, Any] = {"destination": destination}
        if len(dests) > 1:
            entry["weight"] = d.weight
        out.append(entry)
    return out


def _retries(r: RetryPlan) -> dict[str, Any]:
    return _present(attempts=r.attempts, perTryTimeout=r.per_try, retryOn=r.on)


def _http(h: HttpRoute) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if h.matches:
        out["match"] = [_match(m) for m in h.matches]
    if h.rewrite is not None:
        out["rewrite"] = {"uri": h.rewrite}
    out["route"] = _destinations(h.destinations)
    if h.timeout is not None:
        out["timeout"] = h.timeout
    if h.retries is not None:
        out["retries"] = _retries(h.retries)
    return out


BACKEND = Backend(
    name="Istio",
    crds=("istio-1.30.3",),
    settings=SETTINGS,
    mesh=HOOKS,
    readback=MeshReadback(HOOKS),
    reserved_names=("allow-istiod",),  # the NetworkPolicy to its control plane, istiod
    lower=lower,
    vias=(ViaSpec(ISTIO, Layer.L7, outside=False,
                  traffic_from=FromPods("istio_ingress_namespace",
                                        "the Istio ingress gateway's pods"),
                  graph_label=("Istio ingress gateway", "VirtualService")),),
    features=frozenset({
        Feature.HOST, Feature.PATH, Feature.PATH_EXACT, Feature.HEADER_MATCH, Feature.CANARY,
        Feature.VERSION_PIN, Feature.TLS_SECRET, Feature.REDIRECT_HTTPS, Feature.REWRITE,
        Feature.GRPC, Feature.METHOD_MATCH, Feature.QUERY_MATCH,
    }),
    terminates_tls=True,
    lints=LINTS,
)
