"""kg.toml with real exports: vintages, near matches and [align], RDF formats, paths, check.

Every case runs the real CLI (``python -m kg build`` / ``check`` / ``import``) and pins the
message and its place in kg.toml or in the file.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import PROV, XSD

from kg.core.vocab import KG
from tests.conftest import FIXTURES, ROOT, run_kg, tree_snapshot

SIPRI_2025 = FIXTURES / "sipri-register.csv"
SIPRI_2026 = FIXTURES / "sipri-register-2026.csv"
DEAL = "japan.united-states.2019.sm-3-block-2"
SIPRI = "https://w3id.org/kg/sipri/"


def project(tmp_path: Path, toml: str, **files: Path | str) -> Path:
    """tmp_path with a copy of data/, ``kg.toml`` and the named files (copied or written)."""
    if not (tmp_path / "data").exists():
        shutil.copytree(ROOT / "data", tmp_path / "data")
    for name, content in files.items():
        target = tmp_path / name.replace("__", "/").replace("_dot_", ".")
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copy(content, target)
        else:
            target.write_text(content, encoding="utf-8")
    (tmp_path / "kg.toml").write_text(toml, encoding="utf-8")
    return tmp_path


def quads(out: Path) -> Graph:
    """Every quad of out/graph.nq, as one graph (the union of the named graphs)."""
    ds = Dataset()
    ds.parse(data=(out / "graph.nq").read_text(encoding="utf-8"), format="nquads")
    union = Graph()
    for s, p, o, _ in ds.quads():
        union.add((s, p, o))
    return union


# --- two exports of the register -----------------------------------------------------------

@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's own N-Quads parser
def test_two_vintages_give_two_deals_each_with_one_value_and_source(tmp_path: Path) -> None:
    root = project(tmp_path, '[imports]\nsipri = ["r2026.csv", "r2025.csv"]\n\n[align]\n'
                   '"RIM-161D SM-3 Block-2" = "sm-3"\n',
                   r2025_dot_csv=SIPRI_2025, r2026_dot_csv=SIPRI_2026)
    result = run_kg("build", "--no-html", cwd=root)
    assert result.returncode == 0, result.stderr
    ds = quads(root / "out")
    old, new = URIRef(f"{SIPRI}2025-02-03/deal/{DEAL}"), URIRef(
        f"{SIPRI}2026-03-13/deal/japan.united-states.2019.rim-161d-sm-3-block-2")
    delivered = KG["number-delivered"]
    assert set(ds.objects(old, delivered)) == {Literal("19", datatype=XSD.integer)}
    assert set(ds.objects(new, delivered)) == {Literal("37", datatype=XSD.integer)}
    assert set(ds.objects(old, KG.concerns)) == set(ds.objects(new, KG.concerns)) == {
        URIRef("https://w3id.org/kg/resource/sm-3")}
    for deal, stamp in ((old, "2025-02-03"), (new, "2026-03-13")):
        source = URIRef(f"{SIPRI}source/trade-register-{stamp}")
        cite = URIRef(f"{deal}.cites.sipri")
        assert set(ds.objects(cite, PROV.entity)) == {source}
        assert set(ds.objects(deal, PROV.wasDerivedFrom)) == {source}
    assert (URIRef(f"{SIPRI}source/trade-register-2026-03-13"), PROV.wasRevisionOf,
            URIRef(f"{SIPRI}source/trade-register-2025-02-03")) in ds
    every_deal = {s for s in ds.subjects(KG.supplier, None)}
    assert all(len(set(ds.objects(s, delivered))) <= 1 for s in every_deal)


def test_report_names_each_export_as_kg_toml_writes_it(tmp_path: Path) -> None:
    """out/imports-report.txt is the same bytes wherever kg runs from: the export and its
    repaired rows are named by the path kg.toml writes, as RDF files are."""
    root = project(tmp_path / "p", '[imports]\nsipri = ["exports/split.csv"]\n',
                   exports__split_dot_csv=FIXTURES / "sipri-split-rows.csv")
    here = run_kg("build", "--no-html", cwd=root)
    assert here.returncode == 0, here.stderr
    report = (root / "out" / "imports-report.txt").read_bytes()
    elsewhere = run_kg("build", "--no-html", "--config", str(root / "kg.toml"), "--data",
                       str(root / "data"), "--out", str(root / "out2"), cwd=tmp_path)
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert (root / "out2" / "imports-report.txt").read_bytes() == report
    lines = report.decode("utf-8").splitlines()
    assert lines[:3] == [
        "exports/split.csv: 4 deals read (SIPRI trade register (one row per deal), Latin-1, "
        "generated 2025-02-03T09:05:07) into graph <https://w3id.org/kg/graph/sipri-trade-"
        "register-2025-02-03>",
        "exports/split.csv:13:1: warning: row split by a line break inside Comments (after "
        "line 13): joined as one deal, cited as lines 13-14",
        "exports/split.csv:16:1: warning: row split by a line break inside Comments (after "
        "line 16, 17): joined as one deal, cited as lines 16-18"]
    assert str(tmp_path) not in report.decode("utf-8")


def test_two_exports_of_one_day_refused(tmp_path: Path) -> None:
    root = project(tmp_path, '[imports]\nsipri = ["a.csv", "b.csv"]\n', a_dot_csv=SIPRI_2025,
                   b_dot_csv=SIPRI_2025)
    result = run_kg("build", "--no-html", cwd=root)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "b.csv: error: a second SIPRI export generated on 2025-02-03 (the first "
        "is a.csv); an export's date names its graph and deals, so list one "
        "export per day: '2025-02-03'", "1 error(s); nothing written"]
    assert not (root / "out").exists()


# --- near matches and [align] ----------------------------------------------------------------

APC_ENTITY = """\
entities:
  - {id: dingo-2-apc, type: WeaponSystem, label: Dingo-2 APC}
  - {id: m-113, type: WeaponSystem, label: M-113, aliases: [M-113 APC]}
"""


def test_near_matches_shown_with_their_reason_and_fixed_by_align(tmp_path: Path) -> None:
    root = project(tmp_path, "", data__entities__vehicles_dot_yaml=APC_ENTITY)
    run = run_kg("import", "sipri", str(SIPRI_2026), "--out", str(root / "imp"), cwd=root)
    assert run.returncode == 0, run.stderr
    assert ("  close    'Dingo-2' ~ kgr:dingo-2-apc 'Dingo-2 APC': abbreviation: 'APC' for "
            "'armoured personnel carrier' (designation + description)") not in run.stdout
    assert ("  close    'Dingo-2' ~ kgr:dingo-2-apc 'Dingo-2 APC': contains the curated name "
            "(designation + description)") in run.stdout
    assert ("  close    'RIM-161D SM-3 Block-2' ~ kgr:sm-3 'SM-3 Block-2': contains the "
            "curated name") in run.stdout
    csv = SIPRI_2026.read_bytes().replace(b"Dingo-2,APC", b"Dingo-2,armoured personnel carrier")
    (root / "r.csv").write_bytes(csv.replace(b"SM-3 Block-1,ABM", b"M-113,APC"))
    run = run_kg("import", "sipri", str(root / "r.csv"), "--out", str(root / "imp"), cwd=root)
    assert ("  close    'Dingo-2' ~ kgr:dingo-2-apc 'Dingo-2 APC': abbreviation: 'APC' for "
            "'armoured personnel carrier' (designation + description)") in run.stdout
    (root / "kg.toml").write_text('[imports]\nsipri = ["r.csv"]\n\n[align]\n'
                                  '"RIM-161D SM-3 Block-2" = "sm-3"\n"Dingo-2" = "dingo-2-apc"\n',
                                  encoding="utf-8")
    build = run_kg("build", "--no-html", cwd=root)
    assert build.returncode == 0, build.stderr
    report = (root / "out" / "imports-report.txt").read_text("utf-8")
    assert "  matched  'RIM-161D SM-3 Block-2' -> kgr:sm-3 (by [align])" in report
    assert "  matched  'Dingo-2' -> kgr:dingo-2-apc (by [align])" in report
    assert "close    'Dingo-2'" not in report and "close    'RIM-161D" not in report


def test_kg_import_sipri_follows_kg_toml_align(tmp_path: Path) -> None:
    """The hint `kg import sipri` prints (map it in kg.toml's [align]) works for it too."""
    root = project(tmp_path, '[align]\n"RIM-161D SM-3 Block-2" = "sm-3"\n"Atlantis" = "japan"\n')
    run = run_kg("import", "sipri", str(SIPRI_2026), "--out", "imp", cwd=root)
    assert run.returncode == 0, run.stderr
    assert "  matched  'RIM-161D SM-3 Block-2' -> kgr:sm-3 (by [align])" in run.stdout
    assert "close    'RIM-161D" not in run.stdout and "Atlantis" not in run.stdout + run.stderr
    ttl = (root / "imp" / "sipri.ttl").read_text("utf-8")
    assert "kg:concerns kgr:sm-3" in ttl
    (root / "other.toml").write_text('[align]\n"Japan" = "Japan"\n', encoding="utf-8")
    before = tree_snapshot(root)
    run = run_kg("import", "sipri", str(SIPRI_2026), "--out", "imp", "--config", "other.toml",
                 cwd=root)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.splitlines() == [
        "other.toml:2:11: error: [align] 'Japan': curated ids are lower case: did you mean "
        "'japan'?: 'Japan'", "1 error(s); nothing written"]
    assert tree_snapshot(root) == before


BAD_ALIGN = """\
[imports]
sipri = ["r.csv"]

[align]
"MIM-104 PAC-3" = "pac3"
"Soviet Union" = "Russia"
"Mi-8MT" = "Q4242"
"SM-3 Block-1" = "japan"
"Côte Fictive" = "a b> <http://evil/x"
"South Korea" = "sm-3"
"Atlantis" = "japan"
"""


def test_bad_align_targets_are_errors_at_their_kg_toml_line(tmp_path: Path) -> None:
    root = project(tmp_path, BAD_ALIGN, r_dot_csv=SIPRI_2025)
    build = run_kg("build", "--no-html", cwd=root)
    toml = "kg.toml"
    errors = [
        f"{toml}:5:19: error: [align] 'MIM-104 PAC-3': unknown curated id (did you mean "
        "'pac-3'?): 'pac3'",
        f"{toml}:6:18: error: [align] 'Soviet Union': curated ids are lower case: did you mean "
        "'russia'?: 'Russia'",
        f"{toml}:7:12: error: [align] 'Mi-8MT': no curated entity has this Wikidata id: 'Q4242'",
        f"{toml}:8:18: error: [align] 'SM-3 Block-1' is a weapon in r.csv; it cannot "
        "align with 'japan', a Country: 'japan'",
        f"{toml}:9:18: error: [align] 'Côte Fictive': not a curated id (lower-case letters, "
        "digits and inner hyphens) or a Wikidata id (Q followed by digits): "
        "'a b> <http://evil/x'",
        f"{toml}:10:17: error: [align] 'South Korea' is a supplier or recipient in "
        f"r.csv; it cannot align with 'sm-3', a Missile: 'sm-3'",
    ]
    assert build.returncode == 1
    assert build.stderr.splitlines() == [*errors, "6 error(s); nothing written"]
    assert not (root / "out").exists()
    check = run_kg("check", cwd=root)
    assert check.returncode == 1
    lines = check.stderr.splitlines()
    assert [line for line in lines if line.startswith(toml)] == [
        *errors[:6], f"{toml}:11:14: warning: [align] 'Atlantis' is not a name in any SIPRI "
        "import (no deal has it as supplier, recipient or weapon): 'japan'"]


# --- RDF files: .n3 and a format per file ---------------------------------------------------

N3 = ("@prefix ex: <http://example.org/> .\n@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
      "ex:tokyo owl:sameAs <http://www.wikidata.org/entity/Q17> ; ex:note \"capital\" .\n")


def test_n3_read_as_turtle_and_format_named_per_file(tmp_path: Path) -> None:
    root = project(tmp_path, '[imports]\nrdf = ["dump.n3", {path = "geo.txt", format = '
                   '"turtle"}]\n', dump_dot_n3=N3, geo_dot_txt=N3.replace("tokyo", "edo"))
    result = run_kg("build", "--no-html", cwd=root)
    assert result.returncode == 0, result.stderr
    assert "dump.n3: 2 triples into graph" in result.stdout
    assert "geo.txt: 2 triples into graph" in result.stdout
    report = (root / "out" / "imports-report.txt").read_text("utf-8")
    assert "<http://example.org/tokyo> -> kgr:japan" in report
    assert "<http://example.org/edo> -> kgr:japan" in report


def test_n3_beyond_turtle_refused_saying_so(tmp_path: Path) -> None:
    rules = N3 + "{ ex:tokyo ex:note ?x } => { ex:edo ex:note ?x } .\n"
    root = project(tmp_path, '[imports]\nrdf = ["rules.n3", {path = "same.txt", format = "n3"}]\n',
                   rules_dot_n3=rules, same_dot_txt=N3 + "ex:tokyo = ex:edo .\n")
    result = run_kg("build", "--no-html", cwd=root)
    assert result.returncode == 1
    why = "bad Turtle (N3 is read as Turtle: formulae {...}, rules => and = are not read)"
    assert result.stderr.splitlines() == [
        f"rules.n3:4:1: error: {why}: expected directive or statement",
        f"same.txt:4:10: error: {why}: Found '=' in Turtle mode",
        "2 error(s); nothing written"]


def test_unknown_format_and_suffix_refused(tmp_path: Path) -> None:
    root = project(tmp_path, '[imports]\nrdf = [\n  {path = "geo.txt", format = "trig"},\n]\n',
                   geo_dot_txt=N3)
    result = run_kg("build", "--no-html", cwd=root)
    assert result.returncode == 1
    assert result.stderr.startswith(
        "kg: error: kg.toml:3:22: unknown RDF format; expected one of json-ld, "
        "jsonld, n-triples, n3, nt, ntriples, rdf/xml, rdfxml, turtle, xml: 'trig'")
    (root / "kg.toml").write_text('[imports]\nrdf = ["geo.txt"]\n', encoding="utf-8")
    result = run_kg("build", "--no-html", cwd=root)
    assert result.returncode == 1
    assert "geo.txt: error: unknown RDF file type; expected one of" in result.stderr
    assert '(or name the file\'s format in kg.toml: {path = "...", format = "turtle"})' \
        in result.stderr


# --- import paths: regular files under a size limit; every bad import reported together --

def test_device_fifo_and_huge_file_refused_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.csv"
    with huge.open("wb") as f:  # sparse: 200 MiB that take no disk
        f.truncate(200 * 2**20)
    os.mkfifo(tmp_path / "pipe.csv")
    (tmp_path / "zero.ttl").symlink_to("/dev/zero")
    root = project(tmp_path, '[imports]\nsipri = ["/dev/zero", "huge.csv", "pipe.csv", '
                   '"missing.csv"]\nrdf = ["zero.ttl"]\n')
    before = tree_snapshot(root)
    result = run_kg("build", "--no-html", cwd=root, timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "/dev/zero: error: not a regular file (devices, FIFOs, sockets and folders are "
        "refused before reading)",
        "huge.csv: error: larger than the import size limit of 64.0 MiB ([imports] "
        "max_import_bytes = 67108864 in kg.toml); refused unread (the file is 200.0 MiB)",
        "missing.csv: error: cannot read: No such file or directory",
        "pipe.csv: error: not a regular file (devices, FIFOs, sockets and folders "
        "are refused before reading)",
        "zero.ttl: error: not a regular file (devices, FIFOs, sockets and folders "
        "are refused before reading)",
        "5 error(s); nothing written"]
    assert tree_snapshot(root) == before


def test_kg_check_reports_every_bad_import_together(tmp_path: Path) -> None:
    bad_csv = SIPRI_2025.read_bytes().replace(b",90,?,", b",ninety,?,")
    root = project(tmp_path, '[imports]\nsipri = ["bad.csv", "split.csv"]\n'
                   'rdf = ["bad.ttl"]\n\n[align]\n"Japan" = "Japan"\n',
                   split_dot_csv=FIXTURES / "sipri-split-rows.csv",
                   bad_dot_ttl="@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    (root / "bad.csv").write_bytes(bad_csv)
    result = run_kg("check", cwd=root)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if not line.startswith("data/")]
    assert lines[:3] == [
        "bad.csv:13:27: error: Number ordered must be a whole number: 'ninety'",
        "bad.ttl:2:10: error: bad Turtle: objectList expected",
        "kg.toml:6:11: error: [align] 'Japan': curated ids are lower case: did you "
        "mean 'japan'?: 'Japan'"]
    assert sum(": warning: row split by a line break" in line for line in lines) == 2
    assert lines[-1].startswith("3 error(s), ")
