"""CoreDNS custom ConfigMap (no via: dns_forward/dns_log)."""
