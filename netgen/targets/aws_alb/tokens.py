"""The via the AWS Load Balancer Controller target serves. Light (model only)."""

from netgen.model import Token

ALB = Token("ALB", "alb")
