"""What the properties look for in generated documents, independent of which backend wrote
them: parsed documents, every string they hold, traffic splits, API-server name rules.

The weight extractors know the forms of the backends the seed guide teaches (ALB forward
actions, ingress-nginx canary Ingresses, Gateway API backendRefs, Istio route weights);
each looks only at documents of its kind, so a backend that is not registered yet simply
yields nothing here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import yaml

from netgen.render import Document
from tests.conftest import Loader

Split = tuple[int, ...]

ALB_ACTION = "alb.ingress.kubernetes.io/actions."
NGINX = "nginx.ingress.kubernetes.io/"
ROUTE_KINDS = ("HTTPRoute", "GRPCRoute", "TCPRoute", "TLSRoute", "UDPRoute")

_LABEL_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?").fullmatch
_LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?").fullmatch
_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?").fullmatch
_DNS1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?").fullmatch
_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*").fullmatch


def parse_one(doc: Document) -> dict[str, Any]:
    """The document's single YAML mapping, which must name what netgen said it renders."""
    parsed = [d for d in yaml.load_all(doc.text, Loader=Loader) if d is not None]
    assert len(parsed) == 1, f"{doc.kind}/{doc.name} rendered {len(parsed)} documents"
    (data,) = parsed
    assert isinstance(data, dict), f"{doc.kind}/{doc.name} is not a mapping"
    meta = data.get("metadata") or {}
    assert (data.get("apiVersion"), data.get("kind"), meta.get("name"),
            meta.get("namespace")) == (doc.api_version, doc.kind, doc.name, doc.namespace), \
        f"{doc.kind}/{doc.name} renders as {data.get('kind')}/{meta.get('name')}"
    return data


def strings(value: Any) -> Iterator[str]:
    """Every string in a document, keys included, and those inside JSON annotation values
    (an ALB action, conditions), which a controller decodes again."""
    if isinstance(value, dict):
        for k, item in value.items():
            yield from strings(k)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value
        if value[:1] in "[{":
            try:
                decoded = json.loads(value)
            except ValueError:
                return
            yield from strings(decoded)


# -- API-server rules the OpenAPI schemas do not carry ------------------------------------

_DNS1035_NAMED = {"Service"}
_LABEL_NAMED = {"Namespace"}


def name_problems(doc: dict[str, Any]) -> list[str]:
    """Names, labels, selectors and external names as the API server validates them."""
    kind = doc["kind"]
    meta = doc["metadata"]
    name = meta["name"]
    where = f"{kind}/{name}"
    out: list[str] = []
    if kind in _DNS1035_NAMED:
        ok = bool(_DNS1035(name)) and len(name) <= 63
    elif kind in _LABEL_NAMED:
        ok = bool(_DNS_LABEL(name)) and len(name) <= 63
    else:
        ok = bool(_SUBDOMAIN(name)) and len(name) <= 253
    if not ok:
        out.append(f"{where}: invalid name {name!r}")
    namespace = meta.get("namespace")
    if namespace is not None and not (_DNS_LABEL(namespace) and len(namespace) <= 63):
        out.append(f"{where}: invalid namespace {namespace!r}")
    for labels in _label_maps(doc):
        out += [f"{where}: {p}" for p in label_problems(labels)]
    spec = doc.get("spec") or {}
    if kind in ("Deployment", "StatefulSet"):
        selector = spec["selector"]["matchLabels"]
        template = spec["template"]["metadata"]["labels"]
        if not selector.items() <= template.items():
            out.append(f"{where}: selector {selector} does not match template {template}")
    if kind == "Service" and spec.get("type") == "ExternalName":
        external = spec.get("externalName", "")
        if not (_SUBDOMAIN(external.rstrip(".").lower()) and len(external) <= 253):
            out.append(f"{where}: externalName {external!r} is not a DNS name")
    return out


def _label_maps(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield doc["metadata"].get("labels") or {}
    spec = doc.get("spec") or {}
    if isinstance(spec.get("selector"), dict):
        selector = spec["selector"]
        yield selector.get("matchLabels", selector) if doc["kind"] != "Service" else selector
    template = spec.get("template")
    if isinstance(template, dict):
        yield (template.get("metadata") or {}).get("labels") or {}


def label_problems(labels: dict[str, Any]) -> list[str]:
    out = []
    for key, value in labels.items():
        prefix, _, name = str(key).rpartition("/")
        if (prefix and not (_SUBDOMAIN(prefix) and len(prefix) <= 253)) or not (
            _LABEL_NAME(name) and len(name) <= 63
        ):
            out.append(f"invalid label key {key!r}")
        if not isinstance(value, str) or not _LABEL_VALUE(value) or len(value) > 63:
            out.append(f"invalid label value {key}={value!r}")
    return out


# -- traffic splits -------------------------------------------------------------------------


def splits(doc: dict[str, Any]) -> Iterator[tuple[str, Split]]:
    """(where, weights) of every weighted split a document holds, in the backend's form."""
    kind = doc.get("kind")
    meta = doc.get("metadata") or {}
    where = f"{kind}/{meta.get('name')}"
    annotations = meta.get("annotations") or {}
    if kind == "Ingress":
        for key, value in annotations.items():
            if key.startswith(ALB_ACTION):
                action = json.loads(value)
                groups = (action.get("forwardConfig") or {}).get("targetGroups") or []
                if groups:
                    yield f"{where} {key}", tuple(g.get("weight", 1) for g in groups)
        if annotations.get(NGINX + "canary") == "true":
            weight = int(annotations.get(NGINX + "canary-weight", "0"))
            total = int(annotations.get(NGINX + "canary-weight-total", "100"))
            # The main Ingress gets what the canary does not.
            yield f"{where} canary-weight", (total - weight, weight)
    if kind in ROUTE_KINDS:
        for i, rule in enumerate((doc.get("spec") or {}).get("rules") or []):
            refs = rule.get("backendRefs") or []
            if len(refs) > 1:
                yield f"{where} rules[{i}]", tuple(r.get("weight", 1) for r in refs)
    if kind == "VirtualService":
        spec = doc.get("spec") or {}
        for section in ("http", "tcp", "tls"):
            for i, route in enumerate(spec.get(section) or []):
                dests = route.get("route") or []
                if len(dests) > 1 or any("weight" in d for d in dests):
                    yield f"{where} {section}[{i}]", tuple(d.get("weight", 0) for d in dests)


KNOWN_SPLIT_KINDS = ("Ingress", *ROUTE_KINDS, "VirtualService")
