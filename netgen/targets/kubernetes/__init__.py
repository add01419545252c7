"""Kubernetes core objects: Namespace, Service (ClusterIP, NodePort, NLB), workloads,
ServiceAccount, PodDisruptionBudget."""
