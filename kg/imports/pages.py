"""Focused HTML pages for an enriched graph: one page per curated country.

One page of 30,000 deals is unusable, so the main page stays the curated graph and each
curated actor that takes part in imported deals gets ``countries/<id>.html``: the curated
graph plus the deals it received and the deals it supplied to other curated actors. The
page is drawn by :func:`kg.page.render.render_page` from records built here, each
import's records marked as its named graph (:class:`kg.page.pageparts.GraphSpan`), so the
page can filter by import. :func:`union_page`, ``union.html``, is the page of the curated
graph with every imported deal, the deals as tables the page makes into nodes on demand
(measured by ``bench/html_page.py --sipri``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

from rdflib import URIRef

from kg.core.errors import Loc
from kg.core.model import Amount, Citation, Dataset, Entity, Qualifiers, Quantity, Source, Statement
from kg.core.vocab import KGR
from kg.imports.sipri_graph import SIPRI, SipriImport, Transfer
from kg.page.pageparts import GraphSpan
from kg.page.render import render_page

_LOC = Loc("<import>")


def _ident(iri: URIRef) -> str:
    text = str(iri)
    if text.startswith(str(KGR)):
        return text[len(KGR):]
    return "sipri:" + text[len(SIPRI):]


def _source(imp: SipriImport) -> Source:
    r = imp.register
    return Source(id=_ident(imp.source), title="SIPRI Arms Transfers Database: trade register",
                  loc=_LOC, publisher="SIPRI", published=r.generated.date().isoformat())


def _records(transfers: Iterable[Transfer], imp: SipriImport,
             known: set[str]) -> tuple[list[Entity], list[Statement]]:
    entities: dict[str, Entity] = {}
    statements: list[Statement] = []
    source = _ident(imp.source)
    for t in transfers:
        d = t.deal
        deal = _ident(t.iri)
        year = f" ({d.order_year})" if d.order_year else ""
        # The label says what, when and who; the page bundles deals per supplier and
        # recipient, reading the year, the TIV and the number ordered off the supplier
        # fact's qualifiers (the TIV as an amount in "TIV", SIPRI's millions).
        entities[deal] = Entity(deal, "ArmsTransfer",
                                f"{d.designation}{year}: {d.supplier} \u2192 {d.recipient}",
                                _LOC, description=d.description or None)
        cite = (Citation(source, _LOC, locator=d.lines),)
        when = str(d.order_year) if d.order_year else None
        terms = Qualifiers(
            date=when,
            amount=Amount(d.tiv_total, "TIV") if d.tiv_total is not None else None,
            quantity=Quantity(Decimal(d.number_ordered)) if d.number_ordered else None)
        for predicate, iri, kind, label in (("supplier", t.supplier, "Agent", d.supplier),
                                            ("recipient", t.recipient, "Agent", d.recipient),
                                            ("concerns", t.weapon, "WeaponSystem",
                                             d.designation)):
            ident = _ident(iri)
            if ident not in known:
                # A weapon carries SIPRI's description ("fighter aircraft"): the page
                # groups weapons by it.
                entities.setdefault(ident, Entity(
                    ident, kind, label, _LOC,
                    description=(d.description or None) if predicate == "concerns" else None))
            statements.append(Statement(
                deal, predicate, _LOC, object=ident, citations=cite,
                qualifiers=terms if predicate == "supplier" else Qualifiers(date=when)))
    return list(entities.values()), statements


def focus_ids(imp: SipriImport, curated: Dataset) -> list[str]:
    """Curated ids that take part in imported deals, each of which gets a page."""
    ids = {e.id for e in curated.entities}
    seen = {_ident(i) for t in imp.transfers for i in (t.supplier, t.recipient)}
    return sorted(seen & ids)


def graph_label(imp: SipriImport) -> str:
    """How the page names an import's graph: the register and its export day."""
    return f"SIPRI trade register ({imp.register.generated.date().isoformat()})"


def _imported_page(curated: Dataset, imports: Iterable[SipriImport],
                   chosen: Callable[[SipriImport], list[Transfer]], *, title: str) -> str:
    """The curated graph plus ``chosen`` transfers of each import, each import's records
    marked as its named graph."""
    known = {e.id for e in curated.entities}
    entities, statements, sources = list(curated.entities), list(curated.statements), \
        list(curated.sources)
    spans = []
    for imp in imports:
        transfers = chosen(imp)
        if not transfers:
            continue
        more_entities, more_statements = _records(transfers, imp, known)
        more_entities = [e for e in more_entities if e.id not in known]
        known.update(e.id for e in more_entities)  # an id made by two imports: drawn once
        spans.append(GraphSpan(str(imp.graph), graph_label(imp),
                               (len(entities), len(entities) + len(more_entities)),
                               (len(statements), len(statements) + len(more_statements))))
        entities += more_entities
        statements += more_statements
        sources.append(_source(imp))
    data = Dataset(tuple(sources), tuple(entities), tuple(statements))
    return render_page(data, title=title, graphs=spans)


def country_page(ident: str, imports: Iterable[SipriImport], curated: Dataset) -> str:
    """The page of curated actor ``ident``: its imported deals over the curated graph."""
    ids = {e.id for e in curated.entities}
    iri = KGR[ident]
    label = next((e.label for e in curated.entities if e.id == ident), ident)
    return _imported_page(
        curated, imports, lambda imp: [t for t in imp.transfers if t.recipient == iri or (
            t.supplier == iri and _ident(t.recipient) in ids)],
        title=f"kg — {label}: arms transfers")


#: The columns of a deal in :func:`deal_table` (a weapon is an id, its name and SIPRI
#: description in the table's ``weapons`` when the import made it).
DEAL_FIELDS = ("id", "designation", "description", "supplier", "recipient", "weapon", "year",
               "tiv", "number", "lines")  # kg.page.pageparts reads supplier, recipient as 3, 4


def deal_table(imp: SipriImport, known: set[str]) -> tuple[list[Entity], dict[str, object]]:
    """An import's deals as one compact table for the page, which draws them bundled per
    supplier -> recipient and makes each deal's node and facts only when a bundle is
    opened; with the parties the curated graph does not have, as entities."""
    parties: dict[str, Entity] = {}
    weapons: dict[str, list[str]] = {}
    rows: list[list[object]] = []
    for t in imp.transfers:
        d = t.deal
        ends = []
        for iri, name in ((t.supplier, d.supplier), (t.recipient, d.recipient)):
            ident = _ident(iri)
            if ident not in known:
                parties.setdefault(ident, Entity(ident, "Agent", name, _LOC))
            ends.append(ident)
        weapon = _ident(t.weapon)
        if weapon not in known:
            weapons.setdefault(weapon, [d.designation, d.description])
        rows.append([_ident(t.iri), d.designation, d.description or None, *ends, weapon,
                     d.order_year, None if d.tiv_total is None else str(d.tiv_total),
                     d.number_ordered, d.lines])
    return list(parties.values()), {
        "graph": str(imp.graph), "label": graph_label(imp), "source": _ident(imp.source),
        "fields": list(DEAL_FIELDS), "weapons": weapons, "rows": rows}


def union_page(imports: Iterable[SipriImport], curated: Dataset) -> str:
    """The curated graph with every imported deal (the union of the graphs), the deals
    as tables (:func:`deal_table`): drawn as one link per supplier -> recipient until
    opened, so the page stays quick with a whole register."""
    known = {e.id for e in curated.entities}
    entities, sources = list(curated.entities), list(curated.sources)
    spans, tables = [], []
    for imp in imports:
        parties, table = deal_table(imp, known)
        known.update(e.id for e in parties)
        spans.append(GraphSpan(str(imp.graph), graph_label(imp),
                               (len(entities), len(entities) + len(parties)),
                               (len(curated.statements), len(curated.statements))))
        entities += parties
        tables.append(table)
        sources.append(_source(imp))
    data = Dataset(tuple(sources), tuple(entities), curated.statements)
    return render_page(data, title="kg — curated graph and imported arms transfers",
                       graphs=spans, deals=tables)


def page_files(out: Path, imports: list[SipriImport], curated: Dataset) -> dict[Path, str]:
    ids = sorted({i for imp in imports for i in focus_ids(imp, curated)})
    pages = {out / "countries" / f"{i}.html": country_page(i, imports, curated) for i in ids}
    if imports:
        pages[out / "union.html"] = union_page(imports, curated)
    return pages
