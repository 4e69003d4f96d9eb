"""Aligning names from imported data with the curated entities.

A name matches a curated entity when its normalized form (case, accents and punctuation
folded: "SM-3 Block-2" -> "sm 3 block 2") equals the normalized label or an alias of
exactly one curated entity of a compatible kind, or when the project config maps it by
hand (to a curated id or a Wikidata id; see :mod:`kg.imports.aligncheck`). Names that
match nothing are created in the import's own namespace; those that come close are
reported with the reason, never merged: the name contains a curated name as whole words
("RIM-161D SM-3 Block-2" and "SM-3 Block-2") or is part of one, one writes out what the
other abbreviates ("APC" and "armoured personnel carrier", also with a weapon's
description after its designation), or the spelling is near (difflib ratio at or above
:data:`CLOSE_RATIO`).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from kg.core.model import Dataset, Entity
from kg.core.vocab import vocabulary

CLOSE_RATIO = 0.8
_NON_WORD = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=1 << 16)
def normalize(name: str) -> str:
    """Lower case, accents removed, runs of punctuation and space as one space."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    ascii_text = folded.encode("ascii", "ignore").decode()
    return _NON_WORD.sub(" ", ascii_text).strip()


@lru_cache(maxsize=1 << 16)
def slug(name: str) -> str:
    """A readable IRI segment for a name: its normalized form with hyphens."""
    return normalize(name).replace(" ", "-") or "unnamed"


@dataclass(frozen=True, slots=True)
class Close:
    """An imported name that resembles a curated entity but was not merged with it."""

    name: str
    entity: str
    curated_name: str
    score: float
    reason: str = ""


@dataclass(slots=True)
class Report:
    """What an import did with each name it met."""

    matched: dict[str, str] = field(default_factory=dict)  # imported name -> curated id
    created: dict[str, str] = field(default_factory=dict)  # imported name -> new IRI
    close: list[Close] = field(default_factory=list)
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)
    by_hand: set[str] = field(default_factory=set)  # names matched through [align]

    def lines(self, title: str) -> list[str]:
        out = [f"{title}: {len(self.matched)} matched, {len(self.created)} created, "
               f"{len(self.close)} close but not merged"]
        out += [f"  matched  {n!r} -> kgr:{i}" + (" (by [align])" if n in self.by_hand else "")
                for n, i in sorted(self.matched.items())]
        out += [f"  close    {c.name!r} ~ kgr:{c.entity} {c.curated_name!r}: {c.reason}"
                for c in sorted(self.close, key=lambda c: (c.name, c.entity))]
        out += [f"  ambiguous {n!r}: " + ", ".join(ids)
                for n, ids in sorted(self.ambiguous.items())]
        if self.close:
            c = min(self.close, key=lambda c: (c.name, c.entity))
            out.append(f"  (to merge a close name, map it in kg.toml: [align] {c.name!r} = "
                       f"{c.entity!r}; or add it as an alias of the curated entity)")
        return out


def _runs(words: list[str]) -> Iterator[tuple[int, int]]:
    for i in range(len(words)):
        for j in range(i + 1, len(words) + 1):
            yield i, j


def _abbreviations(key: str, shorts: Container[str] | None = None
                   ) -> Iterator[tuple[str, str, str]]:
    """``key`` with one run of 2+ words shortened to its initials: (variant, short, long);
    only initials in ``shorts`` when given (a variant can only match a name with them)."""
    words = key.split()
    for i, j in _runs(words):
        run = words[i:j]
        if j - i >= 2 and all(w.isalpha() for w in run):
            short = "".join(w[0] for w in run)
            if shorts is None or short in shorts:
                yield " ".join([*words[:i], short, *words[j:]]), short, " ".join(run)


class Aligner:
    """Names of the curated entities of some kinds (e.g. agents, or systems), indexed."""

    def __init__(self, data: Dataset, kinds: Iterable[str], *,
                 manual: Mapping[str, str] | None = None) -> None:
        v = vocabulary()
        wanted = tuple(kinds)
        self._entities = [e for e in data.entities if any(v.is_a(e.type, k) for k in wanted)]
        by_wikidata = {e.wikidata: e.id for e in data.entities if e.wikidata}
        ids = {e.id for e in data.entities}
        self._index: dict[str, set[str]] = {}
        self._names: list[tuple[str, Entity, str]] = []
        self._parts: dict[str, list[tuple[Entity, str]]] = {}  # word runs of curated names
        self._short: dict[str, list[tuple[Entity, str, str, str]]] = {}
        self._by_key: dict[str, list[tuple[Entity, str]]] = {}
        self._words: set[str] = set()
        for e in self._entities:
            for name in (e.label, *e.aliases):
                key = normalize(name)
                if not key:
                    continue
                self._index.setdefault(key, set()).add(e.id)
                self._names.append((key, e, name))
                self._by_key.setdefault(key, []).append((e, name))
                words = key.split()
                self._words.update(words)
                for i, j in _runs(words):
                    self._parts.setdefault(" ".join(words[i:j]), []).append((e, name))
                for variant, short, long in _abbreviations(key):
                    self._short.setdefault(variant, []).append((e, name, short, long))
        self._manual = {normalize(k): (v if v in ids else by_wikidata.get(v, v))
                        for k, v in (manual or {}).items()}
        self._by_length: dict[int, list[int]] = {}  # indexes into _names, by key length
        for i, (key, _, _) in enumerate(self._names):
            self._by_length.setdefault(len(key), []).append(i)
        self._chars = [_char_multiset(key) for key, _, _ in self._names]
        # a name length -> the names it can be close to: (index, characters, how many shared)
        self._near: dict[int, list[tuple[int, frozenset[tuple[str, int]], float]]] = {}
        self.report = Report()

    def match(self, name: str) -> str | None:
        """The curated id ``name`` aligns with, or None; records the outcome in ``report``."""
        key = normalize(name)
        if key in self._manual:
            self.report.matched[name] = self._manual[key]
            self.report.by_hand.add(name)
            return self._manual[key]
        found = self._index.get(key, set())
        if len(found) == 1:
            (ident,) = found
            self.report.matched[name] = ident
            return ident
        if found:
            self.report.ambiguous[name] = tuple(sorted(found))
        return None

    def created(self, name: str, iri: str, *, descriptions: Iterable[str] = ()) -> None:
        """Record that ``name`` became the new entity ``iri``, and what it resembled: a
        curated name it contains or is part of, an abbreviation of one (also with the
        weapon's ``descriptions`` after the name: "Dingo-2" + "APC"), or a near spelling."""
        self.report.created[name] = iri
        best: dict[str, Close] = {}

        def found(entity: Entity, curated: str, score: float, reason: str) -> None:
            if entity.id not in best or score > best[entity.id].score:
                best[entity.id] = Close(name, entity.id, curated, score, reason)

        key = normalize(name)
        candidates = [(key, "")] + [(normalize(f"{name} {d}"), " (designation + description)")
                                    for d in sorted(set(descriptions)) if d]
        for text, described in candidates:
            self._close_by_words(text, described, found)
        self._close_by_spelling(key, found)
        self.report.close.extend(best.values())

    def _close_by_words(self, key: str, described: str,
                        found: Callable[[Entity, str, float, str], None]) -> None:
        words = key.split()
        known = [w in self._words for w in words]
        for i, j in _runs(words):
            if not all(known[i:j]):
                continue
            part = " ".join(words[i:j])
            if len(part) < 3 or ((i, j) == (0, len(words)) and not described):
                continue
            for e, curated in self._by_key.get(part, ()):
                found(e, curated, 0.5 + 0.4 * len(part) / len(key),
                      f"contains the curated name{described}")
        if not described:
            for e, curated in self._parts.get(key, []) if len(key) >= 3 else []:
                if normalize(curated) != key:
                    found(e, curated, 0.85, "is part of the curated name")
        for e, curated, short, long in self._short.get(key, []):
            found(e, curated, 0.95, f"abbreviation: {short.upper()!r} for {long!r}{described}")
        for variant, short, long in _abbreviations(key, self._words):
            for e, curated in self._by_key.get(variant, ()):
                found(e, curated, 0.95, f"abbreviation: {short.upper()!r} for {long!r}{described}")

    def _close_by_spelling(self, key: str,
                           found: Callable[[Entity, str, float, str], None]) -> None:
        matcher = difflib.SequenceMatcher(None, "", key)  # the imported name's index is kept
        n = len(key)
        near = self._near.get(n)
        if near is None:  # difflib's real_quick_ratio, by length: names that can be close
            near = self._near[n] = [
                (i, self._chars[i], CLOSE_RATIO * (n + m) / 2 - 1e-9)  # never stricter
                for i in sorted(i for m, at in self._by_length.items()
                                if 2 * min(n, m) >= CLOSE_RATIO * (n + m) for i in at)
                for m in (len(self._names[i][0]),)]
        chars = _char_multiset(key)
        # difflib's quick_ratio (shared characters, counted with repeats), as a set
        for i in [i for i, curated_chars, needed in near if len(chars & curated_chars) >= needed]:
            curated_key, entity, curated_name = self._names[i]
            matcher.set_seq1(curated_key)
            if (score := matcher.ratio()) >= CLOSE_RATIO:
                found(entity, curated_name, score, f"similar spelling ({score:.2f})")


def _char_multiset(text: str) -> frozenset[tuple[str, int]]:
    """``text``'s characters with their repeats numbered ("aba" -> a0, b0, a1): the size of
    two such sets' intersection is the number of characters they share, as difflib's
    quick_ratio counts them."""
    seen: dict[str, int] = {}
    out = []
    for c in text:
        k = seen[c] = seen.get(c, -1) + 1
        out.append((c, k))
    return frozenset(out)
