"""CoreDNS custom ConfigMap (no via: dns_forward/dns_log)."""

from netgen.targets.coredns.lower import BACKEND

__all__ = ["BACKEND"]
