"""What the ECS importer needs to know of a `--via`, read from its target's ViaSpec and
features, so the importer names no via: a new ingress target is importable through what it
declares. Kept in one place so the writer, the rule planner and the CLI's help agree."""

from __future__ import annotations

from attrs import frozen

from netgen.targets.base import Layer, Registry, ViaSpec
from netgen.targets.features import Feature
from netgen.targets.registry import REGISTRY

# The ALB rule conditions beyond host, path and exact headers, and the feature that says
# them (None: no via can, e.g. a query-string condition without a key).
CONDITIONS: dict[str, Feature | None] = {
    "header wildcard": Feature.HEADER_WILDCARD,
    "query-string": Feature.QUERY_MATCH,
    "method": Feature.METHOD_MATCH,
    "source-ip": Feature.SOURCE_IP_MATCH,
    "key-less query-string": None,
    "query-string wildcard": None,  # `query=` matches exactly
}


@frozen
class ImportVia:
    """One `--via`: its name and what its target can do, in the importer's terms."""

    name: str
    spec: ViaSpec
    features: frozenset[Feature]

    @property
    def in_cluster(self) -> bool:
        """No exposure from outside: the load balancer's rules are kept as comments only."""
        return self.spec.layer is Layer.CLUSTER

    @property
    def acm(self) -> bool:
        """TLS terminates with the listener's ACM certificate (`tls=acm(...)`)."""
        return Feature.TLS_ACM in self.features

    @property
    def tls_secret(self) -> bool:
        """TLS terminates with a Secret someone issues (`tls=tls_secret(...)`): ACM keeps
        the key, so the header lists the Secret to create."""
        return Feature.TLS_SECRET in self.features and not self.acm

    @property
    def load_balancer(self) -> bool:
        """An AWS load balancer: the ECS load balancer's subnets are its source ranges."""
        return self.spec.load_balancer

    @property
    def backend_tls(self) -> bool:
        """The proxy connects to the pods with TLS when the Service's appProtocol says
        https; without a proxy (in the cluster) the clients do."""
        return self.in_cluster or Feature.BACKEND_TLS in self.features

    @property
    def rewrites_exact(self) -> bool:
        """It can rewrite an Exact path. A via that rewrites through regex paths
        (ingress-nginx: `rewrite-target` needs `use-regex`, which turns every path of the
        host into a regex prefix) cannot: netgen refuses an Exact path on such a host."""
        return Feature.REWRITE in self.features and Feature.REGEX_PATH not in self.features

    def can(self, condition: str) -> bool:
        feature = CONDITIONS[condition]
        return feature is not None and feature in self.features


def importable(registry: Registry = REGISTRY) -> tuple[ImportVia, ...]:
    """The `--via` an ECS import can take, read from the targets' ViaSpecs: an HTTP router
    reached from outside the cluster (the load balancer's listener rules become its routes),
    in registry order, then the in-cluster via, which keeps the rules as comments only."""
    out = []
    for layer in (Layer.L7, Layer.CLUSTER):
        for b in registry.backends:
            out += [ImportVia(s.token.name, s, b.features) for s in b.vias
                    if s.layer is layer and (s.outside or layer is Layer.CLUSTER)]
    return tuple(out)


def importable_vias(registry: Registry = REGISTRY) -> tuple[str, ...]:
    return tuple(v.name for v in importable(registry))


def import_via(name: str, registry: Registry = REGISTRY) -> ImportVia:
    for v in importable(registry):
        if v.name == name:
            return v
    raise ValueError(f"via must be one of {', '.join(importable_vias(registry))}, not {name!r}")


def spec_named(name: str, registry: Registry = REGISTRY) -> ViaSpec:
    """The ViaSpec of a via the importer names for an AWS concept (`NLB` for a Network Load
    Balancer's listener), whether or not `--via` may choose it."""
    spec = registry.spec(registry.tokens()[name])
    assert spec is not None, name
    return spec


def routers(registry: Registry = REGISTRY) -> tuple[ImportVia, ...]:
    """The vias that expose the rules (all but the in-cluster one)."""
    return tuple(v for v in importable(registry) if not v.in_cluster)


def via_help(registry: Registry = REGISTRY) -> str:
    """The `--via` option's help, naming the vias the registry offers."""
    names = [v.name for v in routers(registry)]
    listed = ", ".join(names[:-1]) + (f" or {names[-1]}" if len(names) > 1 else names[0])
    kept = ", ".join(v.name for v in importable(registry) if v.in_cluster)
    return (f"Expose the load balancer's rules through {listed} ({kept}: keep the rules as "
            "comments only).")
