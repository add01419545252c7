"""Regenerate the CRD schemas shipped with the package from upstream CRDs.

    python tools/make_schemas.py [--crds ../shared/crds] [--out netgen]

A bundle whose kinds a target emits belongs to that target: it is written to
`netgen/targets/<target>/schemas/<bundle>/` (the target declares it in its `Backend.crds`);
the bundles no target owns (they validate documents a user's template overrides add) go to
`netgen/schemas/<bundle>/`. Each of those folders gets its own `index.json`.

The input is the folder of unchanged upstream CustomResourceDefinitions kept beside the
repository (each project's folder with its PROVENANCE.md and LICENSE). The output is what
`netgen check` needs and no more: for every CRD, the `openAPIV3Schema` (with its
`x-kubernetes-validations` CEL rules) of each served version, without descriptions and
examples, as compact JSON, one file per CRD; `index.json` names every bundle's upstream
repository, version, commit and licence (a path from the index's folder), and every
(group, version, kind) with its file.
Tests and `netgen check` read only the output; this script is the one thing that reads the
upstream folder, so a fresh clone works with nothing beside it.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any, NamedTuple

import yaml

REPO = Path(__file__).resolve().parent.parent
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
APACHE = "Apache-2.0"



class Upstream(NamedTuple):
    """One bundle to make: its name, its folder under --crds, where it comes from, and the
    target package that owns it (None: no target emits its kinds)."""

    name: str
    folder: str
    upstream: str
    release: str
    family: str
    channel: str | None
    target: str | None = None


BUNDLES: list[Upstream] = [
    Upstream("gateway-api-v1.6.1-standard", "gateway-api-v1.6.1/standard",
             "https://github.com/kubernetes-sigs/gateway-api", "v1.6.1", "Gateway API",
             "standard", "gateway_api"),
    Upstream("gateway-api-v1.6.1-experimental", "gateway-api-v1.6.1/experimental",
             "https://github.com/kubernetes-sigs/gateway-api", "v1.6.1", "Gateway API",
             "experimental", "gateway_api"),
    Upstream("istio-1.30.3", "istio-1.30.3", "https://github.com/istio/istio", "1.30.3",
             "Istio", None, "istio"),
    Upstream("linkerd-2.20", "linkerd-version-2.20", "https://github.com/linkerd/linkerd2",
             "version-2.20", "Linkerd", None, "linkerd"),
    Upstream("envoy-gateway-v1.9.0", "envoy-gateway-v1.9.0",
             "https://github.com/envoyproxy/gateway", "v1.9.0", "Envoy Gateway", None),
    Upstream("aws-load-balancer-controller-v3.5.0", "aws-load-balancer-controller-v3.5.0",
             "https://github.com/kubernetes-sigs/aws-load-balancer-controller", "v3.5.0",
             "AWS Load Balancer Controller", None, "aws_alb"),
    Upstream("cert-manager-v1.21.1", "cert-manager-v1.21.1",
             "https://github.com/cert-manager/cert-manager", "v1.21.1", "cert-manager", None),
    Upstream("network-policy-api-v0.2.0-standard", "network-policy-api-v0.2.0/standard",
             "https://github.com/kubernetes-sigs/network-policy-api", "v0.2.0",
             "Network Policy API", "standard"),
    Upstream("network-policy-api-v0.2.0-experimental", "network-policy-api-v0.2.0/experimental",
             "https://github.com/kubernetes-sigs/network-policy-api", "v0.2.0",
             "Network Policy API", "experimental"),
    Upstream("mcs-api-v0.5.0", "mcs-api-v0.5.0", "https://github.com/kubernetes-sigs/mcs-api",
             "v0.5.0", "Multi-Cluster Services API", None),
]
LICENCE = "LICENSE-Apache-2.0"  # beside the index, for bundles whose project keeps none
# Keywords that only document a schema; the property *named* `description` is kept.
_DOC_KEYS = frozenset({"description", "example", "externalDocs", "title"})
_COMMIT = re.compile(r"Commit: `([0-9a-f]{40})`")


def compact(schema: Any) -> Any:
    """The schema without documentation keywords (a `properties` map keeps every name)."""
    if isinstance(schema, list):
        return [compact(v) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in _DOC_KEYS:
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: compact(sub) for name, sub in value.items()}
        else:
            out[key] = compact(value)
    return out


def crds_in(folder: Path) -> list[dict[str, Any]]:
    found = []
    for file in sorted(folder.glob("*.yaml")):
        for doc in yaml.load_all(file.read_text(encoding="utf-8"), Loader=LOADER):
            items = doc.get("items") or [] if isinstance(doc, dict) and doc.get(
                "kind", "").endswith("List") else [doc]
            found += [d for d in items
                      if isinstance(d, dict) and d.get("kind") == "CustomResourceDefinition"]
    return found


def project_folder(crds: Path, folder: str) -> Path:
    """The project's folder (PROVENANCE.md, LICENSE): the channel folder's parent if any."""
    path = crds / folder
    return path if (path / "PROVENANCE.md").is_file() or path.parent == crds else path.parent


def home(out: Path, bundle: Upstream) -> Path:
    """The folder of `bundle` and its index under the package folder `out`."""
    return out / "targets" / bundle.target / "schemas" if bundle.target else out / "schemas"


def write_bundle(crds: Path, out: Path, bundle: Upstream) -> dict[str, Any]:
    name, folder, upstream, release, family, channel, _ = bundle
    target = out / name
    target.mkdir(parents=True)
    kinds = []
    for crd in crds_in(crds / folder):
        spec = crd["spec"]
        versions = {
            v["name"]: compact(v["schema"]["openAPIV3Schema"])
            for v in spec["versions"]
            if v.get("served", True) and v.get("schema", {}).get("openAPIV3Schema")
        }
        file = f"{spec['group']}_{spec['names']['plural']}.json"
        data = {"group": spec["group"], "kind": spec["names"]["kind"],
                "scope": spec.get("scope", "Namespaced"), "versions": versions}
        (target / file).write_text(
            json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
        kinds += [[spec["group"], v, spec["names"]["kind"], data["scope"], file] for v in versions]
    project = project_folder(crds, folder)
    provenance = project / "PROVENANCE.md"
    text = provenance.read_text(encoding="utf-8") if provenance.is_file() else ""
    commit = _COMMIT.search(text)
    licence_file = LICENCE
    if (project / "LICENSE").is_file():
        shutil.copyfile(project / "LICENSE", target / "LICENSE")
        licence_file = f"{name}/LICENSE"
    return {
        "family": family, "channel": channel, "upstream": upstream, "version": release,
        "commit": commit.group(1) if commit else None, "licence": APACHE,
        "licence_file": licence_file, "source": folder, "kinds": sorted(kinds),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crds", type=Path, default=REPO.parent / "shared" / "crds")
    parser.add_argument("--out", type=Path, default=REPO / "netgen",
                        help="the package folder: bundles go to its schemas/ or targets/*/schemas/")
    args = parser.parse_args(argv)
    missing = [b.folder for b in BUNDLES if not (args.crds / b.folder).is_dir()]
    if missing:
        print(f"make_schemas: not found under {args.crds}: {', '.join(missing)}", file=sys.stderr)
        return 1
    homes: dict[Path, list[Upstream]] = {}
    for b in BUNDLES:
        homes.setdefault(home(args.out, b), []).append(b)
    # Gateway API and Istio keep no LICENSE beside their CRDs; both are Apache-2.0, whose
    # text every other project's LICENSE here carries.
    donor = next(args.crds / b.folder for b in BUNDLES
                 if (args.crds / b.folder / "LICENSE").is_file())
    for folder, members in homes.items():
        for old in folder.glob("*/"):
            shutil.rmtree(old)
        (folder / LICENCE).unlink(missing_ok=True)
        folder.mkdir(parents=True, exist_ok=True)
        bundles = {b.name: write_bundle(args.crds, folder, b) for b in members}
        if any(b["licence_file"] == LICENCE for b in bundles.values()):
            shutil.copyfile(donor / "LICENSE", folder / LICENCE)
        index = {"generated_by": "tools/make_schemas.py", "bundles": bundles}
        (folder / "index.json").write_text(json.dumps(index, indent=1, sort_keys=True) + "\n",
                                           encoding="utf-8")
        print(f"make_schemas: {len(bundles)} bundles, "
              f"{sum(len(b['kinds']) for b in bundles.values())} CRD versions -> {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
