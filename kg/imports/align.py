"""Aligning names from imported data with the curated entities.

A name matches a curated entity when its normalized form (case, accents and punctuation
folded: "SM-3 Block-2" -> "sm 3 block 2") equals the normalized label or an alias of
exactly one curated entity of a compatible kind, or when the project config maps it by
hand (to a curated id or a Wikidata id). Names that match nothing are created in the
import's own namespace; those that come close (difflib ratio at or above
:data:`CLOSE_RATIO`, or containing a curated name as whole words) are reported, never
merged.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kg.model import Dataset, Entity
from kg.vocab import vocabulary

CLOSE_RATIO = 0.8
_NON_WORD = re.compile(r"[^0-9a-z]+")


def normalize(name: str) -> str:
    """Lower case, accents removed, runs of punctuation and space as one space."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    ascii_text = folded.encode("ascii", "ignore").decode()
    return _NON_WORD.sub(" ", ascii_text).strip()


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


@dataclass(slots=True)
class Report:
    """What an import did with each name it met."""

    matched: dict[str, str] = field(default_factory=dict)  # imported name -> curated id
    created: dict[str, str] = field(default_factory=dict)  # imported name -> new IRI
    close: list[Close] = field(default_factory=list)
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def lines(self, title: str) -> list[str]:
        out = [f"{title}: {len(self.matched)} matched, {len(self.created)} created, "
               f"{len(self.close)} close but not merged"]
        out += [f"  matched  {n!r} -> kgr:{i}" for n, i in sorted(self.matched.items())]
        out += [f"  close    {c.name!r} ~ kgr:{c.entity} ({c.curated_name!r}, {c.score:.2f})"
                for c in sorted(self.close, key=lambda c: (c.name, c.entity))]
        out += [f"  ambiguous {n!r}: " + ", ".join(ids)
                for n, ids in sorted(self.ambiguous.items())]
        return out


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
        for e in self._entities:
            for name in (e.label, *e.aliases):
                key = normalize(name)
                self._index.setdefault(key, set()).add(e.id)
                self._names.append((key, e, name))
        self._manual = {normalize(k): (v if v in ids else by_wikidata.get(v, v))
                        for k, v in (manual or {}).items()}
        self.report = Report()

    def match(self, name: str) -> str | None:
        """The curated id ``name`` aligns with, or None; records the outcome in ``report``."""
        key = normalize(name)
        if key in self._manual:
            self.report.matched[name] = self._manual[key]
            return self._manual[key]
        found = self._index.get(key, set())
        if len(found) == 1:
            (ident,) = found
            self.report.matched[name] = ident
            return ident
        if found:
            self.report.ambiguous[name] = tuple(sorted(found))
        return None

    def created(self, name: str, iri: str) -> None:
        """Record that ``name`` became the new entity ``iri``, and what it resembled."""
        self.report.created[name] = iri
        key = normalize(name)
        best: dict[str, Close] = {}
        words = f" {key} "
        for curated_key, entity, curated_name in self._names:
            if not curated_key:
                continue
            matcher = difflib.SequenceMatcher(None, key, curated_key)
            score = matcher.ratio() if matcher.real_quick_ratio() >= CLOSE_RATIO else 0.0
            if score < CLOSE_RATIO and f" {curated_key} " in words and len(curated_key) > 2:
                score = round(len(curated_key) / len(key), 2)
            elif score < CLOSE_RATIO:
                continue
            if entity.id not in best or score > best[entity.id].score:
                best[entity.id] = Close(name, entity.id, curated_name, score)
        self.report.close.extend(best.values())
