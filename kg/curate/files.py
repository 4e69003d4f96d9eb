"""Which files of a data folder are data: listed without reading them (and without the
YAML reader, so that a reader of the build checks its inputs cheaply: kg.pipeline.manifest)."""

from __future__ import annotations

import stat
from pathlib import Path


def yaml_named(path: Path) -> bool:
    return path.suffix.lower() in (".yaml", ".yml")  # data.YAML and x.Yml too


def file_problem(root: Path, path: Path) -> tuple[str, str | None] | None:
    """Why the YAML-named ``path`` under ``root`` is not read as data (the message and
    the value to show), or None. Nothing of a refused file is read."""
    try:
        target = path.resolve(strict=True)
        inside = target.is_relative_to(root.resolve(strict=True))
        mode = target.stat().st_mode
    except (OSError, RuntimeError):  # a dangling or looping link
        shown = str(path.readlink()) if path.is_symlink() else str(path)
        return "a broken symbolic link; refused", shown
    if not inside:
        return ("a symbolic link leading out of the data folder; refused (not read)",
                str(target))
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, device or folder); refused (not read)", None
    return None


def data_files(root: Path) -> list[Path]:
    """The YAML files under ``root`` (``.yaml`` or ``.yml``, any case), in a stable order
    (sorted by relative path), without those kg.curate.load.data_file_issues refuses."""
    files = [p for p in root.rglob("*") if yaml_named(p) and file_problem(root, p) is None]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())
