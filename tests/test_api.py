"""The Python surface: typed functions, and `import kg` does nothing else."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import kg
from tests.conftest import FIXTURES, ROOT


def test_import_does_no_heavy_work() -> None:
    code = ("import sys, kg; heavy = {'networkx', 'pyvis', 'pyshacl', 'pyoxigraph', 'rdflib'}; "
            "print(sorted(heavy & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    assert done.stdout.strip() == "[]"


def loaded_after(statement: str, names: set[str]) -> list[str]:
    code = f"import sys; {statement}; print(sorted({names!r} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    return list(eval(done.stdout))  # a list of str printed by Python


def test_the_cli_imports_a_command_s_modules_when_it_runs() -> None:
    heavy = {"rdflib", "pyoxigraph", "kg.pipeline.build", "kg.imports.project", "yaml",
             "networkx", "pyshacl"}
    assert loaded_after("import kg.cli; kg.cli._parser().parse_args(['query', 'x'])",
                        heavy) == []
    # what `kg query` over the build reads: neither the build nor the importers nor YAML,
    # nor rdflib (a SELECT or ASK is vetted, answered and printed without it)
    reading = ("import kg.pipeline.built, kg.sparql.oneshot, kg.sparql.results, "
               "kg.sparql.vetting, kg.cliconv, kg.core.cachedir")
    assert loaded_after(reading, heavy | {"kg.curate.load", "kg.page.render", "pyparsing"}) \
        == []  # (pyoxigraph when the store is opened)


def test_the_version_is_written_once() -> None:
    from importlib.metadata import version

    from kg.core.version import __version__

    assert version("kg") == __version__ == kg.__version__  # pyproject.toml reads it
    done = subprocess.run([sys.executable, "-m", "kg", "--version"], capture_output=True,
                          text=True, cwd=ROOT, check=True)
    assert done.stdout == f"kg {__version__}\n"


def test_the_plain_prefixes_are_rdflib_s_namespaces() -> None:
    from rdflib import OWL, RDF, RDFS, XSD
    from rdflib.namespace import DCTERMS, PROV, SKOS

    from kg.core import vocab
    from kg.core.prefixes import PREFIXES

    assert {"kg": str(vocab.KG), "kgr": str(vocab.KGR), "kgs": str(vocab.KGS),
                        "wd": str(vocab.WD), "rdf": str(RDF), "rdfs": str(RDFS),
                        "owl": str(OWL), "xsd": str(XSD), "skos": str(SKOS),
                        "prov": str(PROV), "dcterms": str(DCTERMS),
                        "schema": str(vocab.SCHEMA)} == PREFIXES
    assert str(vocab.KG) == "https://w3id.org/kg/ontology/"


def test_public_names_exist() -> None:
    for name in kg.__all__:
        assert hasattr(kg, name), name


def test_build_and_query_from_python(tmp_path: Path) -> None:
    result = kg.build(FIXTURES / "small" / "data", tmp_path)
    assert result.stats.entities == {"ArmsTransfer": 1, "Company": 1, "Country": 1, "Missile": 1}
    answer = kg.query(result.graph, "SELECT ?l WHERE { kgr:deal kg:supplier/rdfs:label ?l }")
    assert [str(row[0]) for row in answer.rows] == ["Acme Corp"]
    assert sorted(result.outputs) == ["graph.html", "graph.jsonld", "graph.nt", "graph.ttl"]


def test_data_error_lists_every_error(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.yaml").write_text(
        "entities:\n  - {id: a, type: Nation, label: A}\n  - {id: B, type: Country, label: B}\n")
    try:
        kg.build(tmp_path / "data", tmp_path / "out")
    except kg.DataError as exc:
        assert [str(i.loc) for i in exc.issues if i.is_error] == ["data/a.yaml:2:19",
                                                                   "data/a.yaml:3:10"]
    else:
        raise AssertionError("DataError expected")
    assert not (tmp_path / "out").exists()
