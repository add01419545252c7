"""Helpers shared by the ECS importer tests: the ecs-shop fixture, as files or as JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ECS_SHOP = Path(__file__).parent / "fixtures" / "ecs-shop"


def shop_documents() -> dict[str, Any]:
    """The ecs-shop fixture as parsed JSON, file name → document, for mutation in tests."""
    return {p.name: json.loads(p.read_text()) for p in sorted(ECS_SHOP.glob("*.json"))}


def encode(documents: dict[str, Any]) -> dict[str, bytes]:
    return {name: json.dumps(doc, indent=4).encode() for name, doc in documents.items()}


def assert_ruff_clean(source: str, tmp_path: Path) -> None:
    """A generated blueprint is what `ruff format` would write and passes `ruff check` (the
    star import aside): teams commit it as it comes out."""
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed")
    path = tmp_path / "blueprint.py"
    path.write_text(source)
    formatted = subprocess.run([ruff, "format", "--isolated", "--diff", str(path)],
                               capture_output=True, text=True)
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    checked = subprocess.run([ruff, "check", "--isolated", "--ignore", "F403,F405", str(path)],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


ACCOUNT = "arn:aws:elasticloadbalancing:us-west-2:123456789012"
NLB_ARN = f"{ACCOUNT}:loadbalancer/net/shop-nlb/4c2e9a1b7d3f5e60"
NLB_TG = f"{ACCOUNT}:targetgroup/shop-orders-tcp/5e6f7a8b9c0d1e2f"
NLB_SG = "sg-0a9b8c7d6e5f4a3b2"
ORDERS_SG = "sg-0d4e8b3f1a6c29d75"
SHOP_CERT = ("arn:aws:acm:us-west-2:123456789012:certificate/"
             "7c1e5b9a-3d2f-4e8b-a6c0-9f4d2e1b7a53")


def with_nlb(docs: dict[str, Any], listeners: tuple[tuple[str, int], ...] = (("TLS", 9443),)
             ) -> dict[str, Any]:
    """The fixture plus an internal Network Load Balancer in the private subnets, with
    `listeners` ((protocol, port)) forwarding to orders on 9090, and orders' security group
    admitting the NLB's: how partners inside the VPC reach the order service."""
    docs["alb.json"]["LoadBalancers"].append({
        "LoadBalancerArn": NLB_ARN,
        "DNSName": "shop-nlb-4c2e9a1b7d3f5e60.elb.us-west-2.amazonaws.com",
        "LoadBalancerName": "shop-nlb", "Scheme": "internal", "VpcId": "vpc-0f3c2a9b8d7e6f501",
        "State": {"Code": "active"}, "Type": "network",
        "AvailabilityZones": [
            {"ZoneName": "us-west-2a", "SubnetId": "subnet-0a1b2c3d4e5f60011",
             "LoadBalancerAddresses": []},
            {"ZoneName": "us-west-2b", "SubnetId": "subnet-0a1b2c3d4e5f60012",
             "LoadBalancerAddresses": []},
        ],
        "SecurityGroups": [NLB_SG], "IpAddressType": "ipv4",
    })
    for protocol, port in listeners:
        listener: dict[str, Any] = {
            "ListenerArn": f"{ACCOUNT}:listener/net/shop-nlb/4c2e9a1b7d3f5e60/{port:016x}",
            "LoadBalancerArn": NLB_ARN, "Port": port, "Protocol": protocol,
            "DefaultActions": [{"Type": "forward", "TargetGroupArn": NLB_TG, "ForwardConfig": {
                "TargetGroups": [{"TargetGroupArn": NLB_TG, "Weight": 1}]}}],
        }
        if protocol == "TLS":
            listener["Certificates"] = [{"CertificateArn": SHOP_CERT}]
            listener["SslPolicy"] = "ELBSecurityPolicy-TLS13-1-2-2021-06"
        docs["alb-listeners.json"]["Listeners"].append(listener)
    docs["target-groups.json"]["TargetGroups"].append({
        "TargetGroupArn": NLB_TG, "TargetGroupName": "shop-orders-tcp", "Protocol": "TCP",
        "Port": 9090, "VpcId": "vpc-0f3c2a9b8d7e6f501", "HealthCheckProtocol": "TCP",
        "HealthCheckPort": "traffic-port", "HealthCheckEnabled": True,
        "HealthCheckIntervalSeconds": 30, "HealthCheckTimeoutSeconds": 10,
        "HealthyThresholdCount": 3, "UnhealthyThresholdCount": 3,
        "LoadBalancerArns": [NLB_ARN], "TargetType": "ip",
    })
    (orders,) = [s for s in docs["ecs-services.json"]["services"] if s["serviceName"] == "orders"]
    orders["loadBalancers"] = [{"targetGroupArn": NLB_TG, "containerName": "orders",
                                "containerPort": 9090}]
    groups = docs["security-groups.json"]["SecurityGroups"]
    groups.append({"GroupId": NLB_SG, "GroupName": "shop-nlb-sg", "Description": "shop NLB",
                   "VpcId": "vpc-0f3c2a9b8d7e6f501", "IpPermissions": [
                       {"IpProtocol": "tcp", "FromPort": p, "ToPort": p,
                        "IpRanges": [{"CidrIp": "10.0.0.0/8"}], "UserIdGroupPairs": []}
                       for _, p in listeners], "IpPermissionsEgress": []})
    (orders_sg,) = [g for g in groups if g["GroupId"] == ORDERS_SG]
    orders_sg["IpPermissions"][0]["UserIdGroupPairs"].append({"GroupId": NLB_SG,
                                                              "UserId": "123456789012"})
    return docs
