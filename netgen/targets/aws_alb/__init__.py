"""AWS Load Balancer Controller Ingress (via=ALB)."""
