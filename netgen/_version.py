"""The version, in a module of its own so that stamping it (state, SARIF, `--version`) does
not import the blueprint language at the package root. Named `_version` because
`netgen.version` is the DSL function, and a submodule of that name would replace it."""

__version__ = "0.1.0"
