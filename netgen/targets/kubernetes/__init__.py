"""Kubernetes core objects: Namespace, Service (ClusterIP, NodePort, NLB), workloads,
ServiceAccount, PodDisruptionBudget."""

from netgen.targets.kubernetes.lower import BACKEND, NLB_BACKEND, NODEPORT_BACKEND

__all__ = ["BACKEND", "NLB_BACKEND", "NODEPORT_BACKEND"]
