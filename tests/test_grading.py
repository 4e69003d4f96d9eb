"""The grading rules (kg.curate.grading): each breach is an error or warning at its value, and
the rules across files give the same answer on a cached rebuild as on a first build."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import kg
from kg.pipeline.build import check as build_check
from tests.conftest import run_kg

SOURCES = """
    sources:
      - {id: wire, title: Wire report, publisher: Wire, reliability: B}
      - {id: wire-copy, title: Same wire again, publisher: Wire, reliability: C}
      - {id: paper, title: Paper, publisher: Other Paper, reliability: B}
      - {id: digest, title: Digest, publisher: unknown, reliability: F, compilation: true}
    """
ENTITIES = """
    entities:
      - {id: alpha, type: Country, label: Alphaland, aliases: [Alpha]}
      - {id: beta, type: Country, label: Betaland}
      - {id: deal, type: Agreement, label: The deal}
      - {id: spokes, type: Person, label: A spokesperson (not named), unnamed: true}
      - {id: minister, type: Person, label: A Minister}
    """


def _issues(write_data: Callable[..., Path], statements: str,
            entities: str = ENTITIES) -> set[tuple[str, str, str, object]]:
    root = write_data(**{"sources.yaml": SOURCES, "entities.yaml": entities,
                         "statements.yaml": statements})
    return {(i.code, i.severity.value, str(i.loc), i.value) for i in kg.check(root)
            if i.code not in ("single-source", "orphan-entity")}


def test_credibility_1_needs_two_publishers(write_data: Callable[..., Path]) -> None:
    found = _issues(write_data, """
        statements:
          - subject: deal
            predicate: party
            object: alpha
            sources:
              - {source: wire, locator: para 1, credibility: 1, attribution: first-hand}
              - {source: wire-copy, locator: para 1, credibility: 1, attribution: first-hand}
          - subject: deal
            predicate: party
            object: beta
            sources:
              - {source: wire, locator: para 2, credibility: 1, attribution: first-hand}
              - {source: paper, locator: para 5, credibility: 1, attribution: first-hand}
        """)
    # The same publisher twice is one source; two publishers confirm each other.
    assert found == {("credibility-1-single", "error", "data/statements.yaml:6:54", 1),
                     ("credibility-1-single", "error", "data/statements.yaml:7:59", 1)}


def test_hedged_certainty_needs_credibility_3_or_worse(write_data: Callable[..., Path]) -> None:
    found = _issues(write_data, """
        statements:
          - subject: deal
            predicate: party
            object: alpha
            qualifiers: {certainty: likely}
            sources:
              - {source: wire, locator: para 1, credibility: 2, attribution: first-hand}
          - subject: deal
            predicate: party
            object: beta
            qualifiers: {certainty: possible}
            sources:
              - {source: wire, locator: para 1, credibility: 3, attribution: first-hand}
        """)
    assert found == {("hedge-credibility", "error", "data/statements.yaml:7:54", 2)}


def test_official_needs_a_named_speaker(write_data: Callable[..., Path]) -> None:
    found = _issues(write_data, """
        statements:
          - subject: deal
            predicate: party
            object: alpha
            sources:
              - {source: wire, locator: para 1, credibility: 2, attribution: official}
          - subject: spokes
            predicate: stated
            value: The deal is off.
            sources:
              - {source: wire, locator: para 2, credibility: 2, attribution: official}
          - subject: deal
            predicate: party
            object: beta
            qualifiers: {according-to: minister}
            sources:
              - {source: wire, locator: para 3, credibility: 2, attribution: official}
          - subject: spokes
            predicate: stated
            value: Talks go on.
            sources:
              - {source: wire, locator: para 4, credibility: 2, attribution: official-unnamed}
        """)
    assert found == {("official-no-speaker", "error", "data/statements.yaml:6:70", "official"),
                     ("official-unnamed-speaker", "error", "data/statements.yaml:11:70",
                      "official")}


def test_first_hand_refused_for_a_compilation(write_data: Callable[..., Path]) -> None:
    found = _issues(write_data, """
        statements:
          - subject: deal
            predicate: party
            object: alpha
            sources:
              - {source: digest, locator: para 1, credibility: 2, attribution: first-hand}
              - {source: paper, locator: para 1, credibility: 2, attribution: first-hand}
        """)
    assert found == {("first-hand-compilation", "error", "data/statements.yaml:6:72",
                      "first-hand")}


def test_resumption_and_ongoing_are_not_start_and_completed(
        write_data: Callable[..., Path]) -> None:
    found = _issues(write_data, """
        statements:
          - subject: deal
            predicate: party
            object: alpha
            qualifiers: {status: resumed, start: 2023-05}
            sources:
              - {source: wire, locator: para 1, credibility: 2, attribution: first-hand}
          - subject: deal
            predicate: party
            object: beta
            qualifiers: {status: resumed, date: 2023-05-07}
            sources:
              - {source: wire, locator: para 1, credibility: 2, attribution: first-hand}
        """)
    assert found == {("resumed-with-start", "error", "data/statements.yaml:5:42", "2023-05")}
    sources = SOURCES.replace("reliability: B}", "reliability: B, published: 2023-05-10}", 1)
    root = write_data(**{"sources.yaml": sources, "statements.yaml": """
        statements:
          - subject: deal
            predicate: party
            object: alpha
            qualifiers: {status: completed, start: 2022-05, end: 2023-05}
            sources:
              - {source: wire, locator: para 1, credibility: 2, attribution: first-hand}
          - subject: deal
            predicate: party
            object: beta
            qualifiers: {status: completed, start: 2022-05, end: 2023-04}
            sources:
              - {source: wire, locator: para 1, credibility: 2, attribution: first-hand}
        """})
    late = [str(i) for i in kg.check(root) if i.code == "completed-at-report"]
    assert late == ["data/statements.yaml:5:58: warning: 'completed' up to the month of the "
                    "source's own date: if the source says it is still going on, the status "
                    "is 'ongoing': '2023-05'"]


RESTING = """
    statements:
      - subject: deal
        predicate: concerns
        object: beta
        qualifiers: {certainty: likely}
        sources:
          - {source: wire, locator: para 1, credibility: 3, attribution: first-hand}
      - subject: deal
        predicate: party
        object: alpha
        rests-on: deal.concerns.beta
        sources:
          - {source: wire, locator: para 2, credibility: 2, attribution: first-hand}
      - subject: beta
        predicate: allied-with
        object: alpha
        rests-on: [deal.concerns.beta]
        qualifiers: {certainty: possible}
        sources:
          - {source: wire, locator: para 2, credibility: 4, attribution: first-hand}
      - subject: alpha
        predicate: allied-with
        object: beta
        rests-on: deal.concerns.gamma
        sources:
          - {source: wire, locator: para 2, credibility: 4, attribution: first-hand}
    """


def test_rests_on_carries_the_hedge(write_data: Callable[..., Path]) -> None:
    found = _issues(write_data, RESTING)
    assert found == {
        ("rests-on-hedge", "error", "data/statements.yaml:11:15", "deal.concerns.beta"),
        ("rests-on-credibility", "error", "data/statements.yaml:11:15", "deal.concerns.beta"),
        ("rests-on-unknown", "error", "data/statements.yaml:24:15", "deal.concerns.gamma"),
    }
    messages = {str(i) for i in kg.check(write_data(**{"statements.yaml": RESTING}))
                if i.code.startswith("rests-on-")}
    assert "data/statements.yaml:11:15: error: rests on a statement hedged 'likely', so it " \
        "needs certainty 'likely' or weaker: 'deal.concerns.beta'" in messages


def test_rests_on_across_files_on_a_cached_rebuild(write_data: Callable[..., Path],
                                                   tmp_path: Path) -> None:
    """The identification in one file, the dependent in another: a rebuild that reads the
    unchanged file's cached summary finds the same error, and the fix clears it."""
    ident = """
        statements:
          - subject: deal
            predicate: concerns
            object: beta
            qualifiers: {certainty: likely}
            sources:
              - {source: wire, locator: para 1, credibility: 3, attribution: first-hand}
        """
    dependent = """
        statements:
          - subject: deal
            predicate: party
            object: alpha
            rests-on: deal.concerns.beta
            qualifiers: {certainty: likely}
            sources:
              - {source: wire, locator: para 2, credibility: 3, attribution: first-hand}
        """
    root = write_data(**{"sources.yaml": SOURCES, "entities.yaml": ENTITIES,
                         "a.yaml": ident, "b.yaml": dependent})
    cache = tmp_path / "cache"
    assert not [i for i in build_check(root, cache_dir=cache) if i.is_error]
    # The identification is no longer hedged the same way: only a.yaml changes.
    (root / "a.yaml").write_text((root / "a.yaml").read_text().replace("likely", "possible"))
    errors = [str(i) for i in build_check(root, cache_dir=cache) if i.is_error]
    assert errors == ["data/b.yaml:5:15: error: rests on a statement hedged 'possible', so it "
                      "needs certainty 'possible' or weaker: 'deal.concerns.beta'"]
    assert errors == [str(i) for i in build_check(root, cache_dir=cache) if i.is_error]
    (root / "b.yaml").write_text((root / "b.yaml").read_text().replace("likely", "possible"))
    assert not [i for i in build_check(root, cache_dir=cache) if i.is_error]


def test_alias_equal_to_another_name_needs_a_declared_reason(
        write_data: Callable[..., Path], tmp_path: Path) -> None:
    entities = """
        entities:
          - {id: alpha, type: Country, label: Alphaland, aliases: [Alpha, Capitol]}
          - {id: capitol, type: Place, label: Capitol}
          - id: beta
            type: Country
            label: Betaland
            aliases: [Alpha]
            ambiguous: {Alpha: Betaland's press also calls itself Alpha.}
          - {id: deal, type: Agreement, label: The deal, ambiguous: {Pact: no such alias}}
        """
    found = _issues(write_data, "statements: []\n", entities)
    assert found == {
        ("ambiguous-alias", "error", "data/entities.yaml:2:60", "Alpha"),
        ("ambiguous-alias", "error", "data/entities.yaml:2:67", "Capitol"),
        ("ambiguous-unknown", "error", "data/entities.yaml:9:5", "Pact"),
    }
    done = run_kg("check", cwd=tmp_path)
    assert done.returncode == 1
    assert "data/entities.yaml:2:67: error: alias is also the name of capitol: remove it, or " \
        "declare it under 'ambiguous' with a reason: 'Capitol'" in done.stderr.splitlines()
    assert "Traceback" not in done.stderr


def test_shipped_data_keeps_every_rule() -> None:
    from tests.conftest import DATA

    issues = kg.check(DATA)
    assert {i.code for i in issues} == {"single-source"}
    data, _ = kg.load(DATA)
    resting = [s for s in data.statements if s.rests_on]
    assert {r for s in resting for r in s.rests_on} == {"sm3-sale-2018.concerns.sm-3"}
    assert all(s.qualifiers.certainty == "likely" for s in resting)
