"""Every backend netgen knows, in the order their documents are emitted.

Each target's `lower` module defines its BACKEND; the target packages' `__init__` import
nothing, so that a target's light `tokens` module (the words `via=`/`mesh(...)` take) can be
imported without loading the target."""

from __future__ import annotations

import sys
from pathlib import Path

from netgen.model import Via
from netgen.targets.aws_alb import lower as aws_alb
from netgen.targets.base import Backend, Registry
from netgen.targets.coredns import lower as coredns
from netgen.targets.gateway_api import lower as gateway_api
from netgen.targets.istio import lower as istio
from netgen.targets.kubernetes import lower as kubernetes
from netgen.targets.linkerd import lower as linkerd
from netgen.targets.networkpolicy import lower as networkpolicy
from netgen.targets.nginx import lower as nginx

BACKENDS: tuple[Backend, ...] = (
    kubernetes.BACKEND,
    kubernetes.NODEPORT_BACKEND,
    kubernetes.NLB_BACKEND,
    aws_alb.BACKEND,
    nginx.BACKEND,
    gateway_api.BACKEND,
    gateway_api.TCP_BACKEND,
    istio.BACKEND,
    linkerd.BACKEND,
    coredns.BACKEND,
    networkpolicy.BACKEND,
)




def _schema_folders(backends: tuple[Backend, ...]) -> tuple[Path, ...]:
    """The CRD bundles each target keeps beside its code, in `schemas/` of the package its
    `lower` is defined in (so the list of targets above is the only one)."""
    packages = dict.fromkeys(Path(sys.modules[b.lower.__module__].__file__ or "").parent
                             for b in backends)
    return tuple(folder for p in packages if (folder := p / "schemas").is_dir())


REGISTRY = Registry(BACKENDS, schema_folders=_schema_folders(BACKENDS))


def backend_for(via: Via) -> Backend | None:
    return REGISTRY.backend_for(via)
