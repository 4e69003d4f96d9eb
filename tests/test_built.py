"""The built graph as one artifact (kg.pipeline.artifact, kg.pipeline.built,
kg.pipeline.manifest), through the CLI.

`kg build` writes a store generation and out/manifest.json; every reading command reads
them, built first when out/ is missing, foreign, corrupt or older than its inputs.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg.pipeline.manifest import file_hash
from tests.conftest import DATA, FIXTURES, run_kg

EXTRA = ("@prefix ex: <http://example.org/> .\n@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
         "ex:tokyo owl:sameAs <http://www.wikidata.org/entity/Q17> ; ex:note \"capital\" .\n")
SIPRI_GRAPH = "https://w3id.org/kg/graph/sipri-trade-register-2025-02-03"
RDF_GRAPH = "https://w3id.org/kg/graph/rdf/extra/bases.ttl"
CONFIG = ('[imports]\nsipri = ["sipri.csv"]\nrdf = ["extra/bases.ttl"]\n\n[align]\n'
          '"MIM-104 PAC-3" = "pac-3"\n')
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
DEALS = ("SELECT ?deal ?weapon WHERE { ?deal kg:recipient kgr:japan ; kg:concerns ?w . "
         "?w rdfs:label ?weapon } ORDER BY ?deal ?weapon")
PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


@pytest.fixture(scope="module")
def built_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as patch:  # the test run's cache (conftest.own_cache)
        patch.setenv("KG_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "kg-cache"))
        yield _built_project(tmp_path_factory)


def _built_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("built")
    shutil.copytree(DATA, root / "data")
    shutil.copy(FIXTURES / "sipri-register.csv", root / "sipri.csv")
    (root / "extra").mkdir()
    (root / "extra" / "bases.ttl").write_text(EXTRA, encoding="utf-8")
    (root / "kg.toml").write_text(CONFIG, encoding="utf-8")
    done = run_kg("build", "--focus", "Japan", cwd=root)
    assert done.returncode == 0, done.stderr
    return root


@pytest.fixture
def project(built_project: Path, tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(built_project, target)
    return target


def rows(*args: str, cwd: Path) -> list[list[str]]:
    done = run_kg("query", *args, "--format", "csv", cwd=cwd)
    assert done.returncode == 0, done.stderr
    return list(csv.reader(io.StringIO(done.stdout)))[1:]


def manifest(project: Path, out: str = "out") -> dict[str, object]:
    doc = json.loads((project / out / "manifest.json").read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def test_manifest_lists_inputs_outputs_and_graph_counts(project: Path) -> None:
    doc = manifest(project)
    inputs = doc["inputs"]
    assert isinstance(inputs, dict)
    assert inputs["kg.toml"] == file_hash(project / "kg.toml")
    assert inputs["sipri.csv"] == file_hash(project / "sipri.csv")
    assert inputs["extra/bases.ttl"] == file_hash(project / "extra" / "bases.ttl")
    assert inputs["data/sources.yaml"] == file_hash(project / "data" / "sources.yaml")
    outputs = doc["outputs"]
    assert isinstance(outputs, dict)
    for name in ("graph.nt", "graph.nq", "graph.trig", "graph.html", "imports-report.txt",
                 "focus-japan.html", "countries/japan.html", "union.html"):
        assert outputs[name] == file_hash(project / "out" / name), name
    graphs = doc["graphs"]
    assert isinstance(graphs, dict)
    assert set(graphs) == {"", SIPRI_GRAPH, RDF_GRAPH}
    assert graphs[RDF_GRAPH] == 2
    assert doc["kg"] == "0.1.0"
    assert (project / "out" / str(doc["generation"])).is_dir()


def test_build_summary_counts_every_graph(tmp_path: Path, built_project: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(built_project, project)
    same = run_kg("build", "--focus", "Japan", cwd=project)  # nothing changed
    assert same.returncode == 0, same.stderr
    assert "out was built from these very inputs (by content hash) and is intact: nothing " \
        "written\n" in same.stdout and "wrote " not in same.stdout
    sources = project / "data" / "sources.yaml"  # no curated name changes: imports cached
    sources.write_text(sources.read_text(encoding="utf-8") + "# reviewed\n", encoding="utf-8")
    done = run_kg("build", "--focus", "Japan", cwd=project)
    assert done.returncode == 0, done.stderr
    graphs = manifest(project)["graphs"]
    assert isinstance(graphs, dict)
    total = sum(graphs.values())
    assert f"built graph: {total} triples in 3 graph(s), out/manifest.json\n" in done.stdout
    assert f"  <{RDF_GRAPH}>  " in done.stdout
    assert f"  <{SIPRI_GRAPH}>  {graphs[SIPRI_GRAPH]:>8}\n" in done.stdout
    assert "2 import(s) unchanged: taken from the cache" in done.stdout
    # a comment changes no triple: the union's files keep their bytes, and "wrote" is
    # printed only for files whose bytes changed
    assert "wrote out/graph.nq" not in done.stdout
    (project / "out" / "graph.ttl").write_text("damaged", encoding="utf-8")  # not intact
    again = run_kg("build", "--focus", "Japan", cwd=project)
    assert "wrote out/graph.ttl" in again.stdout
    assert (project / "out" / "graph.ttl").read_text(encoding="utf-8") != "damaged"


def test_query_over_imports_equals_graph_nt(project: Path) -> None:
    over_build = rows(DEALS, cwd=project)
    over_nt = rows("--graph-file", "out/graph.nt", DEALS, cwd=project)
    assert over_build == over_nt
    assert any("sipri" in deal for deal, _ in over_build)  # imported deals are there
    assert ["https://w3id.org/kg/resource/sm3-sale-2018", "SM-3"] in over_build
    assert rows(COUNT, cwd=project) == rows("--graph-file", "out/graph.nt", COUNT, cwd=project)
    from_data = rows(DEALS, "--from-data", cwd=project)  # the curated graph only
    assert from_data == [["https://w3id.org/kg/resource/sm3-sale-2018", "SM-3"]]


def test_graph_reaches_each_import(project: Path) -> None:
    graphs = manifest(project)["graphs"]
    assert isinstance(graphs, dict)
    expected = [[SIPRI_GRAPH, str(graphs[SIPRI_GRAPH])], [RDF_GRAPH, str(graphs[RDF_GRAPH])]]
    assert rows(PER_GRAPH, cwd=project) == sorted(expected)
    assert rows(f"SELECT ?note WHERE {{ GRAPH <{RDF_GRAPH}> {{ ?s ex:note ?note }} }}"
                .replace("ex:note", "<http://example.org/note>"), cwd=project) == [["capital"]]
    for name in ("out/graph.trig", "out/graph.nq", f"out/{manifest(project)['generation']}"):
        assert rows("--graph-file", name, PER_GRAPH, cwd=project) == sorted(expected), name


def test_stale_outputs_are_removed_and_nothing_else(project: Path) -> None:
    out = project / "out"
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    assert (out / "countries" / "japan.html").is_file() and (out / "focus-japan.html").is_file()
    (project / "kg.toml").unlink()
    done = run_kg("build", cwd=project)
    assert done.returncode == 0, done.stderr
    left = sorted(p.relative_to(out).as_posix() for p in out.iterdir()
                  if p.name not in ("store", ".kg.lock"))
    assert left == ["graph.html", "graph.jsonld", "graph.nt", "graph.ttl", "manifest.json",
                    "notes.txt"]
    assert "built graph: 3185 triples in 1 graph(s)" in done.stdout
    generations = list((out / "store").iterdir())
    assert len(generations) == 2  # this one, and the previous one for readers still on it


def test_edited_import_is_never_served_from_the_cache(project: Path) -> None:
    note = "SELECT ?note WHERE { ?s <http://example.org/note> ?note }"
    assert rows(note, cwd=project) == [["capital"]]
    bases = project / "extra" / "bases.ttl"
    bases.write_text(EXTRA.replace('"capital"', '"capital city"'), encoding="utf-8")
    done = run_kg("build", "--focus", "Japan", cwd=project)
    assert done.returncode == 0, done.stderr
    assert "1 import(s) unchanged: taken from the cache" in done.stdout  # SIPRI only
    assert rows(note, cwd=project) == [["capital city"]]
    assert '"capital city"' in (project / "out" / "graph.nq").read_text(encoding="utf-8")


def test_reader_builds_first_when_an_input_changed(project: Path) -> None:
    sources = project / "data" / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8").replace(
        "US OKs selling Japan missiles", "US approves selling Japan missiles"), encoding="utf-8")
    title = "SELECT ?t WHERE { ?s dcterms:title ?t FILTER(CONTAINS(?t, 'selling Japan')) }"
    done = run_kg("query", title, "--format", "csv", cwd=project)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ("kg: out is older than its inputs (data/sources.yaml changed); "
                           "building it first\n")
    assert "US approves selling Japan missiles" in done.stdout
    assert "US OKs" not in done.stdout
    again = run_kg("query", title, "--format", "csv", cwd=project)
    assert again.stderr == "" and again.stdout == done.stdout
    assert (project / "out" / "focus-japan.html").is_file()  # the build's options were kept


@pytest.mark.parametrize(("damage", "message"), [
    ("manifest-garbage", "kg: out/manifest.json: unreadable manifest ("),
    ("manifest-missing", "kg: out: no build here (manifest.json is missing); building it first"),
    ("manifest-version", "kg: out: written by kg 0.0.1 (format 1), this is kg 0.1.0; "
                         "building it first"),
    ("manifest-fields", "kg: out/manifest.json: corrupt manifest (bad or missing 'graphs')"),
    ("store-missing", "the store named by out/manifest.json is missing; building it first"),
    ("store-garbage", "cannot open the store"),
])
def test_damaged_build_is_rebuilt_without_a_traceback(project: Path, damage: str,
                                                      message: str) -> None:
    out = project / "out"
    doc = manifest(project)
    store = out / str(doc["generation"])
    if damage == "manifest-garbage":
        (out / "manifest.json").write_text("{not json", encoding="utf-8")
    elif damage == "manifest-missing":
        (out / "manifest.json").unlink()
    elif damage == "manifest-version":
        doc["kg"] = "0.0.1"
        (out / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")
    elif damage == "manifest-fields":
        del doc["graphs"]
        (out / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")
    elif damage == "store-missing":
        shutil.rmtree(store)
    else:
        for f in store.iterdir():
            if f.is_file():
                f.write_bytes(b"garbage")
    done = run_kg("query", PER_GRAPH, "--format", "csv", cwd=project)
    assert done.returncode == 0, done.stderr
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert done.stdout.count("\n") == 3  # the header and the two imports
    assert run_kg("query", "ASK {}", cwd=project).stderr == ""  # rebuilt once


def test_refusing_reader_and_from_data(project: Path) -> None:
    from kg.pipeline.built import open_built
    from kg.pipeline.manifest import ManifestError

    (project / "data" / "extra.yaml").write_text(
        "entities:\n  - {id: extra-place, type: Place, label: Extra place}\n", encoding="utf-8")
    with pytest.raises(ManifestError) as err:
        open_built(project / "out", project / "data", build_first=False)
    assert str(err.value) == (f"{project / 'out'} is older than its inputs (data/extra.yaml "
                              "added); run `kg build`")
    shutil.rmtree(project / "out")
    done = run_kg("stats", "--from-data", cwd=project)
    assert done.returncode == 0 and not (project / "out").exists()


def test_every_reading_command_reads_the_build(project: Path) -> None:
    total = rows(COUNT, cwd=project)[0][0]
    stats = run_kg("stats", cwd=project)
    assert stats.returncode == 0, stats.stderr
    assert stats.stdout.startswith(f"{total} triples, ")  # the union, imports included
    assert run_kg("stats", "--from-data", cwd=project).stdout.startswith("3185 triples, ")
    # (central is left out: networkx's PageRank needs numpy, not a kg dependency)
    for args in (["neighbors", "Japan"], ["path", "Japan", "ROK"], ["communities"],
                 ["export", "--format", "csv", "--out", "net"]):
        done = run_kg(*args, cwd=project)
        assert done.returncode == 0 and done.stderr == "", (args, done.stderr)
    assert (project / "net" / "edges.csv").is_file()


def test_diff_of_two_builds(tmp_path: Path) -> None:
    from kg.pipeline.build import build
    from tests.test_diff import NEW, OLD, write

    build(write(tmp_path / "old", OLD), tmp_path / "out1", html_page=False)
    build(write(tmp_path / "new", NEW), tmp_path / "out2", html_page=False)
    done = run_kg("diff", "out1", "out2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == \
        "out1 -> out2: 1 added, 1 removed, 1 changed statement(s)"


def test_readme_example_of_the_built_graph(tmp_path: Path) -> None:
    """The console example of README's "The built graph" section, run as written."""
    import os
    import re
    import subprocess
    import sys

    from tests.conftest import ROOT

    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## The built graph")[1]
    block = re.search(r"```console\n(.*?)```", section, re.DOTALL)
    assert block is not None
    shutil.copytree(DATA, tmp_path / "data")
    (tmp_path / "tests" / "fixtures").mkdir(parents=True)
    shutil.copy(FIXTURES / "sipri-register.csv", tmp_path / "tests" / "fixtures")
    (tmp_path / "kg.toml").write_text('[imports]\nsipri = ["tests/fixtures/sipri-register.csv"]'
                                      "\n", encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kg").write_text(f'#!/bin/sh\nexec {sys.executable} -m kg "$@"\n')
    (bin_dir / "kg").chmod(0o755)
    env = dict(os.environ, PYTHONPATH=str(ROOT), PATH=f"{bin_dir}:{os.environ['PATH']}")
    commands = re.split(r"^\$ ", block.group(1), flags=re.MULTILINE)[1:]
    assert len(commands) == 6
    for chunk in commands:
        command, _, expected = chunk.partition("\n")
        done = subprocess.run(["bash", "-c", command + " 2>&1"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, check=False, timeout=300)
        assert done.stdout == expected, command


def test_reader_over_data_with_errors_answers_nothing(project: Path) -> None:
    bad = project / "data" / "bad.yaml"
    bad.write_text("entities:\n  - {id: bad, type: Misile, label: Bad}\n", encoding="utf-8")
    before = (project / "out" / "manifest.json").read_bytes()
    done = run_kg("query", "ASK { ?s ?p ?o }", cwd=project)
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0] == "kg: out is older than its inputs (data/bad.yaml added); building it first"
    assert lines[1].startswith("data/bad.yaml:2:21: error: unknown class (did you mean")
    assert lines[1].endswith(": 'Misile'")
    assert lines[-1] == "1 error(s); nothing written"
    assert (project / "out" / "manifest.json").read_bytes() == before
