"""The store generation loaded by a process of its own beside the writers
(kg.pipeline.storeload): the same store, no loader or half-made generation left behind by
a failed, cancelled or killed build."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph
import pytest
from conftest import DATA, ROOT, run_kg, tree_snapshot

from kg.bench.generate import generate
from kg.core.errors import OutputError
from kg.pipeline import artifact, storeload


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project of 3,000 generated facts (about 55,000 triples)."""
    root = tmp_path_factory.mktemp("gen")
    generate(root / "data", 3000, files=6)
    return root


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
        assert loader.load(out, source)
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
        assert loader.load(tmp_path / "out", source) and loader.folder is not None
        with pytest.raises(OutputError) as caught:
            loader.result()
    message = str(caught.value)
    assert message.startswith(f"{loader.folder}: cannot write the store: ")
    assert "\n" not in message and "Traceback" not in message
    assert not loader.folder.exists()


def test_cancelled_loader_is_stopped_and_its_generation_removed(tmp_path: Path) -> None:
    source = tmp_path / "graph.nt"
    source.write_bytes(_nt_lines(400_000))  # about 40 MB: several seconds of loading
    loader = storeload.Loader()
    assert loader.load(tmp_path / "out", source) and loader.folder is not None
    deadline = time.monotonic() + 60
    while not loader.folder.is_dir() and loader.proc is not None and loader.proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    loader.close()
    assert loader.proc is not None and loader.proc.returncode == -signal.SIGKILL
    assert not loader.folder.exists()
    loader.close()  # twice is harmless


def test_idle_loader_ends_on_its_own(tmp_path: Path) -> None:
    """A build that needs no loader (a rebuild that patches the store) lets it go."""
    loader = storeload.Loader()
    loader.close()
    assert loader.proc is not None and loader.proc.returncode == 0
    assert not loader.started and not (tmp_path / "out").exists()


def test_a_loader_not_started_at_once_starts_when_told_to_load(tmp_path: Path) -> None:
    """A rebuild (a previous state to splice from) starts no loader unless it must load
    a whole generation after all."""
    source = tmp_path / "graph.nt"
    source.write_bytes(_nt_lines(10))
    with storeload.Loader(now=False) as idle:
        assert idle.proc is None
    with storeload.Loader(now=False) as loader:
        assert loader.proc is None
        assert loader.load(tmp_path / "out", source) and loader.proc is not None
        assert loader.result()[1] == {"": 10}


KILL_BUILD_AT_LOADER = """
import ctypes, os, subprocess, sys
from pathlib import Path

ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER: orphans come here


def loader_of(build):
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\\0")
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
        if any(b"kg.pipeline.storeload" in part for part in cmdline) and parent == build:
            return int(entry.name)
    return None


def generations():
    return {p for p in os.listdir("out/store") if p.startswith("g-")}


before = generations()
build = subprocess.Popen([sys.executable, "-m", "kg", "build", "--no-cache"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
loader = None
while loader is None and build.poll() is None:
    loader = loader_of(build.pid)
while loader is not None and not generations() - before and build.poll() is None:
    pass  # until the loader has opened its store: it is loading
build.kill()
build.wait()
if loader is None:
    print("no loader")
else:
    _, status = os.waitpid(loader, 0)  # adopted when its build died
    print("signal", os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
          "exit", os.WEXITSTATUS(status) if os.WIFEXITED(status) else None)
"""


def test_killed_build_takes_its_store_loader_with_it(generated: Path) -> None:
    """The build is killed once its loader is loading; the loader, adopted by the test's
    own process (a subreaper), must have been killed too (PR_SET_PDEATHSIG), not left
    to finish a generation for a build that is gone. (Killed before the loader has tied
    itself to the build, the loader sees its parent gone and exits with status 2.)"""
    assert run_kg("build", cwd=generated, timeout=300).returncode == 0
    out = generated / "out"
    before = tree_snapshot(out)
    done = subprocess.run([sys.executable, "-c", KILL_BUILD_AT_LOADER], cwd=generated,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.stdout == f"signal {int(signal.SIGKILL)} exit None\n", done.stderr

    def visible(tree: dict[str, bytes]) -> dict[str, bytes]:  # not the staged temporaries
        return {k: v for k, v in tree.items() if not k.startswith(("store/", "."))}

    assert visible(tree_snapshot(out)) == visible(before)
    done = run_kg("build", "--no-cache", cwd=generated, timeout=300)
    assert done.returncode == 0, done.stderr
    manifest = artifact.previous(out)
    assert manifest is not None
    left = {f"store/{p.name}" for p in (out / "store").iterdir()}
    old = {k.split("/")[1] for k in before if k.startswith("store/")}
    assert left - {manifest.generation} <= {f"store/{g}" for g in old}  # no orphan kept


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
