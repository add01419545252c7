"""The parts of `aws elbv2 describe-*` output netgen reads (botocore `elbv2/2015-12-01`).

PascalCase keys, as the Elastic Load Balancing API spells them. Two quirks are kept
visible here rather than papered over, because they matter for correctness:

* `Rule.Priority` is a *string* in the API: "1" … "50000", or "default" for the listener's
  default rule (which also has `IsDefault: true`). The converter turns it into `int | None`.
* A forward action may name its target group twice, as `TargetGroupArn` and as
  `ForwardConfig.TargetGroups[].TargetGroupArn` with a `Weight`; `Action.forward_targets`
  gives the one normalised view.
"""

from __future__ import annotations

from datetime import datetime

from attrs import frozen


@frozen
class LoadBalancerState:
    Code: str | None = None


@frozen
class AvailabilityZone:
    """One zone the load balancer has nodes in; they connect to targets from addresses of
    `SubnetId`."""

    ZoneName: str | None = None
    SubnetId: str | None = None
    OutpostId: str | None = None


@frozen
class LoadBalancer:
    LoadBalancerArn: str
    LoadBalancerName: str
    Type: str
    DNSName: str | None = None
    Scheme: str | None = None
    VpcId: str | None = None
    State: LoadBalancerState | None = None
    AvailabilityZones: tuple[AvailabilityZone, ...] = ()
    SecurityGroups: tuple[str, ...] = ()
    IpAddressType: str | None = None
    CreatedTime: datetime | None = None


@frozen
class LoadBalancersFile:
    LoadBalancers: tuple[LoadBalancer, ...]


@frozen
class Matcher:
    HttpCode: str | None = None
    GrpcCode: str | None = None


@frozen
class TargetGroup:
    TargetGroupArn: str
    TargetGroupName: str
    Protocol: str | None = None  # absent for Lambda target groups
    Port: int | None = None
    VpcId: str | None = None
    TargetType: str | None = None
    ProtocolVersion: str | None = None
    HealthCheckEnabled: bool | None = None
    HealthCheckProtocol: str | None = None
    HealthCheckPort: str | None = None  # "traffic-port" or a number as a string
    HealthCheckPath: str | None = None
    HealthCheckIntervalSeconds: int | None = None
    HealthCheckTimeoutSeconds: int | None = None
    HealthyThresholdCount: int | None = None
    UnhealthyThresholdCount: int | None = None
    Matcher: Matcher | None = None
    LoadBalancerArns: tuple[str, ...] = ()


@frozen
class TargetGroupsFile:
    TargetGroups: tuple[TargetGroup, ...]


@frozen
class TargetGroupTuple:
    TargetGroupArn: str
    Weight: int | None = None


@frozen
class TargetGroupStickinessConfig:
    Enabled: bool | None = None
    DurationSeconds: int | None = None


@frozen
class ForwardConfig:
    TargetGroups: tuple[TargetGroupTuple, ...] = ()
    TargetGroupStickinessConfig: TargetGroupStickinessConfig | None = None


@frozen
class RedirectConfig:
    StatusCode: str
    Protocol: str | None = None
    Port: str | None = None
    Host: str | None = None
    Path: str | None = None
    Query: str | None = None


@frozen
class FixedResponseConfig:
    StatusCode: str
    MessageBody: str | None = None
    ContentType: str | None = None


@frozen
class Action:
    Type: str
    Order: int | None = None
    TargetGroupArn: str | None = None
    ForwardConfig: ForwardConfig | None = None
    RedirectConfig: RedirectConfig | None = None
    FixedResponseConfig: FixedResponseConfig | None = None

    def forward_targets(self) -> tuple[tuple[str, str, int], ...]:
        """(JSON path of the ARN inside this action, target group ARN, weight).

        `ForwardConfig` wins when present because only it carries weights; a plain
        `TargetGroupArn` is one target with weight 1, which is also what AWS assumes for a
        lone tuple without `Weight`.
        """
        if self.ForwardConfig is not None and self.ForwardConfig.TargetGroups:
            return tuple(
                (
                    f".ForwardConfig.TargetGroups[{i}].TargetGroupArn",
                    t.TargetGroupArn,
                    1 if t.Weight is None else t.Weight,
                )
                for i, t in enumerate(self.ForwardConfig.TargetGroups)
            )
        if self.TargetGroupArn is not None:
            return ((".TargetGroupArn", self.TargetGroupArn, 1),)
        return ()


@frozen
class Certificate:
    CertificateArn: str
    IsDefault: bool | None = None


@frozen
class Listener:
    ListenerArn: str
    LoadBalancerArn: str
    Port: int | None = None  # absent on Gateway Load Balancer listeners
    Protocol: str | None = None
    Certificates: tuple[Certificate, ...] = ()
    SslPolicy: str | None = None
    DefaultActions: tuple[Action, ...] = ()
    AlpnPolicy: tuple[str, ...] = ()


@frozen
class ListenersFile:
    Listeners: tuple[Listener, ...]


@frozen
class PatternConfig:
    """HostHeaderConfig and PathPatternConfig share this shape."""

    Values: tuple[str, ...] = ()
    RegexValues: tuple[str, ...] = ()


@frozen
class ValuesConfig:
    """HttpRequestMethodConfig and SourceIpConfig share this shape."""

    Values: tuple[str, ...] = ()


@frozen
class HttpHeaderConfig:
    HttpHeaderName: str
    Values: tuple[str, ...] = ()
    RegexValues: tuple[str, ...] = ()


@frozen
class QueryStringKeyValuePair:
    Value: str
    Key: str | None = None


@frozen
class QueryStringConfig:
    Values: tuple[QueryStringKeyValuePair, ...] = ()


@frozen
class RuleCondition:
    Field: str
    Values: tuple[str, ...] = ()  # the legacy form, still returned next to the *Config
    HostHeaderConfig: PatternConfig | None = None
    PathPatternConfig: PatternConfig | None = None
    HttpHeaderConfig: HttpHeaderConfig | None = None
    QueryStringConfig: QueryStringConfig | None = None
    HttpRequestMethodConfig: ValuesConfig | None = None
    SourceIpConfig: ValuesConfig | None = None
    RegexValues: tuple[str, ...] = ()


@frozen
class RuleTransform:
    Type: str


@frozen
class Rule:
    RuleArn: str
    Priority: int | None  # None is the API's "default"; see the module docstring
    IsDefault: bool
    Conditions: tuple[RuleCondition, ...] = ()
    Actions: tuple[Action, ...] = ()
    Transforms: tuple[RuleTransform, ...] = ()


@frozen
class RulesFile:
    """`aws elbv2 describe-rules --listener-arn …`: one file per listener."""

    Rules: tuple[Rule, ...]


def listener_arn_of_rule(rule_arn: str) -> str | None:
    """The listener a rule belongs to, which `describe-rules` output does not state.

    A rule ARN is the listener ARN with `listener-rule/` for `listener/` and one more path
    segment: `…:listener-rule/app/lb/LBID/LISTENERID/RULEID`.
    """
    head, sep, tail = rule_arn.partition(":listener-rule/")
    parts = tail.split("/")
    if not sep or len(parts) != 5 or not all(parts):
        return None
    return f"{head}:listener/{'/'.join(parts[:4])}"
