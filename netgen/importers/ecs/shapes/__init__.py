"""Typed views of AWS CLI JSON output, one module per AWS service.

Only the fields netgen uses are declared; see each module for the quirks it handles.
"""

from netgen.importers.ecs.shapes.acm import AcmCertificate, CertificateFile
from netgen.importers.ecs.shapes.cloudmap import (
    DiscoveryService,
    DiscoveryServiceFile,
    DiscoveryServicesFile,
    Namespace,
    NamespaceFile,
    NamespacesFile,
)
from netgen.importers.ecs.shapes.ec2 import (
    SecurityGroup,
    SecurityGroupsFile,
    Subnet,
    SubnetsFile,
)
from netgen.importers.ecs.shapes.ecs import (
    Service,
    ServicesFile,
    TaskDefinition,
    TaskDefinitionFile,
)
from netgen.importers.ecs.shapes.elbv2 import (
    Listener,
    ListenersFile,
    LoadBalancer,
    LoadBalancersFile,
    Rule,
    RulesFile,
    TargetGroup,
    TargetGroupsFile,
)
from netgen.importers.ecs.shapes.rds import DBInstance, DBInstancesFile

__all__ = [
    "AcmCertificate",
    "CertificateFile",
    "DBInstance",
    "DBInstancesFile",
    "DiscoveryService",
    "DiscoveryServiceFile",
    "DiscoveryServicesFile",
    "Listener",
    "ListenersFile",
    "LoadBalancer",
    "LoadBalancersFile",
    "Namespace",
    "NamespaceFile",
    "NamespacesFile",
    "Rule",
    "RulesFile",
    "SecurityGroup",
    "SecurityGroupsFile",
    "Service",
    "ServicesFile",
    "Subnet",
    "SubnetsFile",
    "TargetGroup",
    "TargetGroupsFile",
    "TaskDefinition",
    "TaskDefinitionFile",
]
