"""targets: one package per backend, each owning its lowering and its templates (beside it,
in `<target>/templates/`). Empty, so that importing `targets.base` loads no target; each
target's own `__init__` is empty too, so that its `tokens` module loads nothing else."""
