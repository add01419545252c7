"""The import graph of `netgen/`: no cycle between modules, and no import from a lower stage
up to a higher one. A test runs this; `tools/layers_allow.txt` lists the edges still allowed
to break the order, and it may only shrink (a listed edge that is gone is an error too, so
the list cannot rot).

Usage: python tools/layers.py [--all]   (--all prints every violation, ignoring the list)
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "netgen"
ALLOW = Path(__file__).resolve().parent / "layers_allow.txt"

# Longest matching prefix wins. Rank 5 holds siblings (resolve and each target), which must
# not import each other: their group is the prefix itself.
RANKS: dict[str, int] = {
    "netgen._version": 0, "netgen.model": 0, "netgen.problems": 0, "netgen.values": 0,
    "netgen.naming": 0, "netgen.schemas": 0, "netgen.cache": 0, "netgen.workers": 0,
    "netgen.dsl": 1, "netgen.loader": 1,
    "netgen.plan": 2, "netgen.intent": 2,  # the Plan, and what it intends (target-neutral)
    "netgen.render": 3,
    "netgen.targets": 4, "netgen.targets.base": 4, "netgen.targets.features": 4,
    "netgen.targets.mesh_readback": 4, "netgen.targets.httproute": 4,
    "netgen.resolve": 5,
    "netgen.targets.registry": 6,
    "netgen.lower": 7, "netgen.output": 7,
    "netgen.pipeline": 8,
    "netgen.build": 9, "netgen.check": 9, "netgen.lint": 9, "netgen.graph": 9,
    "netgen.readback": 9, "netgen.validate": 9,
    "netgen.importers": 10,
    "netgen.cli": 11, "netgen.__main__": 11,
    "netgen": 12,
    # Where today's modules sit until they move (issue 17's plan); removed as they go.
    "netgen.revision": 8,
}
SIBLING_RANK = 5

def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)

def is_package(path: Path) -> bool:
    return path.name == "__init__.py"

def exists(module: str) -> bool:
    base = ROOT.joinpath(*module.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()

def imports(path: Path) -> Iterator[tuple[int, str]]:
    """Every netgen module `path` imports, lazy and TYPE_CHECKING ones included."""
    me = module_name(path)
    package = me if is_package(path) else me.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "netgen":
                    yield node.lineno, _existing(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            if source.split(".")[0] != "netgen":
                continue
            for alias in node.names:
                sub = f"{source}.{alias.name}"
                yield node.lineno, sub if exists(sub) else _existing(source)

def _existing(module: str) -> str:
    while module and not exists(module):
        module = module.rpartition(".")[0]
    return module

def rank(module: str) -> tuple[int, str]:
    """(rank, group): the group names the sibling a rank-5 module belongs to. A target's
    `tokens` module (the words `via=`/`mesh(...)` take, importing only the model) ranks with
    the model: the DSL takes its defaults from it (tests/targets/test_tokens.py checks it
    stays that light)."""
    parts = module.split(".")
    if len(parts) == 4 and parts[:2] == ["netgen", "targets"] and parts[3] == "tokens":
        return RANKS["netgen.model"], module
    for n in range(len(parts), 0, -1):
        prefix = ".".join(parts[:n])
        if prefix in RANKS:
            r = RANKS[prefix]
            if prefix == "netgen.targets" and len(parts) > 2:
                return SIBLING_RANK, ".".join(parts[:3])
            return r, prefix
    raise SystemExit(f"tools/layers.py: no rank for module {module}; add it to RANKS")

def graph() -> dict[str, list[tuple[int, str, str]]]:
    edges: dict[str, list[tuple[int, str, str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        src = module_name(path)
        rel = str(path.relative_to(ROOT))
        edges[src] = [(line, dst, rel) for line, dst in imports(path) if dst != src]
    return edges

def cycles(edges: dict[str, list[tuple[int, str, str]]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(10_000)

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for _, w, _ in edges.get(v, ()):
            if w not in edges or v.startswith(w + "."):
                continue  # a module importing its own package's __init__ is no cycle
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                found.append(sorted(scc))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found

def violations() -> list[str]:
    """One line per problem: `cycle: a b c` or `upward: file:line src -> dst`."""
    edges = graph()
    out = [f"cycle: {' '.join(scc)}" for scc in cycles(edges)]
    for src, targets in edges.items():
        src_rank, src_group = rank(src)
        for line, dst, rel in targets:
            dst_rank, dst_group = rank(dst)
            if src.startswith(dst + ".") and dst_rank <= src_rank:
                continue  # a package's own __init__
            upward = dst_rank > src_rank
            sibling = dst_rank == src_rank == SIBLING_RANK and dst_group != src_group
            if upward or sibling:
                kind = "upward" if upward else "sibling"
                out.append(f"{kind}: {src} -> {dst}  ({rel}:{line})")
    return sorted(set(out))

def _key(line: str) -> str:
    """The allow-list names edges without line numbers, so editing a file keeps it valid."""
    return line.split("  (")[0]

def main(argv: list[str]) -> int:
    found = violations()
    if "--all" in argv:
        print("\n".join(found))
        return 0
    allowed = {
        line.strip() for line in ALLOW.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    } if ALLOW.is_file() else set()
    new = [v for v in found if _key(v) not in allowed]
    gone = sorted(allowed - {_key(v) for v in found})
    for v in new:
        print(f"layers: not allowed: {v}")
    for v in gone:
        print(f"layers: fixed, remove from tools/layers_allow.txt: {v}")
    return 1 if new or gone else 0

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
