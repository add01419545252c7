"""The allow matrix that generated Linkerd YAML really enforces, and the blueprint's own.

`allow_matrix` reads only the documents: the workloads (pod labels, service account,
container ports), the Namespaces' `config.linkerd.io/default-inbound-policy`, and the
Servers, AuthorizationPolicies, MeshTLSAuthentications and NetworkAuthentications. It
evaluates Linkerd's inbound policy for every source against every workload port:

- the port's Server (the one whose podSelector and port select it); none: the pod's, else
  the namespace's default policy, else the cluster's (`all-unauthenticated`);
- with a Server: an AuthorizationPolicy targeting it (or its namespace) whose every required
  authentication the source meets allows; otherwise the Server's `accessPolicy` decides;
- a policy: `deny` and `audit` refuse (audit only logs, but the matrix judges the policy as
  it will be enforced), `*-unauthenticated` allows anyone, `*-authenticated` meshed clients.

Sources are each workload's identity, PLAINTEXT (no mesh identity) and OTHER (an identity
nobody declared, which catches wildcards). `expected_allow_matrix` is computed from the
Plan's calls and routes, not from resolve's authorizations, so the two are independent.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from attrs import frozen

from netgen.plan import Plan
from netgen.plan.mesh import PLAINTEXT, Allow
from netgen.targets.base import ReadbackError

OTHER = "<undeclared mesh identity>"
POLICY_GROUP = "policy.linkerd.io"
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
DEFAULT_POLICY = "config.linkerd.io/default-inbound-policy"
CLUSTER_DEFAULT = "all-unauthenticated"
POLICIES = ("deny", "audit", "all-unauthenticated", "all-authenticated",
            "cluster-unauthenticated", "cluster-authenticated")
EVERYWHERE = {"0.0.0.0/0", "::/0"}

Doc = Mapping[str, Any]


class ReadError(ReadbackError):
    """A policy uses a field this evaluator does not model; no answer beats a wrong one."""


@frozen
class Pod:
    namespace: str
    name: str
    labels: Mapping[str, str]
    account: str
    ports: Mapping[int, str | None]  # container port -> its name
    policy: str | None  # the pod template's default-inbound-policy annotation


def identity(account: str, namespace: str, trust_domain: str) -> str:
    """Linkerd's identity of a service account (the TLS name of its proxies' certificates)."""
    return f"{account}.{namespace}.serviceaccount.identity.linkerd.{trust_domain}"


def _meta(d: Doc) -> Mapping[str, Any]:
    return d.get("metadata") or {}


def _ns(d: Doc) -> str:
    return str(_meta(d).get("namespace", "default"))


def pods(docs: Iterable[Doc]) -> list[Pod]:
    out = []
    for d in docs:
        if d.get("kind") not in WORKLOAD_KINDS:
            continue
        template = (d.get("spec") or {}).get("template") or {}
        spec = template.get("spec") or {}
        meta = template.get("metadata") or {}
        ports = {p["containerPort"]: p.get("name") for c in spec.get("containers") or ()
                 for p in c.get("ports") or ()}
        out.append(Pod(_ns(d), str(_meta(d)["name"]), dict(meta.get("labels") or {}),
                       spec.get("serviceAccountName") or "default", ports,
                       (meta.get("annotations") or {}).get(DEFAULT_POLICY)))
    return out


def _of(docs: list[Doc], kind: str) -> list[Doc]:
    return [d for d in docs if d.get("kind") == kind
            and str(d.get("apiVersion", "")).startswith(POLICY_GROUP + "/")]


def _selects(server: Doc, pod: Pod, port: int) -> bool:
    spec = server.get("spec") or {}
    if _ns(server) != pod.namespace:
        return False
    selector = spec.get("podSelector")
    if selector is None or (selector.get("matchExpressions")):
        raise ReadError(f"Server {_meta(server).get('name')}: only podSelector.matchLabels "
                        "is modelled")
    if any(pod.labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    wanted = spec.get("port")
    return wanted == port or (isinstance(wanted, str) and pod.ports.get(port) == wanted)


def _decide(policy: str, source: str) -> bool:
    if policy not in POLICIES:
        raise ReadError(f"default policy {policy!r} is not modelled")
    if policy in ("deny", "audit"):
        return False
    return policy.endswith("-unauthenticated") or source != PLAINTEXT


class _Model:
    def __init__(self, docs: list[Doc], trust_domain: str) -> None:
        self.trust_domain = trust_domain
        self.namespace_policy = {
            str(_meta(d)["name"]): (_meta(d).get("annotations") or {}).get(DEFAULT_POLICY)
            for d in docs if d.get("kind") == "Namespace"}
        self.servers = _of(docs, "Server")
        self.policies = _of(docs, "AuthorizationPolicy")
        self.auth = {(k, _ns(d), str(_meta(d)["name"])): d
                     for k in ("MeshTLSAuthentication", "NetworkAuthentication")
                     for d in _of(docs, k)}

    def allowed(self, pod: Pod, port: int, source: str) -> bool:
        servers = [s for s in self.servers if _selects(s, pod, port)]
        if len(servers) > 1:
            raise ReadError(f"{pod.namespace}/{pod.name}:{port} is selected by "
                            f"{len(servers)} Servers")
        if not servers:
            policy = pod.policy or self.namespace_policy.get(pod.namespace) or CLUSTER_DEFAULT
            return _decide(policy, source)
        server = servers[0]
        name = str(_meta(server)["name"])
        for p in self.policies:
            if _ns(p) != pod.namespace:
                continue
            spec = p.get("spec") or {}
            target = spec.get("targetRef") or {}
            if (target.get("kind") == "Server" and target.get("name") == name) or \
                    target.get("kind") == "Namespace":
                if all(self._meets(ref, _ns(p), source)
                       for ref in spec.get("requiredAuthenticationRefs") or ()):
                    return True
            elif target.get("kind") not in ("Server", "Namespace"):
                raise ReadError(f"AuthorizationPolicy {_meta(p).get('name')}: targetRef "
                                f"{target.get('kind')} is not modelled")
        return _decide((server.get("spec") or {}).get("accessPolicy", "deny"), source)

    def _meets(self, ref: Mapping[str, Any], namespace: str, source: str) -> bool:
        kind = ref.get("kind")
        ns = ref.get("namespace") or namespace
        if kind == "ServiceAccount":
            return source == identity(ref["name"], ns, self.trust_domain)
        if kind not in ("MeshTLSAuthentication", "NetworkAuthentication"):
            raise ReadError(f"authentication kind {kind} is not modelled")
        auth = self.auth.get((kind, ns, ref.get("name")))
        if auth is None:  # a dangling reference: Linkerd authorizes nothing with it
            return False
        spec = auth.get("spec") or {}
        if kind == "NetworkAuthentication":
            networks = {n.get("cidr") for n in spec.get("networks") or ()
                        if not n.get("except")}
            if not networks <= EVERYWHERE or not networks:
                raise ReadError(f"NetworkAuthentication {ref.get('name')}: only networks of "
                                "every address are modelled (sources have no addresses here)")
            return True
        if source == PLAINTEXT:
            return False
        identities = spec.get("identities") or ()
        if "*" in identities or source in identities:
            return True
        for r in spec.get("identityRefs") or ():
            if r.get("kind") == "ServiceAccount" and source == identity(
                    r["name"], r.get("namespace") or ns, self.trust_domain):
                return True
            if r.get("kind") == "Namespace" and source.split(".")[1:2] == [r["name"]]:
                return True
        return False


def sources(docs: list[Doc], trust_domain: str) -> list[str]:
    own = {identity(p.account, p.namespace, trust_domain) for p in pods(docs)}
    return [*sorted(own), PLAINTEXT, OTHER]


def allow_matrix(docs: Iterable[Doc | None], trust_domain: str = "cluster.local"
                 ) -> frozenset[Allow]:
    docs = [d for d in docs if d]
    model = _Model(docs, trust_domain)
    out = set()
    for pod in pods(docs):
        for port in pod.ports:
            for src in sources(docs, trust_domain):
                who = identity("undeclared", "undeclared", trust_domain) if src == OTHER else src
                if model.allowed(pod, port, who):
                    out.add(Allow(src, pod.namespace, pod.name, port))
    return frozenset(out)


def expected_allow_matrix(plan: Plan, universe: Iterable[str]) -> frozenset[Allow]:
    """What the blueprint declares: each call from the caller's identity; a service exposed
    outside the mesh from anyone (Linkerd tells clients apart by identity or by network, and
    a load balancer's or ingress proxy's addresses are not known here; NetworkPolicy narrows
    them); a service nobody's rules restrict, under OPEN isolation, from anyone mTLS lets in."""
    mesh = plan.mesh
    if mesh is None:
        return frozenset()
    every = list(universe)
    services = {s.name: s for s in plan.services}
    declared: dict[str, set[str]] = {s.name: set() for s in plan.services}
    for call in plan.calls:
        if call.dst_kind == "service":
            src = services[call.src]
            declared[call.dst].add(identity(src.name, src.namespace, mesh.trust_domain))
    for r in plan.routes:
        if r.via.name != "CLUSTER":
            declared[r.service].update(every)
    out: set[Allow] = set()
    for w in plan.workloads:
        if w.port is None:
            continue
        allowed = declared[w.service]
        if not allowed and not mesh.deny_by_default:
            allowed = {s for s in every if not (s == PLAINTEXT and mesh.mtls == "STRICT")}
        out.update(Allow(s, w.namespace, w.name, w.port.target_port) for s in allowed)
    return frozenset(out)


def readback(plan: Plan, docs: Iterable[Doc | None]) -> tuple[frozenset[Allow], frozenset[Allow]]:
    """(what the documents allow, what the blueprint declares), for `netgen verify`."""
    docs = [d for d in docs if d]
    assert plan.mesh is not None
    trust_domain = plan.mesh.trust_domain
    return (allow_matrix(docs, trust_domain),
            expected_allow_matrix(plan, sources(docs, trust_domain)))


def routes(plan: Plan, docs: Iterable[Doc | None]
           ) -> tuple[frozenset[RouteRow], frozenset[RouteRow]]:
    """(the HTTPRoutes' rows, the plan's), for `netgen verify`."""
    return route_table(docs), expected_route_table(plan)


# --- routes: the GAMMA HTTPRoutes read back into rows ------------------------------------------

Match = tuple[tuple[str, str] | None, tuple[tuple[str, str, str], ...], str | None,
              tuple[tuple[str, str], ...]]  # path, headers (name, kind, value), method, query


@frozen(order=True)
class RouteRow:
    namespace: str
    service: str
    position: int  # the rule's place; the catch-all rule is last
    match: Match | None  # None: every call no earlier rule took
    split: tuple[tuple[str, int], ...]  # (version, or "" for the whole service; percent)

    def __str__(self) -> str:
        where = "every other call" if self.match is None else f"rule {self.position}"
        split = ", ".join(f"{v or self.service} {w}%" for v, w in self.split)
        return f"{self.namespace}/{self.service} {where} {self.match or ''} -> {split}".replace(
            "  ", " ")


def _unprefixed(regex: str, anchored: bool) -> str | None:
    """The string prefix a `^<escaped>.*` (path) or `<escaped>.*` (header) regex matches."""
    import re

    body = regex[1:] if anchored and regex.startswith("^") else None if anchored else regex
    if body is None or not body.endswith(".*"):
        return None
    literal = re.sub(r"\\(.)", r"\1", body[:-2])
    return literal if re.escape(literal) == body[:-2] else None


def _match(m: Mapping[str, Any]) -> Match:
    unknown = set(m) - {"path", "headers", "method", "queryParams"}
    if unknown:
        raise ReadError(f"HTTPRoute match fields {sorted(unknown)} are not modelled")
    path = None
    if "path" in m:
        kind, value = m["path"].get("type", "PathPrefix"), m["path"]["value"]
        if kind == "Exact":
            path = ("exact", value)
        elif kind == "RegularExpression":
            prefix = _unprefixed(value, anchored=True)
            path = ("prefix", prefix) if prefix is not None else ("regex", value)
        elif value != "/":
            raise ReadError("PathPrefix other than '/' is not modelled (segment matching)")
    headers = []
    for h in m.get("headers") or ():
        kind = h.get("type", "Exact")
        if kind == "Exact":
            headers.append((h["name"].lower(), "exact", h["value"]))
        else:
            prefix = _unprefixed(h["value"], anchored=False)
            headers.append((h["name"].lower(), *(("prefix", prefix) if prefix is not None
                                                  else ("regex", h["value"]))))
    query = tuple(sorted((q["name"], q["value"]) for q in m.get("queryParams") or ()))
    return path, tuple(sorted(headers)), m.get("method"), query


def route_table(docs: Iterable[Doc | None]) -> frozenset[RouteRow]:
    docs = [d for d in docs if d]
    version_of = {(_ns(d), str(_meta(d)["name"])): ((d.get("spec") or {}).get("selector") or {})
                  .get("version", "") for d in docs if d.get("kind") == "Service"}
    rows = set()
    for d in docs:
        if d.get("kind") != "HTTPRoute":
            continue
        parents = (d.get("spec") or {}).get("parentRefs") or ()
        services = [p for p in parents if p.get("kind") == "Service"]
        if not services:
            continue
        if len(services) != len(parents) or len(services) != 1:
            raise ReadError(f"HTTPRoute {_meta(d).get('name')}: one Service parent is modelled")
        ns, service = _ns(d), services[0]["name"]
        rules = (d.get("spec") or {}).get("rules") or ()
        for i, rule in enumerate(rules):
            refs = rule.get("backendRefs") or ()
            total = sum(r.get("weight", 1) for r in refs) or 1
            split = tuple((version_of.get((ns, r["name"]), "?"),
                           round(100 * r.get("weight", 1) / total)) for r in refs)
            matches = rule.get("matches") or ()
            if len(matches) > 1:
                raise ReadError("one match per rule is modelled")
            match = _match(matches[0]) if matches else None
            rows.add(RouteRow(ns, service, i if match else len(rules) - 1, match, split))
    return frozenset(rows)


def _as_read(kind: str, value: str, anchored: bool) -> tuple[str, str]:
    """A condition as `route_table` reads it back: a regular expression that only says "starts
    with" (`^/a.*`, `x.*`) is read as the prefix it is, whoever wrote it."""
    if kind == "regex" and (prefix := _unprefixed(value, anchored)) is not None:
        return ("prefix", prefix)
    return (kind, value)


def expected_route_table(plan: Plan) -> frozenset[RouteRow]:
    """The plan's traffic policies as rows: each mesh_route in order, then the split (or the
    whole service) for every other call unless routes alone were given (a 404)."""
    from netgen.plan.mesh import is_http

    mesh = plan.mesh
    if mesh is None:
        return frozenset()
    services = {s.name: s for s in plan.services}
    rows = set()
    for t in mesh.traffic:
        s = services[t.service]
        if not is_http(s):
            continue
        catch_all = t.split is not None or not t.routes
        last = len(t.routes) if catch_all else None
        for i, r in enumerate(t.routes):
            m = r.match
            path = _as_read(m.uri_kind, m.uri or "", anchored=True) if m.uri_kind else None
            headers = tuple(sorted([(n, "exact", v) for n, v in m.headers]
                                   + [(n, *_as_read(k, v, anchored=False))
                                      for n, k, v in m.rules]))
            rows.add(RouteRow(s.namespace, s.name, i, (path, headers, m.method, m.query),
                              tuple(r.split)))
        if last is not None:
            rows.add(RouteRow(s.namespace, s.name, last, None,
                              tuple(t.split) if t.split is not None else (("", 100),)))
    return frozenset(rows)
