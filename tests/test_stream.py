"""The streamed build (kg.pipeline.stream): the in-memory build's bytes, graphs and store,
from files read one at a time and subject ranges written one after another."""

from __future__ import annotations

import errno
import os
import random
import time
from dataclasses import replace
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.bench.generate import generate
from kg.core.errors import DataError, KGError, Loc, OutputError
from kg.core.vocab import KGR, KGS
from kg.pipeline import rangewrite, rebuild, stream
from kg.pipeline.build import build
from kg.pipeline.manifest import read_manifest
from kg.pipeline.spill import Spill, Writer, cuts, remove_left

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = ("graph.ttl", "graph.nt", "graph.jsonld", "graph.html")


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    return generate(tmp_path / "data", 600, files=12).root


@pytest.fixture()
def small_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    """About 4 KiB of YAML a range: the generated data spills into dozens of ranges."""
    monkeypatch.setattr(stream, "RANGE_BYTES", 4096)


def _quads(out: Path) -> set[str]:
    store = pyoxigraph.Store.read_only(str(out / read_manifest(out).generation))
    dump = store.dump(format=pyoxigraph.RdfFormat.N_QUADS)
    assert dump is not None
    return set(dump.decode().splitlines())


def _same_build(data: Path, tmp: Path, **options: object) -> None:
    """A streamed and an in-memory build of ``data``: the same bytes, graphs, stats,
    issues, counts and store; the spill's folder gone."""
    streamed = build(data, tmp / "streamed", stream=True, **options)  # type: ignore[arg-type]
    memory = build(data, tmp / "memory", stream=False, **options)  # type: ignore[arg-type]
    assert streamed.streamed and not memory.streamed
    for name in OUTPUTS:
        assert (tmp / "streamed" / name).read_bytes() == (tmp / "memory" / name).read_bytes(), \
            name
        assert (tmp / "streamed" / name).stat().st_mode == \
            (tmp / "memory" / name).stat().st_mode == 0o100644, name
    for fmt, name in (("nt", "graph.nt"), ("turtle", "graph.ttl"), ("json-ld", "graph.jsonld")):
        assert isomorphic(Graph().parse(tmp / "streamed" / name, format=fmt),
                          Graph().parse(tmp / "memory" / name, format=fmt)), name
    assert streamed.stats == memory.stats
    assert streamed.issues == memory.issues
    assert streamed.graphs == memory.graphs
    assert read_manifest(tmp / "streamed").outputs == read_manifest(tmp / "memory").outputs
    assert _quads(tmp / "streamed") == _quads(tmp / "memory")
    # the triples counted from graph.nt's lines are the store's
    assert streamed.graphs == {"": len(_quads(tmp / "streamed"))}
    assert not list(tmp.glob(".kg-spill-*"))


def test_streamed_build_gives_the_in_memory_build(data: Path, tmp_path: Path,
                                                   small_ranges: None) -> None:
    files = [p for p in data.iterdir() if p.suffix == ".yaml"]
    assert stream.data_bytes(files) // stream.RANGE_BYTES > 20  # many ranges, many cuts
    _same_build(data, tmp_path)


def test_streamed_build_of_the_shipped_data(tmp_path: Path, small_ranges: None) -> None:
    _same_build(ROOT / "data", tmp_path)


def test_one_range(data: Path, tmp_path: Path) -> None:
    """Below RANGE_BYTES the whole graph is one range: still the same build."""
    _same_build(data, tmp_path)


def test_streamed_build_with_a_cache_then_a_spliced_rebuild(data: Path, tmp_path: Path,
                                                            small_ranges: None) -> None:
    """A streamed build leaves the rebuild's state: the next build after one edit splices
    (in memory) and gives a cold build's bytes."""
    cache = tmp_path / "cache"
    first = build(data, tmp_path / "out", cache_dir=cache, stream=True)
    assert first.streamed
    path = data / "article-000.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("locator: para ", "locator: p. ", 1), encoding="utf-8")
    again = build(data, tmp_path / "out", cache_dir=cache)
    assert again.spliced and not again.streamed
    build(data, tmp_path / "cold", stream=False)
    for name in OUTPUTS:
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "cold" / name).read_bytes()


def test_large_data_streams_by_default(data: Path, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "STREAM_BYTES", 1)
    assert build(data, tmp_path / "out").streamed
    assert not build(data, tmp_path / "focus", focus=["country-0"]).streamed  # in memory
    monkeypatch.setattr(stream, "STREAM_BYTES", 1 << 40)
    assert not build(data, tmp_path / "small").streamed


def test_a_state_that_cannot_splice_streams(data: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """With a cache, large data builds in memory only when the stored rebuild state can
    splice, and the files changed since hold less than STREAM_BYTES: a state made with
    other options, by another kg, or whose outputs were touched, streams in full (it would
    make a full build in memory), and so does a large edit."""
    files = sorted(p for p in data.iterdir() if p.suffix == ".yaml")
    monkeypatch.setattr(stream, "STREAM_BYTES", stream.data_bytes(files) // 2)
    cache, out = tmp_path / "cache", tmp_path / "out"
    assert build(data, out, cache_dir=cache).streamed  # nothing stored: a full build

    def edit(path: Path) -> None:  # other bytes, the same records
        path.write_text(path.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")

    edit(files[0])  # one file: spliced
    again = build(data, out, cache_dir=cache)
    assert again.spliced and not again.streamed
    for path in files[: len(files) * 2 // 3]:  # two thirds of the data: streamed in full
        edit(path)
    large = build(data, out, cache_dir=cache)
    assert large.streamed and not large.spliced
    edit(files[-1])
    other = build(data, out, cache_dir=cache, formats=("nt", "ttl"))  # other options
    assert other.streamed and not other.spliced
    edit(files[-2])
    (out / "graph.ttl").write_bytes((out / "graph.ttl").read_bytes())  # touched
    touched = build(data, out, cache_dir=cache, formats=("nt", "ttl"))
    assert touched.streamed and not touched.spliced
    edit(files[-3])
    monkeypatch.setattr(rebuild, "code_version", lambda: "another kg")
    assert build(data, out, cache_dir=cache, formats=("nt", "ttl")).streamed
    monkeypatch.undo()
    build(data, tmp_path / "cold", stream=False, formats=("nt", "ttl"))
    for name in ("graph.nt", "graph.ttl", "graph.html"):
        assert (out / name).read_bytes() == (tmp_path / "cold" / name).read_bytes(), name


def test_stream_refuses_what_it_cannot_build(data: Path, tmp_path: Path) -> None:
    for options in ({"focus": ["country-0"]}, {"parallel": True}, {"formats": ("ttl",)},
                    {"sources_dir": tmp_path}):
        with pytest.raises(KGError, match="streamed build"):
            build(data, tmp_path / "out", stream=True, **options)
    assert not (tmp_path / "out").exists()


def test_bad_data_streamed_gives_the_same_errors_and_writes_nothing(
        data: Path, tmp_path: Path, small_ranges: None) -> None:
    path = data / "article-001.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "object: ", "object: nowhere-", 1), encoding="utf-8")
    errors = []
    for stream_it in (True, False):
        with pytest.raises(DataError) as caught:
            build(data, tmp_path / "out", stream=stream_it)
        errors.append([(i.loc, i.message, i.value) for i in caught.value.issues])
    assert errors[0] == errors[1]
    assert any("nowhere-" in str(value) for _, _, value in errors[0])
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".kg-spill-*"))


def test_a_failed_write_leaves_the_previous_build(data: Path, tmp_path: Path,
                                                  small_ranges: None,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build(data, out, stream=True)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    path = data / "article-000.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "locator: para ", "locator: p. ", 1), encoding="utf-8")
    real = rangewrite._write_blocks
    calls = []

    def full_disk(*args: object, **kwargs: object) -> object:
        calls.append(1)
        handles = args[1]
        next(iter(handles.values())).write("partial")  # type: ignore[attr-defined]
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(rangewrite, "_write_blocks", full_disk)
    with pytest.raises(OutputError, match=r"graph\.nt: cannot write: No space left"):
        build(data, out, stream=True)
    assert calls
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    assert not list(tmp_path.glob(".kg-spill-*"))
    monkeypatch.setattr(rangewrite, "_write_blocks", real)
    assert build(data, out, stream=True).streamed


def test_ranges_keep_both_orders(tmp_path: Path) -> None:
    """Turtle's order (the IRI) and N-Triples' (the text ``<iri>``) disagree on an IRI
    and a longer one beginning with it; the cuts never fall between such a pair, so
    each range sorted alone, one after another, is the whole graph sorted, both ways."""
    rng = random.Random(7)
    ids = sorted({"".join(rng.choice("ab-1") for _ in range(rng.randint(1, 4))).strip("-")
                  or "a" for _ in range(200)})
    ids += [f"x{n:03d}" for n in range(100)]  # resources enough to be cut among
    subjects, statements = set(), {}
    for ident in ids:
        subjects.add(f"<{KGR}{ident}>")
        statements[ident] = 1
        for other in rng.sample(ids, 3):
            name = f"{KGS}{ident}.p.{other}"
            subjects.update({f"<{name}>", f"<{name}.cites.s>", f"<{name}.cites.s.2>",
                             f"<{name}.x>"})
    made = cuts(ids, statements, 17)
    assert any(c.startswith(str(KGR)) for c in made) and any(c.startswith(str(KGS))
                                                             for c in made)
    with Spill(tmp_path, made) as spill:
        assert 12 <= len(spill.cuts) <= 16
        writer = spill.writer(0)
        writer.add((s, "<p>", "<o>") for s in sorted(subjects, key=lambda _: rng.random()))
        writer.close()
        ranges = [[s for s, _, _ in part] for part in spill.ranges()]
    assert sum(map(len, ranges)) == len(subjects)
    assert sum(1 for r in ranges if r) > 10
    by_text = [s for part in ranges for s in sorted(part)]
    by_iri = [s for part in ranges for s in sorted(part, key=lambda s: s[1:-1])]
    assert by_text == sorted(subjects)
    assert by_iri == sorted(subjects, key=lambda s: s[1:-1])
    assert by_text != by_iri  # the two orders do differ here
    assert not list(tmp_path.iterdir())  # the spill's folder is gone


def test_spill_refuses_a_subject_that_would_break_the_order(tmp_path: Path) -> None:
    with Spill(tmp_path, [f"{KGS}japan."], sides=2) as spill:
        writer = spill.writer(1)
        with pytest.raises(ValueError, match="begins the cut"):
            writer.add([(f"<{KGS}jap>", "<p>", "<o>")])
        with pytest.raises(ValueError, match="not a plain IRI"):
            writer.add([("_:b1", "<p>", "<o>")])
        writer.add([(f"<{KGS}japan.p.x>", "<p>", '"a b c"@en')])
        writer.close()
        assert [list(r) for r in spill.ranges()] == [
            [], [(f"<{KGS}japan.p.x>", "<p>", '"a b c"@en')]]


def test_spills_left_by_killed_builds_are_removed(tmp_path: Path) -> None:
    """A spill whose process died (killed: nothing cleaned up) is removed; one a live
    process claims, however old, is left, and so is one not claimed yet (being made)
    until it is a minute old."""
    import subprocess
    import sys

    code = ("import os, signal, sys; from pathlib import Path; "
            "from kg.pipeline.spill import Spill; "
            "Spill(Path(sys.argv[1]), [], sides=1); os.kill(os.getpid(), signal.SIGKILL)")
    died = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT,
                          check=False)
    assert died.returncode == -9
    dead = list(tmp_path.glob(".kg-spill-*"))
    assert len(dead) == 1
    (being_made := tmp_path / ".kg-spill-new").mkdir()
    with Spill(tmp_path, [], sides=1) as live:
        assert remove_left(tmp_path) == dead
        assert sorted(tmp_path.glob(".kg-spill-*")) == sorted([live.folder, being_made])
        hour_ago = time.time() - 3600  # a build killed as it made its spill, long ago
        os.utime(being_made, (hour_ago, hour_ago))
        os.utime(live.folder, (hour_ago, hour_ago))
        assert remove_left(tmp_path) == [being_made]
        assert list(tmp_path.glob(".kg-spill-*")) == [live.folder]
    assert not list(tmp_path.glob(".kg-spill-*"))


def test_cuts() -> None:
    """Statement openings weighed by the statements about each id, and resource IRIs of
    ids no other id begins (``us`` begins ``us-army``: only ``us`` may be a cut)."""
    assert cuts([], {"a": 1, "b": 1, "c": 1, "d": 1}, 2) == [f"{KGS}c."]  # two, two
    both_kinds = cuts(["a", "b", "c", "d"], {"a": 1, "b": 1, "c": 1, "d": 1}, 3)
    assert both_kinds == [f"{KGS}b.", f"{KGS}d."]  # 4 resources and 1 statement; 2; 1
    assert cuts(["a"], {"a": 1}, 1) == [] == cuts([], {}, 8)
    heavy = cuts([], {"a": 100, "b": 1, "c": 1, "d": 1}, 2)
    assert heavy == [f"{KGS}b."]  # "a" alone weighs more than half
    resources = cuts(["us", "us-army", "uk", "fr"], {}, 4)
    assert f"{KGR}us-army" not in resources and resources
    assert all(c.endswith(".") for c in cuts([], {str(i): 1 for i in range(99)}, 9))


def test_streamed_build_holds_no_records(data: Path, tmp_path: Path) -> None:
    """Each file's records are dropped once summarized and once built; the result still
    reads them on demand."""
    result = build(data, tmp_path / "out", stream=True)
    assert not any(f.loaded for f in result.files)
    assert len(result.data.statements) > 500


@pytest.mark.parametrize("side", [0, 1])
def test_a_full_disk_while_spilling(data: Path, tmp_path: Path, side: int,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The spill cannot be written, here (side 0) or in the forked child (side 1): a
    one-line OutputError naming the spill, nothing written, the spill removed."""
    real = Writer.add

    def add(self: Writer, triples: object) -> None:
        if self.side == side:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, triples)  # type: ignore[arg-type]

    monkeypatch.setattr(Writer, "add", add)
    with pytest.raises(OutputError, match=r"\.kg-spill-.*: cannot write: .*No space left"):
        build(data, tmp_path / "out", stream=True)
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".kg-spill-*"))


def test_the_rebuild_state_is_the_in_memory_builds(data: Path, tmp_path: Path,
                                                   small_ranges: None) -> None:
    """What a streamed build leaves for the next rebuild (each block's subject and length
    per format, the repeated triples, the counts) equals what the in-memory build leaves."""
    from kg.pipeline.rebuild import read_state, state_key

    states = []
    for name, stream_it in (("streamed", True), ("memory", False)):
        out, cache = tmp_path / name, tmp_path / f"cache-{name}"
        assert build(data, out, cache_dir=cache, stream=stream_it).streamed is stream_it
        state = read_state(cache, state_key(data, out))
        assert state is not None
        states.append(state)
    mine, theirs = states
    assert mine.repeats == theirs.repeats
    assert mine.repeats  # the generated data makes some triples more than once
    assert mine.by_predicate == theirs.by_predicate and mine.kinds == theirs.kinds
    assert mine.inputs == theirs.inputs and mine.options == theirs.options
    assert set(mine.indexes) == set(theirs.indexes) == {"ttl", "nt", "jsonld"}
    for fmt, index in mine.indexes.items():
        other = theirs.indexes[fmt]
        assert (index.order, index.lengths, index.head, index.sep) == \
            (other.order, other.lengths, other.head, other.sep), fmt


MIXED = """\
sources:
  - id: src-a
    title: A report
    published: 2024-01-02
statements:
- subject: country-a
  predicate: met-with
  object: country-b
  sources: [{source: src-a, locator: para 1, credibility: 3}]
# a comment at column 0 is still the section's

- subject: country-b
  predicate: met-with
  object: country-a
  sources: [{source: src-a, locator: para 2, credibility: 3}]
entities:
  - id: country-a
    type: Country
    label: "Aland"
  - id: country-b
    type: Country
    label: Bland
"""


def test_an_outline_leaves_out_the_statements_and_keeps_positions() -> None:
    """The outline reads a file with its block ``statements:`` section emptied: the
    entities and sources of the whole parse, at the same lines and columns; the section's
    subjects counted from its text."""
    from kg.curate.load import load_file
    from kg.pipeline.outline import blanked, outline

    rest, section = blanked(MIXED.encode())
    assert rest.count(b"\n") == MIXED.count("\n")
    assert b"subject" not in rest and b"Aland" in rest and section.startswith(b"statements:")
    assert section.endswith(b"credibility: 3}]\n") and section.count(b"subject:") == 2
    whole, _ = load_file(MIXED.encode(), "mixed.yaml")
    mine = outline("mixed.yaml", MIXED.encode(), None)
    assert mine.entities == whole.entities and mine.sources == whole.sources
    assert [e.loc for e in mine.entities] == [e.loc for e in whole.entities]
    assert mine.entities[1].loc == whole.entities[1].loc == Loc("mixed.yaml", 20, 5)
    assert mine.subjects == {"country-a": 1, "country-b": 1}
    flow = b"statements: []\nentities: []\n"  # not a block section: read whole
    assert blanked(flow) == (flow, b"")


def test_outlines_agree_with_the_files_read_whole(data: Path) -> None:
    """On generated and shipped data, every outline has its file's entities and sources
    (so step 2 runs once) and counts its statements' subjects."""
    from kg.pipeline import outline

    for root in (data, ROOT / "data"):
        outlines, issues = stream.scan(root, cache_dir=None)
        files = outline.whole(outlines, None)
        assert not issues and outline.agrees(outlines, files)
        assert sum(sum(o.subjects.values()) for o in outlines) == \
            sum(len(f.records().statements) for f in files)


def test_a_wrong_outline_is_read_again(data: Path, tmp_path: Path, small_ranges: None,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """An outline that misses an entity (as a misread section would) makes step 2 run
    again on the files read whole: the build is still the in-memory build's."""
    from kg.pipeline import outline

    real_load, again = outline.load_file, []

    def missing_one(data: bytes, name: str) -> object:
        records, issues = real_load(data, name)
        return replace(records, entities=records.entities[1:]), issues

    real_exact = outline.exact
    monkeypatch.setattr(outline, "load_file", missing_one)
    monkeypatch.setattr(outline, "exact", lambda files: again.append(1) or real_exact(files))
    _same_build(data, tmp_path)
    assert again == [1]


def test_cuts_a_subject_breaks_are_made_again(data: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Cuts from wrong outlines that a subject would break (``country-1`` begins the
    cut ``country-10``) make step 2 run again with the files' own cuts."""
    real, made = stream.ranges_for, []

    def first_wrong(files: object) -> list[str]:
        made.append(1)
        return [f"{KGR}country-10"] if len(made) == 1 else real(files)  # type: ignore[arg-type]

    monkeypatch.setattr(stream, "ranges_for", first_wrong)
    _same_build(data, tmp_path)
    assert made[:2] == [1, 1]


def test_a_broken_statements_section_gives_the_in_memory_errors(
        data: Path, tmp_path: Path) -> None:
    """A file whose statements do not parse while its entities outline well: the
    streamed build reports the in-memory build's errors."""
    path = data / "mixed.yaml"
    path.write_text(MIXED.replace("  predicate: met-with", "  predicate: [met-with"),
                    encoding="utf-8")
    errors = []
    for stream_it in (True, False):
        with pytest.raises(DataError) as caught:
            build(data, tmp_path / f"out-{stream_it}", stream=stream_it)
        errors.append([(i.loc, i.message, i.value) for i in caught.value.issues])
    assert errors[0] == errors[1]
    assert any(loc.file.endswith("mixed.yaml") for loc, _, _ in errors[0])


def test_a_state_that_cannot_be_read_streams(data: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The head of a stored state says it can splice, but the state itself cannot be read
    (a damaged entry): large data is not then built in full in memory; it streams, to the
    bytes of a cold build, and the state it stores splices the next edit."""
    files = sorted(p for p in data.iterdir() if p.suffix == ".yaml")
    monkeypatch.setattr(stream, "STREAM_BYTES", stream.data_bytes(files) // 2)
    cache, out = tmp_path / "cache", tmp_path / "out"
    assert build(data, out, cache_dir=cache).streamed
    entries = [path for path in (cache / rebuild.KIND).rglob("*") if path.is_file()]
    assert entries
    for path in entries:
        path.write_bytes(path.read_bytes()[:100])
    files[0].write_text(files[0].read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    again = build(data, out, cache_dir=cache)
    assert again.streamed and not again.spliced
    files[1].write_text(files[1].read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert build(data, out, cache_dir=cache).spliced  # the streamed build stored a new state
    build(data, tmp_path / "cold", stream=False)
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (tmp_path / "cold" / name).read_bytes(), name
