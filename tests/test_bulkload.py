"""The store is loaded in slices (kg.pipeline.bulkload): the same graph as one bulk load,
blank nodes across slice boundaries included, in named graphs too."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.bench.generate import generate
from kg.pipeline import bulkload
from kg.pipeline.build import build

NT = pyoxigraph.RdfFormat.N_TRIPLES
NQ = pyoxigraph.RdfFormat.N_QUADS


def _store_graph(store: pyoxigraph.Store) -> Graph:
    text = pyoxigraph.serialize([q.triple for q in store], format=NT)
    assert text is not None
    return Graph().parse(data=text.decode(), format="nt")


def _sliced(source: Path, fmt: pyoxigraph.RdfFormat, chunk_bytes: int) -> pyoxigraph.Store:
    store = pyoxigraph.Store()
    lines = bulkload.load(store, source, fmt=fmt, chunk_bytes=chunk_bytes, batch=3)
    text = source.read_bytes()  # every line counted, or None once blank nodes are met
    assert lines == (None if b"_:" in text else text.count(b"\n"))
    return store


def test_generated_build_loads_the_same_graph_in_slices(tmp_path: Path) -> None:
    data = generate(tmp_path / "data", 200, files=6).root
    build(data, tmp_path / "out", html_page=False)
    nt = tmp_path / "out" / "graph.nt"
    lines = nt.read_bytes().count(b"\n")
    whole = pyoxigraph.Store()
    whole.bulk_load(path=str(nt), format=NT)
    sliced = _sliced(nt, NT, 4096)  # hundreds of slices
    assert len(sliced) == len(whole) == lines
    assert set(sliced) == set(whole)  # no blank node: the very same quads
    assert isomorphic(_store_graph(sliced), Graph().parse(nt, format="nt"))


def test_blank_nodes_across_slice_boundaries_stay_one_node(tmp_path: Path) -> None:
    rows = [f'<http://e/a{i}> <http://e/p> "v{i}" .' for i in range(40)]
    rows[25:25] = ['_:b1 <http://e/p> "1" .', '<http://e/a> <http://e/r> _:b1 .']
    rows += ['_:b1 <http://e/q> "2" .', '_:b2 <http://e/q> _:b1 .']
    source = tmp_path / "bn.nt"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    store = _sliced(source, NT, 64)  # the blank nodes fall in later slices than the first
    assert len(store) == 44
    subjects = {q.subject for q in store if isinstance(q.subject, pyoxigraph.BlankNode)}
    assert len(subjects) == 2  # _:b1 once, not once per slice or batch
    assert isomorphic(_store_graph(store), Graph().parse(source, format="nt"))


def test_named_graphs_load_in_slices(tmp_path: Path) -> None:
    rows = [f'<http://e/s{i}> <http://e/p> "{i}" <http://e/g{i % 3}> .' for i in range(30)]
    rows += [f'<http://e/s{i}> <http://e/p> "{i}" .' for i in range(5)]
    source = tmp_path / "d.nq"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    store = _sliced(source, NQ, 100)
    assert len(store) == 35
    graphs = {str(g) for g in store.named_graphs()}
    assert graphs == {"<http://e/g0>", "<http://e/g1>", "<http://e/g2>"}
    expected = pyoxigraph.parse(input=source.read_bytes(), format=NQ)
    assert {str(q) for q in store} == {str(q) for q in expected}


def test_a_bad_line_in_a_later_slice_raises(tmp_path: Path) -> None:
    source = tmp_path / "bad.nt"
    source.write_text('<http://e/a> <http://e/p> "1" .\n' * 20 + "<http://e/a> oops .\n",
                      encoding="utf-8")
    with pytest.raises(SyntaxError):
        _sliced(source, NT, 64)


@pytest.mark.parametrize("blank", [False, True])
def test_a_file_loaded_as_it_is_written(tmp_path: Path, blank: bool) -> None:
    """With ``written``, the loader follows a file another thread is still writing, in
    pieces that cut lines in two, and loads what one load of the whole file loads (blank
    nodes too: then it waits for the whole file)."""
    import threading

    lines = [f"<http://example.org/s{i}> <http://example.org/p> \"v {i}\" .\n"
             for i in range(3000)]
    if blank:
        lines[1500] = "_:b <http://example.org/p> _:c .\n"
        lines[1501] = "_:c <http://example.org/p> _:b .\n"
    text = "".join(lines).encode()
    source = tmp_path / "growing.nt"
    source.write_bytes(b"")
    written = threading.Event()

    def writer() -> None:
        with open(source, "ab") as handle:
            for at in range(0, len(text), 997):  # pieces that end mid-line
                handle.write(text[at:at + 997])
                handle.flush()
                if at % (997 * 40) == 0:
                    written.wait(0.01)
        written.set()

    thread = threading.Thread(target=writer)
    store = pyoxigraph.Store()
    thread.start()
    loaded = bulkload.load(store, source, fmt=NT, chunk_bytes=4096, batch=7, written=written)
    thread.join()
    assert loaded == (None if blank else 3000)
    whole = pyoxigraph.Store()
    whole.load(text, format=NT)
    assert len(store) == len(whole) == 3000
    assert isomorphic(_store_graph(store), _store_graph(whole))


def test_a_stopped_follow_raises(tmp_path: Path) -> None:
    import threading

    source = tmp_path / "growing.nt"
    source.write_bytes(b"<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n")
    stop, written = threading.Event(), threading.Event()
    stop.set()
    with pytest.raises(bulkload.Stopped):
        bulkload.load(pyoxigraph.Store(), source, fmt=NT, stop=stop, written=written)


def _lines(name: str, count: int) -> bytes:
    return "".join(f"<http://example.org/{name}{i}> <http://example.org/p> \"v {i}\" .\n"
                   for i in range(count)).encode()


def test_two_files_loaded_as_they_are_written(tmp_path: Path) -> None:
    """load_growing follows two files written at once, in pieces that cut lines in two:
    the first up to its ``end`` (what is written past it, as a streamed build appends
    the second file to the first, is not loaded twice), the second removed before it
    is read through its handle. The store holds each triple once; the lines are
    counted."""
    import threading

    first, second = _lines("a", 2000), _lines("b", 1500)
    paths = [tmp_path / "graph.nt", tmp_path / "part.nt"]
    for path in paths:
        path.write_bytes(b"")
    files = [bulkload.Growing(open(path, "rb")) for path in paths]  # noqa: SIM115

    def writer() -> None:
        with open(paths[0], "ab") as head, open(paths[1], "ab") as part:
            for at in range(0, max(len(first), len(second)), 997):  # ends mid-line
                for handle, text in ((head, first), (part, second)):
                    handle.write(text[at:at + 997])
                    handle.flush()
                if at % (997 * 40) == 0:
                    files[0].written.wait(0.01)
            head.flush()
            files[0].end = head.tell()
            head.write(second)  # appended past the end: loaded from the part, not here
            head.flush()
            files[0].written.set()
        files[1].written.set()
        paths[1].unlink()

    thread = threading.Thread(target=writer)
    store = pyoxigraph.Store()
    thread.start()
    loaded = bulkload.load_growing(store, files, fmt=NT, chunk_bytes=4096)
    thread.join()
    assert loaded == 3500 and len(store) == 3500
    whole = pyoxigraph.Store()
    whole.load(first + second, format=NT)
    assert isomorphic(_store_graph(store), _store_graph(whole))
    assert all(f.handle.closed for f in files)
    assert paths[0].read_bytes() == first + second  # the writer's file, whole


def test_text_that_looks_like_a_blank_node_loads(tmp_path: Path) -> None:
    """``_:`` in a literal or an IRI is text, not a blank node: loaded as any line."""
    path = tmp_path / "graph.nt"
    path.write_bytes(_lines("a", 10) + b'<http://example.org/x_:y> <http://example.org/p> '
                     b'"see _:b and _:c" .\n')
    growing = bulkload.Growing(open(path, "rb"))  # noqa: SIM115
    growing.written.set()
    store = pyoxigraph.Store()
    assert bulkload.load_growing(store, [growing], fmt=NT) == 11 and len(store) == 11
    assert pyoxigraph.Literal("see _:b and _:c") in {q.object for q in store}


def test_a_blank_node_in_a_growing_file_is_refused(tmp_path: Path) -> None:
    """Blank node labels are not shared across slices or files: refused, not split."""
    path = tmp_path / "graph.nt"
    path.write_bytes(_lines("a", 10) + b"_:b <http://example.org/p> _:c .\n")
    growing = bulkload.Growing(open(path, "rb"))  # noqa: SIM115
    growing.written.set()
    with pytest.raises(ValueError, match=r"graph\.nt: a blank node"):
        bulkload.load_growing(pyoxigraph.Store(), [growing], fmt=NT)
    assert growing.handle.closed


def test_a_stopped_growing_load_raises(tmp_path: Path) -> None:
    import threading

    path = tmp_path / "graph.nt"
    path.write_bytes(_lines("a", 10))
    stop = threading.Event()
    stop.set()
    growing = bulkload.Growing(open(path, "rb"))  # noqa: SIM115
    with pytest.raises(bulkload.Stopped):
        bulkload.load_growing(pyoxigraph.Store(), [growing], fmt=NT, stop=stop)
    assert growing.handle.closed
