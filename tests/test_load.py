"""Loader and checker errors are pinned to file, line and column, with the offending value."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import kg

Write = Callable[..., Path]

GOOD_SOURCE = """
sources:
  - {id: s1, title: T, reliability: A, published: 2020-01-01}
"""


def _errors(root: Path) -> list[str]:
    return [str(i) for i in kg.check(root) if i.is_error]


def test_unknown_class_with_position_value_and_suggestion(write_data: Write) -> None:
    root = write_data(**{"sources.yaml": GOOD_SOURCE, "entities.yaml": """
        entities:
          - id: x
            type: Contry
            label: X
        """})
    assert _errors(root) == [
        "data/entities.yaml:3:11: error: unknown class (did you mean 'Country'?); allowed: "
        + ", ".join(sorted(kg.core.vocab.vocabulary().classes)) + ": 'Contry'"
    ]


def test_unknown_predicate_names_allowed_values(write_data: Write) -> None:
    root = write_data(**{"sources.yaml": GOOD_SOURCE, "entities.yaml": """
        entities:
          - {id: a, type: Country, label: A}
          - {id: b, type: Country, label: B}
        statements:
          - {subject: a, predicate: allied-wiht, object: b, sources: [s1]}
        """})
    (error,) = _errors(root)
    assert error.startswith("data/entities.yaml:5:29: error: unknown predicate "
                            "(did you mean 'allied-with'?); allowed: accused, allied-with")
    assert error.endswith(": 'allied-wiht'")


def test_dangling_reference_and_missing_source(write_data: Write) -> None:
    root = write_data(**{"sources.yaml": GOOD_SOURCE, "statements__a.yaml": """
        entities:
          - {id: a, type: Country, label: A}
        statements:
          - subject: a
            predicate: allied-with
            object: atlantis
            sources: [{source: s1x, locator: p1}]
        """})
    assert _errors(root) == [
        "data/statements/a.yaml:6:13: error: unknown entity: 'atlantis'",
        "data/statements/a.yaml:7:24: error: unknown source (did you mean 's1'?): 's1x'",
    ]


def test_duplicate_ids_name_both_places(write_data: Write) -> None:
    root = write_data(**{"a.yaml": GOOD_SOURCE, "b.yaml": """
        entities:
          - {id: s1, type: Country, label: Again}
        """})
    assert _errors(root) == [
        "data/b.yaml:2:10: error: duplicate id (first defined at data/a.yaml:2:10): 's1'"
    ]


def test_yaml_surprises_are_refused(write_data: Write) -> None:
    root = write_data(**{"a.yaml": """
        entities:
          - {id: n1, type: Country, label: NO, aliases: [010]}
          - {id: n2, type: Country, label: X, aliases: [yes]}
        """})
    errors = _errors(root)
    assert "data/a.yaml:2:36: error: ambiguous unquoted value (YAML may read it as another "\
        "type); quote it: 'NO'" in errors
    assert any(e.startswith("data/a.yaml:2:50: error: ambiguous") and e.endswith("'010'")
               for e in errors)
    assert any(e.startswith("data/a.yaml:3:49: error: ambiguous") and e.endswith("'yes'")
               for e in errors)


def test_dates_and_amounts(write_data: Write) -> None:
    root = write_data(**{"a.yaml": """
        sources:
          - {id: s1, title: T, reliability: A, published: 2020-01-01}
        entities:
          - {id: d, type: Agreement, label: D}
        statements:
          - subject: d
            predicate: value
            value: {value: 5}
            qualifiers: {date: 2024-02-30}
            sources: [s1]
          - subject: d
            predicate: concerns
            object: d
            qualifiers: {date: 01/02/2018}
            sources: [s1]
        """})
    errors = _errors(root)
    assert "data/a.yaml:8:12: error: 'value' needs a 'currency' (ISO 4217, e.g. USD): '5'" in errors
    assert "data/a.yaml:9:24: error: day 30 does not exist in 2024-02: '2024-02-30'" in errors
    assert "data/a.yaml:14:24: error: ambiguous date: write it as ISO YYYY-MM-DD: '01/02/2018'" \
        in errors


def test_every_statement_cites_a_source(write_data: Write) -> None:
    root = write_data(**{"a.yaml": """
        entities:
          - {id: a, type: Country, label: A}
        statements:
          - {subject: a, predicate: role, value: x}
        """})
    assert "data/a.yaml:4:5: error: a statement must cite at least one source ('sources')" \
        in _errors(root)


def test_shipped_data_has_no_errors() -> None:
    from tests.conftest import DATA

    assert [str(i) for i in kg.check(DATA) if i.is_error] == []
