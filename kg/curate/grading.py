"""The grading rules of data/README.md, checked: credibility, certainty, attribution,
statuses, dependencies on the curator's identifications and ambiguous aliases.

Each rule gives an :class:`~kg.core.errors.Issue` at the value that breaks it. The rules on one
statement (:func:`statement_issues`) need only what :class:`kg.curate.check.Context` carries of
the other files (source publishers, dates and compilation marks; unnamed entities); the
rules across files (:func:`rests_on_issues`, :func:`alias_issues`) work on the per-file
summaries, so that a rebuild reading cached summaries checks them just as well.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from kg.core.dates import DateError, parse_date
from kg.core.errors import Issue, Loc, Severity
from kg.core.model import Entity, Statement

#: How hedged a certainty is: a statement resting on another may not be less hedged.
HEDGE = {None: 0, "confirmed": 0, "likely": 1, "possible": 2, "unconfirmed": 2, "disputed": 3}
_HEDGED = frozenset(("likely", "possible"))
_PRINT = 8  # bytes of a statement key's hash (kg.curate.check's statement prints)


@dataclass(frozen=True, slots=True)
class SourceFacts:
    """What the rules need of a source: who published it, when, and whether it only
    compiles other outlets' reports."""

    publisher: str
    published: str | None
    compilation: bool


def key_print(key: Sequence[str]) -> bytes:
    """The hash of a statement key (subject, predicate, object, id) as kg.check prints it."""
    return hashlib.blake2b("\x1f".join(key).encode(), digest_size=_PRINT).digest()


def ref_key(ref: str) -> tuple[str, str, str, str] | None:
    """The statement key a ``rests-on`` reference names (subject.predicate.object[.id]),
    or None when it is not of that form."""
    parts = ref.split(".")
    if len(parts) not in (3, 4) or not all(parts):
        return None
    return (parts[0], parts[1], parts[2], parts[3] if len(parts) == 4 else "")


def best_credibility(s: Statement) -> int:
    """The best (lowest) credibility among the statement's citations; 0 when none is graded."""
    grades = [c.credibility for c in s.citations if c.credibility is not None]
    return min(grades) if grades else 0


def grade(s: Statement) -> bytes:
    """Two bytes: the statement's hedge (:data:`HEDGE`) and its best credibility."""
    return bytes((HEDGE.get(s.qualifiers.certainty, 0), best_credibility(s)))


def _error(loc: Loc, message: str, value: object, code: str) -> Issue:
    return Issue(loc, message, value, Severity.ERROR, code)


def statement_issues(s: Statement, sources: Mapping[str, SourceFacts],
                     unnamed: frozenset[str]) -> Iterator[Issue]:
    """The grading rules on one statement, given the sources and unnamed entities of all
    files."""
    q = s.qualifiers
    publishers = {sources[c.source].publisher if c.source in sources else c.source
                  for c in s.citations}
    speaker = q.according_to or (s.subject if s.predicate == "stated" else None)
    for c in s.citations:
        at = c.locs.get
        if c.credibility == 1 and len(publishers) < 2:
            yield _error(at("credibility", c.loc), "credibility 1 needs at least two "
                         "independent sources (different publishers) citing this statement",
                         c.credibility, "credibility-1-single")
        if q.certainty in _HEDGED and c.credibility is not None and c.credibility < 3:
            yield _error(at("credibility", c.loc), f"certainty '{q.certainty}' needs "
                         "credibility 3 or worse (a hedged claim cannot be probably true)",
                         c.credibility, "hedge-credibility")
        if c.attribution == "official":
            if speaker is None:
                yield _error(at("attribution", c.loc), "'official' needs a named speaker: "
                             "give the statement 'according-to'", c.attribution,
                             "official-no-speaker")
            elif speaker in unnamed:
                yield _error(at("attribution", c.loc), f"'official' needs a named speaker, "
                             f"but '{speaker}' is marked unnamed; use 'official-unnamed'",
                             c.attribution, "official-unnamed-speaker")
        facts = sources.get(c.source)
        if c.attribution == "first-hand" and facts is not None and facts.compilation:
            yield _error(at("attribution", c.loc), f"'first-hand' is refused for source "
                         f"'{c.source}', a compilation of other outlets; use 'other-outlet'",
                         c.attribution, "first-hand-compilation")
    yield from _status_issues(s, sources)


def _status_issues(s: Statement, sources: Mapping[str, SourceFacts]) -> Iterator[Issue]:
    q = s.qualifiers
    at = s.locs.get
    if q.status == "resumed" and q.start is not None:
        yield _error(at("qualifiers.start", s.loc), "a resumption is not a start: date it "
                     "with 'date' (status 'resumed'), or use status 'started'", q.start,
                     "resumed-with-start")
    if q.status == "completed" and q.end:
        # A period that runs up to the month of the report ("in the past year") is most
        # often still going on when the source writes.
        until = _first_day(q.end)
        reported = [_first_day(sources[c.source].published) for c in s.citations
                    if c.source in sources]
        latest = max((d for d in reported if d is not None), default=None)
        if until is not None and latest is not None and until >= latest.replace(day=1):
            yield Issue(at("qualifiers.end", s.loc), "'completed' up to the month of the "
                        "source's own date: if the source says it is still going on, the "
                        "status is 'ongoing'", q.end, Severity.WARNING, "completed-at-report")


def _first_day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return parse_date(text).earliest
    except DateError:
        return None  # reported by the date checks


@dataclass(frozen=True, slots=True)
class RestsOn:
    """One ``rests-on`` reference of a statement, with what the rule compares."""

    loc: Loc
    ref: str
    hedge: int
    credibility: int


def rests(statements: Iterable[Statement]) -> tuple[RestsOn, ...]:
    """Every ``rests-on`` reference of ``statements``."""
    return tuple(RestsOn(s.locs.get(f"rests-on.{i}", s.locs.get("rests-on", s.loc)), ref,
                         HEDGE.get(s.qualifiers.certainty, 0), best_credibility(s))
                 for s in statements for i, ref in enumerate(s.rests_on))


def rests_on_issues(refs: Sequence[RestsOn],
                    files: Sequence[tuple[bytes, bytes]]) -> Iterator[Issue]:
    """Each reference names a statement of some file (``files``: each file's statement
    prints and grades, in the same order), and the statement resting on it is no surer
    (no stronger certainty, no better credibility)."""
    if not refs:
        return
    wanted = {key_print(k): k for r in refs if (k := ref_key(r.ref)) is not None}
    found: dict[bytes, tuple[int, int]] = {}
    for prints, grades in files:
        for n in range(len(prints) // _PRINT):
            one = prints[n * _PRINT:(n + 1) * _PRINT]
            if one in wanted:
                found[one] = (grades[2 * n], grades[2 * n + 1])
    names = {v: k for k, v in HEDGE.items() if k is not None and k != "unconfirmed"}
    for r in refs:
        key = ref_key(r.ref)
        target = found.get(key_print(key)) if key is not None else None
        if target is None:
            yield _error(r.loc, "rests on no statement: name one as subject.predicate.object "
                         "(with .id if it has one)", r.ref, "rests-on-unknown")
            continue
        hedge, credibility = target
        if r.hedge < hedge:
            yield _error(r.loc, f"rests on a statement hedged '{names[hedge]}', so it needs "
                         f"certainty '{names[hedge]}' or weaker", r.ref, "rests-on-hedge")
        if credibility and r.credibility and r.credibility < credibility:
            yield _error(r.loc, f"rests on a statement graded credibility {credibility}, so "
                         f"it cannot be graded better ({r.credibility})", r.ref,
                         "rests-on-credibility")


def alias_locs(e: Entity) -> tuple[Loc, ...]:
    """Where each alias of ``e`` is written."""
    return tuple(e.locs.get(f"aliases.{i}", e.loc) for i in range(len(e.aliases)))


def alias_issues(entities: Sequence[tuple[Entity, tuple[Loc, ...]]]) -> Iterator[Issue]:
    """An alias that is also another entity's label or alias is an error, unless the
    entity declares it under ``ambiguous`` with a reason; a declared alias that is not
    among the entity's aliases is an error too."""
    first: dict[str, str] = {}  # a name (casefolded) -> the first entity it names
    shared: dict[str, set[str]] = {}  # a name -> every entity it names, if more than one
    for e, _ in entities:
        for name in (e.label, *e.aliases):
            key = name.casefold()
            owner = first.setdefault(key, e.id)
            if owner != e.id:
                shared.setdefault(key, {owner}).add(e.id)
    for e, locs in entities:
        if shared and e.aliases:
            declared = {name.casefold() for name, _ in e.ambiguous}
            for alias, loc in zip(e.aliases, locs, strict=False):
                others = sorted(shared.get(alias.casefold(), set()) - {e.id})
                if others and alias.casefold() not in declared:
                    yield _error(loc, "alias is also the name of " + ", ".join(others)
                                 + ": remove it, or declare it under 'ambiguous' with a "
                                 "reason", alias, "ambiguous-alias")
        if not e.ambiguous:
            continue
        own = {a.casefold() for a in e.aliases}
        for name, _ in e.ambiguous:
            if name.casefold() not in own:
                yield _error(e.locs.get(f"ambiguous.{name}", e.loc), "declared ambiguous but "
                             "not among the entity's aliases", name, "ambiguous-unknown")
