"""CoreDNS customisation as the `coredns-custom` ConfigMap in kube-system.

AKS and k3s both import that ConfigMap's keys into CoreDNS by suffix: `*.server` keys are
whole server blocks (one per forwarded zone here), `*.override` keys are plugin lines
injected into the default `.:53` block (query logging here). EKS reads no such ConfigMap:
there the same text goes into the `coredns` ConfigMap's Corefile (see docs/workflow.md).

The Corefile text is built here, not in a template: it is not YAML, and the zones and
addresses in it were checked by `resolve` to contain no spaces, braces or newlines. The
template prints each key as a `|` block, so the ConfigMap reads like the seed guide's.
"""

from __future__ import annotations

from collections.abc import Iterator

from netgen.plan import DNS_SERVER_SUFFIX, DnsForwardPlan, DnsPlan, Plan
from netgen.render import Document, Renderer
from netgen.targets.base import Backend, object_labels

CONFIGMAP = "coredns-custom"
NAMESPACE = "kube-system"
INDENT = "    "


def server_block(f: DnsForwardPlan) -> str:
    forward = f"forward . {' '.join(f.to)}"
    if f.policy is not None:
        forward += f" {{\n{INDENT * 2}policy {f.policy}\n{INDENT}}}"
    return f"{f.zone}:53 {{\n{INDENT}{forward}\n}}\n"


def log_override(classes: tuple[str, ...]) -> str:
    """The seed's `log { class ... }` form: with no zone names the log plugin logs the
    whole server block, the same as upstream's `log . { ... }`."""
    if not classes:
        return "log\n"
    return f"log {{\n{INDENT}class {' '.join(classes)}\n}}\n"


def configmap_data(dns: DnsPlan) -> dict[str, str]:
    """Key -> Corefile text; the key suffixes are what AKS and k3s import."""
    data = {f"{f.zone}{DNS_SERVER_SUFFIX}": server_block(f) for f in dns.forwards}
    if dns.log_classes is not None:
        data["log.override"] = log_override(dns.log_classes)
    return dict(sorted(data.items()))


def lower(plan: Plan, r: Renderer) -> Iterator[Document]:
    if plan.dns is None:
        return
    yield r.document(
        "coredns/configmap.yaml.j2", api_version="v1", kind="ConfigMap", name=CONFIGMAP,
        namespace=NAMESPACE, labels=object_labels((), plan.blueprint),
        data=configmap_data(plan.dns),
    )


BACKEND = Backend(name="CoreDNS", lower=lower)
