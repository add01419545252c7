"""`python -m netgen` runs the CLI."""

from netgen.cli import command

command()
