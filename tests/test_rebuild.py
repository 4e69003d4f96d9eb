"""Rebuilds that splice the previous outputs (kg.pipeline.rebuild) give a full build's bytes."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.bench.generate import generate
from kg.core.errors import DataError
from kg.pipeline import rebuild
from kg.pipeline.build import BuildResult, build
from kg.pipeline.manifest import read_manifest

OUTPUTS = ("graph.ttl", "graph.nt", "graph.jsonld", "graph.html")
NEW_STATEMENT = """\
  - subject: person-36
    predicate: operates
    object: missile-46
    id: again
    sources: [{source: src-0, locator: para 9}, {source: src-0}]
"""


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    return generate(tmp_path / "data", 400, files=12).root


def _quads(out: Path) -> set[str]:
    """The quads of the store generation out/'s manifest names, as N-Quads lines."""
    store = pyoxigraph.Store.read_only(str(out / read_manifest(out).generation))
    return set(store.dump(format=pyoxigraph.RdfFormat.N_QUADS).decode().splitlines())


def _same_as_full(data: Path, tmp: Path, result: BuildResult) -> None:
    full = build(data, tmp / "full")
    for name in OUTPUTS:
        assert (tmp / "out" / name).read_bytes() == (tmp / "full" / name).read_bytes(), name
    assert result.stats == full.stats
    assert result.issues == full.issues
    mine, theirs = _quads(tmp / "out"), _quads(tmp / "full")
    assert mine == theirs  # the patched store holds what a cold build's loads
    assert result.graphs == full.graphs == {"": len(theirs)}
    assert isomorphic(Graph().parse(data="\n".join(mine), format="nt"),
                      Graph().parse(tmp / "full" / "graph.nt", format="nt"))


def _table_files(generation: Path) -> set[int]:
    return {p.stat().st_ino for p in generation.iterdir() if p.suffix == ".sst"}


def _rebuild(data: Path, tmp: Path) -> BuildResult:
    return build(data, tmp / "out", cache_dir=tmp / "cache")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _drop_first_statement(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    start = text.index("  - subject:")
    path.write_text(text[:start] + text[text.index("  - subject:", start + 1):],
                    encoding="utf-8")


EDITS: dict[str, Callable[[Path], None]] = {
    "locator": lambda d: _edit(d / "article-000.yaml", "locator: para 16", "locator: p. 16"),
    "repeat a fact from another file": lambda d: _append(d / "article-003.yaml", NEW_STATEMENT),
    "entity label": lambda d: _edit(d / "entities-000.yaml", '"Gesun"', '"Gesun <b>&"'),
    "source title": lambda d: _edit(d / "sources-000.yaml", "title:", "title: New,", ),
    "drop the first statement": lambda d: _drop_first_statement(d / "article-000.yaml"),
    "new file": lambda d: (d / "extra.yaml").write_text(
        "entities:\n  - {id: zz-new, type: Country, label: New}\nstatements:\n"
        "  - {subject: zz-new, predicate: allied-with, object: country-0,"
        " sources: [{source: src-0, locator: p. 1}]}\n", encoding="utf-8"),
    "file removed": lambda d: (d / "extra.yaml").unlink(),
}


def test_each_edit_in_turn_is_spliced_and_equals_a_full_build(data: Path,
                                                              tmp_path: Path) -> None:
    assert not _rebuild(data, tmp_path).spliced  # the first build has nothing to splice
    for name, edit in EDITS.items():
        before = tmp_path / "out" / read_manifest(tmp_path / "out").generation
        edit(data)
        result = _rebuild(data, tmp_path)
        assert result.spliced, name
        after = tmp_path / "out" / read_manifest(tmp_path / "out").generation
        assert after != before
        # the store was patched from the previous generation: its table files are linked
        assert _table_files(before) & _table_files(after), name
        _same_as_full(data, tmp_path, result)


def _orders(cache: Path) -> dict[str, int]:
    """The stored orders of subjects (kg.pipeline.rebuild.save_state): entry -> inode."""
    return {p.name: p.stat().st_ino for p in (cache / rebuild.ORDER_KIND).rglob("*")
            if p.is_file()}


def test_an_edit_in_place_keeps_the_stored_orders_and_new_subjects_replace_them(
        data: Path, tmp_path: Path) -> None:
    _rebuild(data, tmp_path)
    first = _orders(tmp_path / "cache")
    assert len(first) == 1  # every format's order in one entry
    EDITS["locator"](data)  # one citation's triples: every subject stays in its place
    assert _rebuild(data, tmp_path).spliced
    assert _orders(tmp_path / "cache") == first  # the same files: not written again
    EDITS["new file"](data)  # new subjects: new orders, the old ones removed
    result = _rebuild(data, tmp_path)
    assert result.spliced
    now = _orders(tmp_path / "cache")
    assert len(now) == 1 and not now.keys() & first.keys()
    _same_as_full(data, tmp_path, result)


def test_a_lost_order_means_a_full_build(data: Path, tmp_path: Path) -> None:
    _rebuild(data, tmp_path)
    for path in (tmp_path / "cache" / rebuild.ORDER_KIND).rglob("*"):
        if path.is_file():
            path.write_bytes(b"not an order")
    EDITS["locator"](data)
    result = _rebuild(data, tmp_path)
    assert not result.spliced
    _same_as_full(data, tmp_path, result)
    EDITS["entity label"](data)  # the full build stored its orders again
    assert _rebuild(data, tmp_path).spliced


def test_a_triple_made_twice_stays_until_both_makers_are_gone(data: Path,
                                                             tmp_path: Path) -> None:
    direct = "<https://w3id.org/kg/resource/person-36> <https://w3id.org/kg/ontology/operates>"
    _append(data / "article-003.yaml", NEW_STATEMENT)
    _rebuild(data, tmp_path)
    _edit(data / "article-000.yaml", "  - subject: person-36\n    predicate: operates\n",
          "  - subject: person-36\n    predicate: rejected\n")
    assert _rebuild(data, tmp_path).spliced
    assert direct in (tmp_path / "out" / "graph.nt").read_text(encoding="utf-8")
    _edit(data / "article-003.yaml", NEW_STATEMENT, "")
    assert _rebuild(data, tmp_path).spliced
    assert direct not in (tmp_path / "out" / "graph.nt").read_text(encoding="utf-8")
    _same_as_full(data, tmp_path, _rebuild(data, tmp_path))


def test_nothing_changed_writes_no_rdf_output(data: Path, tmp_path: Path) -> None:
    _rebuild(data, tmp_path)
    before = (tmp_path / "out" / "graph.ttl").stat().st_ino
    result = _rebuild(data, tmp_path)
    assert result.up_to_date  # the same inputs over an intact out/: nothing written at all
    assert (tmp_path / "out" / "graph.ttl").stat().st_ino == before
    _same_as_full(data, tmp_path, result)


def test_an_output_changed_by_hand_means_a_full_build(data: Path, tmp_path: Path) -> None:
    _rebuild(data, tmp_path)
    nt = tmp_path / "out" / "graph.nt"
    nt.write_bytes(nt.read_bytes()[:-1000])  # same name, other bytes
    EDITS["locator"](data)
    result = _rebuild(data, tmp_path)
    assert not result.spliced
    _same_as_full(data, tmp_path, result)


def test_other_formats_or_a_lost_cache_mean_a_full_build(data: Path, tmp_path: Path) -> None:
    _rebuild(data, tmp_path)
    EDITS["locator"](data)
    assert not build(data, tmp_path / "out", cache_dir=tmp_path / "cache",
                     formats=("nt", "ttl")).spliced
    _rebuild(data, tmp_path)
    shutil.rmtree(tmp_path / "cache" / "load")  # the old parse of the edited file is gone
    EDITS["entity label"](data)
    result = _rebuild(data, tmp_path)
    assert not result.spliced
    _same_as_full(data, tmp_path, result)


def test_an_edit_with_an_error_leaves_out_and_the_next_rebuild_intact(data: Path,
                                                                      tmp_path: Path) -> None:
    _rebuild(data, tmp_path)
    before = {name: (tmp_path / "out" / name).read_bytes() for name in OUTPUTS}
    _edit(data / "article-000.yaml", "object: place-85", "object: place-nowhere")
    with pytest.raises(DataError, match="place-nowhere"):
        _rebuild(data, tmp_path)
    assert {name: (tmp_path / "out" / name).read_bytes() for name in OUTPUTS} == before
    _edit(data / "article-000.yaml", "object: place-nowhere", "object: place-86")
    result = _rebuild(data, tmp_path)
    assert result.spliced
    _same_as_full(data, tmp_path, result)
