"""SIPRI deals -> RDF triples, aligned with the curated entities.

Each deal is a ``kg:ArmsTransfer`` under ``https://w3id.org/kg/sipri/deal/`` with
``kg:supplier``, ``kg:recipient`` and ``kg:concerns`` (the weapon) as direct triples, every
column of the row as a property (uncertainty flags kept as ``xsd:boolean`` flags), and
``prov:wasDerivedFrom`` the SIPRI dataset (a ``kg:Source`` with its generation date) plus a
``kg:Citation`` giving the line of the export. Parties and weapons that align with a
curated entity point at ``kgr:<id>``; the others are created under ``sipri:party/`` and
``sipri:weapon/``. IRIs come from names, never from row order, so re-exports diff cleanly.

Deal and citation IRIs also carry the export's generation date
(``sipri/2025-03-13/deal/japan.united-states.2019.sm-3-block-2``): each export is a
dataset of its own, so two exports of the register (2025 and 2026) give two deals, each
with its own values and one citation of its own export, never one deal with two values or
a citation with two sources. Parties and weapons (names, not facts) are shared.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from rdflib import RDF, RDFS, XSD, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV

from kg.core.model import Dataset
from kg.core.vocab import KG, SCHEMA
from kg.imports.align import Aligner, Report, slug
from kg.imports.literals import plain_literal
from kg.imports.sipri import Deal, Register
from kg.rdf.triples import Triple, decimal_text, entity_iri

SIPRI = Namespace("https://w3id.org/kg/sipri/")
GRAPH = Namespace("https://w3id.org/kg/graph/")
SIPRI_URL = "https://www.sipri.org/databases/armstransfers"
PARTY_KINDS = ("Agent",)
WEAPON_KINDS = ("System",)


@dataclass(frozen=True, slots=True)
class Transfer:
    """A deal with the IRIs its deal, parties and weapon got."""

    deal: Deal
    iri: URIRef
    supplier: URIRef
    recipient: URIRef
    weapon: URIRef


@dataclass(frozen=True, slots=True)
class SipriImport:
    """The result of importing one register: its graph, triples and alignment reports."""

    register: Register
    graph: URIRef
    source: URIRef
    triples: list[Triple]
    transfers: tuple[Transfer, ...]
    parties: Report
    weapons: Report

    def report_lines(self, name: str | None = None) -> list[str]:
        """The report; ``name`` (the export's path as kg.toml writes it) replaces the path
        it was read from, so a build's report does not depend on where kg runs."""
        r = self.register
        name = name or r.path
        head = [f"{name}: {len(r.deals)} deals read ({r.layout}, {r.encoding}, generated "
                f"{r.generated.isoformat()}) into graph <{self.graph}>"]
        head += [str(replace(w, loc=replace(w.loc, file=name))) for w in r.warnings]
        return head + self.parties.lines("parties") + self.weapons.lines("weapons")


def _unique_iris(names: Iterable[str], base: str) -> dict[str, URIRef]:
    """name -> IRI; names whose slugs collide get a short digest of the name appended."""
    by_slug: dict[str, list[str]] = {}
    for name in sorted(set(names)):
        by_slug.setdefault(slug(name), []).append(name)
    out = {}
    for s, group in by_slug.items():
        for name in group:
            digest = hashlib.sha1(name.encode()).hexdigest()[:6]
            out[name] = SIPRI[f"{base}/{s}" if len(group) == 1 else f"{base}/{s}-{digest}"]
    return out


def _resolve(names: Iterable[str], aligner: Aligner, base: str, *,
             descriptions: Mapping[str, set[str]] | None = None) -> dict[str, URIRef]:
    unmatched, out = [], {}
    for name in sorted(set(names)):
        ident = aligner.match(name)
        if ident is None:
            unmatched.append(name)
        else:
            out[name] = entity_iri(ident)
    for name, iri in _unique_iris(unmatched, base).items():
        aligner.created(name, str(iri), descriptions=(descriptions or {}).get(name, ()))
        out[name] = iri
    return out


def _deal_iris(deals: Sequence[Deal], stamp: str) -> list[URIRef]:
    """Readable deal IRIs: recipient.supplier.year.weapon, numbered where those repeat,
    under the export's generation date (two exports are two datasets); one per deal."""
    groups: dict[str, list[int]] = {}
    for n, d in enumerate(deals):
        name = (f"{slug(d.recipient)}.{slug(d.supplier)}.{d.order_year or 'unknown'}."
                f"{slug(d.designation)}")
        groups.setdefault(name, []).append(n)
    prefix = f"{SIPRI}{stamp}/deal/"
    out: list[URIRef] = [URIRef(prefix)] * len(deals)
    for name, members in groups.items():
        if len(members) > 1:
            members.sort(key=lambda n: deals[n].key())
        for k, n in enumerate(members, start=1):
            out[n] = URIRef(prefix + name + (f".{k}" if k > 1 else ""))
    return out


def source_triples(register: Register, source: URIRef, digest: str) -> Iterator[Triple]:
    title = "SIPRI Arms Transfers Database: trade register"
    yield source, RDF.type, KG.Source
    yield source, RDFS.label, Literal(title, lang="en")
    yield source, DCTERMS.title, Literal(title, lang="en")
    yield source, DCTERMS.description, Literal(register.title, lang="en")
    yield source, DCTERMS.publisher, Literal("Stockholm International Peace Research Institute")
    yield source, DCTERMS.issued, Literal(register.generated.date().isoformat(),
                                          datatype=XSD.date)
    yield source, KG.generated, Literal(register.generated.isoformat(), datatype=XSD.dateTime)
    yield source, KG.layout, Literal(register.layout)
    yield source, KG.encoding, Literal(register.encoding)
    yield source, KG.file, Literal(Path(register.path).name)
    yield source, KG.sha256, Literal(digest)
    yield source, SCHEMA.url, URIRef(SIPRI_URL)
    yield source, DCTERMS.rights, Literal("Source: SIPRI Arms Transfers Database (c) SIPRI.")


class _Literals(dict[tuple[str, str], Literal]):
    """Repeated plain strings (designations, descriptions, statuses) made once."""

    def __missing__(self, key: tuple[str, str]) -> Literal:
        value = self[key] = plain_literal(key[0])
        return value


_typed_cache: dict[tuple[str, str], Literal] = {}


def _typed(text: str, datatype: URIRef) -> Literal:
    """Typed literals repeat (years, counts, TIVs); rdflib is slow to build them."""
    key = (text, datatype)
    found = _typed_cache.get(key)
    if found is None:
        found = _typed_cache[key] = Literal(text, datatype=datatype)
    return found


INTEGER, DECIMAL, GYEAR = XSD.integer, XSD.decimal, XSD.gYear


_integers: dict[int, Literal] = {}
_decimals: dict[Decimal, Literal] = {}
_years: dict[int, Literal] = {}


def _integer(value: int) -> Literal:
    found = _integers.get(value)
    if found is None:
        found = _integers[value] = _typed(str(value), INTEGER)
    return found


def _decimal(value: Decimal) -> Literal:
    found = _decimals.get(value)
    if found is None:  # equal decimals (1.0, 1) have one canonical text
        found = _decimals[value] = _typed(decimal_text(value), DECIMAL)
    return found


def _year(value: int) -> Literal:
    found = _years.get(value)
    if found is None:
        found = _years[value] = _typed(f"{value:04d}", GYEAR)
    return found


ARMS_TRANSFER, CITATION = KG.ArmsTransfer, KG.Citation
TYPE, LABEL, DERIVED, QUALIFIED, ENTITY = (RDF.type, RDFS.label, PROV.wasDerivedFrom,
                                           PROV.qualifiedDerivation, PROV.entity)
SUPPLIER, RECIPIENT, CONCERNS, LOCATOR = KG.supplier, KG.recipient, KG.concerns, KG.locator
TRUE = Literal("true", datatype=XSD.boolean)
P_DESIGNATION, P_DESCRIPTION = KG["weapon-designation"], KG["weapon-description"]
P_ORDER_YEAR, P_ORDER_YEAR_UNSURE = KG["order-year"], KG["order-year-uncertain"]
P_DELIVERY_YEAR, P_STATUS, P_COMMENTS = (KG["delivery-year"], KG["sipri-status"],
                                         KG["sipri-comments"])
P_ORDERED, P_ORDERED_UNSURE = KG["number-ordered"], KG["number-ordered-uncertain"]
P_DELIVERED, P_DELIVERED_UNSURE = KG["number-delivered"], KG["number-delivered-uncertain"]
P_RECIPIENT_MARK, P_SUPPLIER_MARK = KG["recipient-footnote"], KG["supplier-footnote"]
P_TIV_UNIT, P_TIV_TOTAL, P_TIV_DELIVERED = KG["tiv-per-unit"], KG["tiv-total"], KG["tiv-delivered"]


def deal_triples(t: Transfer, source: URIRef,
                 literals: _Literals | None = None) -> list[Triple]:
    """The triples of one deal (a flat list: 30,000 deals make 700,000 triples)."""
    d, iri = t.deal, t.iri
    words = _Literals() if literals is None else literals
    year = f", ordered {d.order_year}" if d.order_year else ""
    cite = URIRef(f"{iri}.cites.sipri")
    out: list[Triple] = [
        (iri, TYPE, ARMS_TRANSFER),
        (iri, LABEL, plain_literal(f"{d.designation} from {d.supplier} to {d.recipient}{year}",
                                   "en")),
        (iri, SUPPLIER, t.supplier), (iri, RECIPIENT, t.recipient), (iri, CONCERNS, t.weapon),
        (iri, P_DESIGNATION, words[d.designation, ""])]
    add = out.append
    if d.description:
        add((iri, P_DESCRIPTION, words[d.description, ""]))
    if d.number_ordered is not None:
        add((iri, P_ORDERED, _integer(d.number_ordered)))
    if d.number_ordered_uncertain:
        add((iri, P_ORDERED_UNSURE, TRUE))
    if d.number_delivered is not None:
        add((iri, P_DELIVERED, _integer(d.number_delivered)))
    if d.number_delivered_uncertain:
        add((iri, P_DELIVERED_UNSURE, TRUE))
    if d.order_year is not None:
        add((iri, P_ORDER_YEAR, _year(d.order_year)))
    if d.order_year_uncertain:
        add((iri, P_ORDER_YEAR_UNSURE, TRUE))
    for y in d.delivery_years:
        add((iri, P_DELIVERY_YEAR, _year(y)))
    if d.recipient_mark:
        add((iri, P_RECIPIENT_MARK, words[d.recipient_mark, ""]))
    if d.supplier_mark:
        add((iri, P_SUPPLIER_MARK, words[d.supplier_mark, ""]))
    if d.status:
        add((iri, P_STATUS, words[d.status, ""]))
    if d.comments:
        add((iri, P_COMMENTS, plain_literal(d.comments)))
    if d.tiv_per_unit is not None:
        add((iri, P_TIV_UNIT, _decimal(d.tiv_per_unit)))
    if d.tiv_total is not None:
        add((iri, P_TIV_TOTAL, _decimal(d.tiv_total)))
    if d.tiv_delivered is not None:
        add((iri, P_TIV_DELIVERED, _decimal(d.tiv_delivered)))
    out += ((iri, DERIVED, source), (iri, QUALIFIED, cite), (cite, TYPE, CITATION),
            (cite, ENTITY, source), (cite, LOCATOR, plain_literal(d.lines)))
    return out


def _created_triples(names: Mapping[str, URIRef], report: Report, cls: URIRef,
                     source: URIRef) -> Iterator[Triple]:
    for name, iri in names.items():
        if name in report.created:
            yield iri, RDF.type, cls
            yield iri, RDFS.label, Literal(name, lang="en")
            yield iri, PROV.wasDerivedFrom, source


def import_register(register: Register, curated: Dataset, *, digest: str = "",
                    manual: Mapping[str, str] | None = None,
                    revises: URIRef | None = None) -> SipriImport:
    """Align and convert a read register; ``manual`` maps SIPRI names to curated/Wikidata ids.

    ``revises`` is the source of an earlier export of the register that this one follows:
    it becomes ``prov:wasRevisionOf`` of this export's source."""
    stamp = register.generated.date().isoformat()
    source = SIPRI[f"source/trade-register-{stamp}"]
    graph = GRAPH[f"sipri-trade-register-{stamp}"]
    party_aligner = Aligner(curated, PARTY_KINDS, manual=manual)
    weapon_aligner = Aligner(curated, WEAPON_KINDS, manual=manual)
    deals = register.deals
    parties = _resolve([n for d in deals for n in (d.supplier, d.recipient)], party_aligner,
                       "party")
    described: dict[str, set[str]] = {}
    for d in deals:
        described.setdefault(d.designation, set()).add(d.description)
    weapons = _resolve(described, weapon_aligner, "weapon", descriptions=described)
    iris = _deal_iris(deals, stamp)
    transfers = tuple(Transfer(d, iri, parties[d.supplier], parties[d.recipient],
                               weapons[d.designation]) for d, iri in zip(deals, iris, strict=True))
    triples = list(source_triples(register, source, digest))
    if revises is not None:
        triples.append((source, PROV.wasRevisionOf, revises))
    triples += _created_triples(parties, party_aligner.report, KG.Agent, source)
    triples += _created_triples(weapons, weapon_aligner.report, KG.WeaponSystem, source)
    literals = _Literals()
    for t in transfers:
        triples += deal_triples(t, source, literals)
    return SipriImport(register, graph, source, triples, transfers, party_aligner.report,
                       weapon_aligner.report)
