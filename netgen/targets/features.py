"""The capability table: what an exposure asks of its backend, in words a user understands.

Each backend declares the features it can express; `resolve` compares them with what an
exposure asks for, so a combination a backend cannot express is an error, never a silent drop.
"""

from __future__ import annotations

import enum

from netgen.model import AcmCert, Exposure, TlsSecret


class Feature(enum.Enum):
    HOST = "route by host name"
    PATH = "route by path"
    PATH_EXACT = "match exact paths"
    HEADER_MATCH = "match headers"
    CANARY = "split traffic by weight (canary)"
    VERSION_PIN = "route to one version"
    TLS_ACM = "terminate TLS with an ACM certificate"
    TLS_SECRET = "terminate TLS with a Secret"
    REDIRECT_HTTPS = "redirect HTTP to HTTPS"
    REWRITE = "rewrite paths"
    RATE_LIMIT = "rate-limit requests"
    BASIC_AUTH = "require basic auth"
    HEALTH_CHECK = "configure load balancer health checks"
    NODE_PORT = "pin a node port"
    LISTENER_PORTS = "choose listener ports"
    SCHEME = "choose internal or internet-facing"
    GROUP = "share a load balancer through a group"
    GRPC = "route gRPC"
    REGEX_PATH = "match regular-expression paths"
    HEADER_WILDCARD = "match header values with wildcards"
    HEADER_SWITCH = "switch to the canary by a header's always/never (a header without a value)"
    QUERY_MATCH = "match query parameters"
    METHOD_MATCH = "match HTTP methods"
    SOURCE_IP_MATCH = "match client addresses"
    HEALTH_CODES = "choose the health check's success codes"
    BACKEND_TLS = "connect to pods with TLS (app_protocol=\"https\")"


def required_features(e: Exposure, grpc: bool, http: bool) -> set[Feature]:
    """`http`: the via routes HTTP requests (an L7 via)."""
    need: set[Feature] = set()
    flags = {
        Feature.HOST: e.host is not None,
        Feature.PATH: e.path is not None,
        Feature.PATH_EXACT: e.path_type == "Exact",
        Feature.HEADER_MATCH: bool(e.match),
        Feature.CANARY: e.canary is not None,
        Feature.VERSION_PIN: e.version is not None,
        Feature.TLS_ACM: isinstance(e.tls, AcmCert),
        Feature.TLS_SECRET: isinstance(e.tls, TlsSecret),
        Feature.REDIRECT_HTTPS: bool(e.redirect_https),
        Feature.REWRITE: e.rewrite is not None,
        Feature.RATE_LIMIT: e.rate_limit is not None,
        Feature.BASIC_AUTH: e.auth is not None,
        Feature.HEALTH_CHECK: e.health is not None,
        Feature.NODE_PORT: e.node_port is not None,
        Feature.LISTENER_PORTS: bool(e.ports),
        Feature.SCHEME: e.scheme is not None,
        Feature.GROUP: e.group is not None,
        Feature.GRPC: grpc and http,  # L4 forwarding carries gRPC as it is
        Feature.REGEX_PATH: e.path_type == "Regex",
        Feature.HEADER_WILDCARD: any(getattr(m, "wildcards", False) is True for m in e.match),
        # wildcards=True without a value is a missing value (said once, by the checks), not
        # the switch
        Feature.HEADER_SWITCH: any(getattr(m, "value", "") is None
                                   and getattr(m, "wildcards", False) is not True
                                   for m in e.match),
        Feature.QUERY_MATCH: bool(e.query),
        Feature.METHOD_MATCH: bool(e.methods),
        Feature.SOURCE_IP_MATCH: bool(e.source_ips),
        Feature.HEALTH_CODES: e.health is not None and e.health.codes is not None,
    }
    need.update(f for f, wanted in flags.items() if wanted)
    return need
