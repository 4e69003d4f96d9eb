"""Readable text and JSON for the results of kg.analysis.network: every fact with its
sources and dates."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from kg.analysis.network import Centrality, Community, Neighbor, PathResult

OUTPUT_FORMATS = ("text", "json")

_DATES = ("date", "start", "end")


def json_text(value: object) -> str:
    """Dataclasses, lists and dicts as indented, key-sorted JSON."""

    def plain(v: object) -> object:
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            d = {f.name: plain(getattr(v, f.name)) for f in dataclasses.fields(v)}
            if "cls" in d:
                d["class"] = d.pop("cls")
            return d
        if isinstance(v, list | tuple):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        return v

    return json.dumps(plain(value), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _qualifier_text(q: dict[str, str], labels: dict[str, str] | None = None) -> str:
    shown = {**q, **(labels or {})}  # an entity (accordingTo) by its label, not its id
    parts = [f"{k} {shown[k]}" for k in _DATES if k in q]
    parts += [f"{k} {shown[k]}" for k in q if k not in _DATES and k != "note"]
    return ", ".join(parts) if parts else "undated"


def _citation_text(c: dict[str, Any]) -> str:
    text = f"{c['source']}"
    if c.get("title"):
        text += f' "{c["title"]}"'
    meta = [x for x in (c.get("published"), c.get("reliability") and
                        f"reliability {c['reliability']}") if x]
    if meta:
        text += f" ({', '.join(meta)})"
    extra = [c.get("locator"), c.get("credibility") is not None and
             f"credibility {c['credibility']}", c.get("attribution")]
    return text + "".join(f", {x}" for x in extra if x)


def format_fact(f: dict[str, Any], indent: str = "  ") -> str:
    """One fact: subject -[predicate]-> object, its qualifiers, then one line per source."""
    lines = [f"{f['subject_label']} -[{f['predicate_label']}]-> {f['object_label']}",
             f"{indent}  {_qualifier_text(f['qualifiers'], f.get('qualifier_labels'))}"]
    if f["qualifiers"].get("note"):
        lines.append(f"{indent}  note: {f['qualifiers']['note']}")
    lines += [f"{indent}  source: {_citation_text(c)}" for c in f["citations"]]
    return "\n".join(lines)


def format_paths(results: Sequence[PathResult], a: str, b: str) -> str:
    if not results:
        return f"no path between {a!r} and {b!r}\n"
    out = []
    for i, p in enumerate(results, 1):
        chain = " - ".join(n["label"] for n in p.nodes)
        out.append(f"path {i} of {len(results)} ({p.length} steps): {chain}")
        for j, step in enumerate(p.steps, 1):
            for k, f in enumerate(step.facts):
                lead = f"  {j}. " if k == 0 else "     and "
                out.append(lead + format_fact(f, indent="     "))
        out.append("")
    return "\n".join(out)


def format_neighbors(results: Sequence[Neighbor], name: str) -> str:
    if not results:
        return f"{name!r} has no neighbours\n"
    out = []
    for n in results:
        out.append(f"[{n.distance}] {n.label} ({n.id}, {n.cls})")
        out += ["      via " + format_fact(f, indent="      ") for f in n.facts]
    return "\n".join(out) + "\n"


def format_central(rows: Sequence[Centrality]) -> str:
    header = f"{'entity':<40} {'class':<16} {'degree':>6} {'betweenness':>11} {'pagerank':>8}"
    lines = [header, "-" * len(header)]
    for r in rows:
        name = f"{r.label} ({r.id})"
        lines.append(f"{name[:40]:<40} {r.cls[:16]:<16} {r.degree:>6} "
                     f"{r.betweenness:>11.4f} {r.pagerank:>8.4f}")
    return "\n".join(lines) + "\n"


def format_communities(groups: Sequence[Community]) -> str:
    out = []
    for c in groups:
        out.append(f"community {c.index} ({len(c.members)} members)")
        out += [f"  {m['label']} ({m['id']}, {m['class']})" for m in c.members]
    return "\n".join(out) + "\n" if out else "no communities\n"
