"""Checks of meaning: ids, references, vocabularies, dates and values -> issues.

Errors stop a build; warnings are data-quality hints a curator acts on (a claim with a
single source, a citation without a locator, an entity no statement mentions).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from rdflib import XSD

from kg.core.dates import DateError, parse_date
from kg.core.errors import Issue, Loc, Severity
from kg.core.model import Amount, Citation, Dataset, Entity, Locs, Source, Statement
from kg.core.vocab import Vocabulary, vocabulary
from kg.curate import grading
from kg.curate.load import did_you_mean

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
    context = Context.of(data.entities, data.sources)
    return [*record_issues(data, v, context),
            *across([summarize(data)], lambda _: data.statements)]


@dataclass(frozen=True, slots=True)
class Context:
    """What the checks of one record need from other files: each entity's class and the
    source ids (whether an id is an entity, a source or neither, and the names a typo
    is compared with); for the grading rules (kg.curate.grading) each source's publisher, date
    and compilation mark, and the entities marked unnamed."""

    kinds: dict[str, str]
    sources: frozenset[str]
    facts: dict[str, grading.SourceFacts]
    unnamed: frozenset[str]

    @classmethod
    def of(cls, entities: Iterable[Entity], sources: Iterable[Source]) -> Context:
        entities, sources = list(entities), list(sources)
        facts = {s.id: grading.SourceFacts(s.publisher or s.id, s.published, s.compilation)
                 for s in sources}
        return cls({e.id: e.type for e in entities}, frozenset(s.id for s in sources), facts,
                   frozenset(e.id for e in entities if e.unnamed))

    @property
    def digest(self) -> str:
        """A hash of the context, the same whatever the order of the records."""
        text = "\n".join([*sorted(f"{k}\t{t}" for k, t in self.kinds.items()), "",
                          *sorted(self.sources), "",
                          *sorted(f"{k}\t{f.publisher}\t{f.published}\t{f.compilation}"
                                  for k, f in self.facts.items()), "",
                          *sorted(self.unnamed)])
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Summary:
    """What the checks across files need of some records (those of one file, or all):
    the records' ids and positions, a fingerprint of each statement's key, the ids
    statements mention. Sources and entities are kept whole but for their per-key
    positions (``locs``)."""

    sources: tuple[Source, ...]
    entities: tuple[Entity, ...]
    id_locs: tuple[Loc, ...]  # where each source's, then each entity's id is
    statement_prints: bytes  # _PRINT bytes per statement (see _prints)
    mentioned: frozenset[str]
    statement_grades: bytes = b""  # 2 bytes per statement (kg.curate.grading.grade)
    rests: tuple[grading.RestsOn, ...] = ()  # the statements' rests-on references
    alias_locs: tuple[tuple[Loc, ...], ...] = ()  # per entity, where each alias is


def summarize(data: Dataset) -> Summary:
    """The :class:`Summary` of ``data``'s records."""
    records = _records(data)
    mentioned = {x for s in data.statements for x in (
        s.subject, s.object, s.qualifiers.location, s.qualifiers.according_to) if x}
    return Summary(tuple(replace(src, locs={}) for src in data.sources),
                   tuple(replace(e, locs={}) for e in data.entities),
                   tuple(r.locs.get("id", r.loc) for r in records),
                   _prints(data.statements), frozenset(mentioned),
                   b"".join(grading.grade(s) for s in data.statements),
                   grading.rests(data.statements),
                   tuple(grading.alias_locs(e) for e in data.entities))


_PRINT = 8


def _prints(statements: Sequence[Statement]) -> bytes:
    """A short hash of each statement's key, one after another: two statements with the
    same key have the same print, so files whose prints are all distinct have no
    duplicate statement (and only files sharing a print need their records read)."""
    return b"".join(hashlib.blake2b("\x1f".join(statement_key(s)).encode(),
                                    digest_size=_PRINT).digest() for s in statements)


def record_issues(data: Dataset, v: Vocabulary, context: Context) -> list[Issue]:
    """The problems of each record on its own (given ``context``): all but those of
    :func:`across`."""
    issues: list[Issue] = []
    for source in data.sources:
        issues += _check_source(source)
    for entity in data.entities:
        issues += _check_entity(entity, v)
    for statement in data.statements:
        issues += _check_statement(statement, v, context.kinds, context.sources)
        issues += grading.statement_issues(statement, context.facts, context.unnamed)
    issues += _quality_warnings(data)
    return issues


def across(summaries: Sequence[Summary],
           statements: Callable[[int], Sequence[Statement]]) -> list[Issue]:
    """The problems between records, of the files ``summaries`` (in file order): ids
    defined twice or malformed, statements made twice, entities no statement mentions.
    ``statements(i)``: the statements of file ``i``, read only if it may hold a
    duplicate statement."""
    sources = [(r.id, loc) for part in summaries
               for r, loc in zip(part.sources, part.id_locs, strict=False)]
    entities = [(r.id, loc) for part in summaries
                for r, loc in zip(part.entities, part.id_locs[len(part.sources):],
                                  strict=True)]
    mentioned = set().union(*(part.mentioned for part in summaries))
    return [*_duplicate_ids(sources + entities),
            *grading.rests_on_issues([r for part in summaries for r in part.rests],
                                     [(part.statement_prints, part.statement_grades)
                                      for part in summaries]),
            *grading.alias_issues([(e, locs) for part in summaries
                                   for e, locs in zip(part.entities, part.alias_locs,
                                                      strict=True)]),
            *_duplicate_statements((statement_key(s), s.loc) for i in _sharing(summaries)
                                   for s in statements(i)),
            *(_warn(e.loc, "entity is in no statement", e.id, "orphan-entity")
              for part in summaries for e in part.entities if e.id not in mentioned)]


def _sharing(summaries: Sequence[Summary]) -> list[int]:
    """The files (by index) with a statement print that is not unique, in file order."""
    prints = [_prints_of(part) for part in summaries]
    everything = [one for part in prints for one in part]
    if len(set(everything)) == len(everything):
        return []  # the usual case, told by one set built in C
    shared = {one for one, n in Counter(everything).items() if n > 1}
    return [i for i, part in enumerate(prints) if not shared.isdisjoint(part)]


def _prints_of(part: Summary) -> list[bytes]:
    data = part.statement_prints
    return [data[at:at + _PRINT] for at in range(0, len(data), _PRINT)]


def _records(data: Dataset) -> list[Source | Entity]:
    return [*data.sources, *data.entities]


def _duplicate_ids(ids: Iterable[tuple[str, Loc]]) -> Iterator[Issue]:
    first: dict[str, Loc] = {}
    for rid, loc in ids:
        if rid in first:
            yield Issue(loc, f"duplicate id (first defined at {first[rid]})", rid)
        else:
            first[rid] = loc
        if not ID.fullmatch(rid):
            yield Issue(loc, "invalid id: use lowercase letters, digits and inner hyphens",
                        rid)


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


def _check_statement(s: Statement, v: Vocabulary, kinds: dict[str, str],
                     sources: frozenset[str]) -> Iterator[Issue]:
    at = s.locs.get
    if s.id is not None and not ID.fullmatch(s.id):
        yield Issue(at("id", s.loc), "invalid id: use lowercase letters, digits and inner hyphens",
                    s.id)
    yield from _check_ref(s, "subject", s.subject, kinds, sources)
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
        yield from _check_ref(s, "object", s.object, kinds, sources)
    yield from _check_qualifiers(s, v, kinds, sources)
    for citation in s.citations:
        yield from _check_citation(citation, v, kinds, sources)


def _known(cls: str | None, v: Vocabulary) -> str | None:
    """The class if the vocabulary has it (an unknown one is reported once, at the entity)."""
    return cls if cls in v.classes else None


def _check_ref(s: Statement, key: str, ref: str | None, kinds: dict[str, str],
               sources: frozenset[str]) -> Iterator[Issue]:
    if ref is None or ref in kinds:
        return
    loc = s.locs.get(key, s.loc)
    if ref in sources:
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
                      sources: frozenset[str]) -> Iterator[Issue]:
    q = s.qualifiers
    at = s.locs.get
    for key in ("date", "start", "end"):
        yield from _check_date(s, f"qualifiers.{key}", getattr(q, key))
    if q.status is not None and q.status not in v.statuses:
        yield _unknown(at("qualifiers.status", s.loc), "status", q.status, v.statuses)
    if q.certainty is not None and q.certainty not in v.certainties:
        yield _unknown(at("qualifiers.certainty", s.loc), "certainty", q.certainty,
                       v.certainties)
    yield from _check_ref(s, "qualifiers.location", q.location, kinds, sources)
    yield from _check_ref(s, "qualifiers.according-to", q.according_to, kinds,
                          sources)
    if q.amount is not None:
        yield from _check_amount(s, "qualifiers.amount", q.amount)
    if q.quantity is not None and q.quantity.value < 0:
        yield Issue(at("qualifiers.quantity.value", s.loc), "quantity must not be negative",
                    str(q.quantity.value))


def _check_citation(c: Citation, v: Vocabulary, kinds: dict[str, str],
                    sources: frozenset[str]) -> Iterator[Issue]:
    at = c.locs.get
    if c.source not in sources:
        hint = " (this id is an entity)" if c.source in kinds else did_you_mean(c.source, sources)
        yield Issue(at("source", c.loc), f"unknown source{hint}", c.source)
    if c.credibility is not None and not 1 <= c.credibility <= 6:
        yield Issue(at("credibility", c.loc), "credibility must be 1 to 6", c.credibility)
    if c.attribution is not None and c.attribution not in v.attributions:
        yield _unknown(at("attribution", c.loc), "attribution", c.attribution, v.attributions)


def statement_key(s: Statement) -> tuple[str, str, str, str]:
    """What identifies a statement: subject, predicate, object (or value) and curated id."""
    obj = s.object if s.object is not None else f"={s.value!r}"
    return (s.subject, s.predicate, obj, s.id or "")


def _duplicate_statements(keyed: Iterable[tuple[tuple[str, str, str, str], Loc]]
                          ) -> Iterator[Issue]:
    first: dict[tuple[str, str, str, str], Loc] = {}
    for key, loc in keyed:
        if key in first:
            yield Issue(loc, f"same subject, predicate and object as the statement at "
                        f"{first[key]}; give each a distinct 'id'", " ".join(key[:3]))
        else:
            first[key] = loc


def _warn(loc: Loc, message: str, value: object, code: str) -> Issue:
    return Issue(loc, message, value, Severity.WARNING, code)


def _quality_warnings(data: Dataset) -> Iterator[Issue]:
    """The warnings each record gets on its own (orphan entities: see :func:`across`)."""
    for s in data.statements:
        if len({c.source for c in s.citations}) == 1:
            yield _warn(s.loc, "claim rests on a single source", s.citations[0].source,
                        "single-source")
        for c in s.citations:
            if c.locator is None:
                yield _warn(c.loc, "citation has no locator (paragraph or page)", c.source,
                            "no-locator")
    for src in data.sources:
        if src.reliability is None:
            yield _warn(src.loc, "source has no reliability (A-F)", src.id, "no-reliability")
