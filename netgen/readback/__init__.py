"""Reading generated output back for `netgen verify`: each mesh target reads its own
documents (`MeshHooks.readback`, in its package); `mesh.py` compares what they say with the
plan, whichever mesh it is."""
