"""Fixtures of the importer tests.

The ALB, ingress-nginx and Gateway API backends live in another branch. Until they are
merged, `http_backends` registers stand-ins that accept every feature and render nothing,
so a blueprint exposing through them loads and resolves and its route table can be checked.
Once the real backends are registered, they are used instead (and must accept it too).
"""

from __future__ import annotations

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from netgen import ALB, GATEWAY, NGINX
from netgen.targets import registry
from netgen.targets.base import Backend
from netgen.targets.features import Feature

HTTP_VIAS = (ALB, NGINX, GATEWAY)

# Pinned blueprints are `.py` files named after their tests; they are data, not tests.
collect_ignore_glob = ["__snapshots__/*"]


class PythonSnapshot(SingleFileSnapshotExtension):
    """A generated blueprint, pinned as the `.py` file a reviewer reads."""

    _write_mode = WriteMode.TEXT
    file_extension = "py"


@pytest.fixture
def py_snapshot(snapshot):  # type: ignore[no-untyped-def]
    return snapshot.use_extension(PythonSnapshot)


@pytest.fixture
def http_backends(monkeypatch: pytest.MonkeyPatch) -> None:
    stand_ins = tuple(
        Backend(name=via.name, lower=lambda plan, r: (), via=(via,),
                features=frozenset(Feature), terminates_tls=True)
        for via in HTTP_VIAS
        if registry.backend_for(via) is None
    )
    monkeypatch.setattr(registry, "BACKENDS", registry.BACKENDS + stand_ins)
