"""The build's HTML pages: graph.html from the files' parts, and the focus pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from kg.curate.passages import page_passages
from kg.page import render
from kg.pipeline import datafiles
from kg.pipeline.datafiles import DataFile


def pages(files: list[DataFile], out: Path, *, html_page: bool, focus: Sequence[str],
          hops: int, cache_dir: Path | None, sources_dir: Path | None = None,
          rows: Mapping[str, str] | None = None
          ) -> dict[Path, str | Callable[[], str | list[str]]]:
    """The HTML page (from the files' parts: kg.page.pageparts) and the focus pages;
    ``rows``: each file's page rows when made already (kg.pipeline.stream)."""
    made: dict[Path, str | Callable[[], str | list[str]]] = {}
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
