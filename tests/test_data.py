"""The curated data: its quality warnings, its provenance rules and its fidelity to the seeds."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import kg
from kg.core.model import Dataset, Statement
from tests.conftest import DATA, ROOT, run_kg

LOCATOR = re.compile(r"para ([1-9][0-9]*)")
#: The last paragraph of article text in each source; what follows is site furniture.
LAST_PARAGRAPH = {"us-sm3-japan-2018": 14, "jp-kr-radar-2023": 11}


def _seeds_dir() -> Path | None:
    candidates = [Path(os.environ["KG_SEEDS"])] if os.environ.get("KG_SEEDS") else []
    candidates += [ROOT.parent / "shared" / "seeds", ROOT.parent.parent / "shared" / "seeds"]
    return next((c for c in candidates if c.is_dir()), None)


SEEDS = _seeds_dir()
needs_seeds = pytest.mark.skipif(SEEDS is None, reason="seed articles not found "
                                 "(set KG_SEEDS to the folder holding them)")


@pytest.fixture(scope="module")
def data() -> Dataset:
    dataset, issues = kg.load(DATA)
    assert [str(i) for i in issues] == []
    return dataset


def paragraphs(file: str) -> list[str]:
    """The non-blank lines of an archived article: 'para N' is item N-1."""
    assert SEEDS is not None
    text = (SEEDS / file).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def cited(data: Dataset) -> Iterator[tuple[Statement, str, int]]:
    for s in data.statements:
        for c in s.citations:
            match = LOCATOR.fullmatch(c.locator or "")
            assert match, f"{c.loc}: locator {c.locator!r} is not 'para N'"
            yield s, c.source, int(match.group(1))


# -- data-quality warnings of `kg check` ---------------------------------------------------

QUALITY_FIXTURE = {
    "sources.yaml": """
        sources:
          - {id: a, title: Article A, reliability: B}
          - {id: b, title: Article B}
        """,
    "entities.yaml": """
        entities:
          - {id: japan, type: Country, label: Japan}
          - {id: korea, type: Country, label: South Korea}
          - {id: lonely, type: Country, label: Nobody mentions me}
        """,
    "statements.yaml": """
        statements:
          - subject: japan
            predicate: allied-with
            object: korea
            sources:
              - {source: a, locator: para 1}
          - subject: korea
            predicate: allied-with
            object: japan
            sources:
              - {source: a, locator: para 2}
              - {source: b}
        """,
}


def test_quality_warnings_each_kind_at_its_file_and_line(write_data: Callable[..., Path]) -> None:
    root = write_data(**QUALITY_FIXTURE)
    issues = kg.check(root)
    assert not [i for i in issues if i.is_error]
    found = {(i.code, str(i.loc), i.value) for i in issues}
    assert found == {
        ("no-reliability", "data/sources.yaml:3:5", "b"),
        ("orphan-entity", "data/entities.yaml:4:5", "lonely"),
        ("single-source", "data/statements.yaml:2:5", "a"),
        ("no-locator", "data/statements.yaml:12:9", "b"),
    }


def test_kg_check_prints_the_warnings_and_succeeds(write_data: Callable[..., Path],
                                                   tmp_path: Path) -> None:
    write_data(**QUALITY_FIXTURE)
    done = run_kg("check", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines == [
        "data/entities.yaml:4:5: warning: entity is in no statement: 'lonely'",
        "data/sources.yaml:3:5: warning: source has no reliability (A-F): 'b'",
        "data/statements.yaml:2:5: warning: claim rests on a single source: 'a'",
        "data/statements.yaml:12:9: warning: citation has no locator (paragraph or page): 'b'",
        "0 error(s), 4 warning(s)",
    ]


def test_shipped_data_warns_only_about_single_sources() -> None:
    issues = kg.check(DATA)
    assert not [str(i) for i in issues if i.is_error]
    codes = {i.code for i in issues}
    assert codes == {"single-source"}
    # Everything but the one claim both articles make rests on one source.
    assert len(issues) == len(kg.load(DATA)[0].statements) - 1


# -- provenance rules -------------------------------------------------------------------------

def test_every_source_is_described_and_graded(data: Dataset) -> None:
    assert {s.id for s in data.sources} == set(LAST_PARAGRAPH)
    for s in data.sources:
        assert s.reliability in {"A", "B", "C", "D", "E", "F"}
        assert s.publisher and s.published and s.file and s.note, s.id


def test_every_citation_has_paragraph_credibility_and_attribution(data: Dataset) -> None:
    for s, source, n in cited(data):
        assert 1 <= n <= LAST_PARAGRAPH[source], f"{s.loc}: para {n} is not article text"
    for s in data.statements:
        for c in s.citations:
            assert c.credibility is not None and 1 <= c.credibility <= 6, c.loc
            assert c.attribution in {"first-hand", "official", "official-unnamed", "other-outlet",
                                     "unnamed"}, c.loc


def test_unnamed_claims_are_kept_as_said_by_someone(data: Dataset) -> None:
    unnamed = [s for s in data.statements
               if any(c.attribution == "unnamed" for c in s.citations)]
    assert len(unnamed) >= 8
    for s in unnamed:
        assert s.subject == "unnamed-source-radar-2023" or \
            s.qualifiers.according_to == "unnamed-source-radar-2023", s.loc
        assert all((c.credibility or 0) >= 3 for c in s.citations), s.loc


def test_conflicting_claims_are_all_kept(data: Dataset) -> None:
    views = {(s.qualifiers.status, s.qualifiers.according_to) for s in data.statements
             if (s.subject, s.predicate, s.object) ==
             ("radar-link-agreement", "concerns", "japan-kr-radar-link")}
    assert views == {("planned", "unnamed-source-radar-2023"),
                     ("undecided", "hirokazu-matsuno"),
                     ("in-talks", "rok-mnd-spokesperson-2023")}


def test_relative_dates_are_resolved_with_reasons(data: Dataset) -> None:
    def first(subject: str, predicate: str) -> Statement:
        return next(s for s in data.statements
                    if (s.subject, s.predicate) == (subject, predicate) and s.qualifiers.note)

    sunday = first("kishida-yoon-summit-2023-05", "participant")
    assert sunday.qualifiers.date == "2023-05-07" and "Sunday" in (sunday.qualifiers.note or "")
    december = first("japan-aegis-ashore-decision-2017", "decided-by")
    assert december.qualifiers.date == "2017-12"
    november = first("trilateral-info-sharing-pact-2022-11", "party")
    assert november.qualifiers.date == "2022-11"
    past_year = first("nk-missile-launches-2022-2023", "party")
    assert (past_year.qualifiers.start, past_year.qualifiers.end) == ("2022-05", "2023-05")
    fiscal = first("japan", "plans-to-acquire")
    assert fiscal.qualifiers.date == "FY2023"


def test_well_known_entities_carry_wikidata(data: Dataset) -> None:
    wikidata = {e.id: e.wikidata for e in data.entities}
    assert {k: wikidata[k] for k in ("usa", "japan", "south-korea", "north-korea", "russia")} == {
        "usa": "Q30", "japan": "Q17", "south-korea": "Q884", "north-korea": "Q423",
        "russia": "Q159"}
    assert wikidata["donald-trump"] == "Q22686"
    assert wikidata["world-war-ii"] == "Q362"


# -- fidelity to the seed articles ---------------------------------------------------------

@needs_seeds
def test_paragraph_numbers_point_at_the_right_text(data: Dataset) -> None:
    files = {s.id: s.file or "" for s in data.sources}
    text = {source: paragraphs(file) for source, file in files.items()}
    assert text["us-sm3-japan-2018"][LAST_PARAGRAPH["us-sm3-japan-2018"]] == "Latest News"
    assert text["jp-kr-radar-2023"][LAST_PARAGRAPH["jp-kr-radar-2023"]] == "Comment"
    speaker_words = {"hirokazu-matsuno": "Matsuno", "maria-zakharova": "Zakharova",
                     "itsunori-onodera": "Onodera", "yomiuri-shimbun": "Yomiuri",
                     "rok-mnd-spokesperson-2023": "spokesman", "sam-greaves": "Greaves"}
    checked = 0
    for s in data.statements:
        who = s.qualifiers.according_to or s.subject
        if who not in speaker_words:
            continue
        places = [text[c.source][int(c.locator.split()[1]) - 1] for c in s.citations
                  if c.locator]
        assert any(speaker_words[who] in p for p in places), f"{s.loc}: {who}"
        checked += 1
    assert checked >= 10


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def _curated_prose(data: Dataset) -> list[str]:
    """Everything a curator writes in their own words (titles are bibliographic, not prose)."""
    out = [s.note or "" for s in data.sources]
    out += [x or "" for e in data.entities for x in (e.label, e.description, e.note)]
    for s in data.statements:
        out += [s.note or "", s.qualifiers.note or "", str(s.value or "")]
        out += [c.note or "" for c in s.citations]
    return out


@needs_seeds
def test_no_sentence_of_an_article_is_copied_into_data(data: Dataset) -> None:
    assert SEEDS is not None
    seed_grams: set[tuple[str, ...]] = set()
    for path in SEEDS.glob("*.txt"):
        seed_grams |= _ngrams(_words(path.read_text(encoding="utf-8")), 7)
    texts = [(DATA / "README.md").read_text(encoding="utf-8")]
    texts += _curated_prose(data)
    for text in texts:
        copied = _ngrams(_words(text), 7) & seed_grams
        assert not copied, sorted(" ".join(g) for g in copied)[:5]
