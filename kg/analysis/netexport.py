"""The entity network as GraphML, GEXF (Gephi, Cytoscape) or two CSV files; atomic writes.

Graph formats hold scalar attributes only, so the projection of kg.analysis.network is flattened:

- nodes: ``label``, ``class``, ``iri``, ``aliases`` (joined with "; ") and one
  ``value:<predicate>`` attribute per literal-valued fact;
- edges (id = statement IRI): ``predicate``, ``predicate_label`` (also the edge ``label``),
  one attribute per qualifier (``date``, ``status``, ``amount``...), ``sources`` (the cited
  source ids joined with "; ") and ``citations`` (each citation as
  ``source [locator, credibility N, attribution]``, joined with "; ").

``csv`` writes a folder with ``nodes.csv`` (columns Id, Label, class, iri, aliases, then
the value columns) and ``edges.csv`` (Source, Target, Type, Id, Label, predicate, then
the qualifier columns, sources, citations), the column names Gephi's spreadsheet import
expects. A cell beginning with = + - @, a tab or a carriage return gets a leading ``'`` so
that a spreadsheet shows it as text instead of running it as a formula (OWASP's advice
for CSV injection); this also applies to a negative number. In GEXF the ``start`` and
``end`` qualifiers are named ``start_date`` and ``end_date`` (GEXF reserves the former for
time spells), and the statement IRI is the ``networkx_key`` attribute.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from rdflib import Graph

from kg.analysis.network import to_networkx
from kg.core.errors import OutputError
from kg.rdf.export import write_all

EXPORT_FORMATS = ("graphml", "gexf", "csv")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUALIFIER_ORDER = ("date", "start", "end", "status", "certainty", "amount", "currency",
                    "quantity", "unit", "location", "accordingTo", "key", "note")


def neutralise(cell: str) -> str:
    """A CSV cell a spreadsheet will show as text, never evaluate."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _citation(c: dict[str, Any]) -> str:
    extra = [c["locator"], c["credibility"] is not None and f"credibility {c['credibility']}",
             c["attribution"]]
    inner = ", ".join(str(x) for x in extra if x)
    return f"{c['source']} [{inner}]" if inner else c["source"]


def flat(g: Any) -> Any:
    """A copy of the projection with string attributes only, ready for GraphML and GEXF."""
    import networkx as nx

    f = nx.MultiDiGraph()
    for n, d in g.nodes(data=True):
        attrs = {"label": d["label"], "class": d["class"], "iri": d["iri"],
                 "aliases": "; ".join(d["aliases"])}
        attrs |= {f"value:{p}": "; ".join(v) for p, v in sorted(d["values"].items())}
        f.add_node(n, **attrs)
    for u, w, k, d in g.edges(keys=True, data=True):
        attrs = {"label": d["predicate_label"], "predicate": d["predicate"],
                 "predicate_label": d["predicate_label"], **d["qualifiers"],
                 "sources": "; ".join(sorted({c["source"] for c in d["citations"]})),
                 "citations": "; ".join(_citation(c) for c in d["citations"])}
        f.add_edge(u, w, key=k)
        f.edges[u, w, k].update(attrs)
    return f


def _columns(rows: list[dict[str, str]], first: tuple[str, ...],
             order: tuple[str, ...] = ()) -> list[str]:
    extra = {k for r in rows for k in r} - set(first)
    ranked = [k for k in order if k in extra]
    return [*first, *ranked, *sorted(extra - set(ranked))]


def _csv_text(rows: list[dict[str, str]], columns: list[str]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([neutralise(str(r.get(c, ""))) for c in columns])
    return buf.getvalue()


def csv_files(g: Any) -> dict[str, str]:
    """``nodes.csv`` and ``edges.csv`` texts of the flattened projection ``g``."""
    nodes = [{"Id": n, "Label": d["label"], **{k: v for k, v in d.items() if k != "label"}}
             for n, d in sorted(g.nodes(data=True))]
    edges = [{"Source": u, "Target": w, "Type": "Directed", "Id": k, "Label": d["label"],
              **{c: v for c, v in d.items() if c not in ("label", "predicate_label")}}
             for u, w, k, d in sorted(g.edges(keys=True, data=True), key=lambda e: e[2])]
    node_cols = _columns(nodes, ("Id", "Label", "class", "iri", "aliases"))
    edge_cols = _columns(edges, ("Source", "Target", "Type", "Id", "Label", "predicate"),
                         (*_QUALIFIER_ORDER, "sources", "citations"))
    return {"nodes.csv": _csv_text(nodes, node_cols), "edges.csv": _csv_text(edges, edge_cols)}


def network_text(graph: Graph, fmt: str) -> dict[str, str]:
    """The export as file name (relative to the target) -> text; "" names the target itself."""
    import networkx as nx

    if fmt not in EXPORT_FORMATS:
        raise OutputError(f"unknown network format {fmt!r}; allowed: {', '.join(EXPORT_FORMATS)}")
    g = flat(to_networkx(graph))
    if fmt == "csv":
        return csv_files(g)
    if fmt == "graphml":
        return {"": "\n".join(nx.generate_graphml(g)) + "\n"}
    # GEXF reads "start" and "end" attributes as time spells: rename the qualifiers.
    for *_, d in g.edges(keys=True, data=True):
        for name in ("start", "end"):
            if name in d:
                d[f"{name}_date"] = d.pop(name)
    text = "\n".join(nx.generate_gexf(g)) + "\n"
    # networkx stamps today's date into GEXF; drop it so that the same graph gives same bytes.
    return {"": re.sub(r'<meta lastmodifieddate="[^"]*">', "<meta>", text, count=1)}


def export_network(graph: Graph, fmt: str, out: Path | str) -> list[Path]:
    """Write the network of ``graph`` as ``fmt`` to ``out`` (a folder for csv); the paths."""
    target = Path(out)
    if fmt == "csv" and target.exists() and not target.is_dir():
        raise OutputError(f"{target}: csv export needs a folder, and this is a file")
    files = {(target / name if name else target): text
             for name, text in network_text(graph, fmt).items()}
    write_all(files)
    return sorted(files)
