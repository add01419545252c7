"""What a backend is: the exposures it lowers, the features it can express, and a lowering
function from a Plan to rendered documents. Adding a backend means one module, one folder
of templates and one line in `registry.py`."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from attrs import frozen

from netgen.model import SourceLoc, Via
from netgen.plan import Plan
from netgen.render import Document, Renderer
from netgen.targets.features import Feature

LowerFn = Callable[[Plan, Renderer], Iterable[Document]]
# Checks that span several routes (a shared load balancer, a host's paths): (where, message).
CheckFn = Callable[[Plan], Iterable[tuple[SourceLoc | None, str]]]


@frozen
class Backend:
    name: str
    lower: LowerFn
    via: tuple[Via, ...] = ()
    features: frozenset[Feature] = frozenset()
    terminates_tls: bool = False
    check: CheckFn | None = None
