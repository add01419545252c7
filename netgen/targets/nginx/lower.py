"""NGINX exposures: Ingresses for ingress-nginx (`ingressClassName: nginx`).

One Ingress per route. ingress-nginx splits traffic and matches headers only through a
companion canary Ingress on the same host and path (`canary`, `canary-weight`,
`canary-by-header`), so the routes of one host and path are lowered together: the route
without `match=` is the main Ingress (to the stable Service), and its weight share and at
most one header route become its one canary Ingress. What that cannot express is reported
by `check`.

A rewrite needs a regex path, and `use-regex` turns every path of the host into a
case-insensitive regex; so on such a host every Prefix path is written in the same regex
form (`/p(/|$)(.*)`), which keeps prefix semantics and longest-first order.
"""

from __future__ import annotations

from collections.abc import Iterator

from attrs import frozen

from netgen.model import SourceLoc, TlsSecret
from netgen.plan import Plan, RoutePlan, WeightedBackend
from netgen.plan.routes import RouteKey, duplicate_objects, prefix_regex, route_key
from netgen.render import Document, Renderer
from netgen.targets.base import Backend, FromPods, Layer, ViaSpec, object_labels
from netgen.targets.features import Feature
from netgen.targets.nginx.settings import SETTINGS
from netgen.targets.nginx.tokens import NGINX
from netgen.values import fullmatch

PREFIX = "nginx.ingress.kubernetes.io/"
# strict-validate-path-type (default since ingress-nginx 1.12) for Prefix and Exact paths.
_STRICT_PATH = fullmatch(r"/[A-Za-z0-9_/-]*")


@frozen
class Site:
    """The routes of one host and path: a main route and the header route riding on it."""

    main: RoutePlan | None
    by_header: tuple[RoutePlan, ...]


def _routes(plan: Plan) -> list[RoutePlan]:
    return [r for r in plan.routes if r.via is NGINX]


def _site_key(route: RoutePlan) -> tuple[str | None, str, str]:
    key: RouteKey = route_key(route)
    return key.host, key.path, key.path_type


def sites(plan: Plan) -> list[Site]:
    grouped: dict[tuple[str | None, str, str], list[RoutePlan]] = {}
    for r in _routes(plan):
        grouped.setdefault(_site_key(r), []).append(r)
    out = []
    for members in grouped.values():
        mains = [r for r in members if not r.matches]
        out.append(Site(mains[0] if mains else None, tuple(r for r in members if r.matches)))
    return out


def regex_hosts(plan: Plan) -> set[str | None]:
    """Hosts on which ingress-nginx matches every path as a regex (`use-regex` is per host)."""
    return {r.host for r in _routes(plan) if r.rewrite is not None or r.path_type == "Regex"}


def ingress_path(route: RoutePlan, regex: bool) -> tuple[str, str]:
    """(path, pathType) as ingress-nginx needs them; regex paths must be
    ImplementationSpecific since strict path validation rejects them as Prefix/Exact."""
    path = route.path or "/"
    if route.path_type == "Regex":
        return path, "ImplementationSpecific"
    if regex and route.path_type == "Prefix" and (path != "/" or route.rewrite is not None):
        return prefix_regex(path), "ImplementationSpecific"
    return path, route.path_type


def rewrite_target(route: RoutePlan) -> str | None:
    """`rewrite=` replaces the matched prefix (Gateway API's ReplacePrefixMatch); with a
    Regex path it is the rewrite target itself, `$1`... being the path's groups."""
    r = route.rewrite
    if r is None or route.path_type == "Regex":
        return r
    if (route.path or "/").rstrip("/") == "":
        return r.rstrip("/") + "/$1"
    return r + "$2" if r.endswith("/") else r + "$1$2"


def _annotations(route: RoutePlan, regex: bool) -> dict[str, str]:
    a: dict[str, str] = {}
    limit = route.rate_limit
    if limit is not None:
        for key, value in (("limit-rpm", limit.rpm), ("limit-rps", limit.rps),
                           ("limit-connections", limit.connections)):
            if value is not None:
                a[key] = str(value)
    if route.auth is not None:
        a["auth-type"] = "basic"
        a["auth-secret"] = route.auth.secret
        if route.auth.realm is not None:
            a["auth-realm"] = route.auth.realm
    if regex and ingress_path(route, regex)[1] == "ImplementationSpecific":
        a["use-regex"] = "true"
    target = rewrite_target(route)
    if target is not None:
        a["rewrite-target"] = target
    if route.grpc:
        a["backend-protocol"] = "GRPC"
    elif route.backend_tls:
        a["backend-protocol"] = "HTTPS"
    if isinstance(route.tls, TlsSecret):
        a["ssl-redirect"] = "true" if route.redirect_https else "false"
    elif route.redirect_https:
        a["force-ssl-redirect"] = "true"
    return {PREFIX + k: v for k, v in sorted(a.items())}


def canary_of(site: Site) -> WeightedBackend | None:
    """The Service the canary Ingress sends to: the weighted share's, else the header's."""
    if site.main is None:
        return None
    if len(site.main.backends) > 1:
        return site.main.backends[-1]
    return site.by_header[0].backends[0] if site.by_header else None


def _canary_annotations(site: Site, canary: WeightedBackend) -> dict[str, str]:
    assert site.main is not None
    a = {"canary": "true", "canary-weight": str(canary.weight if len(site.main.backends) > 1
                                                 else 0)}
    if site.by_header:
        header = site.by_header[0].matches[0]
        a["canary-by-header"] = header.name
        if header.value is not None:  # None: the switch, `always` / `never` (`dsl.header`)
            a["canary-by-header-value"] = header.value
    return {PREFIX + k: v for k, v in sorted(a.items())}


def lower(plan: Plan, r: Renderer) -> Iterator[Document]:
    services = {s.name: s for s in plan.services}
    regex = regex_hosts(plan)
    for site in sites(plan):
        main = site.main
        if main is None:
            continue
        labels = object_labels(services[main.service].labels, plan.blueprint)
        path, path_type = ingress_path(main, main.host in regex)
        common = dict(api_version="networking.k8s.io/v1", kind="Ingress",
                      namespace=main.namespace, labels=labels, host=main.host, path=path,
                      path_type=path_type)
        stable = main.backends[0]
        tls = main.tls if isinstance(main.tls, TlsSecret) else None
        yield r.document(
            "nginx/ingress.yaml.j2", name=main.object_name, loc=main.loc, **common,
            annotations=_annotations(main, main.host in regex),
            service=stable.service, port=stable.port, tls=tls,
        )
        canary = canary_of(site)
        if canary is not None:
            yield r.document(
                "nginx/ingress.yaml.j2", name=f"{main.object_name}-canary", loc=main.loc,
                **common,
                annotations=_canary_annotations(site, canary),
                service=canary.service, port=canary.port, tls=None,
            )


def _check_site(site: Site) -> Iterator[tuple[SourceLoc, str]]:
    main = site.main
    for i, h in enumerate(site.by_header):
        d = f"expose({h.service!r}, via=NGINX)"
        if main is None:
            yield h.loc, (f"{d}: NGINX can route by header only through a canary Ingress, "
                          "which needs a route without match= on the same host and path")
            continue
        at = f"'{main.service}' at {main.loc}"
        if i > 0:
            yield h.loc, (f"{d}: NGINX allows one canary Ingress per host and path, and "
                          f"'{site.by_header[0].service}' at {site.by_header[0].loc} "
                          "already routes by header here")
            continue
        if len(h.matches) > 1:
            yield h.loc, (f"{d}: NGINX can match one header per canary Ingress "
                          f"(canary-by-header); this route matches {len(h.matches)}")
        target = h.backends[0].service
        if len(h.backends) > 1:
            yield h.loc, f"{d}: NGINX cannot split header-matched traffic by weight"
        elif len(main.backends) > 1 and target != main.backends[-1].service:
            yield h.loc, (f"{d}: NGINX sends header-matched requests to the canary Ingress's "
                          f"Service '{main.backends[-1].service}' (the canary of {at}); this "
                          f"route goes to '{target}'")
        elif len(main.backends) == 1 and target == main.backends[0].service:
            yield h.loc, (f"{d}: goes to '{target}' like the route without match= ({at}), "
                          "and a canary Ingress cannot share the main Ingress's Service")
        if (h.rate_limit, h.auth, h.rewrite) != (main.rate_limit, main.auth, main.rewrite):
            yield h.loc, (f"{d}: a canary Ingress takes rate_limit, auth and rewrite from the "
                          f"main Ingress ({at}); give both the same")


def check(plan: Plan) -> Iterator[tuple[SourceLoc | None, str]]:
    yield from duplicate_objects((s.main for s in sites(plan) if s.main), "NGINX")
    all_sites = sites(plan)
    for site in all_sites:
        yield from _check_site(site)
    canaries = {c.service: site.main for site in all_sites if (c := canary_of(site))}
    regex = regex_hosts(plan)
    for route in _routes(plan):
        d = f"expose({route.service!r}, via=NGINX)"
        first = route.backends[0].service
        owner = canaries.get(first)
        if not route.matches and owner is not None and owner is not route:
            yield route.loc, (f"{d}: ingress-nginx marks Service '{first}' as a canary (for "
                              f"'{owner.service}' at {owner.loc}), so it cannot also be the "
                              "main backend of another Ingress")
        path = route.path or "/"
        on_regex_host = route.host in regex
        if route.path_type == "Exact" and on_regex_host:
            where = f"host '{route.host}'" if route.host else "the default host"
            yield route.loc, (f"{d}: NGINX matches every path of {where} as a regex because "
                              "one of them rewrites or uses a regex (use-regex is per host), so "
                              f"the Exact path {path!r} would match as a prefix; use another "
                              "host or GATEWAY")
        elif route.path_type != "Regex" and not on_regex_host and not _STRICT_PATH(path):
            yield route.loc, (f"{d}: ingress-nginx (strict-validate-path-type, on since 1.12) "
                              f"accepts only letters, digits, '/', '_' and '-' in path {path!r}")


BACKEND = Backend(
    name="NGINX",
    settings=SETTINGS,
    lower=lower,
    vias=(ViaSpec(NGINX, Layer.L7, family="ingress",
                  traffic_from=FromPods("ingress_namespace", "the ingress controller's pods"),
                  graph_label=("ingress-nginx", "Ingress")),),
    features=frozenset({
        Feature.HOST, Feature.PATH, Feature.PATH_EXACT, Feature.HEADER_MATCH, Feature.CANARY,
        Feature.VERSION_PIN, Feature.TLS_SECRET, Feature.REDIRECT_HTTPS, Feature.REWRITE,
        Feature.RATE_LIMIT, Feature.BASIC_AUTH, Feature.GRPC, Feature.REGEX_PATH,
        Feature.BACKEND_TLS, Feature.HEADER_SWITCH,
    }),
    terminates_tls=True,
    check=check,
)
