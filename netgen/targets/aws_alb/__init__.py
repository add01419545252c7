"""AWS Load Balancer Controller Ingress (via=ALB)."""

from netgen.targets.aws_alb.lower import BACKEND

__all__ = ["BACKEND"]
