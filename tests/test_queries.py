"""Every saved query in queries/ runs over the curated data and gives the expected answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

import kg
from tests.conftest import DATA, ROOT

QUERIES = ROOT / "queries"
Row = dict[str, str]


@pytest.fixture(scope="module")
def graph() -> Graph:
    return kg.load_graph(DATA).graph


def run(graph: Graph, name: str) -> list[Row]:
    """The rows of queries/<name>.rq, each a dict of variable -> text ('' when unbound)."""
    result = kg.query(graph, (QUERIES / f"{name}.rq").read_text(encoding="utf-8"))
    assert result.kind == "SELECT"
    return [{v: "" if t is None else str(t) for v, t in zip(result.variables, row, strict=True)}
            for row in result.rows]


def pick(rows: list[Row], *names: str) -> set[tuple[str, ...]]:
    return {tuple(r[n] for n in names) for r in rows}


def test_every_query_file_states_its_question_and_has_a_test() -> None:
    files = sorted(QUERIES.glob("*.rq"))
    assert len(files) >= 12
    tested = Path(__file__).read_text(encoding="utf-8")
    for path in files:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first.startswith("# Question: "), path.name
        assert f'"{path.stem}"' in tested, f"{path.name} has no test"


def test_arms_sales(graph: Graph) -> None:
    rows = run(graph, "arms-sales")
    assert pick(rows, "supplier", "recipient", "system", "systemCertainty", "value", "currency",
                "status") == {
        ("United States", "Japan", "SM-3", "likely", "133300000", "USD", "approved")}
    assert pick(rows, "approvedBy") == {("United States Department of State",),
                                        ("Trump administration",)}
    assert {r["date"] for r in rows} == {"2018-01"}
    assert {r["locator"] for r in rows} == {"para 1", "para 3"}
    assert {r["source"] for r in rows} == {
        "US OKs selling Japan missiles to shoot down North Korean missiles"}


def test_radar_links(graph: Graph) -> None:
    rows = run(graph, "radar-links")
    assert pick(rows, "operator", "otherOperator", "status", "date", "attribution") == {
        ("Japan", "South Korea", "not in place", "2023-05-10", "reported by another outlet"),
        ("Japan", "South Korea", "planned", "", "unnamed source"),
        ("Japan", "United States", "ongoing", "2023-05-10", "reported by another outlet"),
        ("South Korea", "United States", "ongoing", "2023-05-10", "reported by another outlet"),
    }
    planned = [r for r in rows if r["status"] == "planned"]
    assert planned[0]["accordingTo"].startswith("Unnamed person")


def test_planned_vs_agreed(graph: Graph) -> None:
    rows = run(graph, "planned-vs-agreed")
    usa = {(r["what"], r["status"], r["date"]) for r in rows if r["country"] == "United States"}
    assert usa == {
        ("November 2022 Japan-South Korea-US pledge to speed up information sharing", "agreed",
         "2022-11"),
        ("Japan-South Korea-US talks on information sharing (2023)", "in talks", "2023-05"),
        ("Japan-South Korea-US radar-sharing agreement (planned, 2023)", "planned", "2023-06"),
    }
    treaty = pick([r for r in rows if "peace treaty (" in r["what"]], "country", "status")
    assert treaty == {("Japan", "not in place"), ("Russia", "not in place")}


def test_who_said_what(graph: Graph) -> None:
    rows = run(graph, "who-said-what")
    by_speaker = {r["speaker"]: r for r in rows}
    assert len(rows) == 9
    matsuno = by_speaker["Hirokazu Matsuno"]
    assert (matsuno["onBehalfOf"], matsuno["locator"], matsuno["attribution"]) == (
        "Government of Japan", "para 7", "official")
    assert "not yet been decided" in matsuno["said"]
    assert "radar" not in matsuno["said"] and "Tokyo" not in matsuno["said"]
    zakharova = by_speaker["Maria Zakharova"]
    assert zakharova["onBehalfOf"] == "Ministry of Foreign Affairs of Russia"
    assert zakharova["locator"] == "para 12"
    assert by_speaker["Yomiuri Shimbun"]["attribution"] == "reported by another outlet"
    unnamed = [r for r in rows if r["attribution"] == "unnamed source"]
    assert [r["speaker"] for r in unnamed] == [
        "Unnamed person cited by Reuters on the radar-sharing plan (May 2023)"]


def test_unnamed_source_claims(graph: Graph) -> None:
    rows = run(graph, "unnamed-source-claims")
    assert len(rows) == 9
    assert {r["credibility"] for r in rows} == {"3"}
    assert ("Japan-South Korea-US radar-sharing agreement (planned, 2023)", "concluded at",
            "IISS Shangri-La Dialogue 2023") in pick(rows, "subject", "predicate", "object")
    # Matsuno's view of the same agreement is official, so it is not in this list.
    assert "undecided" not in {r["status"] for r in rows}


def test_single_source_claims(graph: Graph) -> None:
    rows = run(graph, "single-source-claims")
    assert len(rows) == 149
    assert ("Hirokazu Matsuno", "spokesperson for", "Government of Japan") in pick(
        rows, "subject", "predicate", "object")
    assert ("North Korea", "launched", "North Korean ballistic missiles") not in pick(
        rows, "subject", "predicate", "object")


def test_corroborated_claims(graph: Graph) -> None:
    rows = run(graph, "corroborated-claims")
    assert pick(rows, "subject", "predicate", "object", "n") == {
        ("North Korea", "launched", "North Korean ballistic missiles", "2")}
    titles = {r["title"] for r in rows}
    assert len(titles) == 2
    assert any(t.startswith("Japan, South Korea to Link Radar Systems") for t in titles)
    assert any(t.startswith("US OKs selling Japan missiles") for t in titles)


def test_conflicting_claims(graph: Graph) -> None:
    rows = run(graph, "conflicting-claims")
    agreement = {(r["status"], r["accordingTo"], r["attribution"], r["credibility"],
                  r["locator"]) for r in rows if r["subject"].startswith("Japan-South Korea-US")}
    unnamed = "Unnamed person cited by Reuters on the radar-sharing plan (May 2023)"
    assert agreement == {
        ("planned", unnamed, "unnamed source", "3", "para 3"),
        ("planned", unnamed, "unnamed source", "3", "para 6"),
        ("undecided", "Hirokazu Matsuno", "official", "2", "para 7"),
        ("in talks", "Spokesperson of the South Korean defence ministry (not named, May 2023)",
         "official, not named", "3", "para 8"),
    }
    assert {r["date"] for r in rows} == {"2023-05"}
    # The radar link "not in place" on 2023-05-10 and "planned" (undated) are two times,
    # not a conflict.
    assert not [r for r in rows if r["predicate"] == "linked to"]


def test_timeline(graph: Graph) -> None:
    rows = run(graph, "timeline")
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates)
    assert pick(rows, "date", "event")  >= {
        ("2017-11", "Donald Trump's visit to Tokyo (late 2017)"),
        ("2017-12", "Japan's decision to adopt Aegis Ashore (December 2017)"),
        ("2023-05-07", "Kishida-Yoon summit in Seoul, May 2023"),
        ("2023-06-02", "IISS Shangri-La Dialogue 2023"),
    }
    assert dates[0] == "2017" and dates[-1] == "2023-06-02"
    assert not any(d.startswith("FY") for d in dates)


def test_meetings(graph: Graph) -> None:
    rows = run(graph, "meetings")
    planned = pick([r for r in rows if r["status"] == "planned"], "participant", "place",
                   "sidelinesOf", "date")
    assert planned == {
        ("Ministry of Defense of Japan", "Singapore", "IISS Shangri-La Dialogue 2023", "2023-06"),
        ("Ministry of National Defense of South Korea", "Singapore",
         "IISS Shangri-La Dialogue 2023", "2023-06"),
    }
    summit = pick([r for r in rows if r["meeting"].startswith("Kishida-Yoon")], "participant",
                  "place", "date")
    assert summit == {("Fumio Kishida", "Seoul", "2023-05-07"),
                      ("Yoon Suk Yeol", "Seoul", "2023-05-07")}


def test_objections(graph: Graph) -> None:
    rows = run(graph, "objections")
    assert pick(rows, "actor", "action", "accordingTo", "certainty", "locator") == {
        ("Russia", "objected to", "Maria Zakharova", "possible", "para 12"),
        ("United States", "accused", "United States", "", "para 14"),
        ("United States", "rejected", "United States", "", "para 14"),
        ("Western countries", "objected to", "", "", "para 7"),
    }
    # Both readings of Zakharova's "the deal" are kept; Washington rejects that same warning.
    assert pick([r for r in rows if r["actor"] == "Russia"], "target") == {
        ("Japan's decision to adopt Aegis Ashore (December 2017)",),
        ("US sale to Japan of anti-ballistic missiles (2018)",)}
    assert pick([r for r in rows if r["action"] == "rejected"], "target") == {
        ('Zakharova\'s warning that "the deal" could harm Russia-Japan relations',)}


def test_fiscal_year_plans(graph: Graph) -> None:
    rows = run(graph, "fiscal-year-plans")
    assert pick(rows, "subject", "object", "fiscalYear", "status", "accordingTo") >= {
        ("Japan", "Aegis Ashore", "FY2023", "planned", "Itsunori Onodera"),
        ("Japan's budget plan for fiscal 2018", "Japan", "FY2018", "", ""),
    }
    assert {r["fiscalYear"] for r in rows} == {"FY2018", "FY2023"}


def test_defences_of_japan(graph: Graph) -> None:
    rows = run(graph, "defences-of-japan")
    assert pick(rows, "system", "carries", "operator", "status") == {
        ("Japanese Aegis destroyers", "Aegis combat system", "Japan", "ongoing"),
        ("Japanese Aegis destroyers", "SM-3", "Japan", "ongoing"),
        ("PAC-3", "", "Japan", "ongoing"),
        ("SM-3", "", "", "ongoing"),
    }
    # In service now (para 5), not "planned" as well: the agency spoke of the sale.
    sm3 = next(r for r in rows if r["system"] == "SM-3")
    assert sm3["accordingTo"] == "" and sm3["date"] == "2018-01"


def test_claims_by_claimant(graph: Graph) -> None:
    rows = run(graph, "claims-by-claimant")
    counts = {r["claimant"]: int(r["claims"]) for r in rows}
    assert counts["Reuters"] == 14
    assert counts["Hirokazu Matsuno"] == 1
    assert counts["Unnamed person cited by Reuters on the radar-sharing plan (May 2023)"] == 7
    assert rows[0]["claimant"] == "Reuters"
    assert pick(rows, "claimant", "claimantKind") >= {("Yomiuri Shimbun", "media organization")}


def test_relative_dates(graph: Graph) -> None:
    rows = run(graph, "relative-dates")
    dates = {r["subject"]: r["date"] for r in rows}
    assert dates["Kishida-Yoon summit in Seoul, May 2023"] == "2023-05-07"
    assert dates["Japan's decision to adopt Aegis Ashore (December 2017)"] == "2017-12"
    assert dates["Japan"] == "FY2023"
    sunday = next(r for r in rows if r["date"] == "2023-05-07")
    assert "Sunday" in sunday["reasoning"]
