"""Helpers shared by the ECS importer tests: the ecs-shop fixture, as files or as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ECS_SHOP = Path(__file__).parent / "fixtures" / "ecs-shop"


def shop_documents() -> dict[str, Any]:
    """The ecs-shop fixture as parsed JSON, file name → document, for mutation in tests."""
    return {p.name: json.loads(p.read_text()) for p in sorted(ECS_SHOP.glob("*.json"))}


def encode(documents: dict[str, Any]) -> dict[str, bytes]:
    return {name: json.dumps(doc, indent=4).encode() for name, doc in documents.items()}
