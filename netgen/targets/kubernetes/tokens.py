"""The vias the Kubernetes core target serves: in the cluster only (CLUSTER, the default of
`expose`), a NodePort Service, an AWS NLB. Light (model only): the DSL imports it."""

from netgen.model import Token

CLUSTER = Token("CLUSTER", "cluster")
NODEPORT = Token("NODEPORT", "nodeport")
NLB = Token("NLB", "nlb")
