"""ECS secret references → Kubernetes Secret names and keys, and what to create by hand.

The blueprint only ever names a Secret and a key; the values stay in Secrets Manager or
Parameter Store until someone syncs them into the cluster (External Secrets Operator, or
by hand). One AWS secret (one ARN, version stage and version id) becomes one Kubernetes
Secret named after it; a JSON key picked by ECS becomes a key of that Secret, and a whole
secret or SSM parameter becomes the key `value`.
"""

from __future__ import annotations

import re

from attrs import frozen

from netgen.importers.ecs.model import SecretRef
from netgen.importers.ecs.naming import dns_label, unique

WHOLE = "value"
_RANDOM_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")  # Secrets Manager appends it to every ARN
_NOT_KEY = re.compile(r"[^-._a-zA-Z0-9]+")


@frozen
class SecretKey:
    """Where one environment variable's secret lives, before and after the move."""

    secret: str
    key: str
    store: str
    ref: str
    json_key: str | None = None
    version_stage: str | None = None
    version_id: str | None = None

    def origin(self) -> str:
        """The AWS side, in words, for the blueprint's header."""
        what = {"secretsmanager": "Secrets Manager secret", "ssm": "SSM parameter"}.get(
            self.store, "secret")
        text = f"{what} {self.ref}"
        if self.json_key is not None:
            text += f", JSON key {self.json_key}"
        if self.version_stage is not None:
            text += f", version stage {self.version_stage}"
        if self.version_id is not None:
            text += f", version id {self.version_id}"
        return text


class SecretNames:
    """Hands out one Secret name per AWS secret, stable for a given export."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self.used = set(taken or ())
        self.names: dict[tuple[str, str | None, str | None], str] = {}
        self.keys: dict[tuple[str, str], SecretKey] = {}
        self.by_json_key: dict[str, dict[str | None, str]] = {}
        self.key_names: dict[str, set[str]] = {}

    def key_for(self, ref: SecretRef) -> SecretKey:
        identity = (ref.ref, ref.version_stage, ref.version_id)
        name = self.names.get(identity)
        if name is None:
            base = dns_label(_aws_name(ref), "secret")
            if ref.version_stage or ref.version_id:
                base = dns_label(f"{base}-{ref.version_stage or ref.version_id}", "secret")
            name = self.names[identity] = unique(base, self.used, 253)
        known = self.by_json_key.setdefault(name, {})
        if ref.json_key not in known:
            wanted = _NOT_KEY.sub("-", ref.json_key or "").strip("-") or WHOLE
            known[ref.json_key] = unique(wanted, self.key_names.setdefault(name, set()), 253)
        key = known[ref.json_key]
        found = SecretKey(name, key, ref.store, ref.ref, ref.json_key, ref.version_stage,
                          ref.version_id)
        return self.keys.setdefault((name, key), found)

    def all(self) -> list[SecretKey]:
        return sorted(self.keys.values(), key=lambda k: (k.secret, k.key))


def _aws_name(ref: SecretRef) -> str:
    """The secret's own name: `shop/api/db` from `…:secret:shop/api/db-Xy7Pq2`."""
    if ref.store == "secretsmanager" and ":secret:" in ref.ref:
        return _RANDOM_SUFFIX.sub("", ref.ref.split(":secret:", 1)[1])
    if ref.store == "ssm" and ":parameter" in ref.ref:
        return ref.ref.split(":parameter", 1)[1]
    return ref.ref.rsplit(":", 1)[-1]
