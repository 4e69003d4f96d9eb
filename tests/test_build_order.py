"""The order of a build's writing (kg.pipeline.staged.Written) and the finisher that
flushes and hashes each output beside it (kg.pipeline.finisher): graph.nt first and the
store loaded from it beside SHACL and the other writers, the text triples freed before
the page, every file on disk before any is renamed into place, and the manifest's hashes
those of the files."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import DATA, tree_snapshot

from kg.core.errors import DataError, Issue, Loc, OutputError
from kg.page import render
from kg.pipeline import build as build_module
from kg.pipeline import pages, rebuild, storeload
from kg.pipeline.build import build
from kg.pipeline.finisher import Finisher
from kg.rdf import export
from kg.rdf.ntterms import from_rdflib
from kg.rdf.triples import to_graph


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _edit(data: Path) -> None:
    """One locator changed in one statements file: a rebuild splices it."""
    statements = data / "statements" / "jp-kr-radar-2023.yaml"
    text = statements.read_text(encoding="utf-8")
    assert "locator: para " in text
    statements.write_text(text.replace("locator: para ", "locator: paragraph ", 1),
                          encoding="utf-8")


def _record(monkeypatch: pytest.MonkeyPatch, events: list[str]) -> None:
    """Note SHACL, each file handed to the finisher, the loader's start and the release."""
    shacl, load = build_module._shacl, storeload.Loader.load
    release, call = export.Text.release, Finisher.__call__

    def on_shacl(*args: object, **kwargs: object) -> list[Issue]:
        events.append("shacl")
        return shacl(*args, **kwargs)  # type: ignore[arg-type]

    def on_load(self: storeload.Loader, out: Path, source: Path) -> None:
        events.append("load")
        load(self, out, source)

    def on_release(self: export.Text) -> None:
        events.append("released")
        release(self)

    def on_written(self: Finisher, path: Path, temp: str) -> None:
        events.append(path.name)
        call(self, path, temp)

    monkeypatch.setattr(build_module, "_shacl", on_shacl)
    monkeypatch.setattr(storeload.Loader, "load", on_load)
    monkeypatch.setattr(export.Text, "release", on_release)
    monkeypatch.setattr(Finisher, "__call__", on_written)


def test_nt_then_the_load_beside_shacl_and_the_other_writers_then_the_page(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    _record(monkeypatch, events)
    result = build(DATA, tmp_path / "out")
    assert events[:3] == ["graph.nt", "load", "shacl"]
    assert sorted(events[3:5]) == ["graph.jsonld", "graph.ttl"]
    assert events[5:] == ["released", "graph.html"]
    assert result.stats.triples > 0 and (tmp_path / "out" / "graph.html").is_file()


def test_a_cached_build_releases_after_its_state_is_made(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a cache, the rebuild state is made from the text before it is freed: the next
    build after one edit is spliced from it, and equals a build from scratch."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    events: list[str] = []
    _record(monkeypatch, events)
    build(data, tmp_path / "out", cache_dir=tmp_path / "cache")
    assert "released" in events and events.index("released") < events.index("graph.html")
    _edit(data)
    again = build(data, tmp_path / "out", cache_dir=tmp_path / "cache")
    assert again.spliced
    build(data, tmp_path / "scratch")
    for name in ("graph.nt", "graph.ttl", "graph.jsonld"):
        assert (tmp_path / "out" / name).read_bytes() == \
            (tmp_path / "scratch" / name).read_bytes(), name


def test_a_released_text_refuses_to_be_read_again() -> None:
    from kg.curate.load import load

    data, _ = load(DATA)
    text = export.Text(from_rdflib(to_graph(data)))
    written = export.serialize_text(text, "nt")
    assert written.count("\n") == len(to_graph(data))
    text.release()
    with pytest.raises(RuntimeError, match="released"):
        export.serialize_text(text, "ttl")
    with pytest.raises(RuntimeError, match="released"):
        _ = text.grouped


def test_a_shacl_error_stops_the_load_and_leaves_out_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SHACL runs once graph.nt is staged and its load begun: a violation stops the
    load, removes its generation and every temporary, and writes nothing else."""
    out = tmp_path / "out"
    build(DATA, out)
    before = tree_snapshot(out)
    events: list[str] = []
    _record(monkeypatch, events)
    wrong = Issue(Loc("data/entities.yaml", 2, 5), "SHACL: an entity has exactly one "
                  "English label", "japan", code="shacl")
    monkeypatch.setattr(build_module, "_shacl", lambda *a, **k: events.append("shacl")
                        or [wrong])
    with pytest.raises(DataError) as caught:
        build(DATA, out)
    assert caught.value.issues == [wrong]
    assert events == ["graph.nt", "load", "shacl"]
    assert tree_snapshot(out) == before


def test_the_manifest_hashes_are_those_of_the_files(tmp_path: Path) -> None:
    """The finisher's hashes (of the staged files) are the SHA-256 of every output in
    place, in a full build and in a spliced rebuild."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    out = tmp_path / "out"
    for edit in (False, True):
        if edit:
            _edit(data)
        result = build(data, out, cache_dir=tmp_path / "cache")
        assert result.spliced is edit
        outputs = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["outputs"]
        assert list(outputs) == sorted(outputs)
        assert outputs == {rel: _sha(out / rel) for rel in outputs}
        assert {"graph.nt", "graph.ttl", "graph.jsonld", "graph.html"} <= set(outputs)


def test_finisher_gives_each_file_its_hash(tmp_path: Path) -> None:
    """Empty, small and large files: each one's own SHA-256."""
    sizes = [0, 1, 3_000_001, 20_000_003]
    files = {tmp_path / f"f{i}.txt": tmp_path / f".f{i}.tmp" for i in range(len(sizes))}
    with Finisher() as finisher:
        for i, ((path, temp), size) in enumerate(zip(files.items(), sizes, strict=True)):
            temp.write_bytes(bytes([i + 1]) * size)
            finisher(path, str(temp))
        hashes = finisher.hashes()
    assert hashes == {path: _sha(temp) for path, temp in files.items()}
    assert len(set(hashes.values())) == len(sizes)


def test_a_rebuild_renders_its_page_in_a_child_forked_before_its_state_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full build renders its page here, after the text triples are freed; a spliced
    rebuild forks the page's child before it reads its state (kg.pipeline.pages.ahead),
    and gives a full build's bytes."""
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    noted = tmp_path / "pids"
    real, forked, read_state = render.page_pieces, pages.Forked, rebuild.read_state
    events: list[str] = []

    def page_pieces(*args: object, **kwargs: object) -> object:
        with noted.open("a", encoding="utf-8") as handle:  # the child's note, in a file
            handle.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    def forking(call: Callable[[], object]) -> pages.Forked:
        events.append("page forked")
        return forked(call)

    def reading(*args: object, **kwargs: object) -> object:
        events.append("state read")
        return read_state(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(render, "page_pieces", page_pieces)
    monkeypatch.setattr(pages, "Forked", forking)
    monkeypatch.setattr(rebuild, "read_state", reading)
    build(data, tmp_path / "out", cache_dir=tmp_path / "cache")
    assert events == ["state read"]  # no state yet: a full build, its page rendered here
    _edit(data)
    again = build(data, tmp_path / "out", cache_dir=tmp_path / "cache")
    assert again.spliced
    assert events == ["state read", "page forked", "state read"]
    full, spliced = (int(line) for line in noted.read_text(encoding="utf-8").split())
    assert full == os.getpid() != spliced
    build(data, tmp_path / "scratch")
    for name in ("graph.html", "graph.nt", "graph.ttl", "graph.jsonld"):
        assert (tmp_path / "out" / name).read_bytes() == \
            (tmp_path / "scratch" / name).read_bytes(), name
    outputs = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert outputs["outputs"]["graph.html"] == _sha(tmp_path / "out" / "graph.html")


def test_a_page_the_child_cannot_write_fails_the_rebuild_and_leaves_out_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    out = tmp_path / "out"
    build(data, out, cache_dir=tmp_path / "cache")
    before = tree_snapshot(out)

    def full(*args: object, **kwargs: object) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(render, "page_pieces", full)
    _edit(data)
    with pytest.raises(OutputError) as caught:
        build(data, out, cache_dir=tmp_path / "cache")
    assert str(caught.value) == f"{out / 'graph.html'}: cannot write: No space left on device"
    assert tree_snapshot(out) == before


def test_a_failed_flush_fails_the_build_and_leaves_out_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk that fills at flush time (delayed allocation) shows in fsync: the build
    stops with the file's name, renames nothing and leaves no generation behind."""
    out = tmp_path / "out"
    build(DATA, out)
    before = tree_snapshot(out)
    flush = export.os.fsync

    def full(fd: int) -> None:
        if Path(f"/proc/self/fd/{fd}").resolve().name.startswith(".graph.ttl."):
            raise OSError(errno.ENOSPC, "No space left on device")
        flush(fd)

    monkeypatch.setattr(export.os, "fsync", full)
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "extra.yaml").write_text(
        "entities:\n  - {id: extra-place, type: Place, label: Extra place}\n",
        encoding="utf-8")
    with pytest.raises(OutputError) as caught:
        build(data, out)
    assert str(caught.value) == f"{out / 'graph.ttl'}: cannot write: No space left on device"
    assert tree_snapshot(out) == before


def test_open_staged_writes_from_the_start_without_o_trunc(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No O_TRUNC (on ext4 it makes close start writing the whole file); a file with
    content is still emptied, and a missing one made."""
    flags: list[int] = []
    real = export.os.open

    def recording(path: str, flag: int, *args: int) -> int:
        flags.append(flag)
        return real(path, flag, *args)

    monkeypatch.setattr(export.os, "open", recording)
    full, missing = tmp_path / "full.tmp", tmp_path / "missing.tmp"
    full.write_bytes(b"old content, longer than the new")
    for path in (full, missing):
        with open(export.open_staged(str(path)), "wb") as handle:
            handle.write(b"new")
        assert path.read_bytes() == b"new"
    assert len(flags) == 2 and not any(f & export.os.O_TRUNC for f in flags)


def test_every_staged_output_is_opened_by_open_staged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full build and a spliced rebuild write each staged file through
    kg.rdf.export.open_staged, never with ``open(temp, "w")``."""
    from kg.pipeline import importsplice, splice

    staged, by_name = [], []
    real_staged = export.open_staged

    def on_staged(temp: str) -> int:
        staged.append(Path(temp).name)
        return real_staged(temp)

    def on_open(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if "w" in mode and not isinstance(file, int):
            by_name.append(str(file))
        return open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(export, "open_staged", on_staged)
    for module in (export, splice, importsplice):
        monkeypatch.setattr(module, "open", on_open, raising=False)
    monkeypatch.setattr(splice, "open_staged", on_staged)
    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    build(data, tmp_path / "out", cache_dir=tmp_path / "cache")
    _edit(data)
    assert build(data, tmp_path / "out", cache_dir=tmp_path / "cache").spliced
    assert by_name == []
    names = {name.split(".tmp")[0].rsplit(".", 1)[0] for name in staged}
    assert {".graph.nt", ".graph.ttl", ".graph.jsonld", ".graph.html"} <= names
    assert sum(name.startswith(".graph.nt.") for name in staged) == 2  # built, spliced
