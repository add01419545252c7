"""Istio's word: both a via (its ingress gateway) and the mesh kind of `mesh(ISTIO)`, the
default of `mesh()`. Light (model only): the DSL imports it."""

from netgen.model import Token

ISTIO = Token("ISTIO", "istio")
