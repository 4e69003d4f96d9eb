"""Faults around the built graph: builds killed at every step, and `kg serve` through a
rebuild. A reader resolves the store through out/manifest.json, so it always sees one
whole generation: the manifest's inputs, counts and store agree."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kg.pipeline.built import read_build
from kg.sparql.query import query
from tests.conftest import DATA, ROOT, run_kg

EXTRA = "entities:\n  - {id: extra-place, type: Place, label: Extra place}\n"
MARKER = "ASK { kgr:extra-place ?p ?o }"


def kg_env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(DATA, tmp_path / "data")
    assert run_kg("build", cwd=tmp_path).returncode == 0
    return tmp_path


def toggle(project: Path) -> None:
    """Switch data/ between the two versions (with and without data/extra.yaml)."""
    extra = project / "data" / "extra.yaml"
    if extra.exists():
        extra.unlink()
    else:
        extra.write_text(EXTRA, encoding="utf-8")


def assert_one_generation(out: Path) -> bool:
    """The manifest, its store and its input hashes describe one build; True when that
    build had data/extra.yaml."""
    built = read_build(out)
    labels = query(built.engine(), "SELECT ?l WHERE { kgr:extra-place rdfs:label ?l }",
                   timeout=None).rows
    inputs = built.manifest.inputs
    assert ("data/extra.yaml" in inputs) == bool(labels)
    if labels:  # the store's label is the one in the bytes the manifest hashed
        text = EXTRA.replace("Extra place", str(labels[0][0]))
        assert inputs["data/extra.yaml"] == hashlib.sha256(text.encode()).hexdigest()
    total = query(built.engine(), "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", timeout=None)
    assert int(str(total.rows[0][0])) == built.manifest.graphs[""]
    return bool(labels)


def relabel(project: Path, n: int) -> None:
    """A new version of data/: data/extra.yaml with label number ``n``."""
    text = EXTRA.replace("Extra place", f"Extra place {n}")
    (project / "data" / "extra.yaml").write_text(text, encoding="utf-8")


def _kill_when(proc: subprocess.Popen[bytes], seen: object, deadline: float) -> bool:
    assert callable(seen)
    while time.monotonic() < deadline and proc.poll() is None:
        if seen():
            proc.kill()
            return True
    proc.kill()
    return False


def test_build_killed_at_every_step_leaves_one_whole_generation(project: Path) -> None:
    out = project / "out"
    relabel(project, 1000)
    started = time.monotonic()
    assert run_kg("build", cwd=project).returncode == 0
    full = time.monotonic() - started
    assert assert_one_generation(out)
    generations = {p.name for p in (out / "store").iterdir()}

    def new_generation() -> bool:
        return bool({p.name for p in (out / "store").iterdir()} - generations)

    def manifest_staged() -> bool:
        return any(n.startswith(".manifest.json.") for n in os.listdir(out))

    def outputs_renamed() -> bool:  # a renamed staged file has a new inode
        try:
            return (out / "graph.nt").stat().st_ino != old_nt
        except FileNotFoundError:
            return False

    seen = {"generation": 0, "manifest": 0, "renamed": 0}
    hooks = {"generation": new_generation, "manifest": manifest_staged,
             "renamed": outputs_renamed}
    plan: list[float | str] = [full * f for f in (0.1, 0.3, 0.5, 0.7, 0.85, 0.95)]
    plan += ["generation", "renamed", "manifest"] * 2
    for n, step in enumerate(plan):
        relabel(project, n)  # every build makes new outputs
        old_nt = (out / "graph.nt").stat().st_ino
        generations = {p.name for p in (out / "store").iterdir()}
        proc = subprocess.Popen([sys.executable, "-m", "kg", "build"], cwd=project,
                                env=kg_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        if isinstance(step, float):
            time.sleep(step)
            proc.kill()
        else:
            seen[step] += _kill_when(proc, hooks[step], time.monotonic() + 4 * full + 10)
        proc.wait()
        assert_one_generation(out)
    assert seen["generation"] >= 1 and seen["renamed"] >= 1, seen
    # A reader of the changed data never answers from the killed builds' generations.
    relabel(project, 99)
    done = run_kg("query", "SELECT ?l WHERE { kgr:extra-place rdfs:label ?l }", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "Extra place 99" in done.stdout
    assert assert_one_generation(out)
    assert len(list((out / "store").iterdir())) <= 2  # half-written generations removed


def _ask(url: str) -> tuple[int, str]:
    query_url = url + "?" + urllib.parse.urlencode({"query": MARKER})
    request = urllib.request.Request(query_url,
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.status, str(json.loads(answer.read())["boolean"]).lower()


def test_serve_answers_through_a_rebuild_and_moves_to_the_new_generation(
        project: Path) -> None:
    server = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", "0"],
                              cwd=project, env=kg_env(), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("SPARQL endpoint http://127.0.0.1:"), line
        url = line.split()[2]
        assert _ask(url) == (200, "false")
        toggle(project)  # data/extra.yaml appears
        build = subprocess.Popen([sys.executable, "-m", "kg", "build"], cwd=project,
                                 env=kg_env(), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        answers = []
        while build.poll() is None:
            answers.append(_ask(url))  # every answer whole: the old or the new generation
        assert build.wait() == 0
        assert len(answers) >= 1 and set(answers) <= {(200, "false"), (200, "true")}
        assert _ask(url) == (200, "true")
        toggle(project)
        assert run_kg("build", cwd=project).returncode == 0
        assert _ask(url) == (200, "false")
    finally:
        server.terminate()
        server.wait(timeout=30)
        if server.stdout is not None:
            server.stdout.close()


def test_two_readers_of_a_stale_build_at_once_both_answer(project: Path) -> None:
    relabel(project, 7)
    readers = [subprocess.Popen([sys.executable, "-m", "kg", "query",
                                 "SELECT ?l WHERE { kgr:extra-place rdfs:label ?l }",
                                 "--format", "csv"], cwd=project, env=kg_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(2)]
    answers = [reader.communicate(timeout=300) for reader in readers]
    for reader, (stdout, stderr) in zip(readers, answers, strict=True):
        assert reader.returncode == 0, stderr
        assert stdout == "l\nExtra place 7\n"  # (text mode: CRLF read as LF)
        assert "Traceback" not in stderr
    assert assert_one_generation(project / "out")
