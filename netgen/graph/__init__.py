"""`netgen graph`: the system as the seed guide's architecture diagram draws it.

`model` builds a neutral graph from a Plan; `mermaid` and `dot` print it; `image` runs
Graphviz for SVG/PNG. Renderers know nothing about Plans, the model nothing about syntax.
"""
