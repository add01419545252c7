"""`netgen import ecs`, phase 1: AWS CLI exports → typed `Exports` → analysed `EcsSystem`.

exports = load_exports(Path("aws-export/"))   # raises ExportError listing every problem
system = analyse(exports)                      # never raises; see system.warnings
"""

from netgen.importers.ecs.analyse import analyse
from netgen.importers.ecs.exports import Exports
from netgen.importers.ecs.load import MAX_FILE_BYTES, load_exports, parse_exports
from netgen.importers.ecs.model import EcsSystem
from netgen.importers.ecs.problems import ExportError, Finding, Problem, Source

__all__ = [
    "MAX_FILE_BYTES",
    "EcsSystem",
    "ExportError",
    "Exports",
    "Finding",
    "Problem",
    "Source",
    "analyse",
    "load_exports",
    "parse_exports",
]
