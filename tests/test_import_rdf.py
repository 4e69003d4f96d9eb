"""External RDF files: offline parsing, positions of syntax errors, alignment."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import OWL, URIRef

from kg.core.errors import ImportFileError
from kg.core.vocab import KGR
from kg.curate.load import load
from kg.imports.rdf import import_rdf, parse_file
from tests.conftest import ROOT

GOOD = {
    "bases.ttl": "@prefix ex: <http://example.org/> .\n"
                 "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
                 "ex:tokyo owl:sameAs <http://www.wikidata.org/entity/Q17> ;\n"
                 "    ex:hosts [ ex:name \"Yokosuka\" ] .\n",
    "links.nt": "<http://example.org/pac> <http://www.w3.org/2002/07/owl#sameAs> "
                "<https://w3id.org/kg/resource/pac-3> .\n",
    "kr.rdf": "<?xml version=\"1.0\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-"
              "syntax-ns#\" xmlns:owl=\"http://www.w3.org/2002/07/owl#\">\n"
              "  <rdf:Description rdf:about=\"http://example.org/rok\">\n"
              "    <owl:sameAs rdf:resource=\"https://www.wikidata.org/wiki/Q884\"/>\n"
              "  </rdf:Description>\n</rdf:RDF>\n",
    "us.jsonld": '{"@context": {"owl": "http://www.w3.org/2002/07/owl#"},\n'
                 ' "@id": "http://example.org/us",\n'
                 ' "owl:sameAs": {"@id": "http://www.wikidata.org/entity/Q30"}}\n',
}
EXPECTED = {"bases.ttl": ("http://example.org/tokyo", "japan"),
            "links.nt": ("http://example.org/pac", "pac-3"),
            "kr.rdf": ("http://example.org/rok", "south-korea"),
            "us.jsonld": ("http://example.org/us", "usa")}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_each_format_read_and_aligned(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(GOOD[name], encoding="utf-8")
    imp = import_rdf(path, load(ROOT / "data")[0])
    ext, ident = EXPECTED[name]
    assert imp.links == {ext: ident}
    assert (KGR[ident], OWL.sameAs, URIRef(ext)) in imp.meta
    assert str(imp.graph).startswith("https://w3id.org/kg/graph/rdf/")
    assert imp.triples


def test_blank_nodes_named_stably(tmp_path: Path) -> None:
    path = tmp_path / "bases.ttl"
    path.write_text(GOOD["bases.ttl"], encoding="utf-8")
    curated = load(ROOT / "data")[0]
    first, second = import_rdf(path, curated), import_rdf(path, curated)
    assert sorted(first.triples) == sorted(second.triples)


BAD = {
    "bad.ttl": ("@prefix ex: <http://e/> .\nex:a ex:b ex:c .\nex:a ex:b \"open\n", 3, 16),
    "bad.nt": ("<http://e/a> <http://e/b> <http://e/c> .\n<http://e/a> <http://e/b> oops .\n",
               2, 27),
    "bad.rdf": ("<?xml version=\"1.0\"?>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-"
                "rdf-syntax-ns#\">\n  <rdf:Description>\n  </rdf:Descr>\n</rdf:RDF>\n", 4, 5),
    "bad.jsonld": ('{"@id": "http://e/a",\n  "http://e/b": [}\n', 2, 18),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_names_line_and_column(tmp_path: Path, name: str) -> None:
    text, line, col = BAD[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ImportFileError) as err:
        parse_file(path)
    assert str(err.value).startswith(f"{path}:{line}:{col}: bad ")


def test_remote_jsonld_context_refused_without_fetching(tmp_path: Path) -> None:
    path = tmp_path / "remote.jsonld"
    path.write_text('{"@id": "http://e/a",\n "@context": ["https://schema.org/"]}\n',
                    encoding="utf-8")
    with pytest.raises(ImportFileError) as err:
        parse_file(path)
    assert str(err.value).startswith(f"{path}:2:15: remote JSON-LD context refused")


def test_rdfxml_external_entity_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "ent.rdf"
    path.write_text("<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "
                    "\"http://example.org/x\">]>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/"
                    "1999/02/22-rdf-syntax-ns#\" xmlns:ex=\"http://e/\">\n"
                    "  <rdf:Description rdf:about=\"http://e/a\"><ex:p>&x;</ex:p>"
                    "</rdf:Description>\n</rdf:RDF>\n", encoding="utf-8")
    # The socket guard fails the test on any fetch; the DOCTYPE is refused before parsing.
    with pytest.raises(ImportFileError) as err:
        parse_file(path)
    assert str(err.value) == (
        f"{path}:2:1: RDF/XML with a DOCTYPE internal subset or entity declarations is "
        "refused (entity expansion and external entities); remove the DOCTYPE: "
        "'<!DOCTYPE r ['")


def test_unknown_extension_refused(tmp_path: Path) -> None:
    path = tmp_path / "data.n3x"
    path.write_text("", encoding="utf-8")
    with pytest.raises(ImportFileError, match="unknown RDF file type"):
        parse_file(path)
