"""The CRD schemas shipped in netgen/schemas: every bundle names its upstream, release and
licence, every indexed kind has its file, and tools/make_schemas.py makes that form (run here
on a small CRD folder in a temporary directory, never on the shared folder)."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path
from types import ModuleType

import pytest

from netgen.validate.shipped import SCHEMAS, shipped_bundles
from tests.conftest import REPO

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
    index = json.loads((SCHEMAS / "index.json").read_text())
    assert len(index["bundles"]) >= 10
    for name, bundle in index["bundles"].items():
        assert bundle["upstream"].startswith("https://github.com/"), name
        assert bundle["version"] and bundle["licence"] == "Apache-2.0", name
        assert "Apache License" in (SCHEMAS / bundle["licence_file"]).read_text()[:200], name
        for group, version, kind, _, file in bundle["kinds"]:
            data = json.loads((SCHEMAS / name / file).read_text())
            assert (data["group"], data["kind"]) == (group, kind)
            assert version in data["versions"]


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
    monkeypatch.setattr(script, "BUNDLES", [("widgets-v1", "widgets-v1",
                                             "https://github.com/example/widgets", "v1",
                                             "Widgets", None)])
    assert script.main(["--crds", str(tmp_path / "crds"), "--out", str(tmp_path / "out")]) == 0
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    bundle = index["bundles"]["widgets-v1"]
    assert bundle["commit"] == "a" * 40 and bundle["licence_file"] == "widgets-v1/LICENSE"
    assert bundle["kinds"] == [["example.netgen.dev", "v1", "Widget", "Namespaced",
                                "example.netgen.dev_widgets.json"]]  # v1beta1 is not served
    data = json.loads((tmp_path / "out" / "widgets-v1" / bundle["kinds"][0][4]).read_text())
    spec = data["versions"]["v1"]["properties"]["spec"]
    assert spec["x-kubernetes-validations"][0]["rule"] == "self.size <= self.maxSize"


def test_compact_drops_documentation_but_keeps_a_property_named_description() -> None:
    script = _script()
    schema = {"description": "doc", "type": "object", "properties": {
        "description": {"type": "string", "description": "the field's doc"}}}
    assert script.compact(schema) == {"type": "object",
                                      "properties": {"description": {"type": "string"}}}
