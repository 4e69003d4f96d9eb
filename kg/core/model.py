"""Typed records of the curated data. Each knows the file, line and column it came from.

``locs`` maps a field name (or ``field.sub``) to the position of its value, so that a
check can point at the offending value rather than at the record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from kg.core.errors import Loc

Locs = Mapping[str, Loc]
LiteralValue = str | int | Decimal | bool


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    loc: Loc
    publisher: str | None = None
    published: str | None = None
    reliability: str | None = None
    url: str | None = None
    file: str | None = None
    author: str | None = None
    language: str | None = None
    note: str | None = None
    compilation: bool = False  # stitched from other outlets' reports: nothing first-hand
    sha256: str | None = None  # of the archived copy ``file``, to notice a changed archive
    locs: Locs = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    type: str
    label: str
    loc: Loc
    aliases: tuple[str, ...] = ()
    wikidata: str | None = None
    description: str | None = None
    note: str | None = None
    unnamed: bool = False  # a speaker the sources do not name (an office, "the agency")
    #: aliases also another entity's name, each with the curator's reason: (alias, reason)
    ambiguous: tuple[tuple[str, str], ...] = ()
    locs: Locs = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Amount:
    value: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class Quantity:
    value: Decimal
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class Qualifiers:
    date: str | None = None
    start: str | None = None
    end: str | None = None
    amount: Amount | None = None
    quantity: Quantity | None = None
    status: str | None = None
    certainty: str | None = None
    location: str | None = None
    according_to: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Citation:
    source: str
    loc: Loc
    locator: str | None = None
    credibility: int | None = None
    attribution: str | None = None
    note: str | None = None
    locs: Locs = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Statement:
    subject: str
    predicate: str
    loc: Loc
    object: str | None = None
    value: LiteralValue | Amount | None = None
    id: str | None = None
    qualifiers: Qualifiers = Qualifiers()
    citations: tuple[Citation, ...] = ()
    note: str | None = None
    #: the statements this one depends on (a curator's identification), by
    #: subject.predicate.object[.id] (their IRI's local name; see kg.rdf.triples.statement_name)
    rests_on: tuple[str, ...] = ()
    locs: Locs = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Dataset:
    """Everything loaded from ``data/``, in file order."""

    sources: tuple[Source, ...] = ()
    entities: tuple[Entity, ...] = ()
    statements: tuple[Statement, ...] = ()
    files: tuple[str, ...] = ()


def merge(parts: list[Dataset]) -> Dataset:
    """The datasets one after another, as one."""
    return Dataset(
        tuple(x for p in parts for x in p.sources),
        tuple(x for p in parts for x in p.entities),
        tuple(x for p in parts for x in p.statements),
        tuple(name for p in parts for name in p.files),
    )
