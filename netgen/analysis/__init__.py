"""Reading generated output back: what the YAML really does, to compare with the plan."""
