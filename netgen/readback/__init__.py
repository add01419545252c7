"""Reading generated output back, for scripts and tests: `mesh.verify_mesh` asks the mesh
an environment chose for its read-back alone (`netgen verify` asks every backend's
`readback`, the mesh's included)."""
