"""CoreDNS settings: every zone and resolver address checked, one DnsPlan per environment.

The zones and addresses are printed into Corefile text (not YAML), so they are checked
strictly here: nothing that reaches the backend can contain a brace, space or newline.
"""

from __future__ import annotations

import ipaddress

from netgen import values as checks
from netgen.model import Blueprint, DnsForward, DnsLog
from netgen.plan import DNS_SERVER_SUFFIX, DnsForwardPlan, DnsPlan
from netgen.problems import Collector
from netgen.values import CLUSTER_DOMAIN, fullmatch

LOG_CLASSES = ("success", "denial", "error", "all")
POLICIES = ("random", "round_robin", "sequential")
MAX_UPSTREAMS = 15  # the forward plugin's limit
_CLUSTER_ZONE = CLUSTER_DOMAIN.split(".", 1)[1]  # cluster.local
_BRACKETED = fullmatch(r"\[([^\]]+)\](?::(\d+))?")


def zone_name(zone: object) -> str | None:
    """The zone as CoreDNS is given it: lower case, no trailing dot."""
    return zone[:-1] if isinstance(zone, str) and zone.endswith(".") else zone  # type: ignore[return-value]


def upstream(value: object) -> str | None:
    """An upstream resolver: an IPv4/IPv6 address, optionally with a port
    (`8.8.8.8:53`, `[2001:4860:4860::8888]:53`)."""
    if not isinstance(value, str) or not value:
        return f"resolver {value!r} must be an IP address such as '8.8.8.8'"
    host, port = value, None
    bracketed = _BRACKETED(value)
    if bracketed:
        host, port = bracketed.group(1), bracketed.group(2)
    elif value.count(":") == 1:
        host, port = value.split(":")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return (f"resolver {value!r} is not an IP address (CoreDNS forwards to addresses, "
                "such as '8.8.8.8' or '8.8.8.8:53')")
    if bracketed and address.version != 6:
        return f"resolver {value!r}: only IPv6 addresses go in brackets"
    if port is not None and (not port.isdigit() or not 1 <= int(port) <= 65535):
        return f"resolver {value!r}: the port must be between 1 and 65535"
    return None


def validate_forward(f: DnsForward, c: Collector) -> None:
    d = f"dns_forward({f.zone!r})"
    zone = zone_name(f.zone)
    problem = checks.hostname(zone, wildcard=False) if f.zone != "." else (
        "the root zone '.' cannot be forwarded here: it is the cluster's default server block "
        "(set its upstream in the distribution's own CoreDNS configuration)")
    if problem:
        c.error(f.loc, f"{d}: {problem}")
    elif zone == _CLUSTER_ZONE or zone.endswith("." + _CLUSTER_ZONE):
        c.error(f.loc, f"{d}: forwarding {zone} away from the cluster would break Service "
                       "discovery")
    elif len(f"{zone}{DNS_SERVER_SUFFIX}") > 253:
        c.error(f.loc, f"{d}: the coredns-custom ConfigMap key '{zone}{DNS_SERVER_SUFFIX}' is "
                       "longer than 253 characters (a ConfigMap key's limit); the zone can "
                       f"have at most {253 - len(DNS_SERVER_SUFFIX)}")
    if not f.to:
        c.error(f.loc, f"{d}: to= needs at least one resolver address")
    elif len(f.to) > MAX_UPSTREAMS:
        c.error(f.loc, f"{d}: CoreDNS forwards to at most {MAX_UPSTREAMS} resolvers, "
                       f"not {len(f.to)}")
    for address in f.to:
        if problem := upstream(address):
            c.error(f.loc, f"{d}: {problem}")
    if len(set(f.to)) != len(f.to):
        c.error(f.loc, f"{d}: a resolver is listed twice")
    if f.policy is not None and f.policy not in POLICIES:
        c.error(f.loc, f"{d}: policy={f.policy!r} must be one of {', '.join(POLICIES)}")


def validate_log(x: DnsLog, c: Collector) -> None:
    if x.classes is None:
        return
    if not x.classes:
        c.error(x.loc, "dns_log(): classes= is empty; leave it out to log every query")
    for cls in x.classes:
        if cls not in LOG_CLASSES:
            c.error(x.loc, f"dns_log(): class {cls!r} must be one of {', '.join(LOG_CLASSES)}")
    if len(set(x.classes)) != len(x.classes):
        c.error(x.loc, "dns_log(): a class is listed twice")


def validate_dns(bp: Blueprint, c: Collector) -> None:
    for f in bp.dns_forwards:
        validate_forward(f, c)
    for x in bp.dns_logs:
        validate_log(x, c)


def dns_plan(bp: Blueprint, env: str, c: Collector) -> DnsPlan | None:
    """Blueprint-wide settings, with those inside `with env(X):` replacing them in X
    (per zone for forwards), like every other scoped declaration."""
    forwards: dict[str, DnsForward] = {}
    log: DnsLog | None = None
    for scope in (None, env):
        seen_zones: dict[str, DnsForward] = {}
        seen_log: DnsLog | None = None
        for f in bp.dns_forwards:
            if f.scope != scope:
                continue
            zone = zone_name(f.zone)
            if not isinstance(zone, str):
                continue
            first = seen_zones.setdefault(zone, f)
            if first is not f:
                c.error(f.loc, f"dns_forward({f.zone!r}) is declared twice (first at {first.loc})")
                continue
            forwards[zone] = f
        for x in bp.dns_logs:
            if x.scope != scope:
                continue
            if seen_log is not None:
                c.error(x.loc, f"dns_log() is declared twice (first at {seen_log.loc})")
                continue
            seen_log = log = x
    if not forwards and log is None:
        return None
    plans = tuple(
        DnsForwardPlan(zone, tuple(f.to), f.policy, f.loc)
        for zone, f in sorted(forwards.items())
    )
    first_loc = min([f.loc for f in forwards.values()] + ([log.loc] if log else []))
    return DnsPlan(
        forwards=plans,
        log_classes=None if log is None else tuple(log.classes or ()),
        loc=first_loc,
    )
