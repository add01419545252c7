"""Every backend netgen knows, in the order their documents are emitted."""

from __future__ import annotations

from pathlib import Path

from netgen.model import Via
from netgen.targets import (
    aws_alb,
    coredns,
    gateway_api,
    istio,
    kubernetes,
    linkerd,
    networkpolicy,
    nginx,
)
from netgen.targets.base import Backend, Registry

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


# The packages, for what each keeps beside its code: the CRD bundles it owns in `schemas/`.
PACKAGES = (aws_alb, coredns, gateway_api, istio, kubernetes, linkerd, networkpolicy, nginx)

REGISTRY = Registry(BACKENDS, schema_folders=tuple(
    folder for p in PACKAGES if (folder := Path(p.__file__).parent / "schemas").is_dir()))


def backend_for(via: Via) -> Backend | None:
    return REGISTRY.backend_for(via)
