"""Printing a `CheckReport`: gcc-style text for people, JSON for scripts, SARIF 2.1.0 for
code-scanning UIs (GitHub, GitLab, VS Code's SARIF viewer).

The JSON structure is a public interface (docs/check.md): keys are only ever added.
"""

from __future__ import annotations

import json
import os
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from netgen._version import __version__
from netgen.check import CHECK_RULES, NO_SCHEMA, CheckReport
from netgen.lint import RULE_BY_CODE, RULES
from netgen.problems import ObjectLoc, Problem, plural

JSON_FORMAT_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(report: CheckReport, fmt: str) -> str:
    return {"text": render_text, "json": render_json, "sarif": render_sarif}[fmt](report)


# --- text -------------------------------------------------------------------------------


def to_json(f: Problem) -> dict[str, Any]:
    """The JSON fields of one finding (docs/check.md); a line of 0 is "no line"."""
    obj = f.loc if isinstance(f.loc, ObjectLoc) else None
    src = f.source
    return {
        "severity": f.severity, "code": f.code, "message": f.message,
        "file": src.file if src else None, "line": src.line if src and src.line > 0 else None,
        "env": f.env, "kind": obj.kind if obj else None, "name": obj.name if obj else None,
        "namespace": obj.namespace if obj else None, "path": obj.path if obj else None,
        "output": obj.output if obj else None,
    }


def describe(f: Problem, envs_shown: bool = True, envs: list[str] | None = None) -> str:
    """One line: `<env>/<File>: <Kind> <ns>/<name>: <path>: <message>` for a document,
    `file:line: severity: message [CODE]` for the blueprint."""
    if isinstance(f.loc, ObjectLoc):
        return f"{f.loc}: {f.message}"
    src = f.source
    place = (f"{src.file}:{src.line}: " if src.file and src.line > 0 else
             f"{src.file}: " if src.file else "") if src else ""
    listed = envs if envs is not None else ([f.env] if f.env else [])
    suffix = f" (in {', '.join(listed)})" if envs_shown and listed else ""
    code = f" [{f.code}]" if f.code in RULE_BY_CODE else ""
    return f"{place}{f.severity}: {f.message}{suffix}{code}"


def render_text(report: CheckReport) -> str:
    """Lint findings that differ only by environment are printed once, naming them."""
    entries: list[Problem | tuple[Any, ...]] = []
    envs: dict[tuple[Any, ...], list[str]] = {}
    for f in report.findings:
        if isinstance(f.loc, ObjectLoc):
            entries.append(f)
            continue
        key = (f.severity, f.code, f.loc, f.message)
        if key not in envs:
            envs[key] = []
            entries.append(key)
        if f.env:
            envs[key].append(f.env)
    many = len(report.environments) > 1
    lines = []
    for entry in entries:
        if isinstance(entry, Problem):
            lines.append(describe(entry))
        else:
            severity, code, loc, message = entry
            lines.append(describe(Problem(message, loc, severity, code), many, envs[entry]))
    lines += channel_lines(report)
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def channel_lines(report: CheckReport) -> list[str]:
    """Which CRD release channel each environment's output needs (Gateway API)."""
    return [f"netgen check: {env} needs the {need}"
            for env, needs in report.channels.items() for need in needs]


def summary(report: CheckReport) -> str:
    counts = f"{plural(report.errors, 'error')}, {plural(report.warnings, 'warning')}"
    if report.suppressed:
        counts += f" ({report.suppressed} ignored)"
    if report.strict and report.warnings:
        counts += "; --strict: warnings fail the check"
    if any(f.code == NO_SCHEMA for f in report.findings):
        counts += "; give the CRDs of other custom resources with --crds DIR"
    if not report.documents:
        return f"netgen check: {report.blueprint}: {counts}; nothing was validated"
    schemas = f"Kubernetes {report.kubernetes}"
    if report.counts.get("crd"):
        schemas += " and the CRDs shipped with netgen"
    if report.crds:
        schemas += f" and {plural(report.crds, 'CRD version')} given"
    envs = ", ".join(report.environments)
    return (f"netgen check: {report.blueprint} ({envs}): {plural(report.documents, 'document')}"
            f" checked against {schemas}: {counts}")


# --- JSON -------------------------------------------------------------------------------


def render_json(report: CheckReport) -> str:
    out = {
        "format": "netgen-check",
        "version": JSON_FORMAT_VERSION,
        "netgen": __version__,
        "blueprint": report.blueprint,
        "kubernetes": report.kubernetes,
        "environments": list(report.environments),
        "documents": report.documents,
        "crd_versions": report.crds,
        "crd_channels": {env: list(needs) for env, needs in report.channels.items()},
        "strict": report.strict,
        "summary": {"errors": report.errors, "warnings": report.warnings,
                    "ignored": report.suppressed},
        "exit_code": report.exit_code,
        "findings": [to_json(f) for f in report.findings],
    }
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"


# --- SARIF ------------------------------------------------------------------------------


def _uri(path: str) -> str:
    """SARIF wants URI references: relative paths stay relative (code scanning resolves
    them against the repository), absolute ones become file:// URIs."""
    if os.path.isabs(path):
        return PurePath(os.path.normpath(path)).as_uri()
    return quote(PurePath(path).as_posix())


def _rules(report: CheckReport) -> list[dict[str, Any]]:
    known: dict[str, tuple[str, str, str]] = {
        code: (slug, text, "error") for code, (slug, text) in CHECK_RULES.items()
    }
    known.update({r.code: (r.name, r.summary, "warning") for r in RULES})
    for f in report.findings:
        known.setdefault(f.code, (f.code.lower(), "A problem found by netgen.", f.severity))
    return [
        {
            "id": code,
            "name": slug,
            "shortDescription": {"text": text},
            "defaultConfiguration": {"level": level},
        }
        for code, (slug, text, level) in known.items()
    ]


def _result(f: Problem, report: CheckReport, rule_index: int) -> dict[str, Any]:
    fields = to_json(f)
    location: dict[str, Any] = {
        "artifactLocation": {"uri": _uri(fields["file"] or report.blueprint)}}
    if fields["line"]:
        location["region"] = {"startLine": fields["line"]}
    result: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": rule_index,
        "level": "error" if f.severity == "error" else "warning",
        "message": {"text": describe(f, envs_shown=True)},
        "locations": [{"physicalLocation": location}],
    }
    properties = {k: v for k, v in fields.items()
                  if k in ("env", "kind", "name", "namespace", "path", "output") and v}
    if properties:
        result["properties"] = properties
    return result


def render_sarif(report: CheckReport) -> str:
    rules = _rules(report)
    index = {r["id"]: i for i, r in enumerate(rules)}
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "netgen", "version": __version__, "rules": rules}},
            "invocations": [{"executionSuccessful": True, "exitCode": report.exit_code}],
            "results": [_result(f, report, index[f.code]) for f in report.findings],
        }],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
