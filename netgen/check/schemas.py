"""Each rendered document against its schema: the text must be one YAML mapping, and the
verdict of `netgen.validate` (core kinds, shipped or given CRDs, or no schema) becomes
findings pointed at the object, its output file and, when known, the declaration."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from netgen.check.locate import Locator
from netgen.check.yamlload import Loader
from netgen.model import SourceLoc
from netgen.output.layout import file_name
from netgen.plan import Plan
from netgen.problems import ObjectLoc, Problem
from netgen.render import Document, Renderer
from netgen.validate.shipped import Checked

UNPARSABLE = "NG010"
SCHEMA_VIOLATION = "NG020"
NO_SCHEMA = "NG021"


def check_document(
    plan: Plan,
    doc: Document,
    renderer: Renderer,
    problem: str | None,
    verdict: Checked | None,
    locate: Locator,
    counts: dict[str, int],
) -> Iterator[Problem]:
    env = plan.env.name
    output = f"{env}/{file_name(doc, plan.env.namespace)}"
    if problem is not None or verdict is None:
        template = renderer.shown(doc.template) if doc.template else "<no template>"
        at = ObjectLoc(doc.kind, doc.name, doc.namespace, None, output, SourceLoc(template, 0))
        yield Problem(f"template {template} rendered {problem}", at, "error", UNPARSABLE, env)
        return
    source, problems = verdict.source, verdict.problems
    counts[source] = counts.get(source, 0) + 1
    loc = locate(doc.kind, doc.name) if problems else None  # only then: it scans names
    for p in problems:
        file = loc.file if loc else plan.source
        o = p.loc if isinstance(p.loc, ObjectLoc) else ObjectLoc(None, None)
        at = ObjectLoc(o.kind or doc.kind, o.name or doc.name, o.namespace or doc.namespace,
                       o.path or None, output,
                       SourceLoc(file, loc.line if loc else 0) if file is not None else None)
        code = NO_SCHEMA if source == "none" and not o.path else SCHEMA_VIOLATION
        yield Problem(p.message, at, "error", code, env)


def parse(text: str) -> tuple[dict[str, Any], str | None]:
    """The one mapping a template must print, or what is wrong with the text."""
    try:
        docs = [d for d in yaml.load_all(text, Loader=Loader) if d is not None]
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1} of the document" if mark is not None else ""
        reason = getattr(e, "problem", None) or str(e)
        return {}, f"YAML that does not parse{at}: {reason}"
    if len(docs) != 1:
        return {}, f"{len(docs)} YAML documents instead of one"
    if not isinstance(docs[0], dict):
        return {}, f"a YAML {type(docs[0]).__name__}, not a mapping"
    return docs[0], None
