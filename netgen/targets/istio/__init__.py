"""Istio: the ingress gateway (via=ISTIO) and the mesh objects of mesh(ISTIO)."""
