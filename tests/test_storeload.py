"""The store generation loaded on a thread of its own beside the writers
(kg.pipeline.storeload): the same store, at a lower priority than the build, and no
half-made generation left behind by a failed or stopped load."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph
import pytest
from conftest import DATA, ROOT, run_kg, tree_snapshot

from kg.core.errors import OutputError
from kg.pipeline import artifact, storeload
from kg.pipeline.build import build


def _quads(folder: Path) -> set[pyoxigraph.Quad]:
    store = pyoxigraph.Store.read_only(str(folder))
    try:
        return set(store)
    finally:
        del store


def _nt_lines(n: int) -> bytes:
    return b"".join(b'<https://w3id.org/kg/resource/e%d> <https://w3id.org/kg/ontology/p> '
                    b'"value %d" .\n' % (i, i) for i in range(n))


def test_loader_gives_the_generation_a_load_in_process_gives(tmp_path: Path) -> None:
    source = tmp_path / "graph.nt"
    source.write_bytes(_nt_lines(5000))
    out = tmp_path / "out"
    with storeload.Loader() as loader:
        loader.load(out, source)
        name, graphs = loader.result()
    assert name.startswith("store/g-") and graphs == {"": 5000}
    here, here_graphs = artifact.load_generation(tmp_path / "here", source)
    assert here_graphs == graphs
    assert _quads(out / name) == _quads(tmp_path / "here" / here)
    assert _quads(out / name) == {
        pyoxigraph.Quad(q.subject, q.predicate, q.object, pyoxigraph.DefaultGraph())
        for q in pyoxigraph.parse(path=str(source), format=pyoxigraph.RdfFormat.N_TRIPLES)}


def test_loader_failure_is_one_line_naming_the_generation(tmp_path: Path) -> None:
    source = tmp_path / "graph.nt"
    source.write_bytes(_nt_lines(10) + b"<not an iri .\n")
    with storeload.Loader() as loader:
        loader.load(tmp_path / "out", source)
        with pytest.raises(OutputError) as caught:
            loader.result()
    message = str(caught.value)
    assert loader.folder is not None
    assert message.startswith(f"{loader.folder}: cannot write the store: ")
    assert "\n" not in message and "Traceback" not in message
    assert not loader.folder.exists()


def test_closed_loader_stops_between_slices_and_removes_its_generation(
        tmp_path: Path) -> None:
    source = tmp_path / "graph.nt"
    source.write_bytes(_nt_lines(400_000))  # about 40 MB: ten slices, seconds of loading
    loader = storeload.Loader()
    loader.load(tmp_path / "out", source)
    assert loader.folder is not None
    deadline = time.monotonic() + 60
    while not loader.folder.is_dir():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    loader.close()
    assert not loader.folder.exists()
    loader.close()  # twice is harmless


def test_a_stopped_load_ends_before_its_next_slice(tmp_path: Path) -> None:
    import threading

    from kg.pipeline import bulkload

    source = tmp_path / "graph.nt"
    source.write_bytes(_nt_lines(1000))
    store = pyoxigraph.Store()
    stop = threading.Event()
    stop.set()
    with pytest.raises(bulkload.Stopped):
        bulkload.load(store, source, fmt=pyoxigraph.RdfFormat.N_TRIPLES, chunk_bytes=4096,
                      stop=stop)
    assert len(store) == 0
    bulkload.load(store, source, fmt=pyoxigraph.RdfFormat.N_TRIPLES, chunk_bytes=4096,
                  stop=threading.Event())
    assert len(store) == 1000


def test_a_stopped_load_of_blank_nodes_ends_between_two_batches(tmp_path: Path) -> None:
    """From the first slice with a blank node the rest is added in batches: the stop is
    seen between two of them."""
    import threading

    from kg.pipeline import bulkload

    class SetAfterFirstLook(threading.Event):  # not set when the first slice is read
        looks = 0

        def is_set(self) -> bool:
            self.looks += 1
            return self.looks > 1

    source = tmp_path / "graph.nt"
    source.write_bytes(b"".join(b"_:b%d <http://ex.org/p> \"%d\" .\n" % (i, i)
                                for i in range(100)))
    store = pyoxigraph.Store()
    with pytest.raises(bulkload.Stopped):
        bulkload.load(store, source, fmt=pyoxigraph.RdfFormat.N_TRIPLES, batch=10,
                      stop=SetAfterFirstLook())
    assert len(store) == 10  # one batch, then the stop


@pytest.mark.parametrize("streamed", [False, True])
def test_loader_thread_runs_below_the_build_priority(
        tmp_path: Path, streamed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The loading thread's nice value is raised (Linux keeps one per thread), so the
    build's own work is not kept waiting for a core; the build's thread keeps its own. In
    a streamed build (the load the longer) the build's priority is kept: no change."""
    if sys.platform != "linux":
        pytest.skip("per-thread nice values are Linux's")
    import threading

    seen: list[int] = []
    real = artifact.load_generation

    def spy(*args: object, **kwargs: object) -> tuple[str, dict[str, int]]:
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    source = tmp_path / "graph.nt"
    source.write_bytes(_nt_lines(10))
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    monkeypatch.setattr(artifact, "load_generation", spy)
    with storeload.Loader(lower=not streamed) as loader:
        loader.load(tmp_path / "out", source)
        loader.result()
    assert seen == [mine if streamed else min(mine + 10, 19)]
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine


@pytest.mark.parametrize("stream", [False, True])
def test_a_build_lowers_the_loader_unless_it_streams(
        tmp_path: Path, stream: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[bool] = []
    real = storeload.Loader.__init__

    def spy(self: storeload.Loader, *, lower: bool = True) -> None:
        made.append(lower)
        real(self, lower=lower)

    monkeypatch.setattr(storeload.Loader, "__init__", spy)
    assert build(DATA, tmp_path / "out", stream=stream).streamed is stream
    assert made == [not stream]


def test_an_idle_loader_closes_at_once() -> None:
    """A build that loads no whole generation (a patched rebuild) starts no thread."""
    loader = storeload.Loader()
    loader.close()
    assert not loader.started and loader.folder is None


def test_build_failing_after_the_loader_started_leaves_out_as_it_was(tmp_path: Path) -> None:
    """graph.nt is written first and the loader starts on it; a later file (the page,
    larger than graph.nt for the shipped data) cannot be written: the error names it, the
    loader is stopped, and no new generation (nor any other file) is left in out/."""
    import resource
    import shutil

    shutil.copytree(DATA, tmp_path / "data")
    assert run_kg("build", cwd=tmp_path).returncode == 0
    out = tmp_path / "out"
    before = tree_snapshot(out)
    sizes = {name: (out / name).stat().st_size for name in ("graph.nt", "graph.html")}
    assert sizes["graph.nt"] + 8192 < sizes["graph.html"]
    limit = sizes["graph.nt"] + 4096  # graph.nt (and the store's files) fit, the page not

    (tmp_path / "data" / "extra.yaml").write_text(
        "entities:\n  - {id: extra-place, type: Place, label: Extra place}\n",
        encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "kg", "build"], cwd=tmp_path,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True,
                          text=True, timeout=120, check=False,
                          preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE,
                                                                (limit, limit)))
    assert done.returncode == 1
    assert done.stderr == "kg: error: out/graph.html: cannot write: File too large\n"
    assert tree_snapshot(out) == before
