"""Kubernetes' own lint rules: workloads that are valid but fragile (a mutable image, one
replica, no storage, requests or readiness where the environment says production, the host
network). The registry collects them with the neutral rules (netgen/lint/rules.py)."""

from __future__ import annotations

from collections.abc import Iterator

from netgen.problems import Problem
from netgen.targets.base import Lint, LintContext, Rule


def image_tag_problem(image: str) -> str | None:
    """`:latest` or no tag (which means latest); a digest pins the image whatever the tag."""
    if "@" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return "has no tag (so it means :latest)"
    if last.rsplit(":", 1)[1] == "latest":
        return "uses the :latest tag"
    return None


def _mutable_image(ctx: LintContext) -> Iterator[Problem]:
    seen: set[str] = set()
    for w in ctx.plan.workloads:
        problem = image_tag_problem(w.image) if w.image else None
        if problem and w.service not in seen:
            seen.add(w.service)
            yield Lint("NG104", w.loc, f"service({w.service!r}): image {w.image!r} {problem}; "
                       "a rollout or node restart may pull a different image: pin a version "
                       "tag or a digest")


def _single_replica(ctx: LintContext) -> Iterator[Problem]:
    if not ctx.declared_strict:
        return
    explicit = {s.loc for s in ctx.blueprint.services if s.replicas is not None}
    replicas: dict[str, set[int]] = {}
    for w in ctx.plan.workloads:
        replicas.setdefault(w.service, set()).add(w.replicas)
    inherited: list[str] = []
    for s in ctx.plan.services:
        if replicas.get(s.name) != {1}:
            continue
        if s.loc in explicit:
            yield Lint("NG105", s.loc, f"service({s.name!r}) runs 1 replica in a STRICT "
                       "environment: every rollout or node drain is an outage; use replicas=2 "
                       "or more", ctx.plan.env.name)
        else:
            inherited.append(s.name)
    if inherited:
        yield Lint("NG105", ctx.env_loc, f"env({ctx.plan.env.name!r}) is STRICT but runs 1 "
                   f"replica of {', '.join(inherited)}: every rollout or node drain is an "
                   "outage; set replicas=2 or more", ctx.plan.env.name)


def _stateful_without_storage(ctx: LintContext) -> Iterator[Problem]:
    for w in ctx.plan.workloads:
        if w.kind == "StatefulSet" and w.storage is None:
            yield Lint("NG109", w.loc, f"service({w.service!r}) is stateful but has no "
                       "storage: its data is lost whenever a pod is rescheduled; set "
                       "storage=storage('10Gi', '/path/to/data')", ctx.plan.env.name)


def _without_resources(ctx: LintContext) -> Iterator[Problem]:
    if not ctx.declared_strict:
        return
    seen: set[str] = set()
    for w in ctx.plan.workloads:
        if w.resources is None and w.service not in seen:
            seen.add(w.service)
            yield Lint("NG110", w.loc, f"service({w.service!r}) has no resource requests or "
                       "limits in a STRICT environment: the scheduler cannot place it by need "
                       "and one pod can starve its node; set cpu= and memory= (and "
                       "memory_limit=)", ctx.plan.env.name)


def _called_without_readiness(ctx: LintContext) -> Iterator[Problem]:
    if not ctx.declared_strict:
        return
    called = {c.dst: c for c in ctx.plan.calls if c.dst_kind == "service"}
    seen: set[str] = set()
    for w in ctx.plan.workloads:
        call = called.get(w.service)
        if call and w.readiness is None and not w.health and w.service not in seen:
            seen.add(w.service)
            yield Lint("NG111", w.loc, f"service({w.service!r}) is called (by {call.src!r} at "
                       f"{call.loc}) in a STRICT environment without a readiness probe: "
                       "callers reach pods that are not ready yet; set health='/path' or "
                       "readiness=probe(...)", ctx.plan.env.name)


def _host_network_unpoliced(ctx: LintContext) -> Iterator[Problem]:
    seen: set[str] = set()
    for w in ctx.plan.workloads:
        if w.security is not None and w.security.host_network and w.service not in seen:
            seen.add(w.service)
            yield Lint("NG112", w.loc, f"service({w.service!r}) uses the host network: "
                       "NetworkPolicies do not apply to its pods, so its calls() are not "
                       "enforced (netgen verify lists them as not enforceable)",
                       ctx.plan.env.name)


# Docker's official images that start as root (to drop to a user of their own, or to bind
# port 80); with `runAsNonRoot` and no `runAsUser` the kubelet refuses to start them.
ROOT_IMAGES = frozenset({"cassandra", "httpd", "mariadb", "mongo", "mysql", "nginx",
                         "postgres", "rabbitmq", "redis"})


def official_repository(image: str) -> str | None:
    """`postgres` for `postgres:16`, `docker.io/library/postgres@sha256:...`; None for an
    image of another registry or namespace (`bitnami/postgresql`, `ghcr.io/x/postgres`)."""
    name = image.split("@", 1)[0]
    path, _, last = name.rpartition("/")
    repository = last.split(":", 1)[0]
    if path in ("", "library", "docker.io/library", "index.docker.io/library"):
        return repository
    return None


def _root_image_refused(ctx: LintContext) -> Iterator[Problem]:
    seen: set[str] = set()
    for w in ctx.plan.workloads:
        sec = w.security
        repository = official_repository(w.image) if w.image else None
        if (repository in ROOT_IMAGES and sec is not None and sec.run_as_non_root
                and sec.run_as_user is None and w.service not in seen):
            seen.add(w.service)
            yield Lint("NG114", w.loc, f"service({w.service!r}): image {w.image!r} starts as "
                       "root, and its pods must run as non-root with no user given, so the "
                       "kubelet refuses to start them; give it the user its entrypoint drops "
                       "to (run_as_user=, README 'An image that needs root') or "
                       "pod_security=BASELINE", ctx.plan.env.name)


LINTS: tuple[Rule, ...] = (
    Rule("NG104", "mutable-image-tag",
         "`:latest` or untagged images change under a running Deployment; pin a tag or digest.",
         _mutable_image, per_env=False),
    Rule("NG105", "single-replica-in-strict",
         "One replica in a production-like (STRICT) environment: every rollout or node drain "
         "is an outage.", _single_replica),
    Rule("NG109", "stateful-without-storage",
         "A stateful service without storage loses its data whenever a pod is rescheduled.",
         _stateful_without_storage),
    Rule("NG110", "strict-without-resources",
         "In a production-like (STRICT) environment every service should request CPU and "
         "memory, or the scheduler overcommits nodes.", _without_resources),
    Rule("NG111", "strict-called-without-readiness",
         "In a production-like (STRICT) environment a called service needs a readiness "
         "probe, or callers reach pods that are not ready.", _called_without_readiness),
    Rule("NG112", "host-network-unpoliced",
         "NetworkPolicies do not apply to pods on the host network: their traffic is not "
         "enforced.", _host_network_unpoliced),
    Rule("NG114", "root-image-refused",
         "An official image that starts as root (postgres, mysql, redis, nginx, ...) in a pod "
         "that must run as non-root, with no user given, is refused by the kubelet.",
         _root_image_refused),
)
