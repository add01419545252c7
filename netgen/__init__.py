"""The blueprint language: the names a `blueprint.py` imports with `from netgen import *`.

The functions and enums come from `netgen.dsl`, the tokens (`ALB`, `ISTIO`, `LINKERD`, ...)
from the registry, which collects each target's own; both are imported on first use
(PEP 562), so `netgen --version` and the other entry points into this package do not pay
for the language or the targets.

`__all__` is derived, not written: a static list would name every token a second time (the
list of vias issue 17 wants written once, by the targets), and a test comparing it with the
registry would only catch a new target after the fact. Star-imports ask the module for
`__all__`, so `__getattr__` computes it once, from `_DSL` and `Registry.tokens()`. The cost:
a static checker sees the tokens only as `Any`-typed attributes (`__getattr__` below), not
as names a star-import brings.
"""

from netgen._version import __version__ as __version__

TYPE_CHECKING = False  # not `typing`'s: importing typing costs `netgen --version` 5 ms

if TYPE_CHECKING:
    from typing import Any

    # `X as X`: re-exported, for static checkers (the tokens they see through __getattr__)
    from netgen.dsl import BASELINE as BASELINE
    from netgen.dsl import DISABLE as DISABLE
    from netgen.dsl import OPEN as OPEN
    from netgen.dsl import PERMISSIVE as PERMISSIVE
    from netgen.dsl import PRIVILEGED as PRIVILEGED
    from netgen.dsl import RESTRICTED as RESTRICTED
    from netgen.dsl import STRICT as STRICT
    from netgen.dsl import acm as acm
    from netgen.dsl import basic as basic
    from netgen.dsl import blueprint as blueprint
    from netgen.dsl import calls as calls
    from netgen.dsl import container as container
    from netgen.dsl import dns_forward as dns_forward
    from netgen.dsl import dns_log as dns_log
    from netgen.dsl import env as env
    from netgen.dsl import expose as expose
    from netgen.dsl import external as external
    from netgen.dsl import header as header
    from netgen.dsl import health_check as health_check
    from netgen.dsl import mesh as mesh
    from netgen.dsl import mesh_header as mesh_header
    from netgen.dsl import mesh_route as mesh_route
    from netgen.dsl import outlier as outlier
    from netgen.dsl import probe as probe
    from netgen.dsl import rate_limit as rate_limit
    from netgen.dsl import retries as retries
    from netgen.dsl import rollout as rollout
    from netgen.dsl import secret_ref as secret_ref
    from netgen.dsl import service as service
    from netgen.dsl import storage as storage
    from netgen.dsl import tls_secret as tls_secret
    from netgen.dsl import traffic as traffic
    from netgen.dsl import version as version
    from netgen.dsl import volume as volume

# The names netgen.dsl defines for blueprints; the tokens are the registry's.
_DSL = (
    "BASELINE",
    "DISABLE",
    "OPEN",
    "PERMISSIVE",
    "PRIVILEGED",
    "RESTRICTED",
    "STRICT",
    "acm",
    "basic",
    "blueprint",
    "calls",
    "container",
    "dns_forward",
    "dns_log",
    "env",
    "expose",
    "external",
    "header",
    "health_check",
    "mesh",
    "mesh_header",
    "mesh_route",
    "outlier",
    "probe",
    "rate_limit",
    "retries",
    "rollout",
    "secret_ref",
    "service",
    "storage",
    "tls_secret",
    "traffic",
    "version",
    "volume",
)


def _tokens() -> "dict[str, Any]":
    from netgen.targets.registry import REGISTRY

    return REGISTRY.tokens()


def __getattr__(name: str) -> "Any":
    if name in _DSL:
        from netgen import dsl

        value = getattr(dsl, name)
    elif name == "__all__":
        value = sorted([*_DSL, *_tokens()])
    elif name.isupper() and name in _tokens():  # not for `from netgen import cli` probes
        value = _tokens()[name]
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__getattr__("__all__")})
