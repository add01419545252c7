"""The blueprint language: the names a `blueprint.py` imports with `from netgen import *`.

They come from `netgen.dsl`, imported on first use (PEP 562), so `netgen --version` and
the other entry points into this package do not pay for the whole language."""

from netgen._version import __version__ as __version__

TYPE_CHECKING = False  # not `typing`'s: importing typing costs `netgen --version` 5 ms

if TYPE_CHECKING:
    from netgen.dsl import (
        ALB,
        BASELINE,
        CLUSTER,
        DISABLE,
        GATEWAY,
        ISTIO,
        NGINX,
        NLB,
        NODEPORT,
        OPEN,
        PERMISSIVE,
        PRIVILEGED,
        RESTRICTED,
        STRICT,
        TCP,
        acm,
        basic,
        blueprint,
        calls,
        container,
        dns_forward,
        dns_log,
        env,
        expose,
        external,
        header,
        health_check,
        mesh,
        mesh_header,
        mesh_route,
        outlier,
        probe,
        rate_limit,
        retries,
        rollout,
        secret_ref,
        service,
        storage,
        tls_secret,
        traffic,
        version,
        volume,
    )
    from netgen.targets.linkerd.protocol import LINKERD

__all__ = [
    "ALB",
    "BASELINE",
    "CLUSTER",
    "DISABLE",
    "GATEWAY",
    "ISTIO",
    "LINKERD",
    "NGINX",
    "NLB",
    "NODEPORT",
    "OPEN",
    "PERMISSIVE",
    "PRIVILEGED",
    "RESTRICTED",
    "STRICT",
    "TCP",
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
]


def __getattr__(name: str) -> object:
    if name in __all__:
        if name == "LINKERD":  # the Linkerd target's token, until the registry names them all
            from netgen.targets.linkerd.protocol import LINKERD as value
        else:
            from netgen import dsl

            value = getattr(dsl, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
