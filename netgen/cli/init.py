"""`netgen init`: a commented starter blueprint that builds as it is."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Annotated

import typer

from netgen.cli.options import fail, guarded


@guarded
def init(
    folder: Annotated[
        Path, typer.Argument(help="Where to write blueprint.py (created if missing).")
    ] = Path("."),
) -> None:
    """Write a commented starter blueprint.py into FOLDER and print the next command."""
    from netgen.cli.starter import BLUEPRINT_FILE, write_starter

    target = folder / BLUEPRINT_FILE
    if os.path.lexists(folder) and not folder.is_dir():  # a file, or a link to nothing
        raise fail(f"netgen: {folder} is not a folder; init writes {BLUEPRINT_FILE} into a "
                   "folder (created if missing)")
    if target.exists() or target.is_symlink():
        raise fail(f"netgen: {target} already exists; not overwriting it "
                   "(remove it, or choose another folder)")
    try:
        write_starter(folder)
    except NotADirectoryError:
        raise fail(f"netgen: {folder} cannot be a folder: part of its path is a file") from None
    out = folder / "out"
    typer.echo(f"netgen: wrote {target}: a starter system to edit into yours.")
    typer.echo("Next, build it:")
    typer.echo(f"  netgen build {shlex.quote(str(target))} --out {shlex.quote(str(out))}")
