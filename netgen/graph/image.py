"""SVG and PNG through Graphviz's `dot` program, when it is installed; netgen itself
depends on no graphics library."""

from __future__ import annotations

import shutil
import subprocess

from netgen.problems import MessageError

FORMATS = ("svg", "png")


class ImageError(MessageError):
    """Graphviz is missing or failed; the message says what to do."""


def render_image(dot_text: str, fmt: str) -> bytes:
    program = shutil.which("dot")
    if program is None:
        raise ImageError(
            f"--format {fmt} needs Graphviz's `dot` program, which is not installed "
            "(apt-get install graphviz, brew install graphviz); `--format dot` prints the "
            "DOT text and `--format mermaid` needs nothing")
    try:
        done = subprocess.run([program, f"-T{fmt}"], input=dot_text.encode(),
                              capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ImageError(f"running {program} failed: {e}") from None
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip()
        raise ImageError(f"{program} -T{fmt} failed (exit {done.returncode}): {detail}")
    return done.stdout
