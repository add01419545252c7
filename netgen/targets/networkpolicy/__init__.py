"""Kubernetes NetworkPolicy (no via: written for every environment's isolation)."""
