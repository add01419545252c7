"""The generated Istio YAML, read back, does exactly what the blueprint says.

Route tables read from the VirtualServices equal the plan's routes; the allow matrix
evaluated from the PeerAuthentications and AuthorizationPolicies equals the declared calls
(plus the ingress gateway and out-of-mesh exposures); every Istio document passes the CRDs.
For generated blueprints the expectation is computed from the generator's own description,
not from the plan, so resolve cannot agree with itself by construction. IBM's
network-config-analyzer, which evaluates Istio AuthorizationPolicies on its own, is the
independent oracle for every identity-based allow.
"""

from __future__ import annotations

import copy
import io
import os
import re
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml
from attrs import evolve, frozen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netgen.plan.mesh import PLAINTEXT
from netgen.targets.istio import readback_authz as authz
from netgen.targets.istio import readback_routes as routes
from tests.conftest import EXAMPLES, build, documents
from tests.targets.istio.istio_schema import is_istio, problems

INGRESS = "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"
MESHED = [c for example in EXAMPLES for c in build(example)
          if c.plan.mesh is not None and c.plan.mesh.kind == "ISTIO"]


def _ids(compiled: Any) -> str:
    return f"{Path(compiled.plan.source).stem}-{compiled.plan.env.name}"


# --- the examples -----------------------------------------------------------------------------


@pytest.mark.parametrize("compiled", MESHED, ids=_ids)
def test_example_route_table_is_the_plans(compiled: Any) -> None:
    docs = documents(compiled)
    assert routes.route_table(docs) == routes.expected_route_table(compiled.plan)
    assert routes.shadowed(docs) == []
    assert routes.gateway_problems(docs) == []


@pytest.mark.parametrize("compiled", MESHED, ids=_ids)
def test_example_allow_matrix_is_the_declared_calls(compiled: Any) -> None:
    docs = documents(compiled)
    got = authz.allow_matrix(docs)
    assert got == authz.expected_allow_matrix(compiled.plan, authz.sources(docs))


@pytest.mark.parametrize("compiled", MESHED, ids=_ids)
def test_example_istio_documents_pass_the_crds(compiled: Any) -> None:
    istio = [d for d in documents(compiled) if is_istio(d)]
    assert istio
    assert {f"{d['kind']}/{d['metadata']['name']}": problems(d) for d in istio} == {
        f"{d['kind']}/{d['metadata']['name']}": [] for d in istio}


def test_mesh_example_tables_in_words() -> None:
    """The seed example, spelled out: what an operator reads from `netgen routes`/`verify`."""
    prod = next(c for c in MESHED if c.plan.blueprint == "mesh" and c.plan.env.name == "production")
    docs = documents(prod)
    api = "api.production.svc.cluster.local"
    assert [str(r) for r in routes.route_table(docs)] == [
        "ingress shop.example.com/ (Prefix) -> web-app.production.svc.cluster.local 100%",
        f"ingress shop.example.com/api (Prefix) -> {api}/v1 80%, {api}/v2 20%",
        f"ingress shop.example.com/api (Prefix) [x-version: v2] -> {api}/v2 100%",
        f"mesh    {api}/ (Prefix) -> {api} 100%",
        f"mesh    {api}/api (Prefix) -> {api}/v1 80%, {api}/v2 20%",
        f"mesh    {api}/api (Prefix) [x-version: v2] -> {api}/v2 100%",
    ]
    assert sorted(map(str, authz.allow_matrix(docs))) == [
        f"{INGRESS} -> production/api-v1:8080",
        f"{INGRESS} -> production/api-v2:8080",
        f"{INGRESS} -> production/web-app-v1:8080",
        f"{INGRESS} -> production/web-app-v2:8080",
        "cluster.local/ns/production/sa/api -> production/database:5432",
        "cluster.local/ns/production/sa/web-app -> production/api-v1:8080",
        "cluster.local/ns/production/sa/web-app -> production/api-v2:8080",
    ]


# --- the readers bite -------------------------------------------------------------------------


def _prod_docs() -> list[dict]:
    prod = next(c for c in MESHED if c.plan.blueprint == "mesh" and c.plan.env.name == "production")
    return copy.deepcopy(documents(prod))


def _find(docs: list[dict], kind: str, name: str) -> dict:
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


def test_route_table_sees_a_changed_weight_and_a_lost_half_of_a_prefix() -> None:
    docs = _prod_docs()
    expected = routes.route_table(docs)
    vs = _find(docs, "VirtualService", "shop.example.com")
    vs["spec"]["http"][1]["route"][1]["weight"] = 30
    assert routes.route_table(docs) != expected
    docs = _prod_docs()
    del _find(docs, "VirtualService", "shop.example.com")["spec"]["http"][1]["match"][0]
    rows = {(r.path_type, r.path) for r in routes.route_table(docs) if not r.headers
            and r.scope == "ingress"}
    assert ("Prefix", "/api/") in rows and ("Prefix", "/api") not in rows


def test_shadowed_routes_are_reported() -> None:
    docs = _prod_docs()
    http = _find(docs, "VirtualService", "shop.example.com")["spec"]["http"]
    http.insert(0, http.pop())  # the catch-all first: nothing else can match
    found = routes.shadowed(docs)
    assert len(found) == 4 and all("shadowed by ('prefix', '/', (), ())" in p for p in found)


def test_gateway_problems_are_reported() -> None:
    docs = _prod_docs()
    _find(docs, "Gateway", "mesh-istio")["spec"]["servers"][0]["hosts"] = ["other.example.com"]
    _find(docs, "VirtualService", "api-mesh")["spec"]["gateways"] = ["nowhere"]
    assert routes.gateway_problems(docs) == [
        "VirtualService api-mesh: no Gateway nowhere"]
    _find(docs, "Gateway", "mesh-istio")["spec"]["servers"][1]["hosts"] = ["other.example.com"]
    assert routes.gateway_problems(docs) == [
        "VirtualService api-mesh: no Gateway nowhere",
        "VirtualService shop.example.com: Gateway mesh-istio does not serve shop.example.com"]


def test_allow_matrix_sees_a_missing_principal_and_a_missing_deny() -> None:
    docs = _prod_docs()
    expected = authz.allow_matrix(docs)
    _find(docs, "AuthorizationPolicy", "database")["spec"]["rules"][0]["from"][0]["source"][
        "principals"] = ["cluster.local/ns/production/sa/web-app"]
    changed = authz.allow_matrix(docs)
    assert expected - changed == {authz.Allow("cluster.local/ns/production/sa/api", "production",
                                              "database", 5432)}
    assert changed - expected == {authz.Allow("cluster.local/ns/production/sa/web-app",
                                              "production", "database", 5432)}
    docs = _prod_docs()
    docs.remove(_find(docs, "AuthorizationPolicy", "database"))
    opened = authz.allow_matrix(docs)
    assert opened == expected - {authz.Allow("cluster.local/ns/production/sa/api", "production",
                                             "database", 5432)}  # allow-nothing still denies
    docs.remove(_find(docs, "AuthorizationPolicy", "allow-nothing"))
    wide_open = {a for a in authz.allow_matrix(docs) if a.workload == "database"}
    assert {a.source for a in wide_open} == {
        *(p for p in authz.sources(docs) if p != PLAINTEXT), }  # STRICT mTLS: no plaintext


def test_allow_matrix_models_mtls_for_clients_outside_the_mesh() -> None:
    docs = _prod_docs()
    web = _find(docs, "AuthorizationPolicy", "web-app")
    web["spec"]["rules"].append({"from": [{"source": {"notPrincipals": ["*"]}}]})
    assert not [a for a in authz.allow_matrix(docs) if a.source == PLAINTEXT]  # STRICT refuses
    docs.append({"apiVersion": "security.istio.io/v1", "kind": "PeerAuthentication",
                 "metadata": {"name": "web-app", "namespace": "production"},
                 "spec": {"selector": {"matchLabels": {"app": "web-app"}},
                          "mtls": {"mode": "STRICT"},
                          "portLevelMtls": {"8080": {"mode": "PERMISSIVE"}}}})
    assert {str(a) for a in authz.allow_matrix(docs) if a.source == PLAINTEXT} == {
        "<plaintext> -> production/web-app-v1:8080", "<plaintext> -> production/web-app-v2:8080"}


def test_unmodelled_policy_fields_are_refused_not_guessed() -> None:
    docs = _prod_docs()
    _find(docs, "AuthorizationPolicy", "api")["spec"]["rules"][0]["to"][0]["operation"][
        "paths"] = ["/admin"]
    with pytest.raises(authz.AuthzReadError, match="paths"):
        authz.allow_matrix(docs)


# --- nca: the independent oracle ----------------------------------------------------------------

GATEWAY_POD = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "istio-ingressgateway", "namespace": "istio-system"},
    "spec": {"selector": {"matchLabels": {"istio": "ingressgateway"}},
             "template": {"metadata": {"labels": {"istio": "ingressgateway"}},
                          "spec": {"serviceAccountName": "istio-ingressgateway-service-account",
                                   "containers": [{"name": "istio-proxy", "image": "proxyv2"}]}}},
}
_NCA_LINE = re.compile(r"(\S+) => (\S+) : (.*)")
_WORKLOAD = re.compile(r"([a-z0-9-]+)/([a-z0-9.-]+)\[\w+\]")


def nca_pairs(docs: list[dict]) -> set[tuple[str, str, int]]:
    """(source workload, destination workload, port) that nca says TCP may use, between the
    build's workloads and from the ingress gateway; nca knows nothing of mTLS modes, so
    clients without an identity are left out."""
    from nca.nca_cli import nca_main

    ports = {f"{w.namespace}/{w.name}": w.ports for w in authz.workloads(docs)}
    with tempfile.TemporaryDirectory() as folder:
        for i, d in enumerate([*docs, GATEWAY_POD]):
            with open(os.path.join(folder, f"{i:03}.yaml"), "w") as f:
                yaml.safe_dump(d, f)
        out = os.path.join(folder, "connectivity.txt")
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            nca_main(["--connectivity", "-r", folder, "--output_format", "txt_no_fw_rules",
                      "--output_endpoints", "deployments", "-f", out])
        text = Path(out).read_text()
    # with no Istio policy at all nca prints one list, else a TCP and a non-TCP one
    tcp = text.split("TCP Connections:", 1)[-1].split("non-TCP Connections:", 1)[0]
    found = set()
    for line in tcp.splitlines():
        m = _NCA_LINE.fullmatch(line.strip())
        if not m:
            continue
        src, dst = _WORKLOAD.fullmatch(m[1]), _WORKLOAD.fullmatch(m[2])
        if not src or not dst or f"{dst[1]}/{dst[2]}" not in ports:
            continue
        if m[3] == "All connections":
            allowed = ports[f"{dst[1]}/{dst[2]}"]
        else:
            listed = re.search(r"dst_ports:([0-9,-]+)", m[3])
            allowed = tuple(_expand(listed[1])) if listed else ()
        found.update((f"{src[1]}/{src[2]}", f"{dst[1]}/{dst[2]}", p) for p in allowed)
    return found


def _expand(ports: str) -> list[int]:
    out: list[int] = []
    for part in filter(None, ports.split(",")):
        low, _, high = part.partition("-")
        out.extend(range(int(low), int(high or low) + 1))
    return out


def our_pairs(docs: list[dict]) -> set[tuple[str, str, int]]:
    """Our allow matrix in nca's terms: identities expanded to the workloads carrying them."""
    gateway = {"istio-system/istio-ingressgateway"}
    # an identity no policy names is "some other identity": the gateway's, when unnamed
    owners: dict[str, set[str]] = {
        INGRESS if INGRESS in authz.sources(docs) else authz.OTHER: gateway}
    for w in authz.workloads(docs):
        owners.setdefault(f"cluster.local/ns/{w.namespace}/sa/{w.service_account}", set()).add(
            f"{w.namespace}/{w.name}")
    # Given an Istio Gateway, nca follows its routes: the gateway pod reaches only what a
    # gateway VirtualService names (without one it is an ordinary pod).
    routed = {(host.split(".")[1], host.split(".")[0]) for row in routes.route_table(docs)
              if row.scope == "ingress" for host, _, _ in row.backends}
    gateway_routes_all = not any(d["kind"] == "Gateway" for d in docs)
    return {(src, f"{w.namespace}/{w.name}", a.port)
            for a in authz.allow_matrix(docs) for src in owners.get(a.source, ())
            for w in authz.workloads(docs)
            if (w.namespace, w.name) == (a.namespace, a.workload)
            and src != f"{a.namespace}/{a.workload}"
            and (src not in gateway or gateway_routes_all
                 or (w.namespace, w.labels.get("app")) in routed)}


@pytest.mark.parametrize("compiled", MESHED, ids=_ids)
def test_nca_agrees_on_every_identity_based_allow(compiled: Any) -> None:
    docs = documents(compiled)
    assert nca_pairs(docs) == our_pairs(docs)


# --- generated blueprints ---------------------------------------------------------------------

NAMES = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot")
HOSTS = ("a.example.com", "b.example.com", None)


@frozen
class Svc:
    name: str
    versions: tuple[str, ...]
    namespace: str | None
    port: int
    target_port: int | None
    timeout: str | None

    @property
    def ns(self) -> str:
        return self.namespace or "prod"

    @property
    def fqdn(self) -> str:
        return f"{self.name}.{self.ns}.svc.cluster.local"

    @property
    def workloads(self) -> list[str]:
        return [f"{self.name}-{v}" for v in self.versions] or [self.name]


@frozen
class Expo:
    service: str
    via: str  # ISTIO | NODEPORT | NLB
    host: str | None
    path: str
    path_type: str
    canary: float | None
    version: str | None
    header: tuple[str, str] | None
    rewrite: str | None


@frozen
class Spec:
    isolation: str
    mtls: str | None
    services: tuple[Svc, ...]
    calls: frozenset[tuple[str, str]]
    exposures: tuple[Expo, ...]
    tls_hosts: frozenset[str]


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    n = draw(st.integers(1, len(NAMES)))
    services = tuple(
        Svc(name, draw(st.sampled_from([(), ("v1", "v2"), ("v1", "v2", "v3")])),
            draw(st.sampled_from([None, None, "other"])), draw(st.sampled_from([80, 8080])),
            draw(st.sampled_from([None, 9000])), draw(st.sampled_from([None, "3s"])))
        for name in NAMES[:n]
    )
    pairs = [(a.name, b.name) for a in services for b in services if a is not b]
    calls = frozenset(draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else [])
    exposures: list[Expo] = []
    node_port = 30000
    for s in services:
        for k in range(draw(st.integers(0, 3))):
            via = draw(st.sampled_from(["ISTIO", "ISTIO", "ISTIO", "NODEPORT", "NLB"]))
            if via != "ISTIO":
                if not any(e.service == s.name and e.via == via for e in exposures):
                    exposures.append(Expo(s.name, via, None, "", "Prefix", None, None, None,
                                          None))
                node_port += 1
                continue
            exact = draw(st.booleans())
            path = f"/{s.name}/{k}" + ("" if exact else draw(st.sampled_from(["", "/"])))
            canary = version = None
            if len(s.versions) >= 2:
                choice = draw(st.sampled_from(["none", "canary", "version"]))
                if choice == "canary":
                    canary = draw(st.sampled_from([0.1, 0.25, 0.5]))
                elif choice == "version":
                    version = draw(st.sampled_from(s.versions))
            header = draw(st.sampled_from([None, ("X-Track", f"t{k}")]))
            rewrite = draw(st.sampled_from([None, f"/in/{k}"]))
            exposures.append(Expo(s.name, via, draw(st.sampled_from(HOSTS)), path,
                                  "Exact" if exact else "Prefix", canary, version, header,
                                  rewrite))
    tls_hosts = frozenset(h for h in HOSTS if h and draw(st.booleans()))
    return Spec(draw(st.sampled_from(["STRICT", "OPEN"])),
                draw(st.sampled_from([None, "STRICT", "PERMISSIVE"])), services, calls,
                tuple(exposures), tls_hosts)


def source(spec: Spec) -> str:
    lines = ["from netgen import *",
             f'env("prod", namespace="prod", isolation={spec.isolation})',
             f"mesh(ISTIO{', mtls=' + spec.mtls if spec.mtls else ''})"]
    for s in spec.services:
        lines.append(
            f'service("{s.name}", port={s.port}, image="{s.name}:1", versions={list(s.versions)}'
            f', namespace={s.namespace!r}, target_port={s.target_port!r})')
        if s.timeout:
            lines.append(f'traffic("{s.name}", timeout="{s.timeout}")')
    lines.extend(f'calls("{a}", "{b}")' for a, b in sorted(spec.calls))
    for i, e in enumerate(spec.exposures):
        if e.via == "NODEPORT":
            lines.append(f'expose("{e.service}", via=NODEPORT, node_port={30000 + i})')
            continue
        if e.via == "NLB":
            lines.append(f'expose("{e.service}", via=NLB)')
            continue
        tls = f'tls_secret("{e.host}-cert")' if e.host in spec.tls_hosts else None
        match = f"header{e.header!r}" if e.header else None
        lines.append(
            f'expose("{e.service}", via=ISTIO, host={e.host!r}, path={e.path!r}, '
            f'path_type={e.path_type!r}, canary={e.canary!r}, version={e.version!r}, '
            f'match={match}, rewrite={e.rewrite!r}, tls={tls})')
    return "\n".join(lines) + "\n"


def compile_spec(spec: Spec) -> Any:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "generated.py"
        path.write_text(source(spec))
        return build(path)[0]


def _backends(spec: Spec, e: Expo) -> routes.Backends:
    s = next(s for s in spec.services if s.name == e.service)
    if e.version:
        out = [(s.fqdn, e.version, 100)]
    elif e.canary is not None:
        share = round(e.canary * 100)
        out = [(s.fqdn, s.versions[0], 100 - share), (s.fqdn, s.versions[-1], share)]
    else:
        out = [(s.fqdn, None, 100)]
    return tuple(sorted(out, key=lambda b: (b[0], b[1] or "", b[2])))  # type: ignore[arg-type]


def _path(path: str, path_type: str) -> tuple[str, str]:
    return ("Exact", path) if path_type == "Exact" else ("Prefix", path.rstrip("/") or "/")


def spec_route_table(spec: Spec) -> list[routes.RouteRow]:
    rows = set()
    split: dict[str, dict[tuple[str, str, routes.Headers], routes.Backends]] = {}
    for e in spec.exposures:
        if e.via != "ISTIO":
            continue
        headers = ((e.header[0].lower(), e.header[1]),) if e.header else ()
        variants = [(headers, _backends(spec, e))]
        if e.canary is not None and headers:
            # canary= with match=: matching requests reach the newest version, the rest split
            s = next(s for s in spec.services if s.name == e.service)
            variants = [(headers, ((s.fqdn, s.versions[-1], 100),)), ((), _backends(spec, e))]
        for hdrs, backends in variants:
            rows.add(routes.RouteRow("ingress", e.host or "*", *_path(e.path, e.path_type), hdrs,
                                     backends))
            if e.version or e.canary is not None:
                inside = _path(e.rewrite or e.path, e.path_type)
                split.setdefault(e.service, {})[(*inside, hdrs)] = backends
    # a request to a host its own routes leave goes to every host's routes, which the
    # host's VirtualService repeats (the paths here never overlap: none is left out)
    every = [r for r in rows if r.host == "*"]
    rows |= {evolve(r, host=host) for host in {r.host for r in rows} - {"*"} for r in every}
    for s in spec.services:
        mine = split.get(s.name, {})
        if mine or s.timeout:
            mine.setdefault(("Prefix", "/", ()), ((s.fqdn, None, 100),))
            rows.update(routes.RouteRow("mesh", s.fqdn, *k, b) for k, b in mine.items())
    return sorted(rows)


def spec_allow_matrix(spec: Spec, universe: list[str]) -> frozenset[authz.Allow]:
    by_name = {s.name: s for s in spec.services}
    mtls = spec.mtls or ("STRICT" if spec.isolation == "STRICT" else "PERMISSIVE")
    out = set()
    for s in spec.services:
        allowed = {f"cluster.local/ns/{by_name[a].ns}/sa/{a}" for a, b in spec.calls
                   if b == s.name}
        vias = {e.via for e in spec.exposures if e.service == s.name}
        if "ISTIO" in vias:
            allowed.add(INGRESS)
        if vias & {"NODEPORT", "NLB"}:
            allowed.add(PLAINTEXT)
        if not allowed and spec.isolation == "OPEN":
            allowed = {u for u in universe if not (u == PLAINTEXT and mtls == "STRICT")}
        out.update(authz.Allow(src, s.ns, w, s.target_port or s.port)
                   for src in allowed for w in s.workloads)
    return frozenset(out)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_generated_blueprints_route_and_allow_exactly_as_declared(spec: Spec) -> None:
    compiled = compile_spec(spec)
    docs = documents(compiled)
    table = routes.route_table(docs)
    assert table == spec_route_table(spec)
    assert table == routes.expected_route_table(compiled.plan)
    assert routes.shadowed(docs) == []
    assert routes.gateway_problems(docs) == []
    matrix = authz.allow_matrix(docs)
    assert matrix == spec_allow_matrix(spec, authz.sources(docs))
    assert matrix == authz.expected_allow_matrix(compiled.plan, authz.sources(docs))
    bad = {f"{d['kind']}/{d['metadata']['name']}": problems(d) for d in docs if is_istio(d)}
    assert {k: v for k, v in bad.items() if v} == {}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_nca_agrees_on_generated_blueprints(spec: Spec) -> None:
    # Istio's authorization alone: the NetworkPolicies under it are proven on their own
    # (tests/targets/networkpolicy/test_networkpolicy*.py) and may close more, e.g. OPEN's
    # other namespaces.
    docs = [d for d in documents(compile_spec(spec)) if d["kind"] != "NetworkPolicy"]
    assert nca_pairs(docs) == our_pairs(docs)


def test_generated_source_reads_like_a_blueprint() -> None:
    """The generator writes ordinary DSL calls (so a failing example can be replayed)."""
    spec = Spec("STRICT", None, (Svc("alpha", ("v1", "v2"), None, 80, None, "3s"),),
                frozenset(), (Expo("alpha", "ISTIO", "a.example.com", "/alpha/0", "Prefix", 0.1,
                                   None, ("X-Track", "t0"), None),), frozenset({"a.example.com"}))
    assert source(spec).splitlines()[-1] == (
        "expose(\"alpha\", via=ISTIO, host='a.example.com', path='/alpha/0', "
        "path_type='Prefix', canary=0.1, version=None, match=header('X-Track', 't0'), "
        "rewrite=None, tls=tls_secret(\"a.example.com-cert\"))")



# --- the one call verify/routes use -------------------------------------------------------------


@pytest.mark.parametrize("compiled", MESHED, ids=_ids)
def test_verify_mesh_passes_on_the_examples(compiled: Any) -> None:
    from netgen.readback.mesh import verify_mesh

    report = verify_mesh(compiled.plan, documents(compiled))
    assert report.ok, report.render()
    assert report.verdict() == "mesh routes and allows match the blueprint"
    assert report.render() == ""


def test_verify_mesh_says_what_differs() -> None:
    from netgen.readback.mesh import verify_mesh

    prod = next(c for c in MESHED if c.plan.blueprint == "mesh" and c.plan.env.name == "production")
    docs = _prod_docs()
    _find(docs, "VirtualService", "shop.example.com")["spec"]["http"][1]["route"][1]["weight"] = 30
    _find(docs, "AuthorizationPolicy", "database")["spec"]["rules"][0]["from"][0]["source"][
        "principals"].append("cluster.local/ns/production/sa/web-app")
    api = "api.production.svc.cluster.local"
    assert verify_mesh(prod.plan, docs).render() == "\n".join([
        "routes planned but missing (1):",
        f"  - ingress shop.example.com/api (Prefix) -> {api}/v1 80%, {api}/v2 20%",
        "routes not planned (1):",
        f"  + ingress shop.example.com/api (Prefix) -> {api}/v1 72.73%, {api}/v2 27.27%",
        "undeclared traffic allowed (1):",
        "  + cluster.local/ns/production/sa/web-app -> production/database:5432",
    ])
