"""Linkerd: the second mesh, chosen by `mesh(LINKERD)`. Everything Linkerd knows lives here:
its token, the namespace annotations and control plane resolve asks for (`MeshHooks`), the
checks of what Linkerd cannot express, the lowering to `policy.linkerd.io` objects and GAMMA
HTTPRoutes, and the read-back `netgen verify` compares with the calls."""
