"""Kubernetes NetworkPolicy (no via: written for every environment's isolation)."""

from netgen.targets.networkpolicy.lower import BACKEND

__all__ = ["BACKEND"]
