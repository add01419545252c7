"""The CRD schemas shipped with netgen (a target's own bundles in its `schemas/`, the ones no
target owns in netgen/schemas): every bundle names its upstream, release and licence, every
indexed kind has its file, every kind a target emits is served by a bundle it declares, and
tools/make_schemas.py makes that form (run here on a small CRD folder in a temporary
directory, never on the shared folder)."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from netgen.targets.base import Backend
from netgen.targets.registry import REGISTRY
from netgen.validate.core import core_schemas
from netgen.validate.shipped import SCHEMAS, schema_folders, shipped_bundles
from tests.conftest import EXAMPLES, REPO, build

EMITTED = {  # (apiVersion, kind) netgen's backends emit, whatever the settings
    ("gateway.networking.k8s.io/v1", "GatewayClass"), ("gateway.networking.k8s.io/v1", "Gateway"),
    ("gateway.networking.k8s.io/v1", "HTTPRoute"), ("gateway.networking.k8s.io/v1", "GRPCRoute"),
    ("gateway.networking.k8s.io/v1", "TCPRoute"),
    ("gateway.networking.k8s.io/v1alpha2", "TCPRoute"),
    ("networking.istio.io/v1", "VirtualService"), ("networking.istio.io/v1", "DestinationRule"),
    ("networking.istio.io/v1", "Gateway"), ("networking.istio.io/v1", "ServiceEntry"),
    ("security.istio.io/v1", "AuthorizationPolicy"), ("security.istio.io/v1", "PeerAuthentication"),
}


def test_every_bundle_records_its_upstream_and_licence() -> None:
    names = []
    for home in schema_folders():
        index = json.loads((home / "index.json").read_text())
        for name, bundle in index["bundles"].items():
            names.append(name)
            assert bundle["upstream"].startswith("https://github.com/"), name
            assert bundle["version"] and bundle["licence"] == "Apache-2.0", name
            assert "Apache License" in (home / bundle["licence_file"]).read_text()[:200], name
            for group, version, kind, _, file in bundle["kinds"]:
                data = json.loads((home / name / file).read_text())
                assert (data["group"], data["kind"]) == (group, kind)
                assert version in data["versions"]
    assert len(names) == len(set(names)) >= 10
    assert sorted(names) == sorted(b.name for b in shipped_bundles())


def package(backend: Backend) -> str:
    """The target package a backend belongs to: `istio` for netgen.targets.istio.lower."""
    return backend.lower.__module__.split(".")[2]


def test_a_target_owns_only_bundles_it_declares_and_declares_only_shipped_ones() -> None:
    declared: dict[str, set[str]] = {}
    for b in REGISTRY.backends:
        declared.setdefault(package(b), set()).update(b.crds)
    shipped = {b.name for b in shipped_bundles()}
    assert set(REGISTRY.crds()) <= shipped
    for b in shipped_bundles():
        owner = b.folder.parent.parent.name if b.folder.parent != SCHEMAS else None
        if owner is None:  # no target emits its kinds
            assert all(b.name not in names for names in declared.values()), b.name
        else:
            assert b.name in declared[owner], f"{owner} owns {b.name} without declaring it"
    assert {"aws_alb", "gateway_api", "istio", "linkerd"} <= {
        f.parent.name for f in REGISTRY.schema_folders}


def test_every_kind_a_target_emits_is_served_by_a_bundle_it_declares() -> None:
    """What the examples emit (the documents out/ holds), each attributed to the target whose
    template wrote it: a custom resource must be served by one of that target's bundles, so
    `netgen check` validates it with no flags and the target says which CRDs it needs."""
    declared: dict[str, set[str]] = {}
    for b in REGISTRY.backends:
        declared.setdefault(package(b), set()).update(b.crds)
    bundles = {b.name: b for b in shipped_bundles()}
    emitted = {(d.template.split("/")[0], d.api_version, d.kind)
               for example in EXAMPLES for compiled in build(example) for d in compiled.documents}
    core = core_schemas()
    custom = {e for e in emitted if core.validator(e[1], e[2]) is None}
    uncovered = [e for e in sorted(custom) if not any(
        bundles[n].index.serves(e[1], e[2]) for n in declared.get(e[0], ()))]
    assert not uncovered, f"kinds no bundle of their target serves: {uncovered}"
    assert {t for t, _, _ in custom} == {"gateway_api", "istio", "linkerd"}


def test_every_kind_netgen_emits_is_shipped() -> None:
    served = {(f"{v.api_version}", v.kind) for b in shipped_bundles() for v in b.index}
    assert served >= EMITTED


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_schemas",
                                                  REPO / "tools" / "make_schemas.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_schemas_compacts_served_versions(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    script = _script()
    upstream = tmp_path / "crds" / "widgets-v1"
    upstream.mkdir(parents=True)
    shutil.copy(REPO / "tests" / "validate" / "fixtures" / "crds" / "widgets.yaml", upstream)
    (upstream / "LICENSE").write_text("Apache License\n")
    (upstream / "PROVENANCE.md").write_text("- Commit: `" + "a" * 40 + "`\n")
    owned = tmp_path / "crds" / "gadgets-v2"  # no LICENSE: the Apache-2.0 text goes beside it
    owned.mkdir()
    shutil.copy(upstream / "widgets.yaml", owned)
    monkeypatch.setattr(script, "BUNDLES", [
        script.Upstream("widgets-v1", "widgets-v1", "https://github.com/example/widgets", "v1",
                        "Widgets", None),
        script.Upstream("gadgets-v2", "gadgets-v2", "https://github.com/example/gadgets", "v2",
                        "Gadgets", None, "gadget")])
    out = tmp_path / "out"
    stale = out / "schemas" / "widgets-v0"
    stale.mkdir(parents=True)
    assert script.main(["--crds", str(tmp_path / "crds"), "--out", str(out)]) == 0
    assert not stale.exists()
    index = json.loads((out / "schemas" / "index.json").read_text())
    bundle = index["bundles"]["widgets-v1"]
    assert bundle["commit"] == "a" * 40 and bundle["licence_file"] == "widgets-v1/LICENSE"
    assert bundle["kinds"] == [["example.netgen.dev", "v1", "Widget", "Namespaced",
                                "example.netgen.dev_widgets.json"]]  # v1beta1 is not served
    data = json.loads((out / "schemas" / "widgets-v1" / bundle["kinds"][0][4]).read_text())
    spec = data["versions"]["v1"]["properties"]["spec"]
    assert spec["x-kubernetes-validations"][0]["rule"] == "self.size <= self.maxSize"
    home = out / "targets" / "gadget" / "schemas"  # a target's bundle lives in its package
    gadgets = json.loads((home / "index.json").read_text())["bundles"]
    assert list(gadgets) == ["gadgets-v2"]
    assert gadgets["gadgets-v2"]["licence_file"] == "LICENSE-Apache-2.0"
    assert (home / "LICENSE-Apache-2.0").read_text() == "Apache License\n"
    assert (home / "gadgets-v2" / "example.netgen.dev_widgets.json").is_file()
    assert not (out / "schemas" / "LICENSE-Apache-2.0").exists()


def test_compact_drops_documentation_but_keeps_a_property_named_description() -> None:
    script = _script()
    schema = {"description": "doc", "type": "object", "properties": {
        "description": {"type": "string", "description": "the field's doc"}}}
    assert script.compact(schema) == {"type": "object",
                                      "properties": {"description": {"type": "string"}}}
