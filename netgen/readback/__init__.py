"""Reading generated output back for `netgen verify`: each target reads its own documents
(`MeshHooks.readback`; Istio's in targets/istio/readback.py, Linkerd's in
targets/linkerd/readback.py); `mesh.py` compares what they say with the plan, for any mesh."""
