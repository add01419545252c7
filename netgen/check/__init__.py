"""`netgen check`: build in memory, then prove every document would be accepted.

Nothing is written. Each rendered document is parsed (a template that prints broken YAML is
an error naming the template), validated offline as an API server would (built-in kinds
against the strict Kubernetes schemas, custom resources against the CRDs given with --crds,
else the ones shipped with netgen; a kind with no schema is an error, never a pass), and the
Plans are linted (`netgen.lint`). For Gateway API, whose standard and experimental channels
cannot be installed together, the report says which channel each environment needs, and an
environment that needs both is an error.

The result is a `CheckReport` of `netgen.problems.Problem`s; `netgen.check.formats` prints
it for people, for scripts (JSON) and for code-scanning UIs (SARIF). Only the CLI turns it
into an exit code.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from attrs import field, frozen

from netgen.lint import RULE_BY_CODE, InlineIgnores, lint
from netgen.loader import DEFAULT_TIMEOUT, load_blueprint
from netgen.model import Blueprint, SourceLoc
from netgen.output.layout import file_name
from netgen.pipeline import Stage, compile_plans, resolve_all, silent, template_dirs
from netgen.plan import Plan
from netgen.problems import Loc, ObjectLoc, Problem, ProblemError
from netgen.render import Document, Renderer
from netgen.resolve import environments
from netgen.validate import (
    CoreSchemas,
    CrdIndex,
    CrdLoadError,
    UnsupportedKubernetesVersion,
    load_crds,
)
from netgen.validate.core import core_schemas
from netgen.validate.shipped import Checked, validate_environment

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

EXIT_CLEAN, EXIT_FAILED = 0, 1

BLUEPRINT_ERROR = "NG000"
UNPARSABLE = "NG010"
SCHEMA_VIOLATION = "NG020"
NO_SCHEMA = "NG021"
CHANNEL_CONFLICT = "NG022"

# code -> (slug, one-line rationale); the lint rules are in netgen.lint.RULES.
CHECK_RULES: dict[str, tuple[str, str]] = {
    BLUEPRINT_ERROR: ("blueprint-error",
                      "The blueprint does not compile; `netgen build` would write nothing."),
    UNPARSABLE: ("document-does-not-parse",
                 "A template rendered text that is not one YAML mapping (a template bug, "
                 "often in an override)."),
    SCHEMA_VIOLATION: ("schema-violation",
                       "The API server would reject the document: it breaks the kind's schema "
                       "or a CEL rule of its CRD."),
    NO_SCHEMA: ("no-schema",
                "No schema for the kind: not built into this Kubernetes version, not a CRD "
                "shipped with netgen nor given with --crds; an unchecked document must not "
                "pass."),
    CHANNEL_CONFLICT: ("crd-channel-conflict",
                       "One environment needs both the standard and the experimental channel "
                       "of Gateway API, and a cluster has one of them."),
}


class CheckUsageError(Exception):
    """The command line asks for something impossible: exit code 2."""


def finding(
    severity: str,
    code: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    env: str | None = None,
    kind: str | None = None,
    name: str | None = None,
    namespace: str | None = None,
    path: str | None = None,
    output: str | None = None,
) -> Problem:
    """A check finding is a `Problem`: at the blueprint declaration (or template) it is
    about, when known; a document finding's `ObjectLoc` also names the object and the
    `output` file (`<env>/<File>`, as `netgen build` would write it)."""
    source = SourceLoc(file, line or 0) if file is not None else None
    loc: Loc | None = source
    if output is not None:
        loc = ObjectLoc(kind, name, namespace, path, output, source)
    return Problem(message, loc, severity, code, env)


@frozen
class CheckReport:
    blueprint: str
    kubernetes: str
    environments: tuple[str, ...]
    documents: int
    findings: tuple[Problem, ...]
    strict: bool = False
    suppressed: int = 0
    crds: int = 0
    counts: dict[str, int] = field(factory=dict)  # documents by schema: core, crd, none
    # environment -> the CRD channels it needs ("Gateway API v1.6.1 standard channel")
    channels: dict[str, tuple[str, ...]] = field(factory=dict)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def exit_code(self) -> int:
        failed = self.errors or (self.strict and self.warnings)
        return EXIT_FAILED if failed else EXIT_CLEAN


def run_check(
    path: str | os.PathLike[str],
    *,
    envs: Sequence[str] = (),
    templates: Sequence[Path] = (),
    crds: Sequence[str | os.PathLike[str]] = (),
    k8s_version: str | None = None,
    strict: bool = False,
    ignore: Sequence[str] = (),
    timeout: float | None = DEFAULT_TIMEOUT,
    on_stage: Stage = silent,
) -> CheckReport:
    """Compile, parse, validate and lint; raises CheckUsageError for impossible options."""
    core, index, ignored = _options(crds, k8s_version, ignore)
    try:
        bp = load_blueprint(path, timeout=timeout)
        on_stage("resolving")
        plans = resolve_all(bp, list(envs))
        renderer = Renderer(template_dirs(bp, templates))
        compiled = compile_plans(plans, renderer, on_stage)
    except ProblemError as e:
        return CheckReport(
            blueprint=str(path), kubernetes=core.version, environments=tuple(envs), documents=0,
            findings=tuple(_diagnostic(d) for d in e.problems), strict=strict,
            crds=len(index) if index else 0,
        )
    findings: list[Problem] = []
    counts: dict[str, int] = {"core": 0, "crd": 0}
    channels: dict[str, tuple[str, ...]] = {}
    for c in compiled:
        on_stage(f"validating {c.plan.env.name}")
        locate = _Locator(bp, c.plan)
        parsed = [(doc, *_parse(doc.text)) for doc in c.documents]
        valid = [(doc, d) for doc, d, problem in parsed if problem is None]
        checked, needs = validate_environment([d for _, d in valid], index, core)
        verdicts = {id(doc): v for (doc, _), v in zip(valid, checked, strict=True)}
        for doc, _, problem in parsed:
            findings += _check_document(c.plan, doc, renderer, problem, verdicts.get(id(doc)),
                                        locate, counts)
        channels[c.plan.env.name] = tuple(str(n) for n in needs if n.channel is not None)
        findings += [finding("error", CHANNEL_CONFLICT, str(n), file=bp.path,
                             env=c.plan.env.name) for n in needs if n.channel is None]
    warnings, suppressed = _lints(bp, [c.plan for c in compiled], ignored)
    return CheckReport(
        blueprint=str(path),
        kubernetes=core.version,
        environments=tuple(c.plan.env.name for c in compiled),
        documents=sum(len(c.documents) for c in compiled),
        findings=tuple(findings + warnings),
        strict=strict,
        suppressed=suppressed,
        crds=len(index) if index else 0,
        counts=counts,
        channels=channels,
    )


def _options(
    crds: Sequence[str | os.PathLike[str]], k8s_version: str | None, ignore: Sequence[str]
) -> tuple[CoreSchemas, CrdIndex | None, frozenset[str]]:
    try:
        core = core_schemas(k8s_version)
    except UnsupportedKubernetesVersion as e:
        raise CheckUsageError(f"--k8s-version: {e}") from None
    try:
        index = load_crds(*crds) if crds else None
    except CrdLoadError as e:
        raise CheckUsageError(f"--crds: {e}") from None
    codes = frozenset(c.strip().upper() for c in ignore)
    unknown = sorted(codes - set(RULE_BY_CODE))
    if unknown:
        raise CheckUsageError(f"--ignore: {', '.join(unknown)} is not a lint rule (only "
                              f"warnings can be ignored: {', '.join(RULE_BY_CODE)})")
    return core, index, codes


def _diagnostic(d: Problem) -> Problem:
    """Blueprint problems keep their place; a line of 0 means "no line" as in lints."""
    loc = d.source
    return finding(d.severity, d.code, d.message, file=loc.file if loc else None,
                   line=loc.line if loc and loc.line > 0 else None)


def _check_document(
    plan: Plan,
    doc: Document,
    renderer: Renderer,
    problem: str | None,
    verdict: Checked | None,
    locate: _Locator,
    counts: dict[str, int],
) -> Iterator[Problem]:
    env = plan.env.name
    output = f"{env}/{file_name(doc, plan.env.namespace)}"
    if problem is not None or verdict is None:
        template = renderer.shown(doc.template) if doc.template else "<no template>"
        yield finding("error", UNPARSABLE, f"template {template} rendered {problem}",
                      file=template, env=env, kind=doc.kind, name=doc.name,
                      namespace=doc.namespace, output=output)
        return
    source, problems = verdict.source, verdict.problems
    counts[source] = counts.get(source, 0) + 1
    loc = locate(doc.kind, doc.name) if problems else None  # only then: it scans names
    for p in problems:
        yield finding(
            "error", NO_SCHEMA if source == "none" and not p.path else SCHEMA_VIOLATION,
            p.message, file=loc.file if loc else plan.source, line=loc.line if loc else None,
            env=env, kind=p.kind or doc.kind, name=p.name or doc.name,
            namespace=p.namespace or doc.namespace, path=p.path or None, output=output,
        )


def _parse(text: str) -> tuple[dict[str, Any], str | None]:
    """The one mapping a template must print, or what is wrong with the text."""
    try:
        docs = [d for d in yaml.load_all(text, Loader=_LOADER) if d is not None]
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


def _lints(
    bp: Blueprint, plans: list[Plan], ignored: frozenset[str]
) -> tuple[list[Problem], int]:
    inline = InlineIgnores()
    kept: list[Problem] = []
    suppressed = 0
    items = sorted(lint(bp, plans), key=lambda x: (x.source is None,
                                                   x.source or SourceLoc("", 0), x.code))
    for item in items:
        loc = item.source
        if item.code in ignored or inline.ignored(loc, item.code):
            suppressed += 1
            continue
        kept.append(finding(
            "warning", item.code, item.message,
            file=loc.file if loc else bp.path,
            line=loc.line if loc and loc.line > 0 else None, env=item.env,
        ))
    return kept, suppressed


class _Locator:
    """Which declaration an object came from, for pointing schema errors at the blueprint.

    Backends do not record it, so we match names: workloads and Services by their exact
    name, other objects by their route's name, and derived names (`web-lb`, `web-nodeport`,
    `web-canary`) by the longest route, then service or external, name they start with.
    Ambiguous names locate nothing.
    """

    def __init__(self, bp: Blueprint, plan: Plan) -> None:
        self.workloads = {w.name: w.loc for w in plan.workloads}
        self.services: dict[str, set[SourceLoc]] = {}
        for s in plan.services:
            names = [s.name, *(v.service_name for v in s.versions)]
            names += [s.headless_name] if s.headless_name else []
            for n in names:
                self.services.setdefault(n, set()).add(s.loc)
        for x in plan.externals:
            self.services.setdefault(x.name, set()).add(x.loc)
        self.routes: dict[str, set[SourceLoc]] = {}
        for r in plan.routes:
            self.routes.setdefault(r.name, set()).add(r.loc)
        self.env_loc = next((e.loc for e in environments(bp) if e.name == plan.env.name
                             and e.loc.line > 0), None)
        self.namespace = plan.env.namespace

    def __call__(self, kind: str, name: str) -> SourceLoc | None:
        if kind == "Namespace":
            return self.env_loc if name == self.namespace else None
        if kind in ("Deployment", "StatefulSet") and name in self.workloads:
            return self.workloads[name]
        order = (
            ((self.services, False), (self.routes, True), (self.services, True))
            if kind == "Service" else
            ((self.routes, False), (self.routes, True), (self.services, False),
             (self.services, True))
        )
        for table, by_prefix in order:
            key = _longest_prefix(name, table) if by_prefix else name
            if key in table:
                return _one(table[key])
        return None


def _longest_prefix(name: str, table: dict[str, set[SourceLoc]]) -> str | None:
    return max((n for n in table if name.startswith(n + "-")), key=len, default=None)


def _one(locs: set[SourceLoc]) -> SourceLoc | None:
    return next(iter(locs)) if len(locs) == 1 else None


__all__ = [
    "CHECK_RULES",
    "CheckReport",
    "CheckUsageError",
    "finding",
    "run_check",
]
