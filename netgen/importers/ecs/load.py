"""Read a folder of AWS CLI JSON exports into `Exports`, or fail with every problem found.

Nothing is raised until all files have been read and cross-checked, so one run tells the
user everything that is wrong with their export, each with its file and JSON path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import yaml

from netgen.importers.appmesh.load import is_appmesh
from netgen.importers.ecs.convert import CONVERTER, error_paths
from netgen.importers.ecs.exports import Exports
from netgen.importers.ecs.kinds import KINDS, PAGINATION_KEYS, Kind
from netgen.importers.ecs.problems import ExportError, Finding, Problem, Source, at
from netgen.importers.ecs.references import check_references

MAX_FILE_BYTES = 50 * 1024 * 1024
"""Real exports are a few MB at most; a bigger file is a mistake and would only be slow."""

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
SUFFIXES = (".json", ".yaml", ".yml", ".tfstate", ".template")
"""Files read from an export folder: CLI output (JSON, or YAML with `--output yaml`), and
files of other tools (CloudFormation templates, Terraform state), recognised and named."""


def load_exports(folder: Path, *, max_bytes: int = MAX_FILE_BYTES) -> Exports:
    """Load every export file under `folder` (`*.json`, AWS CLI `--output yaml` files and
    whatever else is recognisable, sorted so results are reproducible). A folder without
    an ECS service or task definition is a problem naming what it holds instead."""
    folder = Path(folder)
    if not folder.is_dir():
        what = ("not a folder: give the folder the exports were saved in"
                if folder.exists() else "no such folder")
        raise ExportError.of([Problem(str(folder), "$", what)])
    documents: dict[str, bytes] = {}
    problems: list[Problem] = []
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES)
    for path in paths:
        name = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in Path(name).parts) or not path.is_file():
            continue
        size = path.stat().st_size
        if size > max_bytes:
            problems.append(_too_big(name, size, max_bytes))
            continue
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # the file may have grown since stat()
        if len(data) > max_bytes:
            problems.append(_too_big(name, len(data), max_bytes))
            continue
        documents[name] = data
    if not documents and not problems:
        others = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))[:8]
        found = f" (it holds: {', '.join(others)})" if others else " (it is empty)"
        raise ExportError.of([Problem(str(folder), "$", "no AWS CLI export files (*.json, "
                                      f"*.yaml) found{found}; see docs/migration.md")])
    exports = _parse(documents, problems)
    if not exports.services and not exports.task_definitions:
        raise ExportError.of([Problem(str(folder), "$", _nothing_importable(exports))])
    return exports


def _nothing_importable(exports: Exports) -> str:
    """What the folder holds, by file, when none of it is an ECS service or task
    definition: the blueprint would be empty."""
    found = [f"{at(f).file} ({_what(f)})" for f in exports.findings
             if f.code in ("unknown-file", "other-format")]
    counts = {name: len(getattr(exports, name)) for name in _Builder.collections}
    found += [f"{n} {name.replace('_', ' ')}" for name, n in counts.items() if n]
    listed = "; ".join(found[:12]) + ("; ..." if len(found) > 12 else "")
    return ("nothing to import: no ECS service (aws ecs describe-services) or task definition "
            "(describe-task-definition, or a task-definition.json file) in the folder"
            + (f"; found: {listed}" if listed else ""))


def _what(finding: Finding) -> str:
    return finding.message.split(";", 1)[0]


def _too_big(name: str, size: int, limit: int) -> Problem:
    return Problem(
        name, "$", f"file is {size} bytes, over the {limit}-byte limit; is this really CLI output?"
    )


def parse_exports(documents: Mapping[str, bytes]) -> Exports:
    """Like `load_exports`, for documents already in memory (file name → raw bytes)."""
    return _parse(documents, [])


def _parse(documents: Mapping[str, bytes], problems: list[Problem]) -> Exports:
    builder = _Builder()
    builder.problems.extend(problems)
    unread = bool(problems)
    for name in sorted(documents):
        doc = _parse_json(name, documents[name], builder.problems)
        if doc is None:
            unread = True
        else:
            builder.add_document(name, doc)
    exports = builder.build()
    # A file that could not be read at all may have held anything: skip dangling-reference
    # checks then, rather than blame other files for what is really one unreadable file.
    broken = set(_Builder.collections) if unread else builder.broken_collections
    dangling, findings = check_references(exports, broken=broken)
    if builder.problems or dangling:
        # Stable sort: by file, and within a file in the order they were found.
        raise ExportError.of(sorted(builder.problems + dangling, key=lambda p: at(p).file))
    return attrs.evolve(exports, findings=exports.findings + tuple(findings))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _encoding(data: bytes) -> str:
    """From the byte order mark; UTF-16 without one (PowerShell's `Out-File -Encoding
    Unicode` writes a BOM, some editors do not) shows as a zero byte beside each ASCII one."""
    found = next((enc for bom, enc in _BOMS if data.startswith(bom)), None)
    if found is not None:
        return found
    if len(data) >= 2 and data[0] != 0 and data[1] == 0:
        return "utf-16-le"
    if len(data) >= 2 and data[0] == 0 and data[1] != 0:
        return "utf-16-be"
    return "utf-8"


def _parse_json(name: str, data: bytes, problems: list[Problem]) -> Any | None:
    if not data.strip(b" \t\r\n\x00"):
        problems.append(Problem(name, "$", "file is empty (did the aws command fail?)"))
        return None
    encoding = _encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, "$", f"not {encoding} text (byte {exc.start})"))
        return None
    if not name.lower().endswith(".json") and not text.lstrip().startswith(("{", "[")):
        return _parse_yaml(name, text, problems)
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        message = f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        problems.append(Problem(name, "$", message, exc.lineno, exc.colno))
    except RecursionError:
        problems.append(Problem(name, "$", "malformed JSON: nested too deeply"))
    except ValueError as exc:  # NaN/Infinity, or an integer with too many digits
        problems.append(Problem(name, "$", f"malformed JSON: {exc}"))
    else:
        found = _not_text(doc)
        if found is None:
            return doc
        problems.append(Problem(name, found[0], f"the string holds {found[1]}, which is not "
                                "text (a corrupted export?); it could not be written into "
                                "a blueprint"))
    return None


_NOT_TEXT = re.compile("[\0\ud800-\udfff]")


def _not_text(doc: Any) -> tuple[str, str] | None:
    """(JSON path, what) of the first string (or key) holding a NUL or a lone surrogate
    (`\\udcff` escapes): neither can be written into Python source or YAML. Iterative:
    the document may be as deep as the JSON parser allows."""
    stack: list[tuple[str, Any]] = [("$", doc)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            bad = _NOT_TEXT.search(value)
            if bad:
                ch = bad.group()
                return path, "a NUL character" if ch == "\0" else \
                    f"the lone surrogate U+{ord(ch):04X}"
        elif isinstance(value, dict):
            for key in reversed(list(value)):
                stack.append((f"{path}.{key}", value[key]))
                stack.append((f"{path} (a key)", key))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(value))))
    return None


def _parse_yaml(name: str, text: str, problems: list[Problem]) -> Any | None:
    """AWS CLI `--output yaml`; a CloudFormation template (whose `!Ref` tags no plain
    YAML loader reads) is recognised by its markers and reported as what it is."""
    if "AWSTemplateFormatVersion" in text or _CFN_TYPE.search(text):
        return {"AWSTemplateFormatVersion": "(YAML)"}
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problems.append(Problem(name, "$", f"malformed YAML: {exc.problem}", line, column))
    except yaml.YAMLError as exc:
        problems.append(Problem(name, "$", f"malformed YAML: {exc}"))
    return None


_CFN_TYPE = re.compile(r"^\s*Type:\s*['\"]?AWS::", re.MULTILINE)


def without_nulls(value: Any) -> Any:
    """Console and SDK JSON spell absent fields as `null`; the CLI leaves them out. A
    `null` in a list is no absent field: it stays, so reading it is an error at its own
    index (dropped, it took a whole service away and moved every later index by one)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def other_format(doc: Any) -> str | None:
    """What a document that is not AWS CLI output is, when netgen can tell."""
    if not isinstance(doc, dict):
        return None
    resources = doc.get("Resources")
    if "AWSTemplateFormatVersion" in doc or (isinstance(resources, dict) and any(
            isinstance(r, dict) and str(r.get("Type", "")).startswith("AWS::")
            for r in resources.values())):
        return ("a CloudFormation template: netgen reads what AWS runs, not templates; "
                "deploy it and export with the AWS CLI (docs/migration.md)")
    if "terraform_version" in doc or ("lineage" in doc and "resources" in doc):
        return ("Terraform state: not read; export the running services with the AWS CLI "
                "(docs/migration.md)")
    tasks = doc.get("tasks")
    if isinstance(tasks, list) and any(isinstance(t, dict) and "taskArn" in t for t in tasks):
        return ("aws ecs describe-tasks output (running tasks): netgen needs their task "
                "definitions (describe-task-definition --task-definition <taskDefinitionArn>)")
    for key, command in _LISTINGS.items():
        if key in doc:
            return (f"a list of ARNs ({command}): netgen needs the descriptions; run the "
                    f"matching describe command (docs/migration.md)")
    return None


_LISTINGS = {"serviceArns": "aws ecs list-services",
             "taskDefinitionArns": "aws ecs list-task-definitions",
             "clusterArns": "aws ecs list-clusters", "taskArns": "aws ecs list-tasks",
             "taskDefinitionFamilies": "aws ecs list-task-definition-families"}


class _Builder:
    """Mutable accumulator; `Exports` itself stays frozen."""

    collections = tuple(
        f.name for f in attrs.fields(Exports) if f.name not in ("sources", "findings")
    )

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {name: {} for name in self.collections}
        self.sources: dict[str, Source] = {}
        self.findings: list[Finding] = []
        self.problems: list[Problem] = []
        self.broken_collections: set[str] = set()

    def add_document(self, name: str, doc: Any) -> None:
        doc = without_nulls(doc)
        kinds = [k for k in KINDS if isinstance(doc, dict) and k.key in doc]
        if not kinds and is_appmesh(doc):
            return  # read by netgen.importers.appmesh
        other = other_format(doc)
        if other is not None and not kinds:
            self.findings.append(Finding("other-format", other, name, "$"))
            return
        if not kinds:
            self.findings.append(Finding("unknown-file", _unknown(doc), name, "$"))
            return
        for key in PAGINATION_KEYS:
            if doc.get(key):
                self.findings.append(
                    Finding(
                        "truncated-listing",
                        f"output has {key}: the listing is incomplete; export without "
                        "--max-items so the CLI fetches every page",
                        name,
                        f"$.{key}",
                    )
                )
        for kind in kinds:
            self._add(name, doc, kind)

    def _add(self, name: str, doc: dict[str, Any], kind: Kind) -> None:
        try:
            parsed = CONVERTER.structure(doc, kind.file_type)
        except Exception as exc:
            self.broken_collections.add(kind.collection)
            for path, message in error_paths(exc):
                self.problems.append(Problem(name, path, message))
            return
            return
        for path, ident, obj in kind.items(parsed):
            self._keep(kind, name, path, ident, obj)
        for i, failure in enumerate(getattr(parsed, "failures", ())):
            self.findings.append(
                Finding(
                    "describe-failure",
                    f"{kind.command} could not describe {failure.arn}: {failure.reason}",
                    name,
                    f"$.failures[{i}]",
                )
            )

    def _keep(self, kind: Kind, name: str, path: str, ident: str, obj: Any) -> None:
        bucket = self.objects[kind.collection]
        if ident in bucket:
            if bucket[ident] != obj:
                first = self.sources[ident]
                self.findings.append(
                    Finding(
                        "duplicate-object",
                        f"{ident} is also in {first.file} at {first.json_path} with different "
                        "content; using that one",
                        name,
                        path,
                    )
                )
            return
        bucket[ident] = obj
        self.sources[ident] = Source(name, path)

    def build(self) -> Exports:
        return Exports(
            **self.objects,
            sources=self.sources,
            findings=tuple(self.findings),
        )


def _unknown(doc: Any) -> str:
    if isinstance(doc, dict):
        keys = ", ".join(sorted(map(str, doc))[:8]) or "none"
        return f"not a recognised AWS CLI export (top-level keys: {keys}); skipped"
    return f"not a recognised AWS CLI export (top level is {type(doc).__name__}); skipped"
