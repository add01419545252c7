"""Every shape field is named and typed as in botocore's service models, the source AWS's
own SDKs and CLI are generated from. botocore is not a netgen dependency, so the models
are read from whichever Python on PATH has it; without one the test is skipped."""

from __future__ import annotations

import glob
import gzip
import json
import subprocess
import types
import typing
from datetime import datetime
from functools import cache
from typing import Any

import attrs
import pytest

from netgen.importers.ecs import shapes as s

ROOTS = [
    (s.TaskDefinitionFile, "ecs", "DescribeTaskDefinitionResponse"),
    (s.ServicesFile, "ecs", "DescribeServicesResponse"),
    (s.LoadBalancersFile, "elbv2", "DescribeLoadBalancersOutput"),
    (s.TargetGroupsFile, "elbv2", "DescribeTargetGroupsOutput"),
    (s.ListenersFile, "elbv2", "DescribeListenersOutput"),
    (s.RulesFile, "elbv2", "DescribeRulesOutput"),
    (s.SecurityGroupsFile, "ec2", "DescribeSecurityGroupsResult"),
    (s.SubnetsFile, "ec2", "DescribeSubnetsResult"),
    (s.NamespaceFile, "servicediscovery", "GetNamespaceResponse"),
    (s.NamespacesFile, "servicediscovery", "ListNamespacesResponse"),
    (s.DiscoveryServicesFile, "servicediscovery", "ListServicesResponse"),
    (s.DiscoveryServiceFile, "servicediscovery", "GetServiceResponse"),
    (s.DBInstancesFile, "rds", "DBInstanceMessage"),
    (s.CertificateFile, "acm", "DescribeCertificateResponse"),
]
# Deliberate differences, each explained where the field is declared.
ALLOWED = {
    "RulesFile.Rules.Priority: ours integer, botocore string",
    "DiscoveryServicesFile.Services.NamespaceId: not in ServiceSummary",
}


@cache
def _data_dir() -> str | None:
    code = "import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), 'data'))"
    try:
        out = subprocess.run(["python3", "-c", code], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def _model(service: str) -> dict[str, Any]:
    path = sorted(glob.glob(f"{_data_dir()}/{service}/*/service-2.json*"))[-1]
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as handle:
        return json.load(handle)


def _kind(tp: Any) -> str:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) is tuple:
        return "list"
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return _kind(args[0])
    if tp is datetime:
        return "timestamp"
    return {str: "string", int: "integer", bool: "boolean", float: "double"}.get(tp, "structure")


def _nested(tp: Any) -> type | None:
    if attrs.has(tp):
        return tp
    return next((c for c in map(_nested, typing.get_args(tp)) if c is not None), None)


def _compare(model: dict[str, Any], cls: type, shape: str, where: str) -> list[str]:
    members = model["shapes"][shape]["members"]
    hints = typing.get_type_hints(cls)
    differences = []
    for field in attrs.fields(cls):
        member = members.get(field.name)
        if member is None:
            differences.append(f"{where}.{field.name}: not in {shape}")
            continue
        target = model["shapes"][member["shape"]]
        theirs = {"long": "integer"}.get(target["type"], target["type"])
        ours = _kind(hints[field.name])
        if ours != theirs:
            differences.append(f"{where}.{field.name}: ours {ours}, botocore {theirs}")
        nested = _nested(hints[field.name])
        if nested is not None:
            inner = member["shape"] if target["type"] == "structure" else target["member"]["shape"]
            differences += _compare(model, nested, inner, f"{where}.{field.name}")
    return differences


@pytest.mark.parametrize(("cls", "service", "shape"), ROOTS, ids=[r[0].__name__ for r in ROOTS])
def test_shape_matches_botocore(cls: type, service: str, shape: str):
    if _data_dir() is None:
        pytest.skip("no python3 with botocore on PATH")
    differences = set(_compare(_model(service), cls, shape, cls.__name__))
    assert differences - ALLOWED == set()
