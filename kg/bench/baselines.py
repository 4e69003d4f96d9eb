"""The baselines kg is measured against, run on the same data in the same benchmark.

- ``yaml_c``: PyYAML's C loader reading the same files (the input floor).
- ``rdflib_pipeline``: the straightforward stack: C-loaded YAML, ``Graph.add`` per triple
  (the same kinds of triples kg makes), ``Graph.serialize`` to Turtle.
- ``pyvis_page``: pyvis's own ``add_node``/``add_edge`` and ``generate_html`` for the page.
- ``query_runner``: the saved queries on pyoxigraph, on plain rdflib, and through kg.sparql.query.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Queries every engine runs (besides any queries/*.rq of the project).
QUERIES: dict[str, str] = {
    "three-way-join": """\
SELECT ?deal ?supplier ?recipient ?system WHERE {
  ?deal kg:supplier ?supplier ; kg:recipient ?recipient ; kg:concerns ?system .
}""",
    "sourced-facts": """\
SELECT ?s ?p ?o ?source WHERE {
  ?st a kg:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
      prov:wasDerivedFrom ?source .
  ?source kg:reliability "A" .
  ?st kg:status kg:signed .
}""",
    "facts-by-predicate": """\
SELECT ?p (COUNT(*) AS ?n) WHERE { ?st a kg:Statement ; rdf:predicate ?p } GROUP BY ?p
ORDER BY DESC(?n)""",
}


def yaml_c(files: list[Path]) -> dict[str, int]:
    import yaml

    records = 0
    for path in files:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        records += sum(len(v) for v in doc.values()) if isinstance(doc, dict) else 0
    return {"records": records}


def _statement(g: Any, st: dict[str, Any]) -> None:
    from rdflib import RDF, Literal
    from rdflib.namespace import PROV

    from kg.core.vocab import KG, KGR, KGS

    subject, pred = KGR[st["subject"]], KG[st["predicate"]]
    obj = KGR[st["object"]] if "object" in st else Literal(str(st.get("value")))
    key = f"{st['subject']}.{st['predicate']}.{st.get('object') or hash(str(st.get('value')))}"
    node = KGS[key + (f".{st['id']}" if "id" in st else "")]
    for triple in ((subject, pred, obj), (subject, KG.statement, node),
                   (node, RDF.type, KG.Statement), (node, RDF.subject, subject),
                   (node, RDF.predicate, pred), (node, RDF.object, obj)):
        g.add(triple)
    for name, value in (st.get("qualifiers") or {}).items():
        term = KG[value] if name in ("status", "certainty") else Literal(value)
        g.add((node, KG[name], term))
    for n, cite in enumerate(st["sources"]):
        source = KGR[cite["source"]]
        cnode = KGS[f"{key}.cites.{n}"]
        g.add((node, PROV.wasDerivedFrom, source))
        g.add((node, PROV.qualifiedDerivation, cnode))
        g.add((cnode, RDF.type, KG.Citation))
        g.add((cnode, PROV.entity, source))
        for name in ("locator", "credibility"):
            g.add((cnode, KG[name], Literal(cite[name])))
        g.add((cnode, KG.attribution, KG[cite["attribution"]]))


def rdflib_pipeline(files: list[Path], out: Path) -> dict[str, int]:
    """YAML (C loader) -> Graph.add each triple -> Graph.serialize(format="turtle")."""
    import yaml
    from rdflib import OWL, RDF, RDFS, Graph, Literal
    from rdflib.namespace import DCTERMS, SKOS

    from kg.core.vocab import KG, KGR, WD, ontology_graph

    g = Graph()
    for path in files:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        for src in doc.get("sources") or ():
            iri = KGR[src["id"]]
            g.add((iri, RDF.type, KG.Source))
            g.add((iri, RDFS.label, Literal(src["title"], lang="en")))
            g.add((iri, DCTERMS.title, Literal(src["title"], lang="en")))
            for key in ("publisher", "published", "reliability"):
                if key in src:
                    g.add((iri, KG[key], Literal(src[key])))
        for ent in doc.get("entities") or ():
            iri = KGR[ent["id"]]
            g.add((iri, RDF.type, KG[ent["type"]]))
            g.add((iri, RDFS.label, Literal(ent["label"], lang="en")))
            for alias in ent.get("aliases") or ():
                g.add((iri, SKOS.altLabel, Literal(alias, lang="en")))
            if "wikidata" in ent:
                g.add((iri, OWL.sameAs, WD[ent["wikidata"]]))
        for st in doc.get("statements") or ():
            _statement(g, st)
    for triple in ontology_graph():
        g.add(triple)
    g.serialize(out, format="turtle")
    return {"triples": len(g)}


def pyvis_page(data: Any) -> dict[str, int]:
    """The same nodes and edges as kg's page, through pyvis's add_node/add_edge."""
    from pyvis.network import Network

    net = Network(directed=True)
    ids = set()
    for e in data.entities:
        net.add_node(e.id, label=e.label, shape="dot")
        ids.add(e.id)
    for s in data.statements:
        if s.object is not None and s.object in ids and s.subject in ids:
            net.add_edge(s.subject, s.object, label=s.predicate)
    html = net.generate_html()
    return {"nodes": len(net.nodes), "edges": len(net.edges), "chars": len(html)}


def query_runner(engine: str, nt_file: Path, *,
                 timeout: float | None = None) -> Callable[[str], list[tuple[Any, ...]]]:
    """Load the N-Triples file into ``engine``; return a function running one query and
    returning its rows (the engine's own terms; see :func:`row_digest`).

    ``pyoxigraph``: ``Store.bulk_load``, each row's terms read (as any reader of the answer
    does). ``kg-query``: a :func:`kg.sparql.query.session` on the Oxigraph engine over a store
    bulk-loaded from the same file, as the endpoint runs it: one long-lived worker per
    store (kg.sparql.worker), each query vetted and evaluated in that worker under the time
    limit, rows as rdflib terms (the row limit is raised to ten million, as the join
    queries have more rows than the interactive default).
    ``rdflib``: ``Graph.parse`` then ``Graph.query``, stopped at ``timeout`` by SIGALRM.
    """
    from kg.core.prefixes import PREFIXES

    if engine == "pyoxigraph":
        from pyoxigraph import RdfFormat, Store

        store = Store()
        store.bulk_load(path=str(nt_file), format=RdfFormat.N_TRIPLES)

        def run(text: str) -> list[tuple[Any, ...]]:
            result: Any = store.query(text, prefixes=PREFIXES)
            return [tuple(row) for row in result]

        return run
    if engine == "kg-query":
        from kg.sparql.engine import OxigraphEngine
        from kg.sparql.query import session

        worker = session(OxigraphEngine.from_path(nt_file))  # stopped at exit (finalizer)
        return lambda text: list(worker.query(text, timeout=timeout, max_rows=10_000_000).rows)
    if engine == "rdflib":
        graph = rdflib_graph(nt_file)
        header = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
        return lambda text: _alarmed(lambda: [tuple(r) for r in graph.query(header + text)],
                                     timeout)
    raise SystemExit(f"unknown engine {engine!r}")


def rdflib_graph(nt_file: Path, chunk: int = 1_000_000) -> Any:
    """``nt_file`` parsed into an rdflib Graph ``chunk`` lines at a time, so that a
    MemoryError (under a memory limit) says how many lines were loaded: RdflibLoadError."""
    import itertools
    import time

    from rdflib import Graph

    graph, lines, start = Graph(), 0, time.perf_counter()
    with nt_file.open(encoding="utf-8") as f:
        while batch := list(itertools.islice(f, chunk)):
            try:
                graph.parse(data="".join(batch), format="nt")
            except MemoryError:
                raise RdflibLoadError(lines, time.perf_counter() - start) from None
            lines += len(batch)
    return graph


class RdflibLoadError(Exception):
    def __init__(self, lines: int, seconds: float) -> None:
        super().__init__(f"MemoryError after loading {lines} lines in {seconds:.0f} s")
        self.lines, self.seconds = lines, seconds


def _alarmed(run: Callable[[], list[tuple[Any, ...]]],
             timeout: float | None) -> list[tuple[Any, ...]]:
    """``run()``, interrupted by SIGALRM after ``timeout`` s (rdflib runs in Python)."""
    import signal

    if timeout is None:
        return run()

    def alarm(signum: int, frame: object) -> None:
        raise TimeoutError(f"timeout after {timeout:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return run()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_PLAIN = ("http://www.w3.org/2001/XMLSchema#string",
          "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString")


def _cell(term: Any) -> list[str]:
    """One answer term of pyoxigraph or rdflib as [kind, value, language, datatype]."""
    if term is None:
        return []
    if type(term).__module__.startswith("pyoxigraph"):
        kind = type(term).__name__
        if kind == "NamedNode":
            return ["iri", term.value]
        if kind == "BlankNode":
            return ["bnode"]  # labels differ between engines
        return _literal(term.value, term.language, term.datatype.value)
    from rdflib import BNode, Literal

    if isinstance(term, Literal):
        return _literal(str(term), term.language, str(term.datatype or ""))
    if isinstance(term, BNode):
        return ["bnode"]
    return ["iri", str(term)]


def _literal(value: str, language: str | None, datatype: str) -> list[str]:
    return ["literal", value, language or "", "" if datatype in _PLAIN else datatype]


def row_digest(rows: list[tuple[Any, ...]]) -> str:
    """A digest of the answer as a sorted multiset of rows, comparable across engines."""
    import hashlib
    import json

    lines = sorted(json.dumps([_cell(t) for t in row], ensure_ascii=False) for row in rows)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]
