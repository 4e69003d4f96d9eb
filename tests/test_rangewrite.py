"""Step 3 of the streamed build (kg.pipeline.rangewrite): the ranges shared between this
process and a forked one give the bytes and the index of one process writing them all,
wherever the ranges are cut in two; a part that cannot be written fails the write."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.core.fork import Standby
from kg.core.vocab import KGR
from kg.pipeline import rangewrite
from kg.pipeline.spill import Files, Spill

_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
_CUTS = [f"{KGR}e{n:03d}" for n in (10, 20, 30, 40)]  # five ranges
FORMATS = {"nt": "nt", "ttl": "turtle", "jsonld": "json-ld"}


def _triples(side: int) -> list[tuple[str, str, str]]:
    """Fifty subjects over the five ranges, each side holding half of their triples (one
    stated again on each side, as files stating the same thing would)."""
    found = []
    for n in range(side, 50, 2):
        subject = f"<{KGR}e{n:03d}>"
        found += [(subject, _TYPE, f"<{KGR}Kind{n % 3}>"), (subject, _LABEL, f'"e {n}"@en')]
    return [*found, (f"<{KGR}e007>", _LABEL, '"e 7"@en')]


def _write(folder: Path, *, at: int | None, forked: bool,
           monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, bytes], rangewrite.Written]:
    folder.mkdir()
    paths = {fmt: str(folder / f"graph.{fmt}") for fmt in FORMATS}
    if at is not None:
        monkeypatch.setattr(Files, "middle", lambda self: at)
    with Spill(folder, _CUTS, sides=2) as spill:
        for side in (0, 1):
            writer = spill.writer(side)
            writer.add(_triples(side))
            writer.close()
        if forked:
            with Standby() as standby:
                done = rangewrite.write_split(spill, paths, index=True, standby=standby)
        else:
            done = rangewrite.write_split(spill, paths, index=True)
    assert sorted(p.name for p in folder.iterdir()) == sorted(Path(p).name
                                                              for p in paths.values())
    return {fmt: Path(path).read_bytes() for fmt, path in paths.items()}, done


@pytest.mark.parametrize("at", [None, 0, 1, 3, 5])
def test_ranges_written_in_two_processes_are_written_as_in_one(
        tmp_path: Path, at: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut before the first range (all in the child), after the last (none there),
    between, or where the bytes are halved: the same bytes, stats and index."""
    one, alone = _write(tmp_path / "one", at=None, forked=False, monkeypatch=monkeypatch)
    two, split = _write(tmp_path / "two", at=at, forked=True, monkeypatch=monkeypatch)
    assert two == one
    assert split.orders == alone.orders and split.lengths == alone.lengths
    assert split.orders["ttl"] is split.orders["jsonld"]  # kept once, as the state keeps it
    assert (split.by_predicate, split.kinds, split.repeats) == \
        (alone.by_predicate, alone.kinds, alone.repeats)
    assert split.repeats == {(f"<{KGR}e007>", _LABEL, '"e 7"@en'): 2}  # three times
    assert len(alone.orders["nt"]) == 50
    graphs = [Graph().parse(data=two[fmt], format=name) for fmt, name in FORMATS.items()]
    assert len(graphs[0]) == 100
    assert all(isomorphic(graphs[0], g) for g in graphs[1:])


def test_the_real_cut_halves_the_bytes(tmp_path: Path) -> None:
    with Spill(tmp_path, _CUTS, sides=2) as spill:
        for side in (0, 1):
            writer = spill.writer(side)
            writer.add(_triples(side))
            writer.close()
        assert spill.files().middle() in (2, 3)
    with Spill(tmp_path, _CUTS, sides=2) as spill:
        assert spill.files().middle() == 0  # no bytes at all: nothing to cut


def _no_space(*args: object) -> object:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_part_that_cannot_be_written_fails_the_write(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The forked process's part meets a full disk: OSError here, naming the cause; the
    spill (with the part) is removed by its owner."""
    monkeypatch.setattr(rangewrite, "write_part", _no_space)
    with pytest.raises(OSError, match="No space left on device"):
        _write(tmp_path / "out", at=2, forked=True, monkeypatch=monkeypatch)
    assert not list((tmp_path / "out").glob(".kg-spill-*"))


@pytest.mark.parametrize("at", [0, 3, 5])
def test_the_store_loads_both_processes_nt_as_written(tmp_path: Path, at: int,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """``load`` is given graph.nt (up to where the Standby's part is appended) and that
    part as it is written: loading them as they grow gives graph.nt's triples, each line
    once, wherever the ranges are cut."""
    import threading

    import pyoxigraph

    from kg.pipeline import bulkload

    monkeypatch.setattr(Files, "middle", lambda self: at)
    paths = {fmt: str(tmp_path / f"graph.{fmt}") for fmt in FORMATS}
    store, loaded, threads = pyoxigraph.Store(), [], []

    def load(files: list[bulkload.Growing]) -> None:
        assert len(files) == 2
        threads.append(threading.Thread(target=lambda: loaded.append(bulkload.load_growing(
            store, files, fmt=pyoxigraph.RdfFormat.N_TRIPLES, chunk_bytes=64))))
        threads[-1].start()

    with Spill(tmp_path, _CUTS, sides=2) as spill:
        for side in (0, 1):
            writer = spill.writer(side)
            writer.add(_triples(side))
            writer.close()
        with Standby() as standby:
            rangewrite.write_split(spill, paths, index=False, standby=standby, load=load)
    threads[0].join()
    whole = pyoxigraph.Store()
    whole.load(path=paths["nt"], format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert loaded == [100] and len(store) == len(whole) == 100
    assert set(store) == set(whole)
