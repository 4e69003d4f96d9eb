"""Where kg keeps its cache: a name only (kg.core.entries keeps the entries).

Apart from kg.core.entries so that a command that only needs the folder's name
(``kg query`` over the build, before it knows whether it must build) imports nothing else.
"""

from __future__ import annotations

import os
from pathlib import Path


def default_cache_dir() -> Path:
    """``$KG_CACHE_DIR``, else ``$XDG_CACHE_HOME/kg``, else ``~/.cache/kg``."""
    if env := os.environ.get("KG_CACHE_DIR"):
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kg"
