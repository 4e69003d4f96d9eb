"""Aligning the resources of an external RDF file with the curated entities.

A resource (an IRI subject) is linked to a curated entity, strongest reason first:

1. by hand: ``[align]`` in ``kg.toml`` names the resource's IRI, or one of its labels;
2. by identity: the file says it is ``owl:sameAs`` / ``skos:exactMatch`` /
   ``schema:sameAs`` a curated IRI or a Wikidata entity a curated entity has, or it is
   that Wikidata entity;
3. by label: its ``rdfs:label``, ``skos:prefLabel`` or ``schema:name`` is the label or an
   alias of exactly one curated entity (case, accents and punctuation folded, as the
   SIPRI aligner does); a label that only comes close is reported with the reason.

Only the strongest reason a resource has counts. A resource with reasons for two curated
entities is linked to neither, and two resources (not said to be the same by the file)
linked to one curated entity, say a province and a city each ``owl:sameAs`` one Wikidata
entity, are both linked but reported: each is a warning in the report and in ``kg check``.
A curated entity that ``[align]`` gives a resource takes no other resource of the file by
weaker reasons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from rdflib import OWL, RDFS, Literal, URIRef
from rdflib.namespace import SKOS
from rdflib.term import Node

from kg.core.model import Dataset
from kg.core.vocab import KGR, SCHEMA
from kg.imports.align import Aligner, Close, normalize
from kg.rdf.triples import entity_iri

SAME_AS = frozenset((OWL.sameAs, SKOS.exactMatch, SCHEMA.sameAs))
_NAMES: dict[Node, str] = {OWL.sameAs: "owl:sameAs", SKOS.exactMatch: "skos:exactMatch",
          SCHEMA.sameAs: "schema:sameAs"}
LABELS = frozenset((RDFS.label, SKOS.prefLabel, SCHEMA.name))
_WIKIDATA = re.compile(r"https?://(?:www\.)?wikidata\.org/(?:entity|wiki)/(Q[0-9]+)")
Triples = Iterable[tuple[Node, Node, Node]]


@dataclass(slots=True)
class Alignment:
    """What alignment found: the links, why each was made, near labels, problems."""

    links: dict[str, str] = field(default_factory=dict)  # resource IRI -> curated id
    why: dict[str, str] = field(default_factory=dict)  # resource IRI -> reason
    close: list[tuple[str, Close]] = field(default_factory=list)  # (resource IRI, near label)
    problems: list[str] = field(default_factory=list)
    align_used: set[str] = field(default_factory=set)  # [align] keys this file has

    def lines(self) -> list[str]:
        out = [f"  matched  <{iri}> -> kgr:{i} ({self.why[iri]})"
               for iri, i in sorted(self.links.items())]
        out += [f"  close    <{iri}> {c.name!r} ~ kgr:{c.entity} {c.curated_name!r}: {c.reason}"
                for iri, c in sorted(self.close, key=lambda x: (x[0], x[1].entity))]
        out += [f"  warning  {p}" for p in self.problems]
        if self.close:
            iri, c = min(self.close, key=lambda x: (x[0], x[1].entity))
            out.append(f"  (to link a close resource, map it in kg.toml: [align] \"{iri}\" = "
                       f"{c.entity!r}; or add its label as an alias of the curated entity)")
        return out


class _Resolver:
    """Curated ids by curated IRI or Wikidata IRI, and [align] targets."""

    def __init__(self, curated: Dataset) -> None:
        self.by_wikidata = {e.wikidata: e.id for e in curated.entities if e.wikidata}
        self.ids = {e.id for e in curated.entities}
        self.known: dict[Node, str | None] = {}

    def target(self, value: str) -> str | None:
        return value if value in self.ids else self.by_wikidata.get(value)

    def __call__(self, term: Node) -> str | None:
        if term in self.known:
            return self.known[term]
        found, text, kgr = None, str(term), str(KGR)
        if isinstance(term, URIRef):
            if text.startswith(kgr) and text[len(kgr):] in self.ids:
                found = text[len(kgr):]
            elif "wikidata.org/" in text and (m := _WIKIDATA.fullmatch(text)):
                found = self.by_wikidata.get(m.group(1))
        self.known[term] = found
        return found


def _same_groups(triples: list[tuple[Node, Node, Node]], linked: Mapping[str, str]
                 ) -> dict[str, str]:
    """Linked resources the file itself says are the same (a sameAs triple between the
    two, not only the same Wikidata id), as IRI -> a representative."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    for s, p, o in triples:
        if p in SAME_AS and str(s) in linked and str(o) in linked:
            a, b = root(str(s)), root(str(o))
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {x: root(x) for x in list(parent)}


def _candidates(triples: list[tuple[Node, Node, Node]], curated: Dataset,
                manual: Mapping[str, str], out: Alignment
                ) -> tuple[dict[str, dict[int, dict[str, str]]], dict[str, list[str]]]:
    """resource IRI -> tier -> curated id -> reason; and each resource's labels."""
    resolve = _Resolver(curated)
    hand = {k: t for k, v in manual.items() if (t := resolve.target(v)) is not None}
    hand_keys = {normalize(k): k for k in hand}
    found: dict[str, dict[int, dict[str, str]]] = {}
    labels: dict[str, list[str]] = {}

    def add(ext: Node, tier: int, ident: str, why: str) -> None:
        if isinstance(ext, URIRef) and ext != entity_iri(ident):
            found.setdefault(str(ext), {}).setdefault(tier, {}).setdefault(ident, why)

    for s, p, o in triples:
        if hand and str(s) in hand:
            out.align_used.add(str(s))
            add(s, 0, hand[str(s)], "by [align]")
        if p in LABELS and isinstance(o, Literal) and isinstance(s, URIRef):
            labels.setdefault(str(s), []).append(str(o))
            key = hand_keys.get(normalize(str(o))) if hand else None
            if key is not None:
                out.align_used.add(key)
                add(s, 0, hand[key], f"by [align] {key!r}")
        if (ident := resolve(s)) is not None:
            add(s, 1, ident, "Wikidata id")
        if p in SAME_AS:
            for ext, other in ((s, o), (o, s)):
                if (ident := resolve(other)) is not None:
                    add(ext, 1, ident, f"{_NAMES[p]} <{other}>")
    return found, labels


def align_resources(triples: list[tuple[Node, Node, Node]], curated: Dataset, *,
                    manual: Mapping[str, str] | None = None) -> Alignment:
    """Link the file's resources with curated entities (see the module docstring)."""
    out = Alignment()
    found, labels = _candidates(triples, curated, manual or {}, out)
    aligner = Aligner(curated, ("Entity",))
    for iri, names in labels.items():
        for name in dict.fromkeys(names):
            if (ident := aligner.match(name)) is not None:
                found.setdefault(iri, {}).setdefault(2, {}).setdefault(ident, f"label {name!r}")
    for iri, tiers in sorted(found.items()):
        best = tiers[min(tiers)]
        if len(best) == 1:
            ((ident, why),) = best.items()
            out.links[iri], out.why[iri] = ident, why
        else:
            out.problems.append(f"<{iri}> aligns with {len(best)} curated entities ("
                                + ", ".join(f"kgr:{i} by {w}" for i, w in sorted(best.items()))
                                + "): linked to none; choose one with [align]")
    _one_entity_many(found, out, _same_groups(triples, out.links))
    for iri, names in sorted(labels.items()):
        if iri not in found:
            for name in dict.fromkeys(names):
                aligner.created(name, iri)
    out.close = [(str(aligner.report.created[c.name]), c) for c in aligner.report.close]
    return out


def _one_entity_many(found: dict[str, dict[int, dict[str, str]]], out: Alignment,
                     same: dict[str, str]) -> None:
    by_entity: dict[str, list[str]] = {}
    for iri, ident in out.links.items():
        by_entity.setdefault(ident, []).append(iri)
    for ident, iris in sorted(by_entity.items()):
        hand = [i for i in iris if 0 in found[i]]
        if hand and len(hand) < len(iris):
            for iri in sorted(set(iris) - set(hand)):
                del out.links[iri], out.why[iri]
            iris = hand
        if len({same.get(i, i) for i in iris}) > 1:
            out.problems.append(f"kgr:{ident} aligns with {len(iris)} resources ("
                                + ", ".join(f"<{i}> by {out.why[i]}" for i in sorted(iris))
                                + "); they are not said to be the same: check, or choose "
                                "one with [align]")
