"""The networkx view of the graph: paths with their evidence, neighbours, centrality, communities.

The projection (``to_networkx``) is a ``networkx.MultiDiGraph`` built from any RDF graph
kg built (``kg.pipeline.build.load_graph(dir).graph``, or a parsed ``graph.ttl``):

- **Nodes** are entities (subjects typed with a curated class, and anything a statement
  points at), keyed by their curated id, with attributes ``label``, ``class``, ``iri``,
  ``aliases`` (a list) and ``values`` (literal-valued facts, predicate -> list of values,
  e.g. an arms transfer's ``value``).
- **Edges** are statements whose object is an entity: subject -> object, keyed by the
  statement IRI (stable across builds), with attributes ``statement``, ``predicate``,
  ``predicate_label``, ``qualifiers`` (date, start, end, status, certainty, amount,
  currency, quantity, accordingTo, note...: a dict) and ``citations`` (a list of dicts:
  source, title, published, reliability, locator, credibility, attribution, note).
- **Left out**: the ontology (classes and predicates are schema, not actors), statement and
  citation nodes (they are folded into edges), literal-valued statements (node
  attributes, since a number is not something one can be connected through), and sources.
  Sources are edge attributes rather than nodes: every fact cites a source, so source nodes
  would become hubs joining every pair of entities reported in one article, and paths,
  centrality and communities would measure the reading list, not the actors.

Networkx is imported inside the functions, so ``import kg`` stays light.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import islice, pairwise
from typing import Any

from rdflib import Graph

from kg.analysis.pagerank import pagerank
from kg.core.dates import DateError, parse_date
from kg.core.errors import KGError
from kg.core.vocab import vocabulary
from kg.rdf.facts import entities, facts

Facts = list[dict[str, Any]]


class NetworkError(KGError):
    """An entity name that matches nothing or several entities, or a bad option value."""


@dataclass(frozen=True, slots=True)
class Step:
    """One hop of a path: the facts (one or more, parallel) joining two entities."""

    source: str
    target: str
    facts: Facts


@dataclass(frozen=True, slots=True)
class PathResult:
    nodes: list[dict[str, str]]
    steps: list[Step]

    @property
    def length(self) -> int:
        return len(self.steps)


@dataclass(frozen=True, slots=True)
class Neighbor:
    id: str
    label: str
    cls: str
    distance: int
    facts: Facts = field(default_factory=list)  # facts joining it to the previous ring


@dataclass(frozen=True, slots=True)
class Centrality:
    id: str
    label: str
    cls: str
    degree: int  # facts it takes part in, either direction
    betweenness: float  # normalised, on the undirected simple graph
    pagerank: float  # on the directed graph, parallel facts weighing more


@dataclass(frozen=True, slots=True)
class Community:
    index: int
    members: list[dict[str, str]]


METRICS = ("degree", "betweenness", "pagerank")
MAX_PATHS = 10_000  # shortest paths enumerated before sorting and taking ``limit``


def to_networkx(graph: Graph) -> Any:
    """The entity network of ``graph`` as a ``networkx.MultiDiGraph`` (see the module doc)."""
    import networkx as nx

    g = nx.MultiDiGraph()
    for ident, e in entities(graph).items():
        g.add_node(ident, label=e.label, iri=e.iri, aliases=list(e.aliases), values={},
                   **{"class": e.cls})
    for f in facts(graph):
        if f.object is None:
            g.nodes[f.subject]["values"].setdefault(f.predicate, []).append(f.value)
            continue
        g.add_edge(f.subject, f.object, key=f.statement, statement=f.statement,
                   predicate=f.predicate, predicate_label=f.predicate_label,
                   qualifiers=dict(f.qualifiers), citations=[c.as_dict() for c in f.citations])
    return g


def resolve(g: Any, name: str) -> str:
    """The node whose id, label or alias is ``name`` (ignoring case); ids win over labels."""
    wanted = name.strip().casefold()
    by_id = [n for n in g.nodes if str(n).casefold() == wanted]
    if by_id:
        return str(by_id[0])
    hits = sorted(str(n) for n, d in g.nodes(data=True)
                  if wanted in {d["label"].casefold(), *(a.casefold() for a in d["aliases"])})
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise NetworkError(f"no entity has the id, label or alias {name!r}"
                           + _did_you_mean(g, wanted))
    listed = ", ".join(f"{h} ({g.nodes[h]['label']})" for h in hits)
    raise NetworkError(f"{name!r} is ambiguous; use one of these ids: {listed}")


def _did_you_mean(g: Any, wanted: str) -> str:
    """"; did you mean ..." with the closest ids, labels and aliases, or nothing."""
    from difflib import get_close_matches

    names: dict[str, str] = {}
    for n, d in g.nodes(data=True):
        for text in (d["label"], *d["aliases"], str(n)):
            names.setdefault(text.casefold(), text)
    close = get_close_matches(wanted, sorted(names), n=3, cutoff=0.6)
    return "; did you mean " + " or ".join(repr(names[c]) for c in close) + "?" if close else ""


def cutoff(as_of: str) -> date:
    """The day ``--as-of`` means: the earliest day of the date (2023-05 -> 2023-05-01)."""
    try:
        return parse_date(as_of).earliest
    except DateError as exc:
        raise NetworkError(f"--as-of: {exc}: {as_of!r}") from exc


def fact_time(attrs: dict[str, Any]) -> date | None:
    """The earliest day a fact held or was reported: its date or start, or a source's date."""
    texts = [attrs["qualifiers"].get(k) for k in ("date", "start")]
    texts += [c.get("published") for c in attrs["citations"]]
    days = []
    for text in filter(None, texts):
        try:
            days.append(parse_date(text).earliest)
        except DateError:
            continue
    return min(days, default=None)


def filtered(g: Any, *, exclude_predicates: Iterable[str] = (),
             exclude_classes: Iterable[str] = (), as_of: str | None = None,
             keep: Iterable[str] = ()) -> Any:
    """A copy of ``g`` without the excluded facts and entities (``keep`` is never removed).

    ``exclude_classes`` removes entities of those classes and their subclasses. ``as_of``
    keeps a fact only when ``fact_time`` is known and on or before ``cutoff(as_of)``.
    """
    v = vocabulary()
    preds, classes, kept = set(exclude_predicates), set(exclude_classes), set(keep)
    unknown = sorted(classes - set(v.classes) - {"Entity"})
    if unknown:
        raise NetworkError(f"--exclude-class: unknown class {unknown[0]!r}")
    day = cutoff(as_of) if as_of else None
    h = g.copy()
    h.remove_nodes_from([n for n, d in g.nodes(data=True) if n not in kept
                         and any(v.is_a(d["class"], c) or d["class"] == c for c in classes)])
    drop = [(u, w, k) for u, w, k, d in h.edges(keys=True, data=True)
            if d["predicate"] in preds
            or (day is not None and ((t := fact_time(d)) is None or t > day))]
    h.remove_edges_from(drop)
    return h


def _node(g: Any, n: str) -> dict[str, str]:
    return {"id": n, "label": g.nodes[n]["label"], "class": g.nodes[n]["class"]}


def _facts_between(g: Any, a: str, b: str, *, directed: bool) -> Facts:
    pairs = [(a, b)] if directed else [(a, b), (b, a)]
    found = []
    for u, w in pairs:
        for key, d in sorted(g.get_edge_data(u, w, default={}).items()):
            found.append({"statement": key, "subject": u, "subject_label": g.nodes[u]["label"],
                          "predicate": d["predicate"], "predicate_label": d["predicate_label"],
                          "object": w, "object_label": g.nodes[w]["label"],
                          "qualifiers": d["qualifiers"], "citations": d["citations"],
                          # entity-valued qualifiers (accordingTo) by label, for people
                          "qualifier_labels": {k: g.nodes[v]["label"]
                                               for k, v in d["qualifiers"].items()
                                               if isinstance(v, str) and v in g.nodes}})
    return sorted(found, key=lambda f: f["statement"])


def paths(graph: Graph, a: str, b: str, *, directed: bool = False,
          max_length: int | None = None, exclude_predicates: Iterable[str] = (),
          exclude_classes: Iterable[str] = (), as_of: str | None = None,
          limit: int = 10) -> list[PathResult]:
    """The shortest paths from ``a`` to ``b`` (ids, labels or aliases), each hop with its facts.

    Undirected unless ``directed``; empty when there is none within ``max_length`` facts.
    At most ``limit`` paths, in the order of their node ids.
    """
    import networkx as nx

    g = to_networkx(graph)
    src, dst = resolve(g, a), resolve(g, b)
    h = filtered(g, exclude_predicates=exclude_predicates, exclude_classes=exclude_classes,
                 as_of=as_of, keep=(src, dst))
    view = h if directed else h.to_undirected(as_view=True)
    try:
        # The projection is built in sorted order, so the capped set is deterministic too.
        found = sorted(islice(nx.all_shortest_paths(view, src, dst), MAX_PATHS))
    except nx.NetworkXNoPath:
        return []
    if max_length is not None and found and len(found[0]) - 1 > max_length:
        return []
    return [PathResult([_node(h, n) for n in p],
                       [Step(u, w, _facts_between(h, u, w, directed=directed))
                        for u, w in pairwise(p)])
            for p in found[:limit]]


def neighbors(graph: Graph, name: str, *, hops: int = 1, exclude_predicates: Iterable[str] = (),
              exclude_classes: Iterable[str] = (), as_of: str | None = None) -> list[Neighbor]:
    """Entities within ``hops`` facts of ``name`` (either direction), nearest first."""
    import networkx as nx

    if hops < 1:
        raise NetworkError(f"--hops must be 1 or more: {hops}")
    g = to_networkx(graph)
    center = resolve(g, name)
    h = filtered(g, exclude_predicates=exclude_predicates, exclude_classes=exclude_classes,
                 as_of=as_of, keep=(center,))
    u = h.to_undirected(as_view=True)
    dist = nx.single_source_shortest_path_length(u, center, cutoff=hops)
    found = []
    for n, d in dist.items():
        if n == center:
            continue
        via = [f for p in sorted(u.neighbors(n)) if dist.get(p) == d - 1
               for f in _facts_between(h, p, n, directed=False)]
        found.append(Neighbor(n, h.nodes[n]["label"], h.nodes[n]["class"], d, via))
    return sorted(found, key=lambda x: (x.distance, x.label.casefold(), x.id))


def _simple(g: Any) -> Any:
    import networkx as nx

    s = nx.Graph()
    s.add_nodes_from(g.nodes)
    for u, w in g.edges():
        if u != w:
            weight = s.get_edge_data(u, w, default={"weight": 0})["weight"]
            s.add_edge(u, w, weight=weight + 1)
    return s


def central(graph: Graph, *, by_class: str | None = None, top: int | None = 10,
            sort: str = "degree") -> list[Centrality]:
    """Degree, betweenness and PageRank of every entity (of ``by_class``), best first."""
    import networkx as nx

    if sort not in METRICS:
        raise NetworkError(f"--sort: unknown metric {sort!r}; allowed: {', '.join(METRICS)}")
    v = vocabulary()
    if by_class and by_class not in v.classes:
        raise NetworkError(f"--by-class: unknown class {by_class!r}")
    g = to_networkx(graph)
    between = nx.betweenness_centrality(_simple(g)) if len(g) else {}
    rank = pagerank(g.nodes, g.edges())  # plain Python: no numpy/scipy (kg/analysis/pagerank.py)
    rows = [Centrality(n, d["label"], d["class"], g.degree(n), round(between[n], 6),
                       round(rank[n], 6))
            for n, d in g.nodes(data=True)
            if not by_class or v.is_a(d["class"], by_class)]
    rows.sort(key=lambda r: (-getattr(r, sort), r.id))
    return rows if top is None else rows[:top]


def communities(graph: Graph, *, seed: int = 1, min_size: int = 2) -> list[Community]:
    """Louvain communities (fixed ``seed``: the same graph gives the same answer), largest first.

    Parallel facts weigh more; communities smaller than ``min_size`` are left out.
    """
    import networkx as nx

    g = to_networkx(graph)
    parts = nx.community.louvain_communities(_simple(g), weight="weight", seed=seed)
    groups = sorted((sorted(p) for p in parts if len(p) >= min_size),
                    key=lambda p: (-len(p), p[0]))
    return [Community(i, [_node(g, n) for n in p]) for i, p in enumerate(groups, 1)]
