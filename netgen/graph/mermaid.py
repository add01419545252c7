"""The graph as a Mermaid flowchart, for Markdown (GitHub, GitLab and most doc sites
render it). Every label is a quoted string with Mermaid's entity escapes, so a path or
header value cannot break the diagram."""

from __future__ import annotations

from netgen.graph.model import CALLS, CLIENT, ENTRY, EXTERNAL, SERVICE, WORKLOAD, Edge, Graph, Node

# The colours of the seed guide's architecture diagram.
STYLES = {
    CLIENT: "fill:#e1f5fe,stroke:#0277bd",
    ENTRY: "fill:#f3e5f5,stroke:#6a1b9a",
    SERVICE: "fill:#e8f5e8,stroke:#2e7d32",
    WORKLOAD: "fill:#fff3e0,stroke:#ef6c00",
    EXTERNAL: "fill:#eceff1,stroke:#455a64,stroke-dasharray:4 3",
}
SHAPES = {
    CLIENT: ('(["', '"])'),
    ENTRY: ('{{"', '"}}'),
    SERVICE: ('("', '")'),
    WORKLOAD: ('["', '"]'),
    EXTERNAL: ('[/"', '"/]'),
}
_ENTITIES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;"}


def text(value: str) -> str:
    return "".join(_ENTITIES.get(ch, ch) for ch in value)


def _node(n: Node) -> str:
    opening, closing = SHAPES[n.kind]
    return f"{n.id}{opening}{'<br/>'.join(text(line) for line in n.lines)}{closing}"


def _edge(e: Edge) -> str:
    arrow = "-.->" if e.kind == CALLS else "-->"
    label = f'|"{text(e.label)}"|' if e.label else ""
    return f"{e.src} {arrow}{label} {e.dst}"


def render(graph: Graph) -> str:
    out = ["---", f"title: {text(graph.title)!s}", "---", "flowchart LR"]
    for n in graph.nodes:
        if n.cluster is None:
            out.append(f"    {_node(n)}")
    for c in graph.clusters:
        out.append(f'    subgraph {c.id}["{text(c.label)}"]')
        out.extend(f"        {_node(n)}" for n in graph.nodes if n.cluster == c.id)
        out.append("    end")
    out.extend(f"    {_edge(e)}" for e in graph.edges)
    for kind, style in STYLES.items():
        members = [n.id for n in graph.nodes if n.kind == kind]
        if members:
            out.append(f"    classDef {kind} {style}")
            out.append(f"    class {','.join(members)} {kind}")
    return "\n".join(out) + "\n"
