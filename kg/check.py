"""Checks of meaning: ids, references, vocabularies, dates and values -> issues.

Errors stop a build; warnings are data-quality hints a curator acts on (a claim with a
single source, a citation without a locator, an entity no statement mentions).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from decimal import Decimal

from rdflib import XSD

from kg.dates import DateError, parse_date
from kg.errors import Issue, Loc, Severity
from kg.load import did_you_mean
from kg.model import Amount, Citation, Dataset, Entity, Locs, Source, Statement
from kg.vocab import Vocabulary, vocabulary

ID = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
WIKIDATA = re.compile(r"Q[1-9][0-9]*")
CURRENCY = re.compile(r"[A-Z]{3}")
LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{2,8})*")
URL = re.compile(r"https?://[^\s<>\"{}|\\^`]+")
RELIABILITY = frozenset("ABCDEF")
_NUMERIC = frozenset(str(t) for t in (XSD.decimal, XSD.integer, XSD.double, XSD.float,
                                      XSD.nonNegativeInteger))


def check(data: Dataset, *, vocab: Vocabulary | None = None) -> list[Issue]:
    """Every problem in the data, errors and warnings, in no particular order."""
    v = vocab or vocabulary()
    ids = _id_index(data)
    issues = list(_duplicate_ids(data))
    for source in data.sources:
        issues += _check_source(source)
    for entity in data.entities:
        issues += _check_entity(entity, v)
    kinds = {e.id: e.type for e in data.entities}
    sources = {s.id for s in data.sources}
    for statement in data.statements:
        issues += _check_statement(statement, v, kinds, sources, ids)
    issues += _duplicate_statements(data)
    issues += _quality_warnings(data)
    return issues


def _records(data: Dataset) -> list[Source | Entity]:
    return [*data.sources, *data.entities]


def _id_index(data: Dataset) -> dict[str, Loc]:
    index: dict[str, Loc] = {}
    for record in _records(data):
        index.setdefault(record.id, record.locs.get("id", record.loc))
    return index


def _duplicate_ids(data: Dataset) -> Iterator[Issue]:
    first: dict[str, Loc] = {}
    for record in _records(data):
        loc = record.locs.get("id", record.loc)
        if record.id in first:
            yield Issue(loc, f"duplicate id (first defined at {first[record.id]})", record.id)
        else:
            first[record.id] = loc
        if not ID.fullmatch(record.id):
            yield Issue(loc, "invalid id: use lowercase letters, digits and inner hyphens",
                        record.id)


def _check_date(record: Source | Statement, key: str, text: str | None) -> Iterator[Issue]:
    if text is None:
        return
    try:
        parse_date(text)
    except DateError as exc:
        yield Issue(record.locs.get(key, record.loc), str(exc), text)


def _check_text(locs: Locs, key: str, text: str | None, fallback: Loc) -> Iterator[Issue]:
    if text is not None and not text.strip():
        yield Issue(locs.get(key, fallback), f"'{key}' is blank", text)


def _check_source(s: Source) -> Iterator[Issue]:
    at = s.locs.get
    yield from _check_date(s, "published", s.published)
    if s.reliability is not None and s.reliability not in RELIABILITY:
        yield Issue(at("reliability", s.loc), "reliability must be one of A, B, C, D, E, F",
                    s.reliability)
    if s.url is not None and not URL.fullmatch(s.url):
        yield Issue(at("url", s.loc), "url must be an http(s) URL without spaces", s.url)
    if s.language is not None and not LANGUAGE.fullmatch(s.language):
        yield Issue(at("language", s.loc), "language must be a BCP 47 tag such as en or ja",
                    s.language)
    yield from _check_text(s.locs, "title", s.title, s.loc)


def _unknown(loc: Loc, what: str, value: str, allowed: Iterable[str]) -> Issue:
    """A name outside a closed vocabulary: the closest allowed name and all of them."""
    return Issue(loc, f"unknown {what}{did_you_mean(value, allowed)}; allowed: "
                 + ", ".join(sorted(allowed)), value)


def _check_entity(e: Entity, v: Vocabulary) -> Iterator[Issue]:
    at = e.locs.get
    if e.type not in v.classes:
        yield _unknown(at("type", e.loc), "class", e.type, v.classes)
    if e.wikidata is not None and not WIKIDATA.fullmatch(e.wikidata):
        yield Issue(at("wikidata", e.loc), "wikidata must be an item id such as Q17", e.wikidata)
    yield from _check_text(e.locs, "label", e.label, e.loc)
    for i, alias in enumerate(e.aliases):
        yield from _check_text(e.locs, f"aliases.{i}", alias, e.loc)


def _check_statement(s: Statement, v: Vocabulary, kinds: dict[str, str], sources: set[str],
                     ids: dict[str, Loc]) -> Iterator[Issue]:
    at = s.locs.get
    if s.id is not None and not ID.fullmatch(s.id):
        yield Issue(at("id", s.loc), "invalid id: use lowercase letters, digits and inner hyphens",
                    s.id)
    yield from _check_ref(s, "subject", s.subject, kinds, ids)
    info = v.predicates.get(s.predicate)
    if info is None:
        yield _unknown(at("predicate", s.loc), "predicate", s.predicate, v.predicates)
    else:
        yield from _check_shape(s, info.literal, info.range_datatype, info.name)
        subject_type = _known(kinds.get(s.subject), v)
        if subject_type and info.domains and not any(v.is_a(subject_type, d) for d in info.domains):
            yield Issue(at("subject", s.loc), f"'{s.predicate}' applies to "
                        + " or ".join(sorted(info.domains)) + f", not {subject_type}", s.subject)
        object_type = _known(kinds.get(s.object) if s.object else None, v)
        if object_type and info.ranges and not any(v.is_a(object_type, r) for r in info.ranges):
            yield Issue(at("object", s.loc), f"'{s.predicate}' points to "
                        + " or ".join(sorted(info.ranges)) + f", not {object_type}", s.object)
    if s.object is not None:
        yield from _check_ref(s, "object", s.object, kinds, ids)
    yield from _check_qualifiers(s, v, kinds, ids)
    for citation in s.citations:
        yield from _check_citation(citation, v, sources, ids)


def _known(cls: str | None, v: Vocabulary) -> str | None:
    """The class if the vocabulary has it (an unknown one is reported once, at the entity)."""
    return cls if cls in v.classes else None


def _check_ref(s: Statement, key: str, ref: str | None, kinds: dict[str, str],
               ids: dict[str, Loc]) -> Iterator[Issue]:
    if ref is None or ref in kinds:
        return
    loc = s.locs.get(key, s.loc)
    if ref in ids:
        yield Issue(loc, f"'{key}' must be an entity, but this id is a source", ref)
    else:
        yield Issue(loc, f"unknown entity{did_you_mean(ref, kinds)}", ref)


def _check_shape(s: Statement, literal: bool, datatype: str | None, name: str) -> Iterator[Issue]:
    at = s.locs.get
    if literal and s.object is not None:
        yield Issue(at("object", s.loc), f"'{name}' takes a 'value', not an 'object'", s.object)
    elif not literal and s.value is not None:
        yield Issue(at("value", s.loc), f"'{name}' takes an 'object' (an entity id), not a "
                    "'value'", str(s.value))
    elif literal and datatype and datatype.endswith("MonetaryAmount") and \
            s.value is not None and not isinstance(s.value, Amount):
        yield Issue(at("value", s.loc), f"'{name}' takes an amount: {{value: ..., currency: ...}}",
                    str(s.value))
    elif literal and datatype in _NUMERIC and s.value is not None and \
            (isinstance(s.value, str | bool) or (datatype == str(XSD.integer)
                                                 and not isinstance(s.value, int))):
        kind = "a whole number" if datatype == str(XSD.integer) else "a number"
        yield Issue(at("value", s.loc), f"'{name}' takes {kind} (unquoted)", str(s.value))
    elif literal and datatype == str(XSD.string) and isinstance(s.value, int | Decimal):
        yield Issue(at("value", s.loc), f"'{name}' takes text, but YAML reads this unquoted "
                    "value as a number; quote it", str(s.value))
    elif isinstance(s.value, int | Decimal) and not isinstance(s.value, bool) and s.value < 0:
        yield Issue(at("value", s.loc), f"'{name}' must not be negative", str(s.value))
    if isinstance(s.value, Amount):
        yield from _check_amount(s, "value", s.value)


def _check_amount(s: Statement, key: str, amount: Amount) -> Iterator[Issue]:
    if not CURRENCY.fullmatch(amount.currency):
        yield Issue(s.locs.get(f"{key}.currency", s.loc),
                    "currency must be an ISO 4217 code such as USD", amount.currency)
    if amount.value < 0:
        yield Issue(s.locs.get(f"{key}.value", s.loc), "amount must not be negative",
                    str(amount.value))


def _check_qualifiers(s: Statement, v: Vocabulary, kinds: dict[str, str],
                      ids: dict[str, Loc]) -> Iterator[Issue]:
    q = s.qualifiers
    at = s.locs.get
    for key in ("date", "start", "end"):
        yield from _check_date(s, f"qualifiers.{key}", getattr(q, key))
    if q.status is not None and q.status not in v.statuses:
        yield _unknown(at("qualifiers.status", s.loc), "status", q.status, v.statuses)
    if q.certainty is not None and q.certainty not in v.certainties:
        yield _unknown(at("qualifiers.certainty", s.loc), "certainty", q.certainty,
                       v.certainties)
    yield from _check_ref(s, "qualifiers.location", q.location, kinds, ids)
    yield from _check_ref(s, "qualifiers.according-to", q.according_to, kinds, ids)
    if q.amount is not None:
        yield from _check_amount(s, "qualifiers.amount", q.amount)
    if q.quantity is not None and q.quantity.value < 0:
        yield Issue(at("qualifiers.quantity.value", s.loc), "quantity must not be negative",
                    str(q.quantity.value))


def _check_citation(c: Citation, v: Vocabulary, sources: set[str],
                    ids: dict[str, Loc]) -> Iterator[Issue]:
    at = c.locs.get
    if c.source not in sources:
        hint = " (this id is an entity)" if c.source in ids else did_you_mean(c.source, sources)
        yield Issue(at("source", c.loc), f"unknown source{hint}", c.source)
    if c.credibility is not None and not 1 <= c.credibility <= 6:
        yield Issue(at("credibility", c.loc), "credibility must be 1 to 6", c.credibility)
    if c.attribution is not None and c.attribution not in v.attributions:
        yield _unknown(at("attribution", c.loc), "attribution", c.attribution, v.attributions)


def statement_key(s: Statement) -> tuple[str, str, str, str]:
    """What identifies a statement: subject, predicate, object (or value) and curated id."""
    obj = s.object if s.object is not None else f"={s.value!r}"
    return (s.subject, s.predicate, obj, s.id or "")


def _duplicate_statements(data: Dataset) -> Iterator[Issue]:
    first: dict[tuple[str, str, str, str], Loc] = {}
    for s in data.statements:
        key = statement_key(s)
        if key in first:
            yield Issue(s.loc, f"same subject, predicate and object as the statement at "
                        f"{first[key]}; give each a distinct 'id'", " ".join(key[:3]))
        else:
            first[key] = s.loc


def _quality_warnings(data: Dataset) -> Iterator[Issue]:
    def warn(loc: Loc, message: str, value: object, code: str) -> Issue:
        return Issue(loc, message, value, Severity.WARNING, code)

    mentioned = Counter[str]()
    for s in data.statements:
        mentioned.update(x for x in (s.subject, s.object, s.qualifiers.location,
                                     s.qualifiers.according_to) if x)
        if len({c.source for c in s.citations}) == 1:
            yield warn(s.loc, "claim rests on a single source", s.citations[0].source,
                       "single-source")
        for c in s.citations:
            if c.locator is None:
                yield warn(c.loc, "citation has no locator (paragraph or page)", c.source,
                           "no-locator")
    for e in data.entities:
        if not mentioned[e.id]:
            yield warn(e.loc, "entity is in no statement", e.id, "orphan-entity")
    for src in data.sources:
        if src.reliability is None:
            yield warn(src.loc, "source has no reliability (A-F)", src.id, "no-reliability")
