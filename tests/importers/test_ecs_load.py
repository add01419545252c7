"""Loading AWS CLI exports: recognition by content, the AWS quirks, and exact error locations."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from netgen.importers.ecs import (
    ExportError,
    Finding,
    Problem,
    load_exports,
    parse_exports,
)
from netgen.importers.ecs.shapes.elbv2 import listener_arn_of_rule
from tests.importers.ecs_helpers import ECS_SHOP, encode, shop_documents

ACCOUNT = "arn:aws:elasticloadbalancing:us-west-2:123456789012"
API_V1 = f"{ACCOUNT}:targetgroup/shop-api-v1/1f2e3d4c5b6a7980"
API_V2 = f"{ACCOUNT}:targetgroup/shop-api-v2/2a3b4c5d6e7f8091"


def problems_of(documents: dict) -> tuple[Problem, ...]:
    with pytest.raises(ExportError) as raised:
        parse_exports(encode(documents))
    return raised.value.problems


# --- the fixture loads ---------------------------------------------------------------------


def test_fixture_loads_every_kind_by_content():
    exports = load_exports(ECS_SHOP)
    counts = {
        "task_definitions": 5,
        "services": 5,
        "load_balancers": 1,
        "target_groups": 4,
        "listeners": 2,
        "rules": 6,
        "security_groups": 8,
        "subnets": 4,
        "namespaces": 1,
        "discovery_services": 3,
        "db_instances": 1,
        "certificates": 1,
    }
    assert {name: len(getattr(exports, name)) for name in counts} == counts
    assert exports.findings == (
        Finding(
            "unknown-file",
            "not a recognised AWS CLI export (top-level keys: Roles); skipped",
            "iam-task-roles.json",
            "$",
        ),
    )


def test_file_names_do_not_matter(tmp_path: Path):
    for i, path in enumerate(sorted(ECS_SHOP.glob("*.json"))):
        shutil.copy(path, tmp_path / f"export-{i:02}.json")
    assert len(load_exports(tmp_path).services) == 5


def test_sources_point_at_objects():
    exports = load_exports(ECS_SHOP)
    canary = "arn:aws:ecs:us-west-2:123456789012:service/shop/api-canary"
    assert exports.source(canary).file == "ecs-services.json"
    assert exports.source(canary).json_path == "$.services[2]"
    assert exports.source("sg-0d4e8b3f1a6c29d75").json_path == "$.SecurityGroups[5]"


def test_timestamps_from_cli_v1_and_v2_agree_on_utc():
    exports = load_exports(ECS_SHOP)
    cert = next(iter(exports.certificates.values()))
    assert cert.NotAfter == datetime(2025, 7, 30, 23, 59, 59, tzinfo=UTC)  # v1 epoch
    web = exports.services["arn:aws:ecs:us-west-2:123456789012:service/shop/web"]
    assert web.createdAt == datetime(2023, 4, 12, 18, 3, 27, 118000, tzinfo=UTC)  # v2 ISO
    discovery = exports.discovery_services["srv-a3kq7x2p5m4n6b8c"]
    assert discovery.CreateDate == datetime(2023, 4, 12, 18, 5, 55, 930000, tzinfo=UTC)


def test_rule_priority_quirk_and_forward_normalisation():
    exports = load_exports(ECS_SHOP)
    rules = {r.Priority: r for r in exports.rules.values() if "a9c4e2f6b8d01357" in r.RuleArn}
    assert sorted(rules, key=lambda p: (p is None, p or 0)) == [10, 20, 30, 100, None]
    assert rules[None].IsDefault
    weighted = rules[30].Actions[0].forward_targets()
    assert [(arn, w) for _, arn, w in weighted] == [(API_V1, 80), (API_V2, 20)]
    plain = rules[20].Actions[0].forward_targets()
    assert [(arn, w) for _, arn, w in plain] == [(API_V2, 1)]


def test_plain_target_group_arn_is_one_target_of_weight_one():
    docs = shop_documents()
    action = docs["rules-https-443.json"]["Rules"][2]["Actions"][0]
    del action["ForwardConfig"]
    exports = parse_exports(encode(docs))
    rule = exports.rules[docs["rules-https-443.json"]["Rules"][2]["RuleArn"]]
    assert rule.Actions[0].forward_targets() == ((".TargetGroupArn", API_V2, 1),)


def test_listener_arn_of_rule():
    rule = f"{ACCOUNT}:listener-rule/app/shop-alb/8e3b/a9c4/1a2b"
    assert listener_arn_of_rule(rule) == f"{ACCOUNT}:listener/app/shop-alb/8e3b/a9c4"
    assert listener_arn_of_rule(f"{ACCOUNT}:listener/app/shop-alb/8e3b/a9c4") is None


def test_extra_fields_are_ignored():
    docs = shop_documents()
    docs["alb.json"]["LoadBalancers"][0]["SomeFieldAwsAddsIn2030"] = {"x": [1, 2]}
    assert len(parse_exports(encode(docs)).load_balancers) == 1


def test_utf8_bom_and_utf16_files_are_read():
    docs = encode(shop_documents())
    docs["alb.json"] = b"\xef\xbb\xbf" + docs["alb.json"]
    docs["subnets.json"] = docs["subnets.json"].decode().encode("utf-16")  # PowerShell 5 `>`
    exports = parse_exports(docs)
    assert len(exports.load_balancers) == 1 and len(exports.subnets) == 4


def test_duplicate_objects_are_merged_and_conflicts_reported():
    docs = shop_documents()
    docs["zz-services-again.json"] = json.loads(json.dumps(docs["ecs-services.json"]))
    docs["zz-services-again.json"]["services"][0]["desiredCount"] = 9
    exports = parse_exports(encode(docs))
    assert len(exports.services) == 5
    (dup,) = [f for f in exports.findings if f.code == "duplicate-object"]
    assert (dup.loc.file, dup.loc.json_path) == ("zz-services-again.json", "$.services[0]")
    web = exports.services["arn:aws:ecs:us-west-2:123456789012:service/shop/web"]
    assert web.desiredCount == 3


def test_truncated_listing_and_describe_failures_are_findings():
    docs = shop_documents()
    docs["security-groups.json"]["NextToken"] = "eyJuZXh0IjoxfQ=="
    docs["ecs-services.json"]["failures"] = [
        {"arn": "arn:aws:ecs:us-west-2:123456789012:service/shop/gone", "reason": "MISSING"}
    ]
    codes = {(f.code, f.loc.file, f.loc.json_path) for f in parse_exports(encode(docs)).findings}
    assert ("truncated-listing", "security-groups.json", "$.NextToken") in codes
    assert ("describe-failure", "ecs-services.json", "$.failures[0]") in codes


# --- malformed input: every problem, with file and JSON path --------------------------------


def test_truncated_json_reports_line_and_column(tmp_path: Path):
    shutil.copytree(ECS_SHOP, tmp_path, dirs_exist_ok=True)
    lines = (ECS_SHOP / "alb.json").read_text().splitlines()
    assert lines[3].startswith('            "LoadBalancerArn": "arn:aws:')
    (tmp_path / "alb.json").write_text("\n".join([*lines[:3], lines[3][:50]]))
    with pytest.raises(ExportError) as raised:
        load_exports(tmp_path)
    assert raised.value.problems == (
        Problem(
            "alb.json",
            "$",
            "malformed JSON: Unterminated string starting at (line 4, column 32)",
            line=4,
            column=32,
        ),
    )
    # One gcc-style rendering for every stage's problems (netgen.problems).
    assert str(raised.value.problems[0]).startswith("alb.json:4:32: $: error: malformed JSON")


def test_wrong_type_deep_inside_names_the_exact_path():
    docs = shop_documents()
    mapping = docs["td-shop-api-14.json"]["taskDefinition"]["containerDefinitions"][0]
    mapping["portMappings"].append({"containerPort": "8443", "protocol": "tcp"})
    assert problems_of(docs) == (
        Problem(
            "td-shop-api-14.json",
            "$.taskDefinition.containerDefinitions[0].portMappings[1].containerPort",
            'expected an integer from 1 to 65535, got string "8443"',
        ),
    )


def test_missing_required_field():
    docs = shop_documents()
    del docs["target-groups.json"]["TargetGroups"][2]["TargetGroupArn"]
    problems = problems_of(docs)
    assert problems[0] == Problem(
        "target-groups.json", "$.TargetGroups[2].TargetGroupArn", "required field missing"
    )
    # The broken file's target groups are unknown, so no follow-on "dangling" noise.
    assert len(problems) == 1


def test_wrong_container_types_are_not_coerced():
    docs = shop_documents()
    td = docs["td-shop-web-7.json"]["taskDefinition"]
    td["containerDefinitions"][0]["command"] = "npm start"  # a string is not a list
    td["containerDefinitions"][0]["environment"] = {"NODE_ENV": "production"}
    td["revision"] = True
    # Problems of one file come in the order of the shape's fields.
    assert problems_of(docs) == (
        Problem(
            "td-shop-web-7.json",
            "$.taskDefinition.containerDefinitions[0].environment",
            "expected array, got object",
        ),
        Problem(
            "td-shop-web-7.json",
            "$.taskDefinition.containerDefinitions[0].command",
            'expected array, got string "npm start"',
        ),
        Problem(
            "td-shop-web-7.json", "$.taskDefinition.revision", "expected integer, got boolean true"
        ),
    )


def test_bad_priority_and_timestamp():
    docs = shop_documents()
    docs["rules-https-443.json"]["Rules"][0]["Priority"] = 10
    docs["acm-shop-example-com.json"]["Certificate"]["NotAfter"] = "next tuesday"
    assert problems_of(docs) == (
        Problem(
            "acm-shop-example-com.json",
            "$.Certificate.NotAfter",
            'expected an ISO-8601 timestamp, got string "next tuesday"',
        ),
        Problem(
            "rules-https-443.json",
            "$.Rules[0].Priority",
            'expected "default" or a string "1" … "50000", got number 10',
        ),
    )


def test_default_priority_must_match_is_default():
    docs = shop_documents()
    docs["rules-https-443.json"]["Rules"][4]["IsDefault"] = False
    (problem,) = problems_of(docs)
    assert (problem.loc.file, problem.loc.json_path) == ("rules-https-443.json",
                                                         "$.Rules[4].Priority")


def test_dangling_target_group_reference():
    docs = shop_documents()
    forward = docs["rules-https-443.json"]["Rules"][3]["Actions"][0]["ForwardConfig"]
    missing = f"{ACCOUNT}:targetgroup/shop-api-v3/0000000000000000"
    forward["TargetGroups"][1]["TargetGroupArn"] = missing
    assert problems_of(docs) == (
        Problem(
            "rules-https-443.json",
            "$.Rules[3].Actions[0].ForwardConfig.TargetGroups[1].TargetGroupArn",
            f"target group {missing} is not in the export (aws elbv2 describe-target-groups)",
        ),
    )


def test_dangling_security_group_reference():
    docs = shop_documents()
    vpc = docs["ecs-services.json"]["services"][1]["networkConfiguration"]["awsvpcConfiguration"]
    vpc["securityGroups"] = ["sg-0c92d7a1e5b48f063", "sg-0123456789abcdeff"]
    assert problems_of(docs) == (
        Problem(
            "ecs-services.json",
            "$.services[1].networkConfiguration.awsvpcConfiguration.securityGroups[1]",
            "security group sg-0123456789abcdeff is not in the export "
            "(aws ec2 describe-security-groups)",
        ),
    )


def test_dangling_task_definition_container_and_volume():
    docs = shop_documents()
    del docs["td-shop-admin-3.json"]
    docs["ecs-services.json"]["services"][0]["loadBalancers"][0]["containerPort"] = 3001
    mount = docs["td-shop-orders-22.json"]["taskDefinition"]["containerDefinitions"][0]
    mount["mountPoints"][0]["sourceVolume"] = "orders-cache"
    assert [(p.loc.file, p.loc.json_path) for p in problems_of(docs)] == [
        ("ecs-services.json", "$.services[0].loadBalancers[0].containerPort"),
        ("ecs-services.json", "$.services[4].taskDefinition"),
        (
            "td-shop-orders-22.json",
            "$.taskDefinition.containerDefinitions[0].mountPoints[0].sourceVolume",
        ),
    ]


def test_problems_of_all_files_are_collected_before_raising(tmp_path: Path):
    shutil.copytree(ECS_SHOP, tmp_path, dirs_exist_ok=True)
    (tmp_path / "alb.json").write_text('{"LoadBalancers": [')
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "nan.json").write_text('{"Subnets": [{"SubnetId": NaN}]}')
    subnets = json.loads((tmp_path / "subnets.json").read_text())
    subnets["Subnets"][0]["CidrBlock"] = None
    (tmp_path / "subnets.json").write_text(json.dumps(subnets))
    with pytest.raises(ExportError) as raised:
        load_exports(tmp_path)
    where = [(p.loc.file, p.loc.json_path) for p in raised.value.problems]
    assert where == [
        ("alb.json", "$"),
        ("empty.json", "$"),
        ("nan.json", "$"),
        ("subnets.json", "$.Subnets[0].CidrBlock"),
    ]
    assert "4 problems in the ECS export" in str(raised.value)


def test_oversize_file_is_refused_without_reading_it(tmp_path: Path):
    shutil.copytree(ECS_SHOP, tmp_path, dirs_exist_ok=True)
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:  # sparse: 60 MB on paper, nothing on disk
        handle.truncate(60 * 1024 * 1024)
    with pytest.raises(ExportError) as raised:
        load_exports(tmp_path)
    (problem,) = raised.value.problems
    assert (problem.loc.file, problem.loc.json_path) == ("huge.json", "$")
    assert "62914560 bytes, over the 52428800-byte limit" in problem.message


def test_size_limit_is_configurable(tmp_path: Path):
    shutil.copytree(ECS_SHOP, tmp_path, dirs_exist_ok=True)
    with pytest.raises(ExportError) as raised:
        load_exports(tmp_path, max_bytes=2000)
    big = {p.name for p in ECS_SHOP.glob("*.json") if os.path.getsize(p) > 2000}
    assert {p.loc.file for p in raised.value.problems} == big


def test_not_a_folder_and_empty_folder(tmp_path: Path):
    with pytest.raises(ExportError, match="no such folder"):
        load_exports(tmp_path / "missing")
    with pytest.raises(ExportError, match=r"no AWS CLI export files .* \(it is empty\)"):
        load_exports(tmp_path)


def test_export_error_is_not_the_builtin_import_error():
    assert not issubclass(ExportError, ImportError)


def test_export_error_is_a_problem_error_the_cli_renders(tmp_path: Path):
    """One exception type carries problems to the user (netgen.problems.ProblemError), so
    cli/errors.py renders an export's problems as every other stage's."""
    from netgen.problems import ProblemError

    with pytest.raises(ProblemError) as raised:
        load_exports(tmp_path)
    assert isinstance(raised.value, ExportError)
    assert raised.value.lines()[-1] == "netgen: 1 problem in the ECS export, nothing written"
    moved = raised.value.under(tmp_path)
    assert moved.problems[0].loc.file == tmp_path.as_posix()  # the folder itself: as given
