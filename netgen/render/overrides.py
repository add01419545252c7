"""Checks of a user's override templates, which netgen's own tests never ran.

The build path does not parse YAML (templates print it directly, for speed), so a house
template that prints broken YAML would otherwise reach the cluster. Only documents
rendered by an OVERRIDDEN template are parsed, with PyYAML's C loader when present; an
error names the override file and the template line that printed the offending output.
"""

from __future__ import annotations

import bisect
from typing import Any

import jinja2

# Where each checked field is printed, to point at the template line that printed it.
_FIELD_PREFIX = {"apiVersion": "apiVersion:", "kind": "kind:", "name": "  name:",
                 "namespace": "  namespace:"}


class OverrideProblem(Exception):
    def __init__(self, line: int | None, message: str) -> None:
        self.line, self.message = line, message
        super().__init__(message)


def check_output(
    template: jinja2.Template,
    context: dict[str, Any],
    text: str,
    expected: dict[str, Any],
) -> None:
    """`text` must be one YAML mapping with the apiVersion, kind and metadata netgen asked
    for: file names, the Kustomization and other backends rely on them."""
    import yaml  # only overrides are checked: a build with netgen's templates never needs it

    lines = text.split("\n")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        docs = [d for d in yaml.load_all(text, Loader=loader) if d is not None]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        out_line = mark.line if mark is not None and mark.line < len(lines) else None
        problem = getattr(e, "problem", None) or str(e)
        shown = "" if out_line is None else (
            f" (output line {out_line + 1}: {lines[out_line].strip()!r})")
        raise OverrideProblem(
            origin(template, context, out_line), f"renders invalid YAML{shown}: {problem}"
        ) from None
    if len(docs) != 1:
        raise OverrideProblem(None, f"must render one YAML document, not {len(docs)}")
    doc = docs[0]
    if not isinstance(doc, dict):
        raise OverrideProblem(None, "must render a YAML mapping (apiVersion, kind, metadata)")
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    found = {"apiVersion": doc.get("apiVersion"), "kind": doc.get("kind"),
             "name": meta.get("name"), "namespace": meta.get("namespace")}
    for key, want in expected.items():
        if found[key] != want:
            out_line = next((i for i, line in enumerate(lines)
                             if line.startswith(_FIELD_PREFIX[key])), None)
            raise OverrideProblem(
                origin(template, context, out_line),
                f"renders {key} {found[key]!r} where netgen expects {want!r}; an override may "
                "add to an object, not rename or move it",
            )


def origin(
    template: jinja2.Template, context: dict[str, Any], out_line: int | None
) -> int | None:
    """The template line that printed output line `out_line` (0-based).

    The template is rendered again chunk by chunk (only on this error path, so the build
    pays nothing for it); each chunk's generator frame maps back to a template line through
    Jinja's debug info. A chunk of static template text may span several lines, so lines
    inside it are counted on; a printed value's lines all belong to its `{{ }}`."""
    if out_line is None:
        return None
    try:
        source = template.environment.loader.get_source(  # type: ignore[union-attr]
            template.environment, template.name or "")[0]
        gen = template.root_render_func(template.new_context(context))
        chunks = [(chunk, *_chunk_origin(gen, template, chunk)) for chunk in gen]
    except Exception:
        return None
    starts = [0, *(i + 1 for i, ch in enumerate(source) if ch == "\n")]
    line, touched, printed = 0, None, None
    for chunk, where, static in chunks:
        if static and where is not None:
            where = _static_line(chunk, where, source, starts)
        for i, piece in enumerate(chunk.split("\n")):
            if i:
                if line == out_line:
                    return printed or touched
                line += 1
            if line == out_line and piece and where is not None:
                here = where + i if static else where
                touched = touched or here
                if piece.strip():
                    printed = printed or here
    return printed or touched


def _static_line(chunk: str, line: int, source: str, starts: list[int]) -> int:
    """Template text is found in the source at or after the line Jinja's debug info names
    (which is the last marked line, so it can be early)."""
    found = source.find(chunk, starts[min(max(line, 1), len(starts)) - 1])
    return line if found == -1 else bisect.bisect_right(starts, found)


def _chunk_origin(gen: Any, template: jinja2.Template, chunk: str) -> tuple[int | None, bool]:
    """The innermost frame of this template (following `yield from` into blocks and
    macros): its template line, and whether the chunk is constant template text (one of
    the compiled code's constants) rather than a printed value."""
    found: tuple[int | None, bool] = (None, False)
    while gen is not None and getattr(gen, "gi_frame", None) is not None:
        frame = gen.gi_frame
        if frame.f_code.co_filename == template.filename:
            found = (template.get_corresponding_lineno(frame.f_lineno),
                     chunk in frame.f_code.co_consts)
        gen = getattr(gen, "gi_yieldfrom", None)
    return found
