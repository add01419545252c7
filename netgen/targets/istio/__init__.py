"""Istio: the ingress gateway (via=ISTIO) and the mesh objects of mesh(ISTIO)."""

from netgen.targets.istio.lower import BACKEND

__all__ = ["BACKEND"]
