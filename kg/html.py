"""The offline HTML page: pyvis assembles the vis-network graph, kg inlines everything.

pyvis's own templates load scripts and styles from CDNs even in its "local" and
"in_line" modes, so the page is written from kg's template with vis-network's bundle
(shipped inside the pyvis package) inlined. Labels and notes are data: they travel as
JSON and are put on screen with ``textContent``, never as HTML.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from kg.model import Amount, Dataset, Statement
from kg.rdf import statement_iri
from kg.vocab import KGS, vocabulary

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")
CLASS_GROUPS = ("Country", "Organization", "Person", "System", "Agreement", "Plan", "Event",
                "Place")


def vis_network_js() -> str:
    """The vis-network bundle that ships inside pyvis (no network needed)."""
    import pyvis

    lib = Path(pyvis.__file__).parent / "lib"
    bundle = max(lib.glob("vis-*/vis-network.min.js"), key=lambda p: p.parent.name)
    return bundle.read_text(encoding="utf-8")


def _group(entity_type: str) -> str:
    v = vocabulary()
    return next((g for g in CLASS_GROUPS if v.is_a(entity_type, g)), "Entity")


def _fact_text(s: Statement, labels: dict[str, str]) -> str:
    pred = vocabulary().predicates[s.predicate].label
    if s.object is not None:
        obj = labels.get(s.object, s.object)
    elif isinstance(s.value, Amount):
        obj = f"{s.value.value:,} {s.value.currency}"
    else:
        obj = str(s.value)
    return f"{labels.get(s.subject, s.subject)} — {pred} — {obj}"


def _qualifiers(s: Statement, labels: dict[str, str]) -> list[str]:
    q = s.qualifiers
    out = [f"{k}: {v}" for k, v in (("date", q.date), ("from", q.start), ("until", q.end),
                                    ("status", q.status), ("certainty", q.certainty)) if v]
    if q.amount:
        out.append(f"amount: {q.amount.value:,} {q.amount.currency}")
    if q.quantity:
        out.append(f"quantity: {q.quantity.value} {q.quantity.unit or ''}".rstrip())
    for key, ref in (("location", q.location), ("according to", q.according_to)):
        if ref:
            out.append(f"{key}: {labels.get(ref, ref)}")
    for note in (q.note, s.note):
        if note:
            out.append(f"note: {note}")
    return out


def page_data(data: Dataset) -> dict[str, object]:
    """Everything the page shows, as plain JSON-able values."""
    from pyvis.network import Network

    labels = {e.id: e.label for e in data.entities}
    sources = {src.id: src for src in data.sources}
    groups = sorted({_group(e.type) for e in data.entities})
    colors = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    net = Network(directed=True)
    entities: dict[str, dict[str, Any]] = {}
    for e in data.entities:
        group = _group(e.type)
        net.add_node(e.id, label=e.label, color=colors[group], shape="dot")
        entities[e.id] = {"label": e.label, "type": e.type, "aliases": list(e.aliases),
                          "statements": []}
    statements: dict[str, dict[str, object]] = {}
    for s in data.statements:
        key = str(statement_iri(s))[len(KGS):]
        cites = []
        for c in s.citations:
            src = sources.get(c.source)
            parts = [src.title if src else c.source]
            parts += [x for x in (src and src.publisher, src and src.published,
                                  src and src.reliability and f"reliability {src.reliability}",
                                  c.credibility and f"credibility {c.credibility}",
                                  c.locator, c.attribution, c.note) if x]
            cites.append(" · ".join(str(p) for p in parts))
        statements[key] = {"text": _fact_text(s, labels),
                           "qualifiers": _qualifiers(s, labels), "citations": cites}
        for ref in {s.subject, s.object} - {None}:
            if ref in entities:
                entities[ref]["statements"].append(key)
        if s.object is not None and s.object in entities and s.subject in entities:
            net.add_edge(s.subject, s.object, label=vocabulary().predicates[s.predicate].label,
                         id=key, statement=key)
    nodes, edges = net.get_network_data()[:2]
    options = json.loads(net.options.to_json())
    options["physics"]["stabilization"] = {"enabled": True, "iterations": 300}
    return {"nodes": nodes, "edges": edges, "entities": entities, "statements": statements,
            "colors": colors, "options": options}


def _script_json(value: object) -> str:
    """JSON that is safe inside a <script> element whatever the strings hold."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _escape_html(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def render_page(data: Dataset, *, title: str = "kg — knowledge graph") -> str:
    """The self-contained HTML page of the dataset."""
    template = resources.files("kg").joinpath("templates/page.html").read_text(encoding="utf-8")
    parts = {
        "TITLE": _escape_html(title),
        "DATA": _script_json(page_data(data)),
        "VIS": vis_network_js().replace("</script", "<\\/script"),
    }
    # One pass, so a placeholder spelled inside the data is never substituted.
    return re.sub(r"__KG_([A-Z]+)__", lambda m: parts[m.group(1)], template)
