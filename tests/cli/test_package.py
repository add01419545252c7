"""The CLI package has no import cycle: command modules take the shared pieces from
`netgen.cli.options` (or `.console`, `.starter`, and the typer-free `.errors`, `.streams`,
`.argv`, `.build_core` and `.check_core`), never from the package itself; only the entry points
(`__init__`, the app in `commands` and the fast path in `fast`) import the commands."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

CLI = REPO / "netgen" / "cli"
MODULES = sorted(p for p in CLI.glob("*.py") if p.name != "__init__.py")
ENTRY_POINTS = {"commands.py", "fast.py"}


def imports_of(text: str) -> list[tuple[int, str]]:
    """(line, module) for every import, including those inside functions."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "netgen.cli":
                found.extend((node.lineno, f"netgen.cli.{a.name}") for a in node.names)
            else:
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, a.name) for a in node.names)
    return found


@pytest.mark.parametrize("path", [p for p in MODULES if p.name not in ENTRY_POINTS],
                         ids=lambda p: p.stem)
def test_no_command_module_imports_the_package_or_another_command(path: Path) -> None:
    shared = {"netgen.cli.options", "netgen.cli.console", "netgen.cli.starter",
              "netgen.cli.errors", "netgen.cli.argv", "netgen.cli.build_core",
              "netgen.cli.check_core", "netgen.cli.startup", "netgen.cli.streams",
              "netgen.cli.attrs_code"}
    wrong = [f"{path.name}:{line} imports {module}" for line, module in imports_of(path.read_text())
             if (module == "netgen.cli" or module.startswith("netgen.cli."))
             and module not in shared]
    assert not wrong


def test_the_check_sees_an_import_back() -> None:
    assert imports_of("def f():\n    from netgen.cli import app\n") == [(2, "netgen.cli.app")]
    assert imports_of("import netgen.cli\n") == [(1, "netgen.cli")]


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.stem)
def test_each_module_imports_first(path: Path) -> None:
    """Importing any CLI module before the package works (no half-initialised import)."""
    run = subprocess.run([sys.executable, "-c", f"import netgen.cli.{path.stem}"],
                         capture_output=True, text=True, cwd=REPO, check=False)
    assert run.returncode == 0, run.stderr
