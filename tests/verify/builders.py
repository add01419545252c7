"""Terse constructors for Kubernetes documents, so tests state only what they are about."""

from __future__ import annotations

from typing import Any

Doc = dict[str, Any]


def namespace(name: str, **labels: str) -> Doc:
    meta: Doc = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def port(number: int, protocol: str = "TCP", name: str | None = None) -> Doc:
    out: Doc = {"containerPort": number, "protocol": protocol}
    if name:
        out["name"] = name
    return out


def workload(
    ns: str, name: str, labels: dict[str, str], ports: list[Doc], kind: str = "Deployment"
) -> Doc:
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": name, "image": "img", "ports": ports}]},
            },
        },
    }


def netpol(ns: str, name: str, **spec: Any) -> Doc:
    spec.setdefault("podSelector", {})
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }
