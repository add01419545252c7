"""Hypothesis strategies for whole, VALID blueprints, as source text (see `spec.Spec`).

Exposures are generated over every backend in `netgen.targets.registry.BACKENDS` at test
time, asking only for the features each declares (`Backend.features`): a canary only where
`Feature.CANARY` is, a path only with `Feature.PATH`, a certificate of the kind the backend
terminates. A backend merged later is picked up without an edit here.

The capability table cannot say everything: some backends restrict values further (an ALB
reads '*' in a header value as a wildcard; ingress-nginx accepts only some path characters
and routes by header only through a canary). Those rules, which the backends' own `check`
enforces, are the `Limits` below, looked up by backend name; a backend without an entry
gets the full language. Where several exposures share one object (a load balancer, a host)
the generator keeps them compatible: hosts are unique per exposure, and the choices that
one ALB or Gateway listener makes for all its routes (scheme, HTTPS redirect) are drawn once
per backend.

The mesh is a parameter too: `blueprints(meshes=...)` draws one of the given mesh targets
(every backend with `MeshHooks`, or none, by default) and declares it with `mesh(KIND)`.
What a mesh asks of the whole blueprint, and the options it cannot express, are its
`MeshLimits`; a via that needs a mesh (Istio's ingress gateway) is drawn only with it.

Which declaration orders matter (see `Decl.key`): the exposures of one service are numbered
in declaration order (`web`, `web-2`; backends whose objects share a kind, such as the two
Ingress backends, share the numbering), so their relative order is kept; `env(...)`
declarations come before the `with env(...)` blocks that use them (a bare `env("x")` first
would declare x, and a later `env("x", namespace=...)` would be a duplicate); everything
else is free.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from attrs import frozen
from hypothesis import assume
from hypothesis import strategies as st

from netgen.model import Via
from netgen.targets.base import Backend, Layer
from netgen.targets.features import Feature
from netgen.targets.registry import BACKENDS
from tests.properties import values as v
from tests.properties.spec import Decl, Expr, Spec, Supplied, Sym

T = TypeVar("T")
Draw = Callable[[st.SearchStrategy[T]], T]

DEFAULT_ENV = "default"
FILE_STEM = "blueprint"  # the file the properties write; it names a blueprint without blueprint()
VERSION_WORDS = ("v1", "v2", "v3", "stable", "canary", "beta", "yes", "null", "on", "nan")
# Suffixes netgen itself appends to a service's name for other objects.
NOT_VERSIONS = ("lb", "nodeport", "headless")
# Settings of blueprint()/env() that the generator leaves alone: they point at files.
POD_LEVELS = ("RESTRICTED", "BASELINE", "PRIVILEGED")
ENV_NAMES = ("development", "production", "staging", "dev", "prod", "qa", "yes", "null", "on",
             "1e3", "0x1f", "2026-11-22")


_VERSIONS = st.lists(
    st.one_of(st.sampled_from(VERSION_WORDS), v.dns1035(6)).filter(
        lambda x: x not in NOT_VERSIONS),
    min_size=1, max_size=3, unique=True)
_PORT_NAME = st.from_regex(r"[a-z]([a-z0-9]|-(?=[a-z0-9])){0,13}", fullmatch=True)


@frozen
class Limits:
    """What a backend cannot express beyond its feature set (its `check` says so)."""

    path_chars: str = v.PATH_CHARS + "%"
    path_excludes: str = ""
    header_value_excludes: str = ""
    max_headers: int = 2
    header_needs_canary: bool = False  # header routes ride on a weighted canary only
    pin_conflicts_canary: bool = False  # a pinned version may be another route's canary
    rewrite_excludes_exact: bool = False
    rewrite_excludes: str = ""
    unique_ports: bool = False  # one listener per port: every route names its own ports
    mesh: str | None = None  # the mesh target (backend name) the via routes into
    condition_values: int = 99  # match values per rule: host, path patterns, headers...
    value_chars: int = 1024  # a header or query value (Gateway API's query values: 1024)
    prefix_rewrite_methods: int = 99  # methods of a Prefix route that rewrites (one match)


LIMITS: dict[str, Limits] = {
    # '*' and '?' are wildcards in ALB conditions.
    "ALB": Limits(path_excludes="*?", header_value_excludes="*?", condition_values=5,
                  value_chars=128),
    # strict-validate-path-type; canary-by-header; one canary Ingress per host and path;
    # a rewrite makes every path of the host a regex, where Exact cannot be kept.
    "NGINX": Limits(path_chars=string.ascii_letters + string.digits + "_-", max_headers=1,
                    header_needs_canary=True, pin_conflicts_canary=True,
                    rewrite_excludes_exact=True),
    "TCP": Limits(unique_ports=True),
    # ReplacePrefixMatch takes one PathPrefix match in its rule: one per method
    "GATEWAY": Limits(prefix_rewrite_methods=1),
    # An Istio ingress gateway routes only into mesh(ISTIO).
    # Istio replaces the matched prefix: a '$' in the rewrite would read as a regex capture.
    "Istio": Limits(mesh="Istio", rewrite_excludes="$"),
}


@frozen
class MeshLimits:
    """What a mesh asks of the whole blueprint, and the `mesh(...)` options it can express
    (its target's `check` rejects the others)."""

    http_ports: bool = False  # routes HTTP by the port's protocol: every port says HTTP
    tcp_externals: bool = False  # reaches externals over TCP only
    one_split: bool = False  # splits a service's requests one way, whoever asks
    # Never DISABLE: Istio's AuthorizationPolicies allow a caller only by its mTLS identity,
    # so calls need mTLS (resolve/mesh.py), and Linkerd always encrypts between meshed pods
    # (targets/linkerd/checks.py).
    mtls: tuple[str, ...] = ("STRICT", "PERMISSIVE")


MESH_LIMITS: dict[str, MeshLimits] = {
    "Istio": MeshLimits(http_ports=True, tcp_externals=True, one_split=True),
}


def mesh_targets() -> list[Backend]:
    """Every registered mesh target, in registry order."""
    return [b for b in BACKENDS if b.mesh is not None]


def pick(draw: Draw[T], strategy: st.SearchStrategy[T], ok: Callable[[T], bool]) -> T:
    """A drawn value that `ok` accepts. Unlike `.filter`, this does not build a new strategy
    per call (a filter on a lazy strategy rebuilds it, regexes included: slow)."""
    for _ in range(20):
        value = draw(strategy)
        if ok(value):
            return value
    assume(False)
    raise AssertionError("unreachable")


def limits(backend: Backend) -> Limits:
    return LIMITS.get(backend.name, Limits())


ANY_MESH = "any"


def exposable(mesh: Backend | str | None = ANY_MESH) -> list[tuple[Via, Backend]]:
    """(via, backend) for every `via=` some registered backend lowers, in registry order;
    a via that routes into a mesh only with that mesh (with ANY_MESH: every via)."""
    out: list[tuple[Via, Backend]] = []
    for backend in BACKENDS:
        needs = limits(backend).mesh
        if needs is None or mesh == ANY_MESH or (isinstance(mesh, Backend)
                                                 and mesh.name == needs):
            out.extend((via, backend) for via in backend.via)
    return out


@frozen
class ServiceShape:
    """What exposures and calls need to know of a service, whichever env overrides it."""

    name: str
    versions: tuple[str, ...]
    grpc: bool


class _Gen:
    """Draws one blueprint; keeps what must be unique across it."""

    def __init__(self, draw: Draw[Any], mesh: Backend | None) -> None:
        self.draw = draw
        self.names: list[str] = []
        self.hosts: set[str] = set()
        self.node_ports: set[int] = set()
        self.not_tcp: set[str] = set()  # services declared UDP or SCTP somewhere
        self.listener_ports: set[int] = set()
        self.hostless: Via | None = None  # the one HTTP exposure without a host, if any
        self.env_labels: dict[str, dict[str, str]] = {}
        self.env_namespaces: set[str] = set()
        self.service_label_keys: set[str] = set()
        self.grpc_vias: set[Via] = set()
        self.pinned: set[tuple[str, str]] = set()  # (service, version) pinned somewhere
        self.canaried: set[str] = set()  # services with a canary somewhere
        self.supplied: list[Supplied] = []
        self.shared: dict[Via, dict[str, Any]] = {}
        # (backend, envs, explicit tls) of every exposure, to keep env certificates usable.
        self.exposed: list[tuple[Backend, list[str], bool]] = []
        self.required: list[Decl] = []
        self.env_levels: dict[str, int] = {}  # Pod Security level rank per declared env
        self.host_ports: set[tuple[str, int]] = set()
        # The mesh is decided up front, since what it asks constrains services and
        # externals drawn before exposures.
        self.vias = exposable(mesh)
        ml = MESH_LIMITS.get(mesh.name, MeshLimits()) if mesh is not None else None
        self.http_ports = ml is not None and ml.http_ports
        self.tcp_externals = ml is not None and ml.tcp_externals
        self.splits: dict[str, tuple[str, Any]] | None = {} \
            if ml is not None and ml.one_split else None
        if mesh is not None and mesh.mesh is not None and ml is not None:
            mtls = draw(st.sampled_from([None, *ml.mtls]))
            self.required.append(Decl("mesh", (Sym(mesh.mesh.kind.name),),
                                      () if mtls is None else (("mtls", Sym(mtls)),)))

    # -- names ---------------------------------------------------------------------------

    def fresh_name(self) -> str:
        """A service or external name; none is another's dash-prefix ('web' and 'web-v1'),
        since netgen derives object names by appending '-<suffix>'."""
        def free(n: str) -> bool:
            return all(n != m and not n.startswith(m + "-") and not m.startswith(n + "-")
                       for m in self.names)

        name = pick(self.draw, v.dns1035(10), free)
        self.names.append(name)
        return name

    def fresh_host(self, wildcard: bool = True, grpc: bool = False) -> str:
        """Unique per exposure. gRPC hosts live under their own suffix, which no other host
        (wildcards included) can overlap: a Gateway listener takes either GRPCRoutes or
        HTTPRoutes for a host name."""
        if grpc:
            host = pick(self.draw, v.dns_label(10), lambda n: f"{n}.grpc.test" not in self.hosts)
            host = f"{host}.grpc.test"
        else:
            host = pick(self.draw, v.host(wildcard), lambda h: h not in self.hosts
                        and h.replace("*", "wildcard") not in self.hosts
                        and not h.endswith("test"))
        self.hosts.add(host)
        self.hosts.add(host.replace("*", "wildcard"))  # Gateway names routes after the host
        return host

    def supply(
        self, value: str, what: str, where: str, envs: Iterable[str], any_case: bool = False
    ) -> None:
        self.supplied.append(Supplied(value, what, where, tuple(envs), any_case))

    # -- declarations --------------------------------------------------------------------

    def env_decl(self, name: str) -> Decl:
        d = self.draw
        kw: list[tuple[str, Any]] = []
        if d(st.booleans()):
            namespace = d(v.dns_label(12))
            # each environment its own namespace (a shared one is an error)
            if namespace not in ENV_NAMES and namespace not in self.env_namespaces:
                self.env_namespaces.add(namespace)
                kw.append(("namespace", namespace))
        if d(st.booleans()):
            kw.append(("replicas", d(st.integers(0, 3))))
        isolation = d(st.sampled_from([None, "STRICT", "OPEN"]))
        if isolation:
            kw.append(("isolation", Sym(isolation)))
        tls = self.env_tls()
        if tls is not None:
            kw.append(("tls", tls))
        labels = d(v.labels())
        if labels:
            kw.append(("labels", labels))
            self.env_labels[name] = labels
        level = d(st.sampled_from([None, *POD_LEVELS]))
        self.env_levels[name] = 0 if level is None else POD_LEVELS.index(level)
        if level is not None:
            kw.append(("pod_security", Sym(level)))
        return Decl("env", (name,), tuple(kw))

    def usable_tls(self, env: Decl) -> Decl:
        """An env's certificate is inherited by every exposure through a backend that
        terminates TLS and names no certificate of its own; a backend that cannot use that
        kind of certificate is an error, so such an env gets none."""
        tls = dict(env.kwargs).get("tls")
        if tls is None:
            return env
        kind = Feature.TLS_ACM if tls.fn == "acm" else Feature.TLS_SECRET
        for backend, envs, explicit in self.exposed:
            if env.args[0] in envs and backend.terminates_tls and not explicit \
                    and kind not in backend.features:
                return Decl(env.fn, env.args, tuple((k, v) for k, v in env.kwargs if k != "tls"))
        return env

    def supply_env_labels(self) -> None:
        """An env's labels are on every object of its services, unless a service sets the
        same key (the service's own label wins), so only keys no service sets are sure to
        show."""
        for env, labels in self.env_labels.items():
            for key, value in labels.items():
                if key not in self.service_label_keys:
                    self.supply(key, "env label key", f"env({env!r})", [env])
                    self.supply(value, "env label value", f"env({env!r})", [env])

    def env_tls(self) -> Expr | None:
        """Drawn before the exposures; `usable_tls` drops it afterwards where a backend
        that would inherit it cannot use that kind of certificate (an error by design)."""
        kinds = {f for _, b in self.vias for f in b.features} & {Feature.TLS_ACM,
                                                                   Feature.TLS_SECRET}
        choice = self.draw(st.sampled_from([None, *sorted(kinds, key=lambda f: f.name)]))
        return None if choice is None else self.tls_value(choice)

    def tls_value(self, kind: Feature) -> Expr:
        if kind is Feature.TLS_ACM:
            return Expr("acm", (self.draw(v.text(1)),))
        return Expr("tls_secret", (self.draw(v.subdomain()),))

    def service_decl(self, shape: ServiceShape, envs: list[str]) -> Decl:
        d = self.draw
        where = f"service({shape.name!r})"
        kw: list[tuple[str, Any]] = [("port", d(st.integers(1, 65535)))]
        if d(st.booleans()):
            kw.append(("target_port", d(st.integers(1, 65535))))
        image = d(v.text(1))
        kw.append(("image", image))
        self.supply(image, "image", where, envs)
        stateful = not shape.versions and d(st.integers(0, 4)) == 0
        if shape.versions:
            kw.append(("versions", list(shape.versions)))
        if stateful:
            kw.append(("stateful", True))
        elif d(st.integers(0, 5)) == 0:
            kw.append(("headless", True))
        if d(st.integers(0, 4)) == 0:
            kw.append(("namespace", d(v.dns_label(12))))
        labels = d(v.labels())
        if labels:
            kw.append(("labels", labels))
            self.service_label_keys.update(labels)
            for key, value in labels.items():
                self.supply(key, "label key", where, envs)
                self.supply(value, "label value", where, envs)
        if d(st.booleans()):
            health = "/" + d(v.text())
            kw.append(("health", health))
            self.supply(health, "health path", where, envs)
        if d(st.integers(0, 3)) == 0:
            kw.append(("replicas", d(st.integers(0, 3))))
        if shape.grpc:
            kw.append(("app_protocol", "grpc"))
        elif self.http_ports:
            kw.append(("app_protocol", "http"))
        else:
            protocol = d(st.sampled_from(["TCP", "TCP", "TCP", "UDP", "SCTP"]))
            if protocol != "TCP":
                kw.append(("protocol", protocol))
                self.not_tcp.add(shape.name)
            app = d(st.sampled_from([None, "http", "https", "kubernetes.io/h2c"]))
            if app:
                kw.append(("app_protocol", app))
        if d(st.integers(0, 3)) == 0:
            kw.append(("port_name", d(_PORT_NAME)))
        if d(st.integers(0, 3)) == 0:
            tier = pick(d, v.label_value(), bool)
            kw.append(("tier", tier))
            self.supply(tier, "tier", where, envs)
        if d(st.booleans()):
            kw += self.pod_settings(dict(kw), envs, stateful)
        return Decl("service", (shape.name,), tuple(kw))

    def pod_settings(self, kw: dict[str, Any], envs: list[str],
                     stateful: bool) -> list[tuple[str, Any]]:
        """Security, identity, storage and host-network settings no higher than the lowest
        Pod Security level among the service's environments (so the blueprint stays valid)."""
        d = self.draw
        floor = min((self.env_levels.get(e, 0) for e in envs), default=0)
        out: list[tuple[str, Any]] = []
        level = d(st.integers(-1, floor))
        if level >= 0:
            out.append(("pod_security", Sym(POD_LEVELS[level])))
        level = max(level, 0) if level >= 0 else floor
        if d(st.booleans()):
            root = st.just(0) if level >= 1 else st.nothing()
            out.append(("run_as_user", d(st.one_of(root, st.integers(1, 70000)))))
        for key in ("run_as_group", "fs_group"):
            if d(st.integers(0, 2)) == 0:
                out.append((key, d(st.integers(0, 70000))))
        if d(st.integers(0, 2)) == 0:
            out.append(("read_only_root", d(st.booleans())))
        if d(st.integers(0, 2)) == 0:
            out.append(("service_account_token", d(st.booleans())))
        caps = ["NET_BIND_SERVICE"] + (["CHOWN", "SETUID", "KILL"] if level >= 1 else []) + (
            ["NET_ADMIN", "SYS_TIME"] if level >= 2 else [])
        if d(st.integers(0, 2)) == 0:
            out.append(("capabilities", d(st.lists(st.sampled_from(caps), min_size=1,
                                                   max_size=3, unique=True))))
        protocol = kw.get("protocol", "TCP")
        key = (protocol, kw.get("target_port", kw["port"]))
        if level >= 2 and key not in self.host_ports and d(st.integers(0, 2)) == 0:
            self.host_ports.add(key)
            out.append(("host_network", True))
        if stateful and d(st.booleans()):
            out.append(("storage", Expr("storage", ("1Gi", "/data"))))
        return out

    def external_decl(self, name: str, envs: list[str]) -> Decl:
        d = self.draw
        kw: list[tuple[str, Any]] = [
            ("host", d(st.one_of(v.host(wildcard=False), v.ip_address()))),
            ("port", d(st.integers(1, 65535))),
        ]
        if d(st.booleans()):
            kw.append(("cidr", d(st.one_of(v.cidr(), st.lists(v.cidr(), min_size=1,
                                                               max_size=3)))))
        if d(st.integers(0, 4)) == 0 and not self.tcp_externals:
            kw.append(("protocol", d(st.sampled_from(["UDP", "SCTP"]))))
        if d(st.integers(0, 4)) == 0:
            kw.append(("namespace", d(v.dns_label(12))))
        if d(st.integers(0, 3)) == 0:
            kw.append(("alias", False))
        return Decl("external", (name,), tuple(kw))

    def calls_decl(self, callers: list[str], callees: list[str]) -> Decl | None:
        if not callers or not callees:
            return None
        src = self.draw(st.sampled_from(callers))
        others = [c for c in callees if c != src]  # calls(x, x) is an error
        if not others:
            return None
        dsts = self.draw(st.lists(st.sampled_from(others), min_size=1, max_size=3))
        return Decl("calls", (src, *dsts))

    # -- exposures -----------------------------------------------------------------------

    def shared_for(self, via: Via, backend: Backend) -> dict[str, Any]:
        """Choices one load balancer or listener makes for all routes through `via`."""
        if via not in self.shared:
            f = backend.features
            self.shared[via] = {
                "scheme": self.draw(st.sampled_from([None, "internet-facing", "internal"]))
                if Feature.SCHEME in f else None,
                "redirect": self.draw(st.booleans()) if Feature.REDIRECT_HTTPS in f
                and f & {Feature.TLS_ACM, Feature.TLS_SECRET} else None,
            }
        return self.shared[via]

    def expose_decl(
        self, shape: ServiceShape, via: Via, backend: Backend, envs: list[str]
    ) -> Decl | None:
        d, f, lim = self.draw, backend.features, limits(backend)
        where = f"expose({shape.name!r}, via={via.name})"
        if shape.grpc and (Feature.GRPC not in f or self.hostless is via):
            return None
        kw: list[tuple[str, Any]] = []

        def use(feature: Feature, p: int = 2) -> bool:
            return feature in f and d(st.integers(0, p - 1)) == 0

        # Which backend: a canary, a pinned version, or the service itself.
        canary = pin = None
        choices = ["plain"]
        if len(shape.versions) >= 2 and Feature.CANARY in f:
            choices.append("canary")
        if shape.versions and Feature.VERSION_PIN in f:
            choices.append("pin")
        choice = d(st.sampled_from(choices))
        # A mesh splits a service's requests one way: every exposure of it asks the same.
        split = self.splits.get(shape.name) if self.splits is not None else None
        if split is not None and choice != "plain":
            choice = split[0] if split[0] in choices else "plain"
        if choice == "canary" and not (lim.pin_conflicts_canary
                                       and (shape.name, shape.versions[-1]) in self.pinned):
            canary = split[1] if split else d(st.integers(0, 100)) / 100
            kw.append(("canary", canary))
            self.canaried.add(shape.name)
            if self.splits is not None:
                self.splits[shape.name] = ("canary", canary)
        elif choice == "pin":
            options = list(shape.versions)
            if lim.pin_conflicts_canary:
                options = [x for x in options[:-1]] or []
            if split:
                options = [x for x in options if x == split[1]]
            if options:
                pin = d(st.sampled_from(options))
                kw.append(("version", pin))
                self.pinned.add((shape.name, pin))
                if self.splits is not None:
                    self.splits[shape.name] = ("pin", pin)

        host = None
        if Feature.HOST in f:
            needs_host = shape.grpc or self.hostless is not None or via in self.grpc_vias
            if needs_host or d(st.integers(0, 4)) > 0:
                host = self.fresh_host(grpc=shape.grpc)
                kw.append(("host", host))
                self.supply(host, "host", where, envs)
            else:
                self.hostless = via
            if shape.grpc:
                self.grpc_vias.add(via)
        path = None
        if not shape.grpc and use(Feature.PATH, 2):
            path = d(v.url_path(lim.path_chars, lim.path_excludes))
            kw.append(("path", path))
        rewrite = None
        if not shape.grpc and use(Feature.REWRITE, 4):
            rewrite = d(v.url_path(excludes=lim.rewrite_excludes))
            kw.append(("rewrite", rewrite))
        exact = path is not None and use(Feature.PATH_EXACT, 3) and not (
            rewrite is not None and lim.rewrite_excludes_exact
        )
        if exact:
            kw.append(("path_type", "Exact"))
        # A prefix '/' matches every request, which a backend may say by leaving the match
        # out (an Istio VirtualService route without `uri`): nothing of it need show.
        if path is not None and rewrite is None and (exact or path != "/"):
            self.supply(path, "path", where, envs)
        if Feature.HEADER_MATCH in f and (canary is not None or not lim.header_needs_canary) \
                and d(st.booleans()):
            names = d(st.lists(v.header_name(), min_size=1, max_size=lim.max_headers,
                               unique_by=str.lower))
            matches = []
            # ingress-nginx's always/never switch: a canary's one header, outside a mesh
            # that splits by version (Istio refuses it there)
            switch = Feature.HEADER_SWITCH in f and canary is not None and len(names) == 1 \
                and self.splits is None and d(st.booleans())
            for name in names:
                self.supply(name, "header name", where, envs, any_case=True)
                if switch:
                    matches.append(Expr("header", (name,)))
                    continue
                value = pick(d, v.text(1, 60), lambda s: len(s) <= lim.value_chars and not any(
                    c in s for c in lim.header_value_excludes))
                matches.append(Expr("header", (name, value)))
                self.supply(value, "header value", where, envs)
            kw.append(("match", matches[0] if len(matches) == 1 and d(st.booleans())
                       else matches))
        kw += self.narrowing(shape, kw, f, lim, where, envs)
        shared = self.shared_for(via, backend)
        tls_kinds = sorted(f & {Feature.TLS_ACM, Feature.TLS_SECRET}, key=lambda x: x.name)
        if shape.name in self.not_tcp and any(
                s.layer is Layer.L4 for s in backend.vias if s.token is via):
            tls_kinds = []  # TLS runs over TCP: a load balancer has no TLS for UDP or SCTP
        if tls_kinds and (shared["redirect"] or d(st.integers(0, 2)) == 0):
            tls = self.tls_value(d(st.sampled_from(tls_kinds)))
            kw.append(("tls", tls))
        if shared["redirect"] is not None:
            kw.append(("redirect_https", shared["redirect"]))
        if use(Feature.NODE_PORT, 2):
            port = pick(d, st.integers(30000, 32767), lambda p: p not in self.node_ports)
            self.node_ports.add(port)
            kw.append(("node_port", port))
        with_ports = Feature.LISTENER_PORTS in f and (lim.unique_ports or d(st.booleans()))
        first = None
        if Feature.LISTENER_PORTS in f and shared["redirect"] and Feature.REDIRECT_HTTPS in f:
            # one load balancer redirects HTTP to one HTTPS port: every route's first port
            # is the same one (or none names ports: 443)
            if "https_port" not in shared:
                shared["https_port"] = pick(d, st.one_of(st.none(), st.integers(1024, 65535)),
                                            lambda p: p not in self.listener_ports)
                if shared["https_port"] is not None:
                    self.listener_ports.add(shared["https_port"])
            first = shared["https_port"]
            with_ports = first is not None
        if with_ports:
            ports = pick(d, st.lists(st.integers(1024, 65535), min_size=1, max_size=2,
                                     unique=True),
                         lambda ps: not set(ps) & self.listener_ports)
            self.listener_ports.update(ports)
            if first is not None:
                ports = [first, *ports[:1]]
            kw.append(("ports", ports))
        if shared["scheme"] is not None:
            kw.append(("scheme", shared["scheme"]))
        if use(Feature.HEALTH_CHECK, 3):
            path_ = "/" + d(v.text(0, 20))
            extra = {k: d(st.integers(1, 300)) for k in ("interval", "timeout", "healthy",
                                                          "unhealthy") if d(st.booleans())}
            kw.append(("health", Expr("health_check", (path_,), tuple(extra.items()))))
            self.supply(path_, "health check path", where, envs)
        if use(Feature.RATE_LIMIT, 3):
            limits_ = {k: d(st.integers(1, 10_000)) for k in ("rpm", "rps", "connections")
                       if d(st.booleans())} or {"rpm": 60}
            kw.append(("rate_limit", Expr("rate_limit", (), tuple(limits_.items()))))
        if use(Feature.BASIC_AUTH, 3):
            secret = d(v.dns_label(12))
            realm = d(st.one_of(st.none(), v.text(1)))
            kw.append(("auth", Expr("basic", (secret,) if realm is None else (secret, realm))))
            self.supply(secret, "basic auth secret", where, envs)
            if realm is not None:
                self.supply(realm, "basic auth realm", where, envs)
        if use(Feature.GROUP, 3):
            group = d(st.sampled_from(["shared", "yes", "null", "1e3", "a.b-c"]))
            kw.append(("group", group))
        self.exposed.append((backend, envs, any(k == "tls" for k, _ in kw)))
        return Decl("expose", (shape.name,), (("via", Sym(via.name)), *kw),
                    key=f"expose {shape.name}")

    def narrowing(self, shape: ServiceShape, kw: list[tuple[str, Any]], f: frozenset[Feature],
                  lim: Limits, where: str, envs: list[str]) -> list[tuple[str, Any]]:
        """`query=` and `methods=` where the backend matches them, within its match values
        per rule (ALB: 5, the host and the path's patterns included); none for gRPC, whose
        calls are all POSTs without a query string."""
        d, given = self.draw, dict(kw)
        path = given.get("path")
        patterns = 2 if path not in (None, "/") and given.get("path_type") != "Exact" else 1
        match = given.get("match", [])
        # the host counts even when not given: the blueprint's domain= may supply it
        room = lim.condition_values - 1 - patterns - (
            len(match) if isinstance(match, list) else 1)
        out: list[tuple[str, Any]] = []
        if Feature.QUERY_MATCH in f and not shape.grpc and room > 0 \
                and d(st.integers(0, 3)) == 0:
            names = d(st.lists(v.header_name(), min_size=1, max_size=min(room, 2),
                               unique=True))
            query = {}
            for name in names:
                query[name] = pick(d, v.text(1, 60), lambda s: len(s) <= lim.value_chars
                                   and not any(c in s for c in lim.header_value_excludes))
                self.supply(query[name], "query value", where, envs)
            out.append(("query", query))
            room -= len(query)
        if "rewrite" in given and given.get("path_type") != "Exact":
            room = min(room, lim.prefix_rewrite_methods)
        if Feature.METHOD_MATCH in f and not shape.grpc and room > 0 \
                and d(st.integers(0, 3)) == 0:
            out.append(("methods", d(st.lists(st.sampled_from(
                ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
                min_size=1, max_size=min(room, 2), unique=True))))
        return out

    def exposures(self, shape: ServiceShape, envs: list[str]) -> list[Decl]:
        out: list[Decl] = []
        vias = self.vias
        if shape.grpc:
            vias = [(via, b) for via, b in vias if Feature.GRPC in b.features]
        if not vias:
            return out
        for _ in range(self.draw(st.integers(0, 2))):
            via, backend = self.draw(st.sampled_from(vias))
            decl = self.expose_decl(shape, via, backend, envs)
            if decl is not None:
                out.append(decl)
        return out

    def dns_decls(self) -> list[Decl]:
        out: list[Decl] = []
        zones = pick(self.draw, st.lists(v.host(wildcard=False), max_size=2, unique=True),
                     lambda zs: not any(z.endswith("local") for z in zs))
        for zone in zones:
            to = self.draw(st.lists(st.ip_addresses().map(str), min_size=1, max_size=3,
                                    unique=True))
            kw: list[tuple[str, Any]] = [("to", to)]
            policy = self.draw(st.sampled_from([None, "random", "round_robin", "sequential"]))
            if policy:
                kw.append(("policy", policy))
            out.append(Decl("dns_forward", (zone,), tuple(kw)))
        if self.draw(st.integers(0, 3)) == 0:
            classes = self.draw(st.one_of(st.none(), st.lists(
                st.sampled_from(["success", "denial", "error", "all"]), min_size=1, max_size=2,
                unique=True)))
            out.append(Decl("dns_log", () if classes is None else (classes,)))
        return out


@st.composite
def blueprints(draw: Draw[Any], max_services: int = 5,
               meshes: tuple[Backend | None, ...] | None = None) -> Spec:
    """A valid blueprint: every build of it must succeed. Its mesh is one of `meshes`
    (default: none or any registered mesh target)."""
    choices = meshes if meshes is not None else (None, *mesh_targets())
    g = _Gen(draw, draw(st.sampled_from(choices)))
    head: list[Decl] = []
    name = FILE_STEM
    if draw(st.booleans()):
        name = draw(v.dns_label(12))
        kw: tuple[tuple[str, Any], ...] = ()
        if draw(st.booleans()):
            kw = (("domain", g.fresh_host(wildcard=False)),)
        head.append(Decl("blueprint", (name,), kw))
    env_names = draw(st.lists(st.sampled_from(ENV_NAMES), max_size=3, unique=True))
    head += [g.env_decl(e) for e in env_names]
    envs = env_names or [DEFAULT_ENV]

    body: list[Decl] = []
    scoped: dict[str, list[Decl]] = {e: [] for e in env_names}

    shapes: list[ServiceShape] = []
    for _ in range(draw(st.integers(1, max_services))):
        sname = g.fresh_name()
        versions: tuple[str, ...] = ()
        if draw(st.integers(0, 2)) == 0:
            versions = tuple(draw(_VERSIONS))
        grpc = any(Feature.GRPC in b.features for _, b in g.vias) and \
            draw(st.integers(0, 5)) == 0
        shapes.append(ServiceShape(sname, versions, grpc))
    # Overrides: a scoped service replaces the blueprint-wide one of its name in that env;
    # it keeps the shape (versions, gRPC) the blueprint-wide exposures rely on.
    overridden: dict[str, set[str]] = {s.name: set() for s in shapes}
    for e in env_names:
        for s in draw(st.lists(st.sampled_from(shapes), max_size=2, unique=True)) if shapes \
                else []:
            overridden[s.name].add(e)
            scoped[e].append(g.service_decl(s, [e]))
    for s in shapes:
        body.append(g.service_decl(s, [e for e in envs if e not in overridden[s.name]]))
    # Services only some environments have.
    only: dict[str, list[ServiceShape]] = {e: [] for e in env_names}
    for e in env_names:
        for _ in range(draw(st.integers(0, 1))):
            s = ServiceShape(g.fresh_name(), (), False)
            only[e].append(s)
            scoped[e].append(g.service_decl(s, [e]))

    externals = [g.fresh_name() for _ in range(draw(st.integers(0, 2)))]
    for x in externals:
        body.append(g.external_decl(x, envs))
    only_x: dict[str, list[str]] = {e: [] for e in env_names}
    for e in env_names:
        if draw(st.integers(0, 3)) == 0:
            x = g.fresh_name()
            only_x[e].append(x)
            scoped[e].append(g.external_decl(x, [e]))

    names = [s.name for s in shapes]
    for _ in range(draw(st.integers(0, 3))):
        decl = g.calls_decl(names, names + externals)
        if decl is not None:
            body.append(decl)
    for e in env_names:
        here = names + [s.name for s in only[e]]
        for _ in range(draw(st.integers(0, 1))):
            decl = g.calls_decl(here, here + externals + only_x[e])
            if decl is not None:
                scoped[e].append(decl)

    # Exposures: blueprint-wide ones apply where the env has no scoped exposure of the
    # service (scoped exposures replace them), so where each string must appear follows.
    scoped_exposures: dict[str, list[Decl]] = {e: [] for e in env_names}
    replaced: dict[str, set[str]] = {s.name: set() for s in shapes}
    for e in env_names:
        for s in [*shapes, *only[e]]:
            if draw(st.integers(0, 3)) == 0:
                decls = g.exposures(s, [e])
                if decls:
                    replaced.setdefault(s.name, set()).add(e)
                    scoped_exposures[e] += decls
    for s in shapes:
        body += g.exposures(s, [e for e in envs if e not in replaced[s.name]])
    for e in env_names:
        scoped[e] += scoped_exposures[e]

    if draw(st.integers(0, 3)) == 0:
        body += g.dns_decls()
    g.supply_env_labels()
    head = [g.usable_tls(d) if d.fn == "env" else d for d in head]
    body = g.required + body
    return Spec(
        head=tuple(head),
        body=tuple(body),
        scoped=tuple((e, tuple(decls)) for e, decls in scoped.items()),
        supplied=tuple(g.supplied),
        envs=tuple(envs),
    )
