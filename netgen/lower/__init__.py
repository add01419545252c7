"""lower: a Plan becomes rendered documents, through each backend and its templates."""
