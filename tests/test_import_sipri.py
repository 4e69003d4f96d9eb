"""SIPRI trade-register import: strict reading, alignment, triples, the real export."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import XSD, Literal, URIRef
from rdflib.namespace import PROV

from kg.core.errors import DataError, ImportFileError, Loc
from kg.core.model import Dataset, Entity
from kg.core.vocab import KG, KGR
from kg.curate.load import load
from kg.imports.align import normalize
from kg.imports.sipri import HEADER, read_register
from kg.imports.sipri_graph import SIPRI, SipriImport, import_register
from tests.conftest import FIXTURES, ROOT, run_kg

FIXTURE = FIXTURES / "sipri-register.csv"
SHARED = next((p for p in (ROOT.parent / "shared" / "data" / "sipri" / "trade-register.csv",
                           Path("/work/shared/data/sipri/trade-register.csv")) if p.is_file()),
              None)


def _entity(ident: str, kind: str, label: str, *aliases: str,
            wikidata: str | None = None) -> Entity:
    return Entity(ident, kind, label, Loc("test"), aliases=aliases, wikidata=wikidata)


@pytest.fixture(scope="module")
def curated() -> Dataset:
    """Curated entities as the brief describes them (independent of data/ edits)."""
    return Dataset(entities=(
        _entity("japan", "Country", "Japan", "JPN", wikidata="Q17"),
        _entity("usa", "Country", "United States", "US", wikidata="Q30"),
        _entity("south-korea", "Country", "South Korea", "ROK", wikidata="Q884"),
        _entity("russia", "Country", "Russia", wikidata="Q159"),
        _entity("sm-3-block-iia", "Missile", "SM-3 Block IIA", "SM-3", "SM-3 Block-2"),
        _entity("pac-3", "Missile", "PAC-3", "PAC-3 MSE", wikidata="Q2088493"),
    ))


def _deal(imp: SipriImport, recipient: str, designation: str, year: int) -> URIRef:
    found = [t.iri for t in imp.transfers if t.deal.recipient == recipient
             and t.deal.designation == designation and t.deal.order_year == year]
    assert len(found) == 1, found
    return found[0]


def _props(imp: SipriImport, iri: URIRef) -> dict[str, set[object]]:
    out: dict[str, set[object]] = {}
    for s, p, o in imp.triples:
        if s == iri:
            out.setdefault(re.split("[/#]", str(p))[-1], set()).add(o)
    return out


def test_fixture_reads_every_column() -> None:
    reg = read_register(FIXTURE)
    assert len(reg.deals) == 5
    assert reg.generated.isoformat() == "2025-02-03T09:05:07"
    sm3 = reg.deals[0]
    assert (sm3.line, sm3.recipient, sm3.supplier, sm3.order_year) == (13, "Japan",
                                                                      "United States", 2019)
    assert (sm3.number_ordered, sm3.number_ordered_uncertain) == (90, True)
    assert sm3.delivery_years == (2022, 2023, 2024)
    assert sm3.comments == "Block-2A version; for destroyers, incl components"
    assert (sm3.tiv_per_unit, sm3.tiv_total, sm3.tiv_delivered) == (10, 900, 190)
    heli = reg.deals[3]
    assert (heli.recipient, heli.recipient_mark) == ("Côte Fictive", "*")  # Latin-1 decoded
    assert heli.comments == 'Aid; "gift" per reports'
    assert heli.order_year_uncertain and not heli.number_ordered_uncertain
    sub = reg.deals[4]
    assert sub.number_ordered is None and sub.delivery_years == () and sub.tiv_total is None


def test_alignment_and_triples(curated: Dataset) -> None:
    imp = import_register(read_register(FIXTURE), curated)
    assert imp.parties.matched == {"Japan": "japan", "United States": "usa",
                                   "South Korea": "south-korea"}
    assert imp.weapons.matched == {"SM-3 Block-2": "sm-3-block-iia"}
    assert imp.parties.created["Soviet Union"] == str(SIPRI["party/soviet-union"])
    close = {(c.name, c.entity) for c in imp.weapons.close}
    assert ("SM-3 Block-1", "sm-3-block-iia") in close
    assert ("MIM-104 PAC-3", "pac-3") in close
    deal = _deal(imp, "Japan", "SM-3 Block-2", 2019)
    assert deal == SIPRI["2025-02-03/deal/japan.united-states.2019.sm-3-block-2"]
    props = _props(imp, deal)
    assert props["supplier"] == {KGR.usa} and props["recipient"] == {KGR.japan}
    assert props["concerns"] == {KGR["sm-3-block-iia"]}
    assert props["number-ordered"] == {Literal("90", datatype=XSD.integer)}
    assert props["number-ordered-uncertain"] == {Literal("true", datatype=XSD.boolean)}
    assert "order-year-uncertain" not in props
    assert props["delivery-year"] == {Literal(str(y), datatype=XSD.gYear)
                                      for y in (2022, 2023, 2024)}
    assert props["tiv-total"] == {Literal("900", datatype=XSD.decimal)}
    assert props["wasDerivedFrom"] == {imp.source}
    source = _props(imp, imp.source)
    assert source["issued"] == {Literal("2025-02-03", datatype=XSD.date)}
    assert source["generated"] == {Literal("2025-02-03T09:05:07", datatype=XSD.dateTime)}
    cite = URIRef(f"{deal}.cites.sipri")
    assert (cite, KG.locator, Literal("line 13")) in imp.triples
    assert (cite, PROV.entity, imp.source) in imp.triples


def test_manual_alignment_by_id_or_wikidata(curated: Dataset) -> None:
    imp = import_register(read_register(FIXTURE), curated,
                          manual={"MIM-104 PAC-3": "Q2088493", "Soviet Union": "russia"})
    assert imp.weapons.matched["MIM-104 PAC-3"] == "pac-3"
    assert imp.parties.matched["Soviet Union"] == "russia"


def test_normalize_folds_case_accents_punctuation() -> None:
    assert normalize("SM-3 Block-2") == normalize("sm 3  block 2") == "sm 3 block 2"
    assert normalize("Côte d'Ivoire") == "cote d ivoire"


def _write(tmp_path: Path, text: str, *, encoding: str = "latin-1") -> Path:
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode(encoding))
    return path


def _with_rows(*rows: str) -> str:
    head = FIXTURE.read_bytes().decode("latin-1").split("\n")[:12]
    return "\n".join(head + list(rows)) + "\n"


GOOD_ROW = "Japan,United States,2019,,90,?,SM-3 Block-2,missile,19,?,2022,New,,10,900,190"


def test_bom_accepted(tmp_path: Path) -> None:
    assert len(read_register(_write(tmp_path, "\ufeff" + _with_rows(GOOD_ROW),
                                    encoding="utf-8")).deals) == 1


@pytest.mark.parametrize(("row", "where", "message"), [
    ('Japan,United States,2019,,90,?,"SM-3 Block-2,missile,19', ":14:32:", "unterminated"),
    (GOOD_ROW + ",extra", ":14:78:", "17 field(s)"),
    ("Japan,United States,2019,,90", ":14:29:", "5 field(s)"),
    (GOOD_ROW.replace(",90,", ",ninety,"), ":14:27:", "whole number"),
    (GOOD_ROW.replace(",2022,", ",2022, 2023,"), ":14:", "field(s)"),
    (GOOD_ROW.replace(",2022,", ",2022;2023,"), ":14:58:", "delivery years"),
    (GOOD_ROW.replace(",?,SM", ",yes,SM"), ":14:30:", "uncertainty"),
])
def test_bad_rows_refused_with_position(tmp_path: Path, row: str, where: str,
                                        message: str) -> None:
    path = _write(tmp_path, _with_rows(GOOD_ROW, row))
    with pytest.raises(DataError) as err:
        read_register(path)
    (issue,) = err.value.issues
    assert str(issue).startswith(f"{path}{where}") and message in str(issue)


def test_other_layout_refused_saying_expected_and_found() -> None:
    with pytest.raises(ImportFileError) as err:
        read_register(FIXTURES / "sipri-deal-years.csv")
    text = str(err.value)
    assert "sipri-deal-years.csv:12:1: unknown layout" in text
    assert ",".join(HEADER) in text and "Deal ID,Recipient" in text


def test_no_preamble_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="Data generated"):
        read_register(_write(tmp_path, ",".join(HEADER) + "\n" + GOOD_ROW + "\n"))


def test_cli_import_writes_turtle_and_report(tmp_path: Path) -> None:
    result = run_kg("import", "sipri", str(FIXTURE), "--out", str(tmp_path / "o"),
                    "--data", str(ROOT / "data"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "5 deals read" in result.stdout and "matched  'Japan' -> kgr:japan" in result.stdout
    ttl = (tmp_path / "o" / "sipri.ttl").read_text(encoding="utf-8")
    assert "/kg/sipri/2025-02-03/deal/japan.united-states.2019.sm-3-block-2>" in ttl
    assert (tmp_path / "o" / "sipri-report.txt").is_file()
    bad = run_kg("import", "sipri", str(FIXTURES / "sipri-deal-years.csv"), "--out",
                 str(tmp_path / "p"), "--data", str(ROOT / "data"), cwd=tmp_path)
    assert bad.returncode == 1 and "unknown layout" in bad.stderr
    assert not (tmp_path / "p").exists()


@pytest.mark.skipif(SHARED is None, reason="the shared SIPRI export is not present")
def test_whole_shared_register(curated: Dataset) -> None:
    assert SHARED is not None
    reg = read_register(SHARED)
    assert len(reg.deals) == 29916
    assert reg.generated.isoformat() == "2026-05-18T14:29:20"
    imp = import_register(reg, curated)
    assert len(imp.transfers) == 29916
    assert len({t.iri for t in imp.transfers}) == 29916
    sm3 = _props(imp, _deal(imp, "Japan", "SM-3 Block-2", 2019))
    assert sm3["concerns"] == {KGR["sm-3-block-iia"]} and sm3["supplier"] == {KGR.usa}
    assert sm3["number-ordered"] == {Literal("90", datatype=XSD.integer)}
    pac3 = _props(imp, _deal(imp, "Japan", "MIM-104 PAC-3", 2005))
    assert pac3["number-delivered"] == {Literal("350", datatype=XSD.integer)}
    assert pac3["tiv-per-unit"] == {Literal(str(Decimal("0.8")), datatype=XSD.decimal)}
    assert len(pac3["delivery-year"]) == 11
    mse = _props(imp, _deal(imp, "Japan", "MIM-104 PAC-3 MSE", 2018))
    assert mse["number-ordered"] == {Literal("500", datatype=XSD.integer)}
    assert imp.parties.matched["Japan"] == "japan"
    assert "MIM-104 PAC-3 MSE" not in imp.weapons.matched  # "PAC-3 MSE" is an alias, not it


def test_real_curated_data_aligns_countries() -> None:
    imp = import_register(read_register(FIXTURE), load(ROOT / "data")[0])
    assert imp.parties.matched["Japan"] == "japan"
    assert imp.parties.matched["United States"] == "usa"
