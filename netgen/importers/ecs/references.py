"""Cross-file reference checks: every ARN or id netgen must follow has to be in the export.

A dangling reference means the export is incomplete, and guessing would produce a
blueprint that silently drops a route or a flow, so those are `Problem`s, each naming the
command that exports the missing object. References netgen can do without (a listener's
ACM certificate details) only produce `Finding`s. Checks whose target collection failed to
parse are skipped, so one broken file does not drown the user in follow-on errors.
"""

from __future__ import annotations

from netgen.importers.ecs.exports import Exports
from netgen.importers.ecs.kinds import KIND_BY_COLLECTION
from netgen.importers.ecs.problems import Finding, Problem, Source
from netgen.importers.ecs.shapes.ecs import Service, TaskDefinition
from netgen.importers.ecs.shapes.elbv2 import Action, listener_arn_of_rule


def check_references(
    exports: Exports, broken: set[str] | frozenset[str] = frozenset()
) -> tuple[list[Problem], list[Finding]]:
    checker = _Checker(exports, broken)
    checker.run()
    return checker.problems, checker.findings


class _Checker:
    def __init__(self, exports: Exports, broken: set[str] | frozenset[str]) -> None:
        self.x = exports
        self.broken = broken
        self.problems: list[Problem] = []
        self.findings: list[Finding] = []

    def need(self, collection: str, ident: str | None, at: Source, what: str) -> bool:
        """Report `ident` missing from `collection`; True when it is there."""
        if ident is None or ident in getattr(self.x, collection):
            return True
        if collection not in self.broken:
            command = KIND_BY_COLLECTION[collection].command
            self.problems.append(
                Problem(at.file, at.json_path, f"{what} {ident} is not in the export ({command})")
            )
        return False

    def run(self) -> None:
        for arn, service in self.x.services.items():
            self.service(service, self.x.source(arn))
        for arn, task in self.x.task_definitions.items():
            self.task_definition(task, self.x.source(arn))
        for arn, lb in self.x.load_balancers.items():
            at = self.x.source(arn)
            for i, group in enumerate(lb.SecurityGroups):
                where = at.at(f".SecurityGroups[{i}]")
                self.need("security_groups", group, where, "security group")
        for arn, listener in self.x.listeners.items():
            at = self.x.source(arn)
            lb_arn = listener.LoadBalancerArn
            self.need("load_balancers", lb_arn, at.at(".LoadBalancerArn"), "load balancer")
            self.actions(listener.DefaultActions, at.at(".DefaultActions"))
            for i, cert in enumerate(listener.Certificates):
                if cert.CertificateArn not in self.x.certificates:
                    self.findings.append(
                        at.finding(
                            "certificate-not-exported",
                            f"{cert.CertificateArn} is not in the export (aws acm "
                            "describe-certificate); its host names stay unknown",
                            f".Certificates[{i}].CertificateArn",
                        )
                    )
        for arn in self.x.rules:
            self.rule(arn, self.x.source(arn))
        for arn, db in self.x.db_instances.items():
            at = self.x.source(arn)
            for i, member in enumerate(db.VpcSecurityGroups):
                where = at.at(f".VpcSecurityGroups[{i}].VpcSecurityGroupId")
                self.need("security_groups", member.VpcSecurityGroupId, where, "security group")

    def service(self, service: Service, at: Source) -> None:
        if service.taskDefinition is None and not service.taskSets:
            self.problems.append(at.problem(
                "required field missing (a service has a taskDefinition, or taskSets when an "
                "EXTERNAL or CODE_DEPLOY controller deploys it)", ".taskDefinition"))
        task = self.task_of(service.taskDefinition, at.at(".taskDefinition"))
        for i, task_set in enumerate(service.taskSets):
            self.task_of(task_set.taskDefinition, at.at(f".taskSets[{i}].taskDefinition"))
        for i, lb in enumerate(service.loadBalancers):
            where = at.at(f".loadBalancers[{i}]")
            if lb.targetGroupArn is None:
                self.findings.append(
                    where.finding(
                        "classic-load-balancer",
                        f"Classic Load Balancer {lb.loadBalancerName} is not imported",
                    )
                )
            else:
                tg_at = where.at(".targetGroupArn")
                self.need("target_groups", lb.targetGroupArn, tg_at, "target group")
            if task is not None:
                self.container_port(task, lb.containerName, lb.containerPort, where)
        for i, registry in enumerate(service.serviceRegistries):
            where = at.at(f".serviceRegistries[{i}].registryArn")
            if self.x.discovery_by_arn(registry.registryArn) is None:
                self.need("discovery_services", registry.registryArn, where, "Cloud Map service")
        vpc = service.networkConfiguration and service.networkConfiguration.awsvpcConfiguration
        for i, group in enumerate(vpc.securityGroups if vpc else ()):
            where = at.at(f".networkConfiguration.awsvpcConfiguration.securityGroups[{i}]")
            self.need("security_groups", group, where, "security group")

    def task_of(self, ref: str | None, at: Source) -> TaskDefinition | None:
        """The task definition `ref` names; a registration file matched by family only is
        a warning (its revision is unknown), a missing one a problem."""
        if ref is None:
            return None
        task = self.x.task_definition(ref)
        if task is None:
            self.need("task_definitions", ref, at, "task definition")
        elif task.key() != ref and task.revision is None:
            self.findings.append(at.finding(
                "task-definition-by-family",
                f"{ref} is not in the export; using the registration file of family "
                f"{task.family} ({self.x.source(task.key()).file}), whose revision is unknown: "
                "check it is the one the service runs"))
        return task

    def container_port(self, task: TaskDefinition, name: str, port: int, at: Source) -> None:
        container = next((c for c in task.containerDefinitions if c.name == name), None)
        if container is None:
            self.problems.append(
                at.problem(
                    f"container {name!r} is not in task definition {task.key()}",
                    ".containerName",
                )
            )
        elif all(m.containerPort != port for m in container.portMappings):
            self.problems.append(
                at.problem(f"container {name!r} has no port mapping for {port}", ".containerPort")
            )

    def task_definition(self, task: TaskDefinition, at: Source) -> None:
        volumes = {v.name for v in task.volumes}
        for c, container in enumerate(task.containerDefinitions):
            for m, mount in enumerate(container.mountPoints):
                if mount.sourceVolume not in volumes:
                    self.problems.append(
                        at.problem(
                            f"volume {mount.sourceVolume!r} is not in the task's volumes",
                            f".containerDefinitions[{c}].mountPoints[{m}].sourceVolume",
                        )
                    )

    def actions(self, actions: tuple[Action, ...], at: Source) -> None:
        for a, action in enumerate(actions):
            for suffix, arn, _weight in action.forward_targets():
                self.need("target_groups", arn, at.at(f"[{a}]{suffix}"), "target group")

    def rule(self, arn: str, at: Source) -> None:
        rule = self.x.rules[arn]
        listener = listener_arn_of_rule(arn)
        if listener is None:
            self.problems.append(at.problem("not a listener rule ARN", ".RuleArn"))
        else:
            self.need("listeners", listener, at.at(".RuleArn"), "the rule's listener")
        if rule.IsDefault != (rule.Priority is None):
            self.problems.append(
                at.problem(
                    'Priority is "default" exactly when IsDefault is true; got both '
                    f"IsDefault {str(rule.IsDefault).lower()} and that priority",
                    ".Priority",
                )
            )
        self.actions(rule.Actions, at.at(".Actions"))
