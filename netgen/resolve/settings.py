"""The settings `blueprint(...)` and `env(...)` take beyond their named parameters, in one
list (the neutral ones here, each target's in its `settings.py`): a misspelt
`isolaton=OPEN` or `vpc_cdir=` must be an error, not a STRICT environment or a dropped CIDR.

Each setting's value is checked where it is used (the network settings in
`resolve/network.py`, the Gateway settings by the Gateway API target, `templates=` by the
pipeline); this module knows which names exist and where they may be given. A new setting
is one line in its target's `settings.py`; a new named parameter of `env()`/`blueprint()`
needs nothing here (the did-you-mean reads the functions' signatures).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from netgen import dsl
from netgen.model import Blueprint, SourceLoc
from netgen.problems import Collector, did_you_mean
from netgen.targets.base import BLUEPRINT, ENV, Registry, Setting
from netgen.values import show


def _flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be True or False, not {show(value)}"


# The target-neutral settings; each target declares its own (targets/<t>/settings.py).
NEUTRAL: Mapping[str, Setting] = {
    # template overrides, relative to the blueprint (pipeline.py)
    "templates": Setting(frozenset({BLUEPRINT})),
    # one ServiceAccount per workload without a mesh (resolve/mesh.py)
    "service_accounts": Setting(frozenset({BLUEPRINT}), _flag),
}


def all_settings(registry: Registry) -> dict[str, Setting]:
    """Every setting a build accepts: the neutral ones and each registered target's."""
    return {**registry.settings(), **NEUTRAL}


@functools.cache
def _parameters(fn: Callable[..., Any]) -> list[str]:
    """Once per DSL function: signatures are slow to build."""
    return [name for name, p in inspect.signature(fn).parameters.items()
            if p.kind is p.KEYWORD_ONLY]


def validate_settings(bp: Blueprint, c: Collector, registry: Registry) -> None:
    table = all_settings(registry)
    calls: list[tuple[str, str, Mapping[str, Any], SourceLoc | None]] = [
        (BLUEPRINT, f"blueprint({bp.info.name!r})", bp.info.settings, bp.info.loc),
        *((ENV, f"env({e.name!r})", e.settings, e.loc) for e in bp.envs),
    ]
    for where, decl, given, loc in calls:
        fn = dsl.blueprint if where == BLUEPRINT else dsl.env
        known = [*_parameters(fn), *(k for k, s in table.items() if where in s.where)]
        for key in sorted(given):
            value, setting = given[key], table.get(key)
            if setting is None:
                c.error(loc, f"{decl}: unknown setting {key}={show(value)}"
                             f"{did_you_mean(key, known)}")
            elif where not in setting.where:
                other = " and ".join(f"{w}()" for w in sorted(setting.where))
                c.error(loc, f"{decl}: {key}= is a setting of {other} only")
            elif setting.check is not None and (problem := setting.check(value)):
                c.error(loc, f"{decl}: {key}= {problem}")
