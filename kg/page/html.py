"""The offline HTML page: one self-contained file to browse the graph and its sources.

pyvis's own templates load scripts and styles from CDNs even in its "local" and
"in_line" modes, so kg writes the page from its own template (kg/page/templates/) and inlines
the vis-network bundle that ships inside the pyvis package. Page data is plain dicts
(pyvis's ``add_edge`` is quadratic) travelling as escaped JSON, written from per-file
parts by :mod:`kg.page.pageparts` (so a rebuild reuses unchanged files' parts), the same bytes
as :func:`page_data`, the one-pass reference; :mod:`kg.page.render` writes the page. The
page puts every label, alias, note and title on screen with ``textContent``, never as
HTML, and a Content-Security-Policy allows only the page's own two scripts (by hash), so
an injected ``onerror`` or ``<script>`` cannot run.

"As of" rule: a fact stands on day D when it may have happened, or may have been
reported, by D: the earliest day its ``date``/``start`` qualifier or the publication of
any of its sources may mean (``kg.core.dates.parse_date(...).earliest``) is on or before D.
Facts with no date and no dated source always stand.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from kg.core.dates import DateError, parse_date
from kg.core.errors import KGError
from kg.core.model import Amount, Dataset, Entity, Source, Statement
from kg.core.vocab import vocabulary
from kg.rdf.triples import statement_name

#: Classes a node is drawn as, most specific first: (class, colour, vis shape, legend
#: glyph). An entity is drawn as the first class here it is an instance of, so the legend
#: tells missiles from radars and claims from plain entities; subclasses keep their
#: family's shape.
CLASS_STYLES = (
    ("Country", "#4e79a7", "dot", "\u25cf"),
    ("GovernmentBody", "#f28e2b", "square", "\u25a0"),
    ("MediaOrganization", "#ff9d3a", "square", "\u25a0"),
    ("Company", "#c65d00", "square", "\u25a0"),
    ("Organization", "#f5b06b", "square", "\u25a0"),
    ("Person", "#e15759", "triangle", "\u25b2"),
    ("Missile", "#2e7d32", "diamond", "\u25c6"),
    ("WeaponSystem", "#59a14f", "diamond", "\u25c6"),
    ("SensorSystem", "#17a2b8", "diamond", "\u25c6"),
    ("Platform", "#8c6d31", "diamond", "\u25c6"),
    ("InformationSystem", "#7b4ea3", "diamond", "\u25c6"),
    ("System", "#8cc084", "diamond", "\u25c6"),
    ("ArmsTransfer", "#d4589c", "star", "\u2605"),
    ("Agreement", "#b07aa1", "star", "\u2605"),
    ("Plan", "#edc948", "triangleDown", "\u25bc"),
    ("MissileTest", "#b8b82a", "hexagon", "\u2b22"),
    ("Event", "#76b7b2", "hexagon", "\u2b22"),
    ("Claim", "#6f6a8f", "dot", "\u25cf"),
    ("Place", "#9c755f", "dot", "\u25cf"),
    ("Agent", "#9fb3c8", "dot", "\u25cf"),  # an importer's party (SIPRI's "Iraq", "ANC")
    ("Entity", "#bab0ac", "dot", "\u25cf"),
)
#: Above this many nodes the page trades layout quality for speed.
LARGE_GRAPH = 100
#: Above this many nodes the page opens on an overview: only the ``OVERVIEW_NODES`` most
#: connected nodes (and the links among them) are drawn at first; search, a click on a
#: link in the panel, a focus or a path draws the nodes it reaches (and their links), and
#: "draw all" draws everything. vis-network needs about a second per 2,000 nodes and
#: 8,000 links to build and draw its network on a slow core, so a page of 20,000 nodes
#: drawn whole takes 20 s before it answers; the overview answers within seconds.
OVERVIEW_ABOVE = 3000
OVERVIEW_NODES = 1500
#: A page of more than ``LARGE_GRAPH`` nodes showing at most this many at first (the rest
#: inside bundles and groups) lays out the ones shown by physics in the browser.
SETTLE_UP_TO = 200
#: The page's statements travel as rows of these fields (see :func:`statement_records`),
#: each citation as a row of ``CITATION_FIELDS``: at 100k facts a third less JSON to write
#: and parse than one object per statement.
STATEMENT_FIELDS = ("id", "s", "p", "o", "value", "q", "status", "since", "cites")
CITATION_FIELDS = ("source", "locator", "credibility", "attribution", "note")


class FocusError(KGError):
    """A focus entity names nothing in the data, or the number of hops is invalid."""


def vis_network_js() -> str:
    """The vis-network bundle that ships inside pyvis (no network needed)."""
    from importlib.util import find_spec

    # Locate pyvis without importing it: importing pyvis imports IPython (seconds).
    spec = find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise KGError("pyvis is not installed: it ships the vis-network bundle the page needs")
    lib = Path(next(iter(spec.submodule_search_locations))) / "lib"
    bundle = max(lib.glob("vis-*/vis-network.min.js"), key=lambda p: p.parent.name)
    return bundle.read_text(encoding="utf-8")


def _group(entity_type: str) -> str:
    v = vocabulary()
    return next((c[0] for c in CLASS_STYLES if v.is_a(entity_type, c[0])), "Entity")


def _groups(entities: Iterable[Entity]) -> dict[str, str]:
    """Each entity type used, with the class it is drawn as."""
    return {t: _group(t) for t in {e.type for e in entities}}


def _amount(a: Amount) -> str:
    text = f"{a.value:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {a.currency}"


def _value_text(s: Statement) -> str | None:
    if s.object is not None:
        return None
    return _amount(s.value) if isinstance(s.value, Amount) else str(s.value)


def _qualifiers(s: Statement, labels: dict[str, str]) -> list[list[str]]:
    q = s.qualifiers
    out = []
    if q.date:
        out.append(["date", q.date])
    if q.start:
        out.append(["from", q.start])
    if q.end:
        out.append(["until", q.end])
    if q.status:
        out.append(["status", q.status])
    if q.certainty:
        out.append(["certainty", q.certainty])
    if q.amount:
        out.append(["amount", _amount(q.amount)])
    if q.quantity:
        out.append(["quantity", f"{q.quantity.value} {q.quantity.unit or ''}".rstrip()])
    # Entity-valued qualifiers carry the id too: the page links them (and draws an
    # "according to" link for a source quoted only there).
    if q.location:
        out.append(["location", labels.get(q.location, q.location), q.location])
    if q.according_to:
        out.append(["according to", labels.get(q.according_to, q.according_to),
                    q.according_to])
    if q.note:
        out.append(["note", q.note])
    if s.note:
        out.append(["note", s.note])
    return out


class _Earliest(dict[str | None, str | None]):
    """Memo of the first day (ISO) a date text may mean; None for no text or no date."""

    def __missing__(self, text: str | None) -> str | None:
        try:
            day: str | None = parse_date(text).earliest.isoformat() if text else None
        except DateError:
            day = None
        self[text] = day
        return day


def statement_key(s: Statement) -> str:
    """The statement's IRI without the kgs: namespace (as kg.rdf.triples.statement_iri names it)."""
    return statement_name(s)


def statement_rows(statements: Iterable[Statement], labels: dict[str, str],
                   since: dict[str, str | None], earliest: _Earliest) -> list[list[object]]:
    """The statements as rows of ``STATEMENT_FIELDS``; ``since``: each source's first day."""
    rows: list[list[object]] = []
    append = rows.append
    for s in statements:
        q, obj, cites = s.qualifiers, s.object, s.citations
        days = [since.get(c.source) for c in cites]
        days += (earliest[q.date], earliest[q.start])
        append([
            f"{s.subject}.{s.predicate}.{obj}" if obj is not None and s.id is None
            else statement_name(s), s.subject, s.predicate, obj,
            None if obj is not None else _value_text(s),
            _qualifiers(s, labels), q.status, min(filter(None, days), default=None),
            [[c.source, c.locator, c.credibility, c.attribution, c.note] for c in cites],
        ])
    return rows


def _statements(data: Dataset, labels: dict[str, str], since: dict[str, str | None],
                earliest: _Earliest) -> dict[str, object]:
    rows = statement_rows(data.statements, labels, since, earliest)
    return {"fields": list(STATEMENT_FIELDS), "citeFields": list(CITATION_FIELDS), "rows": rows}


def statement_records(page: dict[str, object]) -> list[dict[str, object]]:
    """The statements of :func:`page_data` as one dict each, ``cites`` as dicts too (as
    the page's script expands them)."""
    table: Any = page["statements"]
    out = []
    for row in table["rows"]:
        record = dict(zip(table["fields"], row, strict=True))
        record["cites"] = [dict(zip(table["citeFields"], c, strict=True))
                           for c in record["cites"]]
        out.append(record)
    return out


def _entity(e: Entity, degree: int, group: str) -> dict[str, object]:
    return {"id": e.id, "label": e.label, "type": e.type, "group": group,
            "aliases": list(e.aliases), "description": e.description, "note": e.note,
            "degree": degree, "size": node_size(degree)}


#: A node's symbol grows with its degree up to this many links; past it, a hub with
#: hundreds of imported deals would cover its neighbours.
SIZE_DEGREE_CAP = 49


def node_size(degree: int) -> float:
    """A node's radius in canvas pixels (page.js ``nodeSize`` is the same)."""
    return round(12 + 4 * math.sqrt(min(degree, SIZE_DEGREE_CAP)), 1)


def _placed(entities: list[dict[str, object]], data: Dataset) -> list[dict[str, object]]:
    """Big graphs: each entity with its ``x``/``y`` from :func:`kg.page.layout.layout`."""
    if len(entities) <= LARGE_GRAPH:
        return entities
    from kg.page.layout import layout

    index = {e.id: i for i, e in enumerate(data.entities)}.get
    pairs = ((index(s.subject), index(s.object)) for s in data.statements
             if s.object is not None)
    links = [(a, b) for a, b in pairs if a is not None and b is not None]
    for entity, (x, y) in zip(entities, layout(len(entities), links), strict=True):
        entity["x"], entity["y"] = x, y
    return entities


def small_physics(*, avoid_overlap: float = 0.1) -> dict[str, object]:
    """vis-network's physics for a graph of at most ``LARGE_GRAPH`` nodes on screen:
    400 steps before the page shows it (then physics stops)."""
    return {"enabled": True, "solver": "barnesHut",
            "barnesHut": {"gravitationalConstant": -3500, "springLength": 110,
                          "avoidOverlap": avoid_overlap, "theta": 0.5},
            "stabilization": {"enabled": True, "iterations": 400, "updateInterval": 50,
                              "fit": True}}


def vis_options(node_count: int) -> dict[str, object]:
    """vis-network options; big graphs run no physics, no hover and no curved edges.

    Small graphs are laid out by physics (400 steps) before the page shows them, then
    physics stops. Big graphs (over ``LARGE_GRAPH`` nodes) come with positions computed
    by :mod:`kg.page.layout` when the page is written, so the browser draws them at once.
    """
    large = node_count > LARGE_GRAPH
    physics: dict[str, object] = {"enabled": False} if large else small_physics()
    return {
        "autoResize": True,
        "layout": {"improvedLayout": not large, "randomSeed": 7},
        # The page draws labels itself (readable at any zoom, without overlaps): vis's
        # own are never drawn (its threshold is above any on-screen font size).
        "nodes": {"borderWidth": 1, "font": {"size": 14, "color": "#1d2733"},
                  "scaling": {"label": {"drawThreshold": 100000}}},
        "edges": {"font": {"size": 10, "align": "middle", "color": "#4a5560"},
                  "scaling": {"label": {"drawThreshold": 100000}},
                  "color": {"color": "#9aa5b1", "highlight": "#d62728", "hover": "#5b6b7a"},
                  "smooth": False if large else {"type": "dynamic"}, "width": 1},
        "physics": physics,
        "interaction": {"hover": not large, "hideEdgesOnDrag": large, "hideEdgesOnZoom": large,
                        "keyboard": {"enabled": True, "bindToWindow": False},
                        "multiselect": True},
    }


def page_data(data: Dataset, *, focus: str | None = None, hops: int = 1) -> dict[str, object]:
    """Everything the page shows, as plain JSON-able values, built in one pass."""
    labels = {e.id: e.label for e in data.entities}
    earliest = _Earliest()
    since = {src.id: earliest[src.published] for src in data.sources}
    degree: dict[str, int] = defaultdict(int)
    for s in data.statements:
        degree[s.subject] += 1
        if s.object is not None:
            degree[s.object] += 1
    groups = _groups(data.entities)
    return {
        "meta": page_meta(len(data.entities), focus=focus, hops=hops),
        "classes": page_classes(),
        "entities": _placed([_entity(e, degree[e.id], groups[e.type])
                             for e in data.entities], data),
        "statements": _statements(data, labels, since, earliest),
        "predicates": predicate_info({s.predicate for s in data.statements}),
        "sources": source_info(data.sources, since),
        "options": vis_options(len(data.entities)),
    }


def page_meta(node_count: int, *, focus: str | None, hops: int) -> dict[str, object]:
    large = node_count > LARGE_GRAPH
    overview = OVERVIEW_NODES if node_count > OVERVIEW_ABOVE else None
    # A big page that shows few nodes at first (a country page: its imported deals
    # bundled) lays those few out by physics in the browser, as a small graph is.
    # Its hubs (the country and its suppliers) are big and share many neighbours: they
    # are kept apart harder.
    settle = {"upTo": SETTLE_UP_TO, "physics": small_physics(avoid_overlap=0.6)} \
        if large and not overview else None
    return {"focus": focus, "hops": hops, "large": large, "overview": overview,
            "settle": settle}


def page_classes() -> list[dict[str, str]]:
    return [{"name": n, "color": c, "shape": sh, "glyph": g} for n, c, sh, g in CLASS_STYLES]


def predicate_info(used: Iterable[str]) -> dict[str, dict[str, object]]:
    """Each predicate used, sorted, with its label and whether it is symmetric."""
    predicates = vocabulary().predicates
    return {p: {"label": predicates[p].label if p in predicates else p,
                "symmetric": p in predicates and predicates[p].symmetric}
            for p in sorted(used)}


def source_info(sources: Iterable[Source],
                since: dict[str, str | None]) -> dict[str, dict[str, object]]:
    """The sources by id, sorted, each with its first day ``since``."""
    return {src.id: {"title": src.title, "publisher": src.publisher,
                     "published": src.published, "reliability": src.reliability,
                     "url": src.url, "note": src.note, "since": since[src.id],
                     "file": src.file}
            for src in sorted(sources, key=lambda src: src.id)}


def resolve_entity(data: Dataset, name: str) -> str:
    """The id of the entity ``name`` names: its id, else its label, else one alias."""
    if any(e.id == name for e in data.entities):
        return name
    folded = name.casefold()
    found: list[str] = []
    for names in (lambda e: (e.label,), lambda e: e.aliases):
        found = sorted({e.id for e in data.entities
                        if folded in {t.casefold() for t in names(e)}})
        if found:
            break
    if len(found) == 1:
        return found[0]
    if found:
        raise FocusError(f"focus {name!r} is ambiguous: it names {', '.join(found)}")
    raise FocusError(f"focus {name!r}: no entity has this id, label or alias")


def neighbourhood(data: Dataset, entity: str, *, hops: int) -> Dataset:
    """The part of ``data`` within ``hops`` facts of ``entity`` (either direction)."""
    if hops < 0:
        raise FocusError(f"hops must be 0 or more, not {hops}")
    adjacent: dict[str, set[str]] = defaultdict(set)
    for s in data.statements:
        if s.object is not None:
            adjacent[s.subject].add(s.object)
            adjacent[s.object].add(s.subject)
    distance = {entity: 0}
    todo = deque([entity])
    while todo:
        node = todo.popleft()
        if distance[node] < hops:
            for nxt in sorted(adjacent[node] - distance.keys()):
                distance[nxt] = distance[node] + 1
                todo.append(nxt)
    statements = tuple(s for s in data.statements if s.subject in distance
                       and (s.object is None or s.object in distance))
    cited = {c.source for s in statements for c in s.citations}
    return replace(data, entities=tuple(e for e in data.entities if e.id in distance),
                   statements=statements,
                   sources=tuple(src for src in data.sources if src.id in cited))


def _script_json(value: object) -> str:
    """JSON that is safe inside a <script> element whatever the strings hold."""
    # check_circular: the page's data is a tree built here, so no cycle to look for.
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), check_circular=False)
    for char in "<>&\u2028\u2029":
        if char in text:  # a scan is far cheaper than a replace that finds nothing
            text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def _page_json(data: Dataset, *, focus: str | None, hops: int) -> str:
    """:func:`page_data` as script-safe JSON, with the cyclic garbage collector paused.

    The page's data is a few hundred thousand new dicts and lists (all acyclic, freed by
    reference counting); with the collector on, its full passes over them and over the
    loaded dataset double the time at 100k facts.
    """
    from kg.core.gcpause import paused_gc

    with paused_gc():
        return _script_json(page_data(data, focus=focus, hops=hops))
