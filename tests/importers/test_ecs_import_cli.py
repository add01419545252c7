"""`netgen import ecs DIR -o FILE`: what it prints, what it writes, and what it refuses."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netgen.cli import app
from tests.importers.ecs_helpers import ECS_SHOP

TG_API_V1 = (
    "arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/shop-api-v1/1f2e3d4c5b6a7980"
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(ECS_SHOP, folder)
    return folder


def _edit(folder: Path, name: str, change) -> None:  # type: ignore[no-untyped-def]
    path = folder / name
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc, indent=4))


def test_writes_the_blueprint_and_says_what_next(export: Path, tmp_path: Path) -> None:
    out = tmp_path / "blueprint.py"
    code, stdout, stderr = run("import", "ecs", str(export), "-o", str(out))
    assert code == 0, stderr
    assert out.read_text().startswith("# netgen blueprint for the ECS cluster \"shop\"")
    assert f"netgen: wrote {out} (4 services, 5 exposures via ALB, 18 warnings" in stdout
    assert f"netgen build {out} --out out/" in stdout
    assert (f"{export.as_posix()}/td-shop-api-14.json: "
            "$.taskDefinition.containerDefinitions[0].ulimits: warning: [ulimits-dropped]"
            ) in stderr
    assert stderr.count("warning: [") == 18
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blueprint.py", "export"]


def test_namespace_and_via_options(export: Path, tmp_path: Path) -> None:
    out = tmp_path / "bp.py"
    code, _, stderr = run("import", "ecs", str(export), "-o", str(out), "--namespace", "store",
                          "--via", "nginx")
    assert code == 0, stderr
    text = out.read_text()
    assert 'env("shop", namespace="store", isolation=STRICT' in text
    assert "via=NGINX" in text and "via=ALB" not in text
    assert "orders.store.svc.cluster.local" in text


@pytest.mark.parametrize("args, message", [
    (("--namespace", "Bad_NS"), "namespace 'Bad_NS' is not a valid DNS-1123 label"),
    (("--via", "ISTIO"), "must be one of ALB, NGINX, GATEWAY, CLUSTER"),
])
def test_bad_options_are_usage_errors(export: Path, tmp_path: Path, args, message) -> None:
    out = tmp_path / "bp.py"
    code, _, stderr = run("import", "ecs", str(export), "-o", str(out), *args)
    assert code == 2
    assert message in " ".join(re.sub(r"[│╭╮╰╯─]", " ", stderr).split())
    assert not out.exists()


def test_refuses_to_overwrite_without_force(export: Path, tmp_path: Path) -> None:
    out = tmp_path / "blueprint.py"
    out.write_text("# my edits\n")
    code, _, stderr = run("import", "ecs", str(export), "-o", str(out))
    assert code == 1
    assert stderr.strip() == f"netgen: {out} already exists; pass --force to replace it"
    assert out.read_text() == "# my edits\n"
    code, _, stderr = run("import", "ecs", str(export), "-o", str(out), "--force")
    assert code == 0, stderr
    assert "from netgen import *" in out.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blueprint.py", "export"]


def _malformed_json(folder: Path) -> None:
    path = folder / "target-groups.json"
    path.write_text(path.read_text().replace('"TargetGroups": [', '"TargetGroups": [,', 1))


def _missing_field(folder: Path) -> None:
    _edit(folder, "ecs-services.json", lambda d: d["services"][1].pop("taskDefinition"))


def _dangling_target_group(folder: Path) -> None:
    def drop(doc: dict) -> None:
        doc["TargetGroups"] = [g for g in doc["TargetGroups"] if g["TargetGroupArn"] != TG_API_V1]

    _edit(folder, "target-groups.json", drop)


def _dangling_security_group(folder: Path) -> None:
    def drop(doc: dict) -> None:
        doc["SecurityGroups"] = [g for g in doc["SecurityGroups"]
                                 if g["GroupId"] != "sg-0d4e8b3f1a6c29d75"]

    _edit(folder, "security-groups.json", drop)


MALFORMED = {
    "malformed JSON": (_malformed_json, r"target-groups.json:\d+:\d+: \$: error: "),
    "missing required field": (
        _missing_field,
        r"/ecs-services.json: \$\.services\[1\]\.taskDefinition: error: required field "
        r"missing \(a service has a taskDefinition, or taskSets",
    ),
    "unknown target group": (_dangling_target_group, r"\.json: \$\.[^:]+: error: .*"
                                                      r"shop-api-v1"),
    "unknown security group": (_dangling_security_group, r"\.json: \$\.[^:]+: error: .*"
                                                          r"sg-0d4e8b3f1a6c29d75"),
}


@pytest.mark.parametrize("breaks, expected", MALFORMED.values(), ids=list(MALFORMED))
def test_malformed_exports_name_file_and_path_and_write_nothing(
    export: Path, tmp_path: Path, breaks, expected: str
) -> None:
    breaks(export)
    out = tmp_path / "blueprint.py"
    code, stdout, stderr = run("import", "ecs", str(export), "-o", str(out))
    assert code == 1
    lines = stderr.strip().splitlines()
    assert re.match(r"netgen: \d+ problems? in the ECS export, nothing written$", lines[-1])
    problems = lines[:-1]
    assert problems and all(line.startswith(export.as_posix() + "/") for line in problems)
    assert any(re.search(expected, line) for line in problems), problems
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]
    assert stdout == ""


def test_missing_folder(tmp_path: Path) -> None:
    out = tmp_path / "bp.py"
    code, _, stderr = run("import", "ecs", str(tmp_path / "nope"), "-o", str(out))
    assert code == 1
    assert f"{tmp_path / 'nope'}: $: error: no such folder" in stderr
    (tmp_path / "a.json").write_text("{}")
    code, _, stderr = run("import", "ecs", str(tmp_path / "a.json"), "-o", str(out))
    assert code == 1
    assert f"{tmp_path / 'a.json'}: $: error: not a folder: give the folder" in stderr
    assert not out.exists()


def test_a_folder_as_the_output_is_named(export: Path, tmp_path: Path) -> None:
    """`--force` onto a folder named the temporary file (`Is a directory: .d.py.x1y2.tmp`)."""
    (tmp_path / "d.py").mkdir()
    code, _, stderr = run("import", "ecs", str(export), "-o", str(tmp_path / "d.py"), "--force")
    assert (code, stderr) == (3, f"netgen: Is a directory: {tmp_path / 'd.py'}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.py", "export"]


def test_a_missing_output_folder_is_named(export: Path, tmp_path: Path) -> None:
    """It named the temporary file beside the output (`.bp.py.x1y2z3.tmp`), not the folder
    that is missing."""
    out = tmp_path / "nowhere" / "bp.py"
    code, _, stderr = run("import", "ecs", str(export), "-o", str(out))
    assert (code, stderr) == (3, f"netgen: No such file or directory: {out.parent}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]


def test_the_summary_counts_every_exposure_by_its_via(tmp_path: Path) -> None:
    """App Mesh gateway routes become exposures of the mesh's gateway: counted under their
    own via (the summary said '0 exposures via ALB' for a file of six)."""
    out = tmp_path / "bp.py"
    fixture = ECS_SHOP.parent / "appmesh-cli-examples"
    code, stdout, stderr = run("import", "ecs", str(fixture), "-o", str(out), "--mesh", "ISTIO")
    assert code == 0, stderr
    written = len(re.findall(r"^expose\(", out.read_text(), re.MULTILINE))
    assert written > 0
    assert f"(2 services, {written} exposures via ISTIO, " in stdout
    only = tmp_path / "one"
    only.mkdir()
    app_ = {"name": "app", "image": "a:1", "portMappings": [{"containerPort": 80}]}
    (only / "task-definition.json").write_text(
        json.dumps({"family": "api", "containerDefinitions": [app_]}))
    code, stdout, stderr = run("import", "ecs", str(only), "-o", str(tmp_path / "one.py"))
    assert code == 0, stderr
    assert "(1 service, 0 exposures, " in stdout
