"""External RDF files as people name and write them, through the real CLI.

tests/fixtures/rdf-project holds a kg.toml and four files whose paths fold together if
names are made carelessly (``external/geo-sameas.ttl`` / ``external-geo/sameas.ttl``,
``dumps/ab.ttl`` / ``dumps/a-b.ttl``), with blank nodes, a relative IRI, labels to align,
a province and a city with one Wikidata id, and a resource said to be two countries.
Every accepted build's ``out/graph.nt`` is read back by Oxigraph.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg.core.vocab import KG
from tests.conftest import FIXTURES, ROOT, run_kg, tree_snapshot

PROJECT = FIXTURES / "rdf-project"
GRAPH = "https://w3id.org/kg/graph/rdf/"
# rdflib 7.6's own N-Quads parser and Dataset.graphs call its deprecated Dataset API.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
NAMES = ["dumps/a-b.ttl", "dumps/ab.ttl", "external-geo/sameas.ttl", "external/geo-sameas.ttl"]


def make(where: Path, toml: str | None = None, **files: str | bytes) -> Path:
    """A project at ``where``: data/, the fixture's files and kg.toml, and ``files``."""
    shutil.copytree(ROOT / "data", where / "data")
    shutil.copytree(PROJECT, where, dirs_exist_ok=True)
    if toml is not None:
        (where / "kg.toml").write_text(toml, encoding="utf-8")
    for name, content in files.items():
        path = where / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return where


def built(root: Path) -> Dataset:
    """Build with the real CLI; out/graph.nt must be readable by Oxigraph."""
    import pyoxigraph

    result = run_kg("build", "--no-html", cwd=root)
    assert result.returncode == 0, result.stderr
    store = pyoxigraph.Store()
    store.bulk_load(path=str(root / "out" / "graph.nt"), format=pyoxigraph.RdfFormat.N_TRIPLES)
    assert len(store) > 3000
    ds = Dataset()
    ds.parse(data=(root / "out" / "graph.nq").read_text(encoding="utf-8"), format="nquads")
    return ds


def errors(root: Path) -> list[str]:
    """The lines of a failing build (nothing written)."""
    before = tree_snapshot(root)
    result = run_kg("build", "--no-html", cwd=root, timeout=120)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert tree_snapshot(root) == before
    return result.stderr.splitlines()


# --- names: injective and the same in every checkout ---------------------------------------

def test_lookalike_paths_give_distinct_graphs_and_sources(tmp_path: Path) -> None:
    ds = built(make(tmp_path))
    graphs = {str(g.identifier) for g in ds.graphs() if str(g.identifier).startswith(GRAPH)}
    assert graphs == {GRAPH + n for n in NAMES}
    for name in NAMES:
        source = URIRef(f"{GRAPH}{name}/source")
        assert set(ds.objects(source, KG.file)) == {Literal(name)}
        assert len(set(ds.objects(source, KG.sha256))) == 1  # one file, one hash
    geo = ds.graph(URIRef(GRAPH + "external/geo-sameas.ttl"))
    other = ds.graph(URIRef(GRAPH + "external-geo/sameas.ttl"))
    assert len(geo) == 13 and len(other) == 2
    assert not set(geo) & set(other)


def test_blank_nodes_of_two_files_stay_apart(tmp_path: Path) -> None:
    root = make(tmp_path)
    built(root)
    query = ("SELECT ?base ?name ?since WHERE { ?base <http://example.org/bases/operator> ?op . "
             "?op <http://example.org/bases/name> ?name ; <http://example.org/bases/since> "
             "?since } ORDER BY ?base")
    result = run_kg("query", "--built", "out", "-f", "csv", query, cwd=root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "base,name,since",
        "http://example.org/bases/busan,ROK Navy,1971",
        "http://example.org/bases/yokosuka,US Navy,1945"]


def test_output_bytes_do_not_depend_on_the_checkout_folder(tmp_path: Path) -> None:
    one = make(tmp_path / "a")
    two = make(tmp_path / "elsewhere" / "deeper" / "b")
    built(one)
    built(two)
    names = sorted(p.name for p in (one / "out").iterdir() if p.is_file())
    assert {"graph.nt", "graph.nq", "graph.trig", "imports-report.txt"} <= set(names)
    names.remove("manifest.json")  # the build's record: it names the store generation made
    manifests = [json.loads((r / "out" / "manifest.json").read_text("utf-8")) for r in (one, two)]
    assert manifests[0]["inputs"] == manifests[1]["inputs"]
    assert manifests[0]["graphs"] == manifests[1]["graphs"]
    for name in names:
        first = (one / "out" / name).read_bytes()
        assert first == (two / "out" / name).read_bytes(), name
        assert b"file://" not in first and str(tmp_path).encode() not in first, name
    nt = (one / "out" / "graph.nt").read_text(encoding="utf-8")
    assert "<https://w3id.org/kg/file/external/geo-sameas.ttl#tokio>" in nt  # <#tokio>
    report = (one / "out" / "imports-report.txt").read_text(encoding="utf-8")
    assert [line.split(":")[0] for line in report.splitlines() if not line.startswith(" ")] \
        == ["external/geo-sameas.ttl", "external-geo/sameas.ttl", "dumps/ab.ttl",
            "dumps/a-b.ttl"]


def test_same_file_twice_in_two_folders_isomorphic(tmp_path: Path) -> None:
    """A file's triples do not depend on its name, but for the blank nodes' labels."""
    body = (PROJECT / "dumps" / "ab.ttl").read_text(encoding="utf-8")
    ds = built(make(tmp_path, '[imports]\nrdf = ["x/ab.ttl", "y/ab.ttl"]\n',
                    **{"x/ab.ttl": body, "y/ab.ttl": body}))
    x, y = (ds.graph(URIRef(GRAPH + n)) for n in ("x/ab.ttl", "y/ab.ttl"))
    gx, gy = Graph(), Graph()
    for t in x:
        gx.add(t)
    for t in y:
        gy.add(t)
    assert isomorphic(gx, gy) and not set(gx) & set(gy)


def _nested(n: int) -> tuple[str, str]:
    """An RDF/XML and a JSON-LD file of ``n`` resources with three blank nodes each."""
    rdfxml = "".join(
        f'<rdf:Description rdf:about="http://example.org/b{i}">' + "".join(
            f"<ex:near><rdf:Description><ex:name>s{i}-{j}</ex:name><ex:in rdf:parseType="
            f'"Resource"><ex:n>{j}</ex:n></ex:in></rdf:Description></ex:near>'
            for j in range(3)) + "</rdf:Description>\n" for i in range(n))
    items = [{"@id": f"http://example.org/b{i}", "http://example.org/near": [
        {"http://example.org/name": f"s{i}-{j}", "http://example.org/in": {
            "http://example.org/n": j}} for j in range(3)]} for i in range(n)]
    return ('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
            'syntax-ns#" xmlns:ex="http://example.org/">\n' + rdfxml + "</rdf:RDF>\n",
            json.dumps({"@graph": items}, indent=1))


def test_rdfxml_and_jsonld_blank_nodes_same_bytes_every_run(tmp_path: Path) -> None:
    """rdflib's blank nodes are random per process: kg renames them in document order, so
    two builds (two processes, two hash seeds) write the same bytes, and each file's graph
    is the file's own (isomorphic to rdflib's reading of it)."""
    rdfxml, jsonld = _nested(20)
    toml = '[imports]\nrdf = ["many.rdf", "many.jsonld"]\n'
    roots = [make(tmp_path / n, toml, **{"many.rdf": rdfxml, "many.jsonld": jsonld})
             for n in ("one", "two")]
    sets = [built(r) for r in roots]
    for name in ("graph.nq", "graph.nt", "graph.trig", "graph.ttl", "graph.jsonld"):
        assert (roots[0] / "out" / name).read_bytes() == (roots[1] / "out" / name).read_bytes()
    for name, text, fmt in (("many.rdf", rdfxml, "xml"), ("many.jsonld", jsonld, "json-ld")):
        ours = Graph()
        for t in sets[0].graph(URIRef(GRAPH + name)):
            ours.add(t)
        assert len(ours) == 20 * 12  # per resource, 3 x (near, name, in, n)
        assert isomorphic(ours, Graph().parse(data=text, format=fmt))


# --- what N-Triples cannot hold, and what an XML parser should never expand ---------------

BAD = {
    "brace.ttl": ("@prefix ex: <http://example.org/> .\nex:a ex:b <http://example.org/x{y}> .\n",
                  "2:32", "IRI", "Invalid IRI code point '{'", "'http://example.org/x{y}'"),
    "space.ttl": ("@prefix ex: <http://example.org/> .\nex:a ex:b <http://example.org/x\\u0020y>"
                  " .\n", "2:32", "IRI", "Invalid IRI code point ' '", "'http://example.org/x y'"),
    "tick.ttl": ("@prefix ex: <http://example.org/> .\nex:a ex:b <rel`tick> .\n", "2:15", "IRI",
                 "Invalid IRI code point '`'", "'https://w3id.org/kg/file/bad/rel`tick'"),
    "close.ttl": ("@prefix ex: <http://example.org/> .\nex:a ex:b <http://example.org/x}y> .\n",
                  "2:32", "IRI", "Invalid IRI code point '}'", "'http://example.org/x}y'"),
    "lit.ttl": ('@prefix ex: <http://example.org/> .\nex:a ex:b "x\\uD800y" .\n', "2:13",
                "literal", "a lone surrogate in a literal", "'x\\ud800y'"),
    "lit.jsonld": ('{"@id": "http://example.org/a",\n "http://example.org/p": "x\\ud800y"}\n',
                   "2:28", "literal", "a lone surrogate in a literal", "'x\\ud800y'"),
    "lit.nt": ('<http://example.org/a> <http://example.org/b> "x\\uD800y" .\n', "1:49",
               "literal", "a lone surrogate in a literal", "'x\\ud800y'"),
    "iri.nt": ("<http://example.org/a> <http://example.org/b> <http://example.org/\\uD800> .\n",
               "1:67", "IRI", "a lone surrogate in an IRI", "'http://example.org/\\ud800'"),
    "pipe.rdf": ('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
                 'syntax-ns#" xmlns:ex="http://example.org/">\n  <rdf:Description rdf:about='
                 '"http://example.org/a|b"><ex:p>1</ex:p></rdf:Description>\n</rdf:RDF>\n',
                 "3:51", "IRI", "Invalid IRI code point '|'", "'http://example.org/a|b'"),
    "caret.jsonld": ('{"@id": "http://example.org/a",\n "http://example.org/p": {"@id": '
                     '"http://example.org/x^y"}}\n', "2:55", "IRI", "Invalid IRI code point '^'",
                     "'http://example.org/x^y'"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_terms_ntriples_cannot_hold_refused_at_their_place(tmp_path: Path, name: str) -> None:
    text, where, kind, why, value = BAD[name]
    root = make(tmp_path, f'[imports]\nrdf = ["bad/{name}"]\n', **{f"bad/{name}": text})
    fix = "replace it in the file" if kind == "literal" else "percent-encode it in the file"
    assert errors(root) == [f"bad/{name}:{where}: error: {kind} that N-Triples and Oxigraph "
                            f"cannot hold ({why}); {fix}: {value}",
                            "1 error(s); nothing written"]


@pytest.mark.parametrize(("name", "text", "where", "kind"), [
    ("lang.rdf", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-'
     'syntax-ns#" xmlns:ex="http://example.org/">\n  <rdf:Description rdf:about="http://example'
     '.org/a"><ex:p xml:lang="en_US">colour</ex:p></rdf:Description>\n</rdf:RDF>\n', "3:69",
     "RDF/XML"),
    ("lang.jsonld", '{"@id": "http://example.org/a",\n "http://example.org/p": {"@value": "x", '
     '"@language": "en_US"}}\n', "2:56", "json-ld"),
])
def test_bad_language_tag_refused_at_its_place(tmp_path: Path, name: str, text: str,
                                                where: str, kind: str) -> None:
    root = make(tmp_path, f'[imports]\nrdf = ["{name}"]\n', **{name: text})
    assert errors(root) == [f"{name}:{where}: error: bad {kind}: 'en_US' is not a valid "
                            "language tag!", "1 error(s); nothing written"]


@pytest.mark.parametrize(("text", "where"), [
    ('{"@id": "http://example.org/a",\n "http://example.org/p": {"@value": "colour", '
     '"@language": "en US"}}\n', "2:61"),
    ('{"@context": {"@language": "en US"},\n "@id": "http://example.org/a",\n'
     ' "http://example.org/p": "colour"}\n', "1:29"),
])
def test_language_tag_with_a_space_refused_not_dropped(tmp_path: Path, text: str,
                                                      where: str) -> None:
    """rdflib's JSON-LD reader drops a value whose language tag holds a space, without a
    word: kg refuses the file at the tag instead of importing a graph missing it."""
    root = make(tmp_path, '[imports]\nrdf = ["lang.jsonld"]\n', **{"lang.jsonld": text})
    assert errors(root) == [f"lang.jsonld:{where}: error: bad json-ld: 'en US' is not a "
                            "valid language tag!", "1 error(s); nothing written"]


def test_encoded_iris_accepted_and_read_back_by_oxigraph(tmp_path: Path) -> None:
    text = ("@prefix ex: <http://example.org/> .\n"
            "ex:a ex:b <http://example.org/x%7By%7D>, <http://example.org/caf\u00e9> ;\n"
            "    ex:c \"\\u00e9t\\u00e9 \\U0001F600\" .\n")
    ds = built(make(tmp_path, '[imports]\nrdf = ["ok.ttl"]\n', **{"ok.ttl": text}))
    graph = ds.graph(URIRef(GRAPH + "ok.ttl"))
    assert len(graph) == 3
    assert Literal("\u00e9t\u00e9 \U0001F600") in set(graph.objects())


def test_billion_laughs_refused_before_parsing(tmp_path: Path) -> None:
    root = make(tmp_path, '[imports]\nrdf = ["laughs.rdf"]\n')
    shutil.copy(FIXTURES / "billion-laughs.rdf", root / "laughs.rdf")
    assert errors(root) == [
        "laughs.rdf:2:1: error: RDF/XML with a DOCTYPE internal subset or entity declarations "
        "is refused (entity expansion and external entities); remove the DOCTYPE: "
        "'<!DOCTYPE rdf:RDF ['", "1 error(s); nothing written"]


def test_entity_declaration_without_doctype_subset_refused(tmp_path: Path) -> None:
    text = (FIXTURES / "billion-laughs.rdf").read_text(encoding="utf-8").replace(
        "<!DOCTYPE rdf:RDF [", "<!-- a DOCTYPE was here -->").replace("]>", "")
    root = make(tmp_path, '[imports]\nrdf = ["x.rdf"]\n', **{"x.rdf": text})
    assert errors(root)[0].startswith("x.rdf:3:3: error: RDF/XML with a DOCTYPE internal "
                                      "subset or entity declarations is refused")


@pytest.mark.parametrize(("encoding", "declared"), [
    ("utf-16-le", "utf-16"), ("utf-16-be", "utf-16"), ("utf-16-le", "utf-8")])
def test_billion_laughs_in_utf16_without_bom_refused(tmp_path: Path, encoding: str,
                                                      declared: str) -> None:
    """Without a byte-order mark, expat still reads UTF-16 (from the first bytes ``<\\0?\\0``),
    whatever the declaration says: the declarations are found by expat itself."""
    text = (FIXTURES / "billion-laughs.rdf").read_text(encoding="utf-8").replace(
        'encoding="utf-8"', f'encoding="{declared}"')
    root = make(tmp_path, '[imports]\nrdf = ["laughs.rdf"]\n',
                **{"laughs.rdf": text.encode(encoding)})
    assert errors(root) == [
        "laughs.rdf:2:19: error: RDF/XML with a DOCTYPE internal subset or entity declarations "
        "is refused (entity expansion and external entities); remove the DOCTYPE: "
        "'<!DOCTYPE rdf:RDF ['", "1 error(s); nothing written"]


def test_bad_xml_prolog_named_at_its_place(tmp_path: Path) -> None:
    text = '<?xml version="1.0"?>\n<!-- never closed\n<rdf:RDF/>\n'.encode("utf-16-le")
    root = make(tmp_path, '[imports]\nrdf = ["x.rdf"]\n', **{"x.rdf": text})
    assert errors(root) == ["x.rdf:2:1: error: bad RDF/XML: unclosed token",
                            "1 error(s); nothing written"]


# --- one file, one name: listed once --------------------------------------------------------

def test_a_file_listed_twice_refused_at_its_second_place(tmp_path: Path) -> None:
    root = make(tmp_path, '[imports]\nrdf = [\n  "dumps/ab.ttl",\n  "./dumps/x/../ab.ttl",\n]\n')
    assert errors(root) == [
        "kg: error: kg.toml:4:3: the import 'dumps/ab.ttl' is listed twice (first at line 3); "
        "list each file once: './dumps/x/../ab.ttl'"]
    (root / "kg.toml").write_text('[imports]\nrdf = ["dumps/ab.ttl", {path = "dumps/ab.ttl", '
                                  'format = "nt"}]\n', encoding="utf-8")
    assert errors(root) == [
        "kg: error: kg.toml:2:32: the import 'dumps/ab.ttl' is listed twice (first at line 2); "
        "list each file once: 'dumps/ab.ttl'"]
    (root / "kg.toml").write_text('[imports]\nsipri = ["r.csv", "r.csv"]\n', encoding="utf-8")
    result = run_kg("check", cwd=root)
    assert result.returncode == 1
    assert [line for line in result.stderr.splitlines() if not line.startswith("data/")] == [
        "kg.toml:2:19: error: the import 'r.csv' is listed twice (first at line 2); list each "
        "file once: 'r.csv'", result.stderr.splitlines()[-1]]
    assert result.stderr.splitlines()[-1].startswith("1 error(s), ")


# --- the size limit --------------------------------------------------------------------------

def test_size_limit_set_in_kg_toml_and_named(tmp_path: Path) -> None:
    root = make(tmp_path, '[imports]\nrdf = ["dumps/ab.ttl"]\nmax_import_bytes = 64\n')
    size = (root / "dumps" / "ab.ttl").stat().st_size
    assert errors(root) == [
        "dumps/ab.ttl: error: larger than the import size limit of 64 bytes ([imports] "
        f"max_import_bytes = 64 in kg.toml); refused unread (the file is {size} bytes)",
        "1 error(s); nothing written"]
    (root / "kg.toml").write_text('[imports]\nrdf = ["dumps/ab.ttl"]\nmax_import_bytes = '
                                  f"{size}\n", encoding="utf-8")
    built(root)


@pytest.mark.parametrize("value", ['"64 MiB"', "0", "true"])
def test_bad_size_limit_refused_at_its_place(tmp_path: Path, value: str) -> None:
    root = make(tmp_path, f'[imports]\nrdf = []\nmax_import_bytes = {value}\n')
    shown = {"0": "0", "true": "True"}.get(value, "'64 MiB'")
    assert errors(root) == [f"kg: error: kg.toml:3:20: max_import_bytes must be a whole "
                            f"number of bytes, at least 1: {shown}"]  # as every config error


# --- aligning RDF resources: labels, [align], and what cannot be right ----------------------

GEO_REPORT = [
    "external/geo-sameas.ttl: 13 triples into graph <https://w3id.org/kg/graph/rdf/external/"
    "geo-sameas.ttl>, 3 resource(s) aligned",
    "  matched  <http://example.org/gazetteer/1835841> -> kgr:south-korea (label 'Republic of "
    "Korea')",
    "  matched  <http://example.org/gazetteer/1835847> -> kgr:seoul (owl:sameAs "
    "<http://www.wikidata.org/entity/Q8684>)",
    "  matched  <http://example.org/gazetteer/1835848> -> kgr:seoul (owl:sameAs "
    "<http://www.wikidata.org/entity/Q8684>)",
    "  close    <https://w3id.org/kg/file/external/geo-sameas.ttl#tokio> 'Tokio' ~ kgr:tokyo "
    "'Tokyo': similar spelling (0.80)"]
TWO_ENTITIES = (
    "<http://example.org/gazetteer/1861060> aligns with 2 curated entities (kgr:japan by "
    "owl:sameAs <http://www.wikidata.org/entity/Q17>, kgr:south-korea by owl:sameAs "
    "<http://www.wikidata.org/entity/Q884>): linked to none; choose one with [align]")
TWO_RESOURCES = (
    "kgr:seoul aligns with 2 resources (<http://example.org/gazetteer/1835847> by owl:sameAs "
    "<http://www.wikidata.org/entity/Q8684>, <http://example.org/gazetteer/1835848> by "
    "owl:sameAs <http://www.wikidata.org/entity/Q8684>); they are not said to be the same: "
    "check, or choose one with [align]")


def test_resources_aligned_by_label_and_conflicts_reported(tmp_path: Path) -> None:
    root = make(tmp_path)
    ds = built(root)
    report = (root / "out" / "imports-report.txt").read_text(encoding="utf-8").splitlines()
    assert report[:8] == [*GEO_REPORT, f"  warning  {TWO_ENTITIES}", f"  warning  {TWO_RESOURCES}",
                          '  (to link a close resource, map it in kg.toml: [align] '
                          '"https://w3id.org/kg/file/external/geo-sameas.ttl#tokio" = \'tokyo\'; '
                          "or add its label as an alias of the curated entity)"]
    assert "  matched  <http://example.org/gazetteer/1850147> -> kgr:tokyo (label 'Tokyo')" \
        in report
    kgr = "https://w3id.org/kg/resource/"
    same = {(str(s), str(o)) for s, o in ds.subject_objects(URIRef(
        "http://www.w3.org/2002/07/owl#sameAs")) if str(s).startswith(kgr)
            and "wikidata.org" not in str(o)}  # the curated entities' own links left out
    assert same == {(kgr + "south-korea", "http://example.org/gazetteer/1835841"),
                    (kgr + "seoul", "http://example.org/gazetteer/1835847"),
                    (kgr + "seoul", "http://example.org/gazetteer/1835848"),
                    (kgr + "tokyo", "http://example.org/gazetteer/1850147")}
    result = run_kg("check", cwd=root)
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("external")] == [
        f"external/geo-sameas.ttl: warning: {TWO_ENTITIES}",
        f"external/geo-sameas.ttl: warning: {TWO_RESOURCES}"]


def test_align_chooses_rdf_resources_by_iri_or_label(tmp_path: Path) -> None:
    toml = (PROJECT / "kg.toml").read_text(encoding="utf-8") + (
        '\n[align]\n"http://example.org/gazetteer/1835848" = "seoul"\n"Tokio" = "Q1490"\n'
        '"http://example.org/gazetteer/0" = "japan"\n')
    root = make(tmp_path, toml)
    built(root)
    report = (root / "out" / "imports-report.txt").read_text(encoding="utf-8").splitlines()
    assert report[:5] == [
        GEO_REPORT[0], GEO_REPORT[1],
        "  matched  <http://example.org/gazetteer/1835848> -> kgr:seoul (by [align])",
        "  matched  <https://w3id.org/kg/file/external/geo-sameas.ttl#tokio> -> kgr:tokyo "
        "(by [align] 'Tokio')",
        f"  warning  {TWO_ENTITIES}"]
    result = run_kg("check", cwd=root)
    assert [line for line in result.stderr.splitlines() if not line.startswith("data/")] == [
        f"external/geo-sameas.ttl: warning: {TWO_ENTITIES}",
        "kg.toml:8:36: warning: [align] 'http://example.org/gazetteer/0' is not a name in any "
        "RDF import (no RDF resource has it as IRI or label): 'japan'",
        result.stderr.splitlines()[-1]]
    toml += '"http://example.org/gazetteer/1861060" = "Japan"\n'
    (root / "kg.toml").write_text(toml, encoding="utf-8")
    result = run_kg("check", cwd=root)
    assert result.returncode == 1
    assert "kg.toml:9:42: error: [align] 'http://example.org/gazetteer/1861060': curated ids " \
        "are lower case: did you mean 'japan'?: 'Japan'" in result.stderr


def test_paths_outside_the_project_keep_their_written_form(tmp_path: Path) -> None:
    body = (PROJECT / "dumps" / "ab.ttl").read_text(encoding="utf-8")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "ab.ttl").write_text(body, encoding="utf-8")
    root = make(tmp_path / "p", '[imports]\nrdf = ["../shared/ab.ttl", "./dumps/../dumps/ab.ttl",'
                ' "dumps/a b%.ttl"]\n', **{"dumps/a b%.ttl": body})
    ds = built(root)
    graphs = {str(g.identifier) for g in ds.graphs() if str(g.identifier).startswith(GRAPH)}
    assert graphs == {GRAPH + "%2E%2E/shared/ab.ttl", GRAPH + "dumps/ab.ttl",
                      GRAPH + "dumps/a%20b%25.ttl"}
    report = (root / "out" / "imports-report.txt").read_text(encoding="utf-8")
    assert [line.split(":")[0] for line in report.splitlines()] == [
        "../shared/ab.ttl", "dumps/ab.ttl", "dumps/a b%.ttl"]
