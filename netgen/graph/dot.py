"""The graph in Graphviz DOT, for `dot -Tsvg` or any Graphviz viewer. Every identifier and
label is a double-quoted DOT string with backslashes and quotes escaped, so no
user-supplied value can change the graph's structure."""

from __future__ import annotations

from netgen.graph.model import CALLS, CLIENT, ENTRY, EXTERNAL, SERVICE, WORKLOAD, Edge, Graph, Node

FONT = "Helvetica"
# The colours of the seed guide's architecture diagram.
NODE_ATTRS = {
    CLIENT: {"shape": "oval", "fillcolor": "#e1f5fe", "color": "#0277bd"},
    ENTRY: {"shape": "hexagon", "fillcolor": "#f3e5f5", "color": "#6a1b9a"},
    SERVICE: {"shape": "box", "style": "filled,rounded", "fillcolor": "#e8f5e8",
              "color": "#2e7d32"},
    WORKLOAD: {"shape": "box3d", "fillcolor": "#fff3e0", "color": "#ef6c00"},
    EXTERNAL: {"shape": "cylinder", "fillcolor": "#eceff1", "color": "#455a64",
               "style": "filled,dashed"},
}


def string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _attrs(attrs: dict[str, str]) -> str:
    return ", ".join(f"{k}={string(v)}" for k, v in attrs.items())


def _node(n: Node) -> str:
    label = "\\n".join(string(line)[1:-1] for line in n.lines)
    return f'{string(n.id)} [label="{label}", {_attrs(NODE_ATTRS[n.kind])}];'


def _edge(e: Edge) -> str:
    attrs = {"style": "dashed"} if e.kind == CALLS else {}
    if e.label:
        attrs["label"] = e.label
    suffix = f" [{_attrs(attrs)}]" if attrs else ""
    return f"{string(e.src)} -> {string(e.dst)}{suffix};"


def render(graph: Graph) -> str:
    out = [
        f"digraph {string(graph.title)} {{",
        f'    graph [rankdir="LR", label={string(graph.title)}, labelloc="t", '
        f'fontname="{FONT}", nodesep="0.4", ranksep="0.8"];',
        f'    node [style="filled", fontname="{FONT}", fontsize="11"];',
        f'    edge [fontname="{FONT}", fontsize="10", color="#546e7a"];',
    ]
    out.extend(f"    {_node(n)}" for n in graph.nodes if n.cluster is None)
    for c in graph.clusters:
        out.append(f"    subgraph {string('cluster_' + c.id)} {{")
        out.append(f'        graph [label={string(c.label)}, style="rounded,dashed", '
                   'color="#90a4ae"];')
        out.extend(f"        {_node(n)}" for n in graph.nodes if n.cluster == c.id)
        out.append("    }")
    out.extend(f"    {_edge(e)}" for e in graph.edges)
    out.append("}")
    return "\n".join(out) + "\n"
