"""The build's HTML pages: graph.html from the files' parts, and the focus pages.

A rebuild begins its graph.html at once (:func:`ahead`): a forked child (kg.core.fork)
renders it into an unnamed file beside the outputs while this process reads the rebuild
state, plans and splices the RDF outputs, and the page is copied into its staged file
when the build writes it. At 1M facts the page is the rebuild's largest step (21 s)
and it needs nothing the plan makes (docs/benchmarks.md, "The 1M rebuild: the page on
the other core, the replaced outputs freed aside"). A full build renders it last, in
this process: its text triples are freed first, for its peak memory
(kg.pipeline.staged.Written).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import BinaryIO

from kg.core.fork import Forked
from kg.curate.passages import page_passages
from kg.page import render
from kg.pipeline import datafiles
from kg.pipeline.datafiles import DataFile
from kg.pipeline.splice import Copier
from kg.rdf import export


def pages(files: list[DataFile], out: Path, *, html_page: bool, focus: Sequence[str],
          hops: int, cache_dir: Path | None, sources_dir: Path | None = None,
          rows: Mapping[str, str] | None = None) -> dict[Path, export.Made]:
    """The HTML page (from the files' parts: kg.page.pageparts) and the focus pages;
    ``rows``: each file's page rows when made already (kg.pipeline.stream)."""
    made: dict[Path, export.Made] = {}
    if html_page:
        made[out / "graph.html"] = lambda: render.page_pieces(
            *datafiles.page_parts(files, rows=rows), cache_dir=cache_dir,
            passages=page_passages(datafiles.dataset(files), sources_dir)
            if sources_dir is not None else None)
    if focus:
        data = datafiles.dataset(files)
        for name in focus:
            eid, page = render.render_focus_page(data, name, hops=hops)
            made[out / f"focus-{eid}.html"] = page
    return made


@contextmanager
def ahead(made: dict[Path, export.Made | export.Direct], page: Path, *, now: bool
          ) -> Iterator[None]:
    """With ``now``, ``made[page]`` begun at once in a forked child, and replaced by the
    :class:`kg.rdf.export.Direct` that writes what it made; on leaving, a child whose
    page was not taken (the build failed first) is stopped. Where no file can be made
    beside the page, the page is left to the build, which reports why."""
    maker = made.get(page)
    if not now or maker is None or isinstance(maker, export.Direct) or \
            (unnamed := _unnamed(page.parent)) is None:
        yield
        return
    with unnamed, Forked(partial(_render, maker, unnamed.fileno())) as child:
        made[page] = export.Direct(partial(_copied, child, unnamed))
        yield


def _unnamed(folder: Path) -> BinaryIO | None:
    """A file without a name in ``folder`` (removed when closed), or None."""
    try:
        return tempfile.TemporaryFile(dir=folder)
    except OSError:
        return None


def _render(maker: export.Made, fd: int) -> tuple[int, str] | None:
    """In the child: the page written to ``fd``; a write that failed, as its errno and
    message (raised as OSError here, so the build names the page's path)."""
    try:
        export.write_text(fd, maker, closefd=False)
    except OSError as exc:
        return exc.errno or 0, exc.strerror or str(exc)
    return None


def _copied(child: Forked, unnamed: BinaryIO, temp: str) -> None:
    """The child's page, once it is made, copied into ``temp`` (in the kernel where it
    can: kg.pipeline.splice.Copier)."""
    failed = child.result()
    if failed is not None:
        raise OSError(*failed)
    with open(export.open_staged(temp), "wb", buffering=0) as out:
        copier = Copier(unnamed, out.fileno(), hasattr(os, "copy_file_range"))
        try:
            copier.copy(0, os.fstat(unnamed.fileno()).st_size)
        finally:
            copier.close()
