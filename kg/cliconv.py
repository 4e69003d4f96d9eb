"""Command-line conventions shared by the subcommands (kg/cli.py stays parse-call-print).

- numbers are validated by argparse types (``--top 0`` is a usage error, exit 2);
- ``-o/--output`` names an output, ``-`` meaning standard output; ``--format`` is inferred
  from the output's suffix when not given;
- ``--format json`` for ``check`` and ``stats``;
- tables printed to a terminal fit its width: longer lines are cut with an ellipsis (output
  to a pipe or a file is never cut).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from kg.core.errors import Issue, KGError

if TYPE_CHECKING:
    from kg.analysis.stats import Stats


def _whole(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be {least} or more: {text}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number of 1 or more."""
    return _whole(text, 1)


def non_negative_int(text: str) -> int:
    """An argparse type: a whole number of 0 or more."""
    return _whole(text, 0)


def positive_float(text: str) -> float:
    """An argparse type: a number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be above 0: {text}")
    return value


def non_negative_float(text: str) -> float:
    """An argparse type: a number of seconds, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be 0 or more: {text}")
    return value


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 0 (pick a free one) to 65535."""
    value = non_negative_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"not a port (0-65535): {text}")
    return value


def output_option(p: argparse.ArgumentParser, *, default: str | None, help_text: str,
                  required: bool = False) -> None:
    """``-o/--output`` (``--out`` kept as an alias) naming an output file or folder."""
    p.add_argument("-o", "--output", "--out", dest="out", type=Path, metavar="PATH", default=(
        Path(default) if default is not None else None), required=required, help=help_text)


FORMAT_BY_SUFFIX = {".graphml": "graphml", ".gexf": "gexf", ".csv": "csv", ".json": "json",
                    ".tsv": "tsv", ".xml": "xml", ".srj": "json", ".srx": "xml"}


def infer_format(given: str | None, out: Path | None, allowed: Sequence[str],
                 default: str | None = None) -> str:
    """``--format`` if given, else the output's suffix (a folder for csv), else ``default``."""
    if given:
        return given
    if out is not None and str(out) != "-":
        fmt = FORMAT_BY_SUFFIX.get(out.suffix.lower())
        if fmt is not None and fmt in allowed:
            return fmt
        if not out.suffix and "csv" in allowed and default is None:
            return "csv"  # a folder: nodes.csv and edges.csv
    if default is not None:
        return default
    raise KGError(f"cannot tell the format from {str(out)!r}: give -f/--format "
                  f"({', '.join(allowed)}) or an output ending in "
                  + ", ".join(s for s, f in FORMAT_BY_SUFFIX.items() if f in allowed))


def issues_json(issues: Sequence[Issue]) -> str:
    errors = sum(1 for i in issues if i.is_error)
    return json.dumps({
        "errors": errors, "warnings": len(issues) - errors,
        "issues": [{"file": i.loc.file, "line": i.loc.line, "col": i.loc.col,
                    "severity": i.severity.value, "message": i.message,
                    "value": None if i.value is None else str(i.value)} for i in issues],
    }, indent=2, ensure_ascii=False) + "\n"


def stats_json(s: Stats) -> str:
    return json.dumps({**asdict(s), "entity_total": s.entity_total}, indent=2,
                      ensure_ascii=False) + "\n"


def fit_width(text: str) -> str:
    """``text`` with every line longer than the terminal cut with an ellipsis, when standard
    output is a terminal; unchanged otherwise (pipes and files get every character)."""
    if not sys.stdout.isatty():
        return text
    width = shutil.get_terminal_size().columns
    return "\n".join(line if len(line) <= width else line[: max(width - 1, 1)] + "…"
                     for line in text.split("\n"))


# --- "wrote ..." only for files that changed ---------------------------------------------------


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def snapshot_outputs(target: Path) -> dict[Path, str]:
    """The content hash of every file a command may rewrite: ``target`` itself, or the
    files in the folder ``target`` and its sub-folders (hidden files left out)."""
    if target.is_file():
        return {target: _digest(target)}
    if not target.is_dir():
        return {}
    return {p: _digest(p) for p in sorted(target.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in
                                       p.relative_to(target).parts)}


def built_outputs(out: Path) -> dict[Path, str]:
    """The content hash of each file the build now in ``out`` wrote, by its manifest (a
    file whose size or time differs from the manifest's stamp is hashed again); without
    a usable manifest, every file of ``out`` but the store (:func:`snapshot_outputs`)."""
    from kg.pipeline.artifact import STORE, previous
    from kg.pipeline.manifest import stamp

    old = previous(out)
    if old is None:
        return {p: h for p, h in snapshot_outputs(out).items()
                if p.relative_to(out).parts[:1] != (STORE,)} if out.is_dir() else {}
    found: dict[Path, str] = {}
    for rel, digest in old.outputs.items():
        path = out / rel
        try:
            found[path] = digest if old.stamps.get(rel) == stamp(path) else _digest(path)
        except OSError:
            continue
    return found


def changed_outputs(before: dict[Path, str], written: Sequence[Path]) -> list[Path]:
    """The files of ``written`` that are new or whose bytes differ from ``before``."""
    return [p for p in written
            if before.get(Path(p)) is None or not Path(p).is_file()
            or _digest(Path(p)) != before[Path(p)]]


def write_output(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
