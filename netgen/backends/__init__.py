"""lower: one module per backend, each turning a Plan into documents through its templates."""
