"""Linkerd's word: the mesh kind of `mesh(LINKERD)` (Linkerd serves no via). Light (model
only)."""

from netgen.model import Token

LINKERD = Token("LINKERD", "linkerd")
