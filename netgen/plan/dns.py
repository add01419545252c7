"""Every DNS name one environment gives its workloads, read from the Plan (`netgen explain
dns`), so people see the names the generated environment variables point at."""

from __future__ import annotations

from attrs import frozen

from netgen.model import SourceLoc
from netgen.plan import Plan
from netgen.values import fqdn, is_ip


@frozen
class DnsName:
    kind: str  # service | version | headless | pod | external | forward
    name: str  # the name to resolve (a zone for `forward`)
    owner: str  # the service, external or zone that declared it
    port: int | None
    note: str  # what it resolves to, in words
    loc: SourceLoc


def dns_names(plan: Plan) -> list[DnsName]:
    out: list[DnsName] = []
    for s in plan.services:
        if s.port is None:  # a worker: no Service, no name
            continue
        port = s.port.port
        if s.headless and not s.stateful:
            out.append(DnsName("headless", s.fqdn, s.name, port, "every ready pod's IP", s.loc))
        else:
            out.append(DnsName("service", s.fqdn, s.name, port, "ClusterIP", s.loc))
        for v in s.versions:
            out.append(DnsName("version", v.fqdn, s.name, port,
                               f"ClusterIP, pods of version {v.name}", s.loc))
        if s.stateful and s.headless_name:
            out.append(DnsName("headless", fqdn(s.headless_name, s.namespace), s.name, port,
                               "every ready pod's IP", s.loc))
            for i, pod in enumerate(s.pod_fqdns):
                out.append(DnsName("pod", pod, s.name, port, f"pod {s.name}-{i}", s.loc))
    for x in plan.externals:
        if x.alias:
            out.append(DnsName("external", x.fqdn, x.name, x.port, f"CNAME {x.host}", x.loc))
        else:  # an IP address has no ExternalName Service whatever alias= says
            why = "an IP address, no DNS name" if is_ip(x.host) else "alias=False"
            out.append(DnsName("external", x.host, x.name, x.port,
                               f"outside the cluster ({why})", x.loc))
    if plan.dns is not None:
        for f in plan.dns.forwards:
            out.append(DnsName("forward", f.zone, f.zone, None,
                               f"zone forwarded to {' '.join(f.to)} (CoreDNS)", f.loc))
    return out
