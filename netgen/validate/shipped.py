"""The CRD schemas shipped with netgen, and which release channel a set of documents needs.

A bundle is one upstream release (Gateway API v1.6.1 standard and experimental, Istio 1.30.3,
...): the served versions' schemas of every CRD, made by `tools/make_schemas.py` from the
unchanged upstream files. A target owns the bundles whose kinds it emits, in its package's
`schemas/` folder (the registry lists those folders); `netgen/schemas/` keeps the ones no
target owns (cert-manager, Envoy Gateway, ...: kinds a user's template overrides may add).
Each folder's `index.json` records its bundles' upstream repository, version, commit and
licence. A CRD's file is read the first time a document of its kind is validated, so
checking a blueprint reads only the kinds it emits.

Gateway API (and the Network Policy API) ship two channels whose CRDs cannot be installed
side by side: the experimental channel serves more versions (TCPRoute v1alpha2) and fields.
One environment's documents must all be accepted by one channel; `validate_environment`
picks the standard channel when it accepts them all, else the experimental one, and says
when no single channel serves every document.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path as FsPath
from typing import Any

from attrs import frozen

from netgen.problems import Problem
from netgen.validate.core import CoreSchemas
from netgen.validate.crd import CrdIndex, CrdVersion
from netgen.validate.problem import format_path, schema_problem

PACKAGE = FsPath(__file__).resolve().parent.parent
SCHEMAS = PACKAGE / "schemas"  # the bundles no target owns


@frozen
class Bundle:
    """One upstream release (one channel of it, where it has channels) of shipped CRDs."""

    name: str
    folder: FsPath  # its CRD files
    family: str
    channel: str | None
    version: str
    upstream: str
    commit: str | None
    licence: str
    licence_file: FsPath
    index: CrdIndex

    @property
    def title(self) -> str:
        channel = f" {self.channel} channel" if self.channel else ""
        return f"{self.family} {self.version}{channel}"


def _loader(folder: FsPath, file: str, version: str, source: str) -> Any:
    def load() -> CrdVersion:
        data = _crd_file(folder / file)
        crd = {"spec": {"group": data["group"], "names": {"kind": data["kind"]},
                        "scope": data["scope"]}}
        return CrdVersion(crd, {"name": version,
                                "schema": {"openAPIV3Schema": data["versions"][version]}},
                          source)

    return load


@functools.cache
def _crd_file(path: FsPath) -> dict[str, Any]:
    with path.open(encoding="utf-8") as stream:
        data: dict[str, Any] = json.load(stream)
    return data


def schema_folders() -> tuple[FsPath, ...]:
    """Every folder of bundles with its index.json: the targets' (from the registry), then
    the ones no target owns."""
    from netgen.targets.registry import REGISTRY

    return (*REGISTRY.schema_folders, SCHEMAS)


@functools.cache
def shipped_bundles() -> tuple[Bundle, ...]:
    """Every shipped bundle, by name, standard channels before experimental ones."""
    bundles = []
    for home in schema_folders():
        with (home / "index.json").open(encoding="utf-8") as stream:
            index = json.load(stream)
        for name, b in index["bundles"].items():
            folder = home / name
            source = folder.relative_to(PACKAGE.parent).as_posix()
            crds = CrdIndex()
            for group, version, kind, _scope, file in b["kinds"]:
                crds.add_pending((group, version, kind), _loader(folder, file, version, source))
            bundles.append(Bundle(name, folder, b["family"], b["channel"], b["version"],
                                  b["upstream"], b["commit"], b["licence"],
                                  home / b["licence_file"], crds))
    return tuple(sorted(bundles, key=lambda b: (b.channel == "experimental", b.name)))


def bundle_folder(name: str) -> FsPath:
    """Where the files of the shipped bundle `name` are (a target's schemas/, or
    netgen/schemas/)."""
    return _named(name)[0].folder


def _named(*names: str) -> list[Bundle]:
    bundles = {b.name: b for b in shipped_bundles()}
    unknown = [n for n in names if n not in bundles]
    if unknown:
        raise KeyError(f"no shipped bundle {', '.join(unknown)}; there are {', '.join(bundles)}")
    return [bundles[n] for n in names]


def shipped_index(*names: str) -> CrdIndex:
    """The named bundles (`gateway-api-v1.6.1-standard`, `istio-1.30.3`, ...) as one index."""
    index = CrdIndex()
    for bundle in _named(*names):
        for version in bundle.index:
            index.add(version)
    return index


def serving(api_version: str, kind: str) -> list[Bundle]:
    return [b for b in shipped_bundles() if b.index.serves(api_version, kind)]


def problems_against(doc: dict[str, Any], version: CrdVersion) -> list[Problem]:
    meta = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    return [schema_problem(str(doc.get("kind") or ""), str(meta.get("name", "")),
                           str(meta.get("namespace", "")), format_path(path), message)
            for path, message in version.validate(doc)]


def validate_shipped(doc: dict[str, Any]) -> list[Problem] | None:
    """Problems against the first shipped channel that accepts the document (or, if none
    does, against the first that serves its kind); None if no shipped CRD serves it."""
    found = None
    for bundle in serving(str(doc["apiVersion"]), str(doc["kind"])):
        version = bundle.index.lookup(str(doc["apiVersion"]), str(doc["kind"]))
        assert version is not None
        problems = problems_against(doc, version)
        if not problems:
            return []
        found = problems if found is None else found
    return found


@frozen
class ChannelNeed:
    """What one environment needs of a family with channels: `channel` is None when no
    single channel accepts all its documents (the environment cannot be applied)."""

    family: str
    version: str
    channel: str | None
    reasons: tuple[str, ...] = ()

    def __str__(self) -> str:
        what = f"{self.family} {self.version}"
        if self.channel is None:
            return (f"needs both the standard and the experimental channel of {what}, but a "
                    f"cluster has one of them: {'; '.join(self.reasons)}")
        why = f" ({'; '.join(self.reasons)})" if self.reasons else ""
        return f"{what} {self.channel} channel{why}"


@frozen
class Checked:
    """One document's verdict: where its schema came from ("crd", "core", "none",
    "invalid") and its problems."""

    source: str
    problems: tuple[Problem, ...]


def validate_environment(
    docs: Sequence[dict[str, Any]], crds: CrdIndex | None, core: CoreSchemas
) -> tuple[list[Checked], list[ChannelNeed]]:
    """Validate one environment's documents: CRDs given by the user first, then the shipped
    ones (one channel per family for the whole environment), then the built-in kinds."""
    from netgen.validate import validate_document  # the per-document rules live there

    results: list[Checked | None] = [None] * len(docs)
    families: dict[str, list[int]] = {}
    for i, doc in enumerate(docs):
        api_version, kind = doc.get("apiVersion"), doc.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str) or not kind:
            results[i] = Checked("invalid", tuple(validate_document(doc, crds, core)))
            continue
        if crds is not None and crds.lookup(api_version, kind) is not None:
            results[i] = Checked("crd", tuple(validate_document(doc, crds, core)))
            continue
        bundles = serving(api_version, kind)
        if bundles and bundles[0].channel is not None:
            families.setdefault(bundles[0].family, []).append(i)
        elif bundles:
            version = bundles[0].index.lookup(api_version, kind)
            assert version is not None
            results[i] = Checked("crd", tuple(problems_against(doc, version)))
        else:
            source = "core" if core.schema(api_version, kind) is not None else "none"
            results[i] = Checked(source, tuple(validate_document(doc, crds, core,
                                                                  shipped=False)))
    needs = [_choose_channel(family, [docs[i] for i in idxs], idxs, results)
             for family, idxs in families.items()]
    return [r for r in results if r is not None], needs


def _name(doc: dict[str, Any]) -> str:
    meta = doc.get("metadata") or {}
    where = f"{meta['namespace']}/" if meta.get("namespace") else ""
    return f"{doc['kind']} {where}{meta.get('name', '')} ({doc['apiVersion']})"


def _choose_channel(
    family: str, docs: list[dict[str, Any]], idxs: list[int], results: list[Checked | None]
) -> ChannelNeed:
    channels = [b for b in shipped_bundles() if b.family == family]
    tried: dict[str, tuple[Bundle, list[list[Problem]]]] = {}
    for bundle in channels:
        if not all(bundle.index.serves(d["apiVersion"], d["kind"]) for d in docs):
            continue
        found = [problems_against(d, bundle.index.lookup(d["apiVersion"], d["kind"]))  # type: ignore[arg-type]
                 for d in docs]
        tried[str(bundle.channel)] = (bundle, found)
        if not any(found):
            break
    clean = [c for c, (_, found) in tried.items() if not any(found)]
    if tried:
        channel = clean[0] if clean else next(iter(tried))
        bundle, found = tried[channel]
        for i, problems in zip(idxs, found, strict=True):
            results[i] = Checked("crd", tuple(problems))
        return ChannelNeed(family, bundle.version, channel,
                           tuple(_reasons(channels, bundle, docs, found)))
    only: list[str] = []
    for i, doc in zip(idxs, docs, strict=True):
        served = [b for b in channels if b.index.serves(doc["apiVersion"], doc["kind"])]
        version = served[0].index.lookup(doc["apiVersion"], doc["kind"])
        assert version is not None
        results[i] = Checked("crd", tuple(problems_against(doc, version)))
        if len(served) < len(channels):
            only.append(f"{_name(doc)} is served only by the {served[0].channel} channel")
    return ChannelNeed(family, channels[0].version, None, tuple(only))


def _reasons(channels: list[Bundle], chosen: Bundle, docs: list[dict[str, Any]],
             found: list[list[Problem]]) -> list[str]:
    """Why a channel other than the first (standard) one is needed."""
    if chosen is channels[0]:
        return []
    first = channels[0]
    out = []
    for doc, problems in zip(docs, found, strict=True):
        if not first.index.serves(doc["apiVersion"], doc["kind"]):
            out.append(f"{_name(doc)} is served only by the {chosen.channel} channel")
        elif not problems:
            version = first.index.lookup(doc["apiVersion"], doc["kind"])
            if version is not None and problems_against(doc, version):
                out.append(f"{_name(doc)} uses fields only the {chosen.channel} channel has")
    return out
