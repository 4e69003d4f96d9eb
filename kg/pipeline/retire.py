"""The outputs a build replaces, freed on a worker thread once the new ones are in place.

Renaming a new file over an old one frees the old file's blocks and cached pages in the
rename itself when that was its last link: 2.5 s for a file of 3 GB on this machine's
ext4 (mounted with ``discard``), so a rebuild at 1M facts spent 5.4 s in its four
renames (docs/benchmarks.md, "The 1M rebuild: the page on the other core, the replaced
outputs freed aside"). Each output that
exists is first hard-linked to a hidden name beside it (``.graph.nt.<pid>-old.tmp``), so
the rename only moves a name, and the links are removed on a worker thread while the
build records its state and manifest: ``unlink`` releases the GIL. The names follow the
staged temporaries' pattern, so a build killed before removing them leaves nothing that
the next one does not remove (kg.pipeline.lock.remove_stale_temps). Where a file
system has no hard links, the rename frees the file itself, as before.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from kg.rdf import export


def aside_name(path: Path) -> Path:
    """The hidden link that keeps ``path``'s old file until the worker removes it."""
    return path.with_name(f".{path.name}.{os.getpid()}-old.tmp")


def _link_aside(path: Path) -> Path | None:
    aside = aside_name(path)
    try:
        os.link(path, aside)
    except OSError:  # no old file, no hard links here, or the name taken: rename frees it
        return None
    return aside


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


@contextmanager
def commit_freeing(temps: Mapping[Path, str]) -> Iterator[None]:
    """Rename every temporary onto its path (kg.rdf.export.commit), each old file kept
    by a hidden link, then unlinked on a worker thread during the ``with`` block (waited
    for on leaving)."""
    links = [aside for path in temps if (aside := _link_aside(path)) is not None]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-free") as worker:
        try:
            export.commit(temps)
        finally:  # a failed rename leaves its old file under its name: the link can go
            worker.submit(_remove, links)
        yield
