"""The outputs a build replaces are freed on a worker thread (kg.pipeline.retire): kept by
a hidden link through the renames, then unlinked, and never left behind."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from conftest import DATA

from kg.core.errors import OutputError
from kg.pipeline import retire
from kg.pipeline.build import build
from kg.rdf import export


def _staged(tmp_path: Path, names: list[str]) -> dict[Path, str]:
    temps = export.stage([tmp_path / name for name in names])
    for path, temp in temps.items():
        Path(temp).write_text(f"new {path.name}", encoding="utf-8")
    return temps


def test_old_files_are_linked_aside_through_the_renames_then_unlinked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "graph.nt"
    old.write_text("old", encoding="utf-8")
    held = os.open(old, os.O_RDONLY)  # to see the old file's links from outside
    seen: list[tuple[int, str, list[str]]] = []
    remove = retire._remove

    def watched(paths: list[Path]) -> None:
        seen.append((os.fstat(held).st_nlink, threading.current_thread().name,
                     sorted(p.name for p in tmp_path.iterdir())))
        remove(paths)

    monkeypatch.setattr(retire, "_remove", watched)
    try:
        temps = _staged(tmp_path, ["graph.nt", "graph.html"])  # graph.html is new
        with retire.commit_freeing(temps):
            assert old.read_text(encoding="utf-8") == "new graph.nt"
        assert seen == [(1, seen[0][1], [f".graph.nt.{os.getpid()}-old.tmp",
                                         "graph.html", "graph.nt"])]
        assert seen[0][1].startswith("kg-free")  # on the worker, not in the rename
        assert os.fstat(held).st_nlink == 0  # freed once the block is left
    finally:
        os.close(held)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.html", "graph.nt"]


def test_a_failed_rename_keeps_the_old_file_and_removes_the_link(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = tmp_path / "graph.nt"
    old.write_text("old", encoding="utf-8")
    temps = _staged(tmp_path, ["graph.nt"])

    def refused(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(export.os, "replace", refused)
    with pytest.raises(OutputError, match="cannot write: Permission denied"), \
            retire.commit_freeing(temps):
        pytest.fail("the block runs only once every file is renamed")
    assert old.read_text(encoding="utf-8") == "old"
    assert not retire.aside_name(old).exists()
    export.discard(temps)


def test_a_link_a_killed_build_left_is_removed_by_the_next(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    out = tmp_path / "out"
    build(data, out)
    left = out / ".graph.nt.4242-old.tmp"  # a build killed between rename and unlink
    os.link(out / "graph.nt", left)
    (data / "extra.yaml").write_text(
        "entities:\n  - {id: extra-place, type: Place, label: Extra place}\n",
        encoding="utf-8")
    build(data, out)
    assert not left.exists()
    assert sorted(p.name for p in out.iterdir() if p.name.endswith(".tmp")) == []
