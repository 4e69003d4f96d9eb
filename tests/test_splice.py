"""Splicing outputs (kg.pipeline.splice) and the rebuild state (kg.pipeline.rebuild)
piece by piece; the whole rebuild against full builds is tests/test_rebuild.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.bench.generate import generate
from kg.pipeline import rebuild
from kg.pipeline.build import OUTPUTS, build
from kg.pipeline.cache import load_keyed
from kg.pipeline.splice import Recorder, splice
from kg.rdf import export
from kg.rdf.ntterms import TextTriple

R = "<https://w3id.org/kg/resource/"
P = "<https://w3id.org/kg/ontology/p>"


def _triples(subjects: dict[str, str]) -> list[TextTriple]:
    """One triple per subject, its object a plain string."""
    return [(f"{R}{s}>", P, f'"{o}"') for s, o in subjects.items()]


def _written(text: export.Text, fmt: str, path: Path) -> Recorder:
    recorder = rebuild.recorders(text, [fmt])[fmt]
    path.write_text("".join(recorder.pieces()), encoding="utf-8")
    return recorder


OLD = {"b": "1", "d": "2", "f": "3", "h": "4", "j": "5"}
CHANGES = {
    "one block changed": {**OLD, "f": "changed"},
    "first and last changed": {**OLD, "b": "x", "j": "y"},
    "added first, in between and last": {"a": "0", **OLD, "e": "new", "z": "9"},
    "removed first and last, one added": {"d": "2", "e": "new", "f": "3", "h": "4"},
    "all removed": {},
    "nothing changed": OLD,
}


@pytest.mark.parametrize("kernel_copy", [True, False], ids=["copy_file_range", "mmap"])
@pytest.mark.parametrize("fmt", ["nt", "ttl", "jsonld"])
@pytest.mark.parametrize("name", CHANGES)
def test_splice_gives_the_bytes_and_index_of_writing_in_full(tmp_path: Path, name: str,
                                                             fmt: str,
                                                             kernel_copy: bool) -> None:
    new = CHANGES[name]
    before, after = _triples(OLD), _triples(new)
    old_index = _written(export.Text(before), fmt, tmp_path / "old").index()
    text = export.Text(after)
    full = _written(text, fmt, tmp_path / "full").index()
    subjects = {t[0] for t in before} | {t[0] for t in after}
    had = {s: {t for t in before if t[0] == s} for s in subjects}
    has = {s: {t for t in after if t[0] == s} for s in subjects}
    changed = [s for s in subjects if had[s] != has[s]]
    key = str if fmt == "nt" else text.keys.__getitem__
    places = rebuild._places(old_index, {s: had[s] for s in changed},
                             {s: has[s] for s in changed}, key)
    assert places is not None
    write = export.block_writer(fmt, text.keys)
    changes = (places[0], [(at, s, write(s, text.grouped[s])) for at, s in places[1]])
    index = splice(tmp_path / "old", old_index, export.frame(fmt), changes,
                   tmp_path / "new", kernel_copy=kernel_copy)
    assert (tmp_path / "new").read_bytes() == (tmp_path / "full").read_bytes()
    assert (index.order, index.lengths, index.head, index.sep) == \
        (full.order, full.lengths, full.head, full.sep)


def test_splice_from_an_empty_output(tmp_path: Path) -> None:
    old_index = _written(export.Text([]), "jsonld", tmp_path / "old").index()
    text = export.Text(_triples(OLD))
    _written(text, "jsonld", tmp_path / "full")
    write = export.block_writer("jsonld", text.keys)
    changes = ([], [(0, s, write(s, text.grouped[s])) for s in text.subjects])
    splice(tmp_path / "old", old_index, export.frame("jsonld"), changes, tmp_path / "new")
    assert (tmp_path / "new").read_bytes() == (tmp_path / "full").read_bytes()


def test_an_old_output_shorter_than_its_index_is_an_error(tmp_path: Path) -> None:
    old_index = _written(export.Text(_triples(OLD)), "nt", tmp_path / "old").index()
    (tmp_path / "old").write_bytes((tmp_path / "old").read_bytes()[:-10])
    for kernel_copy in (True, False):
        with pytest.raises(OSError, match="shorter than its index"):
            splice(tmp_path / "old", old_index, export.frame("nt"), ([], []),
                   tmp_path / "new", kernel_copy=kernel_copy)


def test_a_locator_edit_rewrites_only_its_citation_node(tmp_path: Path) -> None:
    data = generate(tmp_path / "data", 400, files=12).root
    out, cache = tmp_path / "out", tmp_path / "cache"
    build(data, out, cache_dir=cache)
    old_lines = set((out / "graph.nt").read_text(encoding="utf-8").splitlines())
    path = data / "article-000.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("locator: para 16",
                                                             "locator: p. 16", 1),
                    encoding="utf-8")
    state = rebuild.read_state(cache, rebuild.state_key(data, out))
    assert state is not None
    keys = load_keyed(data, cache_dir=cache)[2]
    plan = rebuild.plan(state, options=rebuild.options(OUTPUTS), keys=keys, cache_dir=cache,
                        paths={fmt: out / name for fmt, name in OUTPUTS.items()})
    assert plan is not None
    assert build(data, out, cache_dir=cache).spliced
    new_lines = set((out / "graph.nt").read_text(encoding="utf-8").splitlines())
    differ = {line.split(" ", 1)[0] for line in old_lines ^ new_lines}
    assert plan.rewritten == differ
    assert len(differ) == 1 and ".cites." in next(iter(differ))


def test_the_state_keeps_its_orders_through_the_cache(tmp_path: Path) -> None:
    text = export.Text([*_triples({"a-b": "1", "a": "2"}), ("_:x", P, '"3"')])
    recorders = rebuild.recorders(text, ["ttl", "nt", "jsonld"])
    for recorder in recorders.values():
        "".join(recorder.pieces())
    state = rebuild.new_state("o", {"f": "k"}, recorders, text)
    # Turtle has a before a-b, N-Triples <a-b> before <a>
    assert state.indexes["ttl"].order != state.indexes["nt"].order
    state.indexes["jsonld"].order = list(state.indexes["ttl"].order)  # as a rebuild leaves it
    rebuild.save_state(tmp_path, "key", state, {})
    back = rebuild.read_state(tmp_path, "key")
    assert back == state
    assert back is not None and back.indexes["jsonld"].order is back.indexes["ttl"].order
    nt, ttl = back.indexes["nt"].order, back.indexes["ttl"].order
    assert all(any(s is t for t in ttl) for s in nt)  # one string per subject
