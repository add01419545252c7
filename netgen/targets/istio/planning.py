"""Decides the objects only Istio needs to carry an environment's mesh: the ServiceEntries
of the externals, DestinationRules for traffic policies and version subsets, the
VirtualServices and ingress Gateway (routes.py), a PeerAuthentication per namespace (and
per service clients outside the mesh reach under STRICT), and the injection label. The
neutral planning (resolve/mesh.py) calls `plan` through `MeshHooks.plan` and keeps the
result in `MeshPlan.target`.
"""

from __future__ import annotations

from collections.abc import Iterable

from netgen.model import Mesh, Mtls
from netgen.plan import ExternalPlan, Labels, ServicePlan
from netgen.plan.mesh import EXTERNAL_PROTOCOLS, TrafficPlan, principal
from netgen.problems import Collector
from netgen.targets.base import MeshInput
from netgen.targets.istio.plan import (
    DestinationRulePlan,
    EntryPort,
    IstioPlan,
    PeerAuthPlan,
    ServiceEntryPlan,
)
from netgen.targets.istio.routes import gateway_routes, mesh_virtual_services
from netgen.values import is_ip

INGRESS_SELECTOR: Labels = (("istio", "ingressgateway"),)
INGRESS_ACCOUNT = ("istio-system", "istio-ingressgateway-service-account")
INJECTION: Labels = (("istio-injection", "enabled"),)


def gateway_principal(m: Mesh, trust_domain: str) -> str:
    """The ingress gateway's identity: declared, else the default gateway's account."""
    return m.ingress_principal or principal(trust_domain, *INGRESS_ACCOUNT)


def plan(inp: MeshInput, c: Collector) -> IstioPlan:
    m, env = inp.declared, inp.env
    by_name = {p.name: p for p in inp.services}
    selector = tuple(sorted(m.ingress_selector.items())) if m.ingress_selector else INGRESS_SELECTOR
    traffic = dict(inp.traffic)
    ingress_plan = gateway_routes(inp.blueprint, env, selector, inp.routes, by_name, traffic, c)
    if inp.mtls == Mtls.DISABLE.value and (ingress_plan.services or any(
            call.dst_kind == "service" for call in inp.calls)):
        c.error(m.loc, f"mesh(ISTIO, mtls=DISABLE): environment '{env.name}' has calls between "
                       "services, and AuthorizationPolicies can only allow a caller by its mTLS "
                       "identity; use PERMISSIVE or STRICT")
    return IstioPlan(
        ingress_principal=gateway_principal(m, inp.trust_domain),
        service_entries=tuple(_service_entry(x, c) for x in inp.externals),
        destination_rules=tuple(_destination_rules(inp.services, traffic)),
        virtual_services=(*mesh_virtual_services(inp.services, inp.routes, traffic, c),
                          *ingress_plan.virtual_services),
        gateways=ingress_plan.gateways,
        peer_authentications=tuple(_peer_authentications(
            inp.namespaces, Mtls(inp.mtls), inp.services, inp.outside)),
        injection=(("istio.io/rev", m.revision),) if m.revision else INJECTION,
    )



def _service_entry(x: ExternalPlan, c: Collector) -> ServiceEntryPlan:
    """DNS resolution by host name; an IP host is a static endpoint; a TCP external with a
    CIDR is matched by address (Istio cannot tell TCP hosts apart by name)."""
    if x.protocol != "TCP":
        c.error(x.loc, f"external({x.name!r}): Istio cannot route {x.protocol} to an external "
                       "(ServiceEntry ports carry TCP-based protocols only)")
    if isinstance(x.app_protocol, str) and x.app_protocol.upper() in EXTERNAL_PROTOCOLS:
        protocol = x.app_protocol.upper()
    else:
        protocol = {443: "HTTPS", 80: "HTTP"}.get(x.port, "TCP")
    standard = {"HTTPS": 443, "HTTP": 80}.get(protocol)
    port_name = protocol.lower() if standard == x.port else f"{protocol.lower()}-{x.port}"
    ports = (EntryPort(x.port, port_name, protocol),)
    if is_ip(x.host):
        return ServiceEntryPlan(x.name, x.namespace, (x.host,), (x.host,), ports, "STATIC",
                                (x.host,))
    if x.cidr and protocol in ("TCP", "MONGO"):
        return ServiceEntryPlan(x.name, x.namespace, (x.host,), x.cidr, ports, "NONE", ())
    return ServiceEntryPlan(x.name, x.namespace, (x.host,), (), ports, "DNS", ())


def _destination_rules(
    plans: list[ServicePlan], traffic: dict[str, TrafficPlan]
) -> Iterable[DestinationRulePlan]:
    """Only services with something to say: a traffic policy or versions to subset."""
    for s in plans:
        t = traffic.get(s.name)
        if t is None and not s.versions:
            continue
        pool = t and any(getattr(t, n) is not None for n in (
            "lb", "max_connections", "connect_timeout", "http1_max_pending",
            "http2_max_requests", "max_requests_per_connection", "consecutive_5xx",
            "consecutive_gateway_errors", "interval", "ejection", "max_ejection_percent"))
        if not pool and not s.versions:
            continue
        yield DestinationRulePlan(
            name=s.name, namespace=s.namespace, host=s.fqdn, traffic=t if pool else None,
            subsets=tuple((v.name, (("version", v.name),)) for v in s.versions),
        )


def _peer_authentications(
    namespaces: list[str], mode: Mtls, plans: list[ServicePlan], outside: frozenset[str]
) -> Iterable[PeerAuthPlan]:
    for ns in namespaces:
        yield PeerAuthPlan("default", ns, mode.value)
    if mode is not Mtls.STRICT:
        return
    for s in plans:
        if s.name in outside and s.port is not None:
            yield PeerAuthPlan(s.name, s.namespace, mode.value, s.selector,
                               ((str(s.port.target_port), Mtls.PERMISSIVE.value),))
