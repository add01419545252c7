"""Names netgen derives from names people chose (a file, a folder), made into DNS labels.

The blueprint's name ends up in object names, labels and an ALB group name, which the API
server checks; a file called `Shop_App.v2.py` or `bé.py` must give `shop-app-v2` and `be`,
not a name the cluster rejects at apply time.
"""

from __future__ import annotations

import os
import re
import unicodedata


def dns_label(text: str, limit: int = 63) -> str:
    """Lowercase letters, digits and '-' (accents dropped, every other run of characters one
    '-'); '' when nothing usable is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    label = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return label[:limit].strip("-")


def default_blueprint_name(path: str) -> str:
    """The name a blueprint gets from its file when `blueprint()` names none; the file's
    stem itself when no label can be made of it, for the check to report."""
    stem = os.path.splitext(os.path.basename(path))[0]
    return dns_label(stem) or stem
