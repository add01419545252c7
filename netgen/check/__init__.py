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
from collections.abc import Generator, Iterable, Sequence
from pathlib import Path

from attrs import field, frozen

from netgen.check.locate import Locator
from netgen.check.schemas import NO_SCHEMA, SCHEMA_VIOLATION, UNPARSABLE, check_document, parse
from netgen.lint import RULE_BY_CODE, InlineIgnores, lint
from netgen.loader import DEFAULT_TIMEOUT, load_blueprint
from netgen.model import Blueprint, SourceLoc
from netgen.pipeline import (
    Stage,
    compile_plans,
    resolve_all,
    silent,
    template_dirs,
    worth_forking,
)
from netgen.plan import Plan
from netgen.problems import Loc, MessageError, ObjectLoc, Problem, ProblemError
from netgen.render import Renderer
from netgen.validate import (
    CoreSchemas,
    CrdIndex,
    CrdLoadError,
    UnsupportedKubernetesVersion,
    load_crds,
)
from netgen.validate.core import core_schemas
from netgen.validate.shipped import validate_environment
from netgen.workers import each

EXIT_CLEAN, EXIT_FAILED = 0, 1

BLUEPRINT_ERROR = "NG000"
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


class CheckUsageError(MessageError):
    """The command line asks for something impossible: exit code 2."""

    said_by = "netgen check"
    usage = True


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
        on_stage(f"rendering and validating {', '.join(p.env.name for p in plans)}")
        checked = each(plans, lambda p: _checked(bp, p, renderer, index, core), _agreed,
                       worth=worth_forking(bp, len(plans)))
    except ProblemError as e:
        return CheckReport(
            blueprint=str(path), kubernetes=core.version, environments=tuple(envs), documents=0,
            findings=tuple(_diagnostic(d) for d in e.problems), strict=strict,
            crds=len(index) if index else 0,
        )
    warnings, suppressed = _lints(bp, plans, ignored)
    return CheckReport(
        blueprint=str(path),
        kubernetes=core.version,
        environments=tuple(p.env.name for p in plans),
        documents=sum(c.documents for c in checked),
        findings=(*(f for c in checked for f in c.findings), *warnings),
        strict=strict,
        suppressed=suppressed,
        crds=len(index) if index else 0,
        counts=_added(c.counts for c in checked),
        channels={p.env.name: c.channels for p, c in zip(plans, checked, strict=True)},
    )


@frozen
class _EnvChecked:
    """What checking one environment sends back from a worker: netgen's own values only."""

    documents: int
    findings: tuple[Problem, ...]
    counts: dict[str, int]  # documents checked against the core schemas and against CRDs
    channels: tuple[str, ...]  # the Gateway API channels the environment needs


def _checked(bp: Blueprint, plan: Plan, renderer: Renderer, index: CrdIndex | None,
             core: CoreSchemas) -> Generator[None, None, _EnvChecked]:
    """One environment rendered, parsed and validated (`netgen.workers.each`: in a forked
    process when the blueprint is big enough)."""
    (c,) = compile_plans([plan], renderer)
    locate = Locator(bp, plan)
    parsed = [(doc, *parse(doc.text)) for doc in c.documents]
    valid = [(doc, d) for doc, d, problem in parsed if problem is None]
    checked, needs = validate_environment([d for _, d in valid], index, core)
    verdicts = {id(doc): v for (doc, _), v in zip(valid, checked, strict=True)}
    findings: list[Problem] = []
    counts: dict[str, int] = {"core": 0, "crd": 0}
    for doc, _, problem in parsed:
        findings += check_document(plan, doc, renderer, problem, verdicts.get(id(doc)),
                                    locate, counts)
    findings += [finding("error", CHANNEL_CONFLICT, str(n), file=bp.path, env=plan.env.name)
                 for n in needs if n.channel is None]
    yield None  # nothing to agree on between the environments
    return _EnvChecked(len(c.documents), tuple(findings), counts,
                       tuple(str(n) for n in needs if n.channel is not None))


def _agreed(answers: list[None]) -> None:
    pass


def _added(counts: Iterable[dict[str, int]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for c in counts:
        for k, n in c.items():
            total[k] = total.get(k, 0) + n
    return total


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


__all__ = [
    "CHECK_RULES",
    "NO_SCHEMA",
    "SCHEMA_VIOLATION",
    "UNPARSABLE",
    "CheckReport",
    "CheckUsageError",
    "finding",
    "run_check",
]
