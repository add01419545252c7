"""targets: one package per backend, each owning its lowering and its templates (beside it,
in `<target>/templates/`). Empty, so that importing `targets.base` loads no target."""
