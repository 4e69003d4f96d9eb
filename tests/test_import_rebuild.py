"""Rebuilds with imports through the real CLI (kg.pipeline.importsplice): after a curated
edit only the default graph is made anew, and out/ is byte for byte a cold build's, its
store isomorphic to a cold build's; an edited import file is never served from the cache."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
from rdflib import Dataset, URIRef
from rdflib.compare import isomorphic

from kg.pipeline.manifest import read_manifest
from tests.conftest import DATA, FIXTURES, ROOT

EXTRA = ("@prefix ex: <http://example.org/> .\n@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
         "ex:tokyo owl:sameAs <http://www.wikidata.org/entity/Q17> ; ex:note \"capital\" .\n"
         "ex:base1 ex:note \"a base\" .\n")
RDF_GRAPH = "https://w3id.org/kg/graph/rdf/extra/bases.ttl"


def kg(project: Path, *args: str, cache: Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8",
               KG_CACHE_DIR=str(cache))
    done = subprocess.run([sys.executable, "-m", "kg", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def make_project(root: Path) -> Path:
    shutil.copytree(DATA, root / "data")
    shutil.copy(FIXTURES / "sipri-register.csv", root / "sipri.csv")
    (root / "extra").mkdir()
    (root / "extra" / "bases.ttl").write_text(EXTRA, encoding="utf-8")
    (root / "kg.toml").write_text('[imports]\nsipri = ["sipri.csv"]\nrdf = ["extra/bases.ttl"]'
                                  '\n\n[align]\n"MIM-104 PAC-3" = "pac-3"\n', encoding="utf-8")
    return root


def outputs(out: Path) -> dict[str, bytes]:
    """Every file of out/ but the store, the manifest and the lock."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.relative_to(out).as_posix().startswith(
                ("store/", "manifest.json", ".kg.lock"))}


def store_dataset(out: Path) -> Dataset:
    """The store generation the manifest names, as an rdflib Dataset."""
    store = pyoxigraph.Store.read_only(str(out / read_manifest(out).generation))
    text = store.dump(format=pyoxigraph.RdfFormat.N_QUADS)
    assert text is not None
    found = Dataset()
    found.parse(data=text.decode(), format="nquads")
    return found


def assert_same_as_cold(project: Path, tmp_path: Path) -> None:
    """out/ of ``project`` equals a cold build (no cache, no out/) of the same inputs."""
    cold = tmp_path / "cold"
    shutil.rmtree(cold, ignore_errors=True)
    shutil.copytree(project, cold, ignore=shutil.ignore_patterns("out"))
    kg(cold, "build", "--no-html", cache=tmp_path / "cold-cache")
    assert outputs(project / "out") == outputs(cold / "out")
    mine, theirs = store_dataset(project / "out"), store_dataset(cold / "out")
    names = {g.identifier for g in theirs.graphs()}
    assert {g.identifier for g in mine.graphs()} == names
    assert URIRef(RDF_GRAPH) in names
    for name in names:
        assert isomorphic(mine.graph(name), theirs.graph(name)), name
    assert read_manifest(project / "out").graphs == read_manifest(cold / "out").graphs


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_curated_edit_with_imports_splices_and_equals_a_cold_build(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    cache = tmp_path / "cache"
    first = kg(project, "build", "--no-html", cache=cache)
    assert "RDF outputs updated" not in first
    generation = read_manifest(project / "out").generation
    sources = project / "data" / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8").replace(
        "US OKs selling", "US approves selling"), encoding="utf-8")
    second = kg(project, "build", "--no-html", cache=cache)
    assert "2 import(s) unchanged: their graphs kept from the previous build" in second
    assert "RDF outputs updated from the previous build" in second
    assert "wrote out/imports-report.txt" not in second  # kept as it was
    assert "wrote out/graph.nq" in second and "wrote out/graph.trig" in second
    assert "5 deals read" in second  # the import report's summary, as a full build says it
    assert read_manifest(project / "out").generation != generation
    assert "US approves selling" in (project / "out" / "graph.nq").read_text(encoding="utf-8")
    assert_same_as_cold(project, tmp_path)
    answer = kg(project, "query", "SELECT ?t WHERE { ?s dcterms:title ?t "
                "FILTER(CONTAINS(?t, 'approves')) }", "--format", "tsv", cache=cache)
    assert "US approves selling" in answer and "US OKs selling" not in answer
    # a new entity is a new curated name the imports may align to: they run again
    (project / "data" / "extra.yaml").write_text(
        "entities:\n  - {id: extra-place, type: Place, label: Extra place}\n", encoding="utf-8")
    third = kg(project, "build", "--no-html", cache=cache)
    assert "RDF outputs updated" not in third and "import(s) unchanged" not in third
    assert_same_as_cold(project, tmp_path)
    kg(project, "build", "--no-html", cache=cache)  # the state of this build for the next
    # a statement's date and a citation's locator edited: blocks dropped, added, rewritten
    statements = project / "data" / "statements" / "us-sm3-japan-2018.yaml"
    text = statements.read_text(encoding="utf-8")
    text = text.replace("{date: 2018-01, status: approved}", "{date: 2018-02, status: approved}", 1)
    text = text.replace("locator: para 3, credibility: 2", "locator: para 4, credibility: 2", 1)
    statements.write_text(text, encoding="utf-8")
    fourth = kg(project, "build", "--no-html", cache=cache)
    assert "RDF outputs updated from the previous build" in fourth
    assert "2 import(s) unchanged: their graphs kept from the previous build" in fourth
    assert_same_as_cold(project, tmp_path)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_edited_import_file_is_never_served_from_the_cache(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    cache = tmp_path / "cache"
    kg(project, "build", "--no-html", cache=cache)
    bases = project / "extra" / "bases.ttl"
    bases.write_text(EXTRA.replace('"a base"', '"an edited base"'), encoding="utf-8")
    second = kg(project, "build", "--no-html", cache=cache)
    assert "RDF outputs updated" not in second
    assert "1 import(s) unchanged: taken from the cache" in second  # the SIPRI export only
    assert "an edited base" in (project / "out" / "graph.nq").read_text(encoding="utf-8")
    assert "a base\"" not in (project / "out" / "graph.nt").read_text(encoding="utf-8")
    assert_same_as_cold(project, tmp_path)
    answer = kg(project, "query", "SELECT ?n WHERE { GRAPH ?g { ?s <http://example.org/note> "
                "?n } }", "--format", "tsv", cache=cache)
    assert "an edited base" in answer and "\"a base\"" not in answer


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_a_changed_previous_output_makes_a_full_build(tmp_path: Path) -> None:
    """graph.nq touched by hand after a build: its named graphs are not copied from it."""
    project = make_project(tmp_path / "p")
    cache = tmp_path / "cache"
    kg(project, "build", "--no-html", cache=cache)
    nq = project / "out" / "graph.nq"
    nq.write_bytes(nq.read_bytes() + b"<http://x/a> <http://x/b> <http://x/c> <http://x/g> .\n")
    (project / "data" / "extra.yaml").write_text(
        "entities:\n  - {id: extra-place, type: Place, label: Extra place}\n", encoding="utf-8")
    second = kg(project, "build", "--no-html", cache=cache)
    assert "RDF outputs updated" not in second
    assert b"<http://x/g>" not in nq.read_bytes()
    # the import report removed by hand: the imports are read again, the report rewritten
    (project / "out" / "imports-report.txt").unlink()
    sources = project / "data" / "sources.yaml"  # an edit that leaves every curated name
    sources.write_text(sources.read_text(encoding="utf-8").replace(
        "US OKs selling", "US approves selling"), encoding="utf-8")
    third = kg(project, "build", "--no-html", cache=cache)
    assert "graphs kept" not in third and "wrote out/imports-report.txt" in third
    assert_same_as_cold(project, tmp_path)


def one_generation(out: Path, versions: dict[str, bytes]) -> str:
    """The manifest's store opens, holds the triples per graph the manifest says, and
    the title it holds is the one in the sources.yaml the manifest hashed; the title."""
    manifest = read_manifest(out)
    store = pyoxigraph.Store.read_only(str(out / manifest.generation))
    found = {"": len(list(store.quads_for_pattern(None, None, None,
                                                  pyoxigraph.DefaultGraph())))}
    for graph in store.named_graphs():
        found[graph.value] = len(list(store.quads_for_pattern(None, None, None, graph)))
    assert found == manifest.graphs
    titles = [title for title in versions if bool(store.query(
        f'ASK {{ ?s <http://purl.org/dc/terms/title> ?t FILTER(CONTAINS(?t, "{title}")) }}'))]
    assert len(titles) == 1, titles
    digest = hashlib.sha256(versions[titles[0]]).hexdigest()
    assert manifest.inputs["data/sources.yaml"] == digest
    return titles[0]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_rebuild_with_imports_killed_while_deriving_the_store(tmp_path: Path) -> None:
    """SIGKILL once the new generation's folder appears (its table files linked, the
    default graph being replaced): readers still see the previous whole generation, and
    the next build finishes as a cold build would."""
    project = make_project(tmp_path / "p")
    cache = tmp_path / "cache"
    kg(project, "build", "--no-html", cache=cache)
    out = project / "out"
    sources = project / "data" / "sources.yaml"
    old = sources.read_bytes()
    versions = {"US OKs selling": old,
                "US approves selling": old.replace(b"US OKs selling", b"US approves selling")}
    assert one_generation(out, versions) == "US OKs selling"
    generations = set(os.listdir(out / "store"))
    sources.write_bytes(versions["US approves selling"])
    env = dict(os.environ, PYTHONPATH=str(ROOT), KG_CACHE_DIR=str(cache))
    proc = subprocess.Popen([sys.executable, "-m", "kg", "build", "--no-html"], cwd=project,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while proc.poll() is None and not set(os.listdir(out / "store")) - generations:
        pass
    proc.kill()
    proc.wait()
    one_generation(out, versions)  # the previous build or the new one, whole
    kg(project, "build", "--no-html", cache=cache)
    assert one_generation(out, versions) == "US approves selling"
    assert_same_as_cold(project, tmp_path)
