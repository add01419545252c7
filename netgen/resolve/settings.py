"""The settings `blueprint(...)` and `env(...)` take beyond their named parameters, in one
list: a misspelt `isolaton=OPEN` or `vpc_cdir=` must be an error, not a STRICT environment
or a dropped CIDR.

Each setting's value is checked where it is used (the network settings in
`resolve/network.py`, the Gateway settings by the Gateway API backend, `templates=` by the
pipeline); this module knows which names exist and where they may be given. A new setting
is one line here; a new named parameter of `env()`/`blueprint()` needs nothing here (the
did-you-mean reads the functions' signatures).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from attrs import frozen

from netgen import dsl
from netgen.model import Blueprint, SourceLoc
from netgen.problems import Collector, did_you_mean
from netgen.resolve.shapes import show

BLUEPRINT, ENV = "blueprint", "env"
BOTH = frozenset({BLUEPRINT, ENV})


@frozen
class Setting:
    where: frozenset[str]  # the calls that take it: an env's value replaces the blueprint's
    check: Callable[[Any], str | None] | None = None  # when nothing else reads the value


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be True or False, not {show(value)}"


SETTINGS: Mapping[str, Setting] = {
    # where AWS load balancers and NodePort traffic come from (resolve/network.py)
    "vpc_cidr": Setting(BOTH),
    "nodeport_cidr": Setting(BOTH),
    # where the proxies forwarding exposed traffic run (resolve/network.py)
    "ingress_namespace": Setting(BOTH),
    "istio_ingress_namespace": Setting(BOTH),
    "istio_namespace": Setting(BOTH),
    # mesh(LINKERD): control plane namespace; deny by default only logged (targets/linkerd/)
    "linkerd_namespace": Setting(BOTH),
    "linkerd_audit": Setting(BOTH, _flag),
    "gateway_proxy_namespace": Setting(BOTH),
    # the Gateway API backend's Gateway and GatewayClass (targets/gateway_api/)
    "gateway": Setting(BOTH),
    "gateway_namespace": Setting(BOTH),
    "gateway_name": Setting(BOTH),
    "gateway_class": Setting(BOTH),
    "gateway_controller": Setting(BOTH),
    "gateway_api": Setting(BOTH),
    # namespaces managed elsewhere, whose Namespace netgen does not write (targets/kubernetes/)
    "existing_namespaces": Setting(BOTH),
    # template overrides, relative to the blueprint (pipeline.py)
    "templates": Setting(frozenset({BLUEPRINT})),
    # one ServiceAccount per workload without a mesh (resolve/mesh.py)
    "service_accounts": Setting(frozenset({BLUEPRINT}), _flag),
}


def _parameters(fn: Callable[..., Any]) -> list[str]:
    return [name for name, p in inspect.signature(fn).parameters.items()
            if p.kind is p.KEYWORD_ONLY]


def validate_settings(bp: Blueprint, c: Collector) -> None:
    calls: list[tuple[str, str, Mapping[str, Any], SourceLoc | None]] = [
        (BLUEPRINT, f"blueprint({bp.info.name!r})", bp.info.settings, bp.info.loc),
        *((ENV, f"env({e.name!r})", e.settings, e.loc) for e in bp.envs),
    ]
    for where, decl, given, loc in calls:
        fn = dsl.blueprint if where == BLUEPRINT else dsl.env
        known = [*_parameters(fn), *(k for k, s in SETTINGS.items() if where in s.where)]
        for key in sorted(given):
            value, setting = given[key], SETTINGS.get(key)
            if setting is None:
                c.error(loc, f"{decl}: unknown setting {key}={show(value)}"
                             f"{did_you_mean(key, known)}")
            elif where not in setting.where:
                other = " and ".join(f"{w}()" for w in sorted(setting.where))
                c.error(loc, f"{decl}: {key}= is a setting of {other} only")
            elif setting.check is not None and (problem := setting.check(value)):
                c.error(loc, f"{decl}: {key}= {problem}")
