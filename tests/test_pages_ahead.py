"""A rebuild's page begun at once in a forked child (kg.pipeline.pages.ahead): the same
bytes as written here, its failures raised here, and never left running."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest

from kg.core.errors import OutputError
from kg.pipeline.pages import ahead
from kg.rdf import export


def _write(made: dict[Path, export.Made | export.Direct], path: Path) -> bytes:
    temps = export.stage([path])
    try:
        export.write_staged({path: made[path]}, temps)
        return Path(temps[path]).read_bytes()
    finally:
        export.discard(temps)


def test_the_childs_page_is_the_page_written_here(tmp_path: Path) -> None:
    page = tmp_path / "graph.html"
    pieces = ["<p>Séoul ", "→ 東京</p>\n" * 100_000]
    here = _write({page: lambda: [*pieces, str(os.getpid())]}, page)
    made: dict[Path, export.Made | export.Direct] = {page: lambda: [*pieces, str(os.getpid())]}
    with ahead(made, page, now=True):
        assert isinstance(made[page], export.Direct)
        there = _write(made, page)
    body, pid = there.rsplit(b"\n", 1)
    assert body == here.rsplit(b"\n", 1)[0] and len(body) > 1_000_000
    assert int(pid) != os.getpid()  # made in another process


def test_without_now_the_page_is_left_to_the_build(tmp_path: Path) -> None:
    page = tmp_path / "graph.html"
    maker = lambda: "<p>x</p>"  # noqa: E731
    made: dict[Path, export.Made | export.Direct] = {page: maker}
    with ahead(made, page, now=False):
        assert made[page] is maker


def test_a_page_not_taken_is_stopped_when_the_build_fails(tmp_path: Path) -> None:
    page = tmp_path / "graph.html"
    made: dict[Path, export.Made | export.Direct] = {page: lambda: time.sleep(60) or "late"}
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="SHACL found errors"), \
            ahead(made, page, now=True):
        raise RuntimeError("SHACL found errors")
    assert time.monotonic() - started < 10
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # its file had no name


def test_a_write_the_child_could_not_make_is_raised_here_as_os_error(tmp_path: Path) -> None:
    page = tmp_path / "graph.html"

    def full() -> str:
        raise OSError(errno.ENOSPC, "No space left on device")

    made: dict[Path, export.Made | export.Direct] = {page: full}
    with ahead(made, page, now=True), pytest.raises(OutputError) as caught:
        _write(made, page)
    assert str(caught.value) == f"{page}: cannot write: No space left on device"


def test_a_folder_that_takes_no_file_leaves_the_page_to_the_build(tmp_path: Path) -> None:
    """No file can be made beside the page (here: no folder): nothing is forked, and the
    build's own writing reports the folder."""
    page = tmp_path / "gone" / "graph.html"
    maker = lambda: "<p>x</p>"  # noqa: E731
    made: dict[Path, export.Made | export.Direct] = {page: maker}
    with ahead(made, page, now=True):
        assert made[page] is maker
