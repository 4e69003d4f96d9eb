"""The benchmark report as Markdown: stage tables, ratios to the baselines, growth."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

from kg.bench.generate import SIZES
from kg.bench.harness import Measure, Report

#: (label, numerator, denominator, what is compared, target text, test)
RATIOS: tuple[tuple[str, str, str, str, str, Callable[[float], bool]], ...] = (
    ("build / yaml-c (time)", "build", "yaml-c", "seconds", "<= 1.3", lambda r: r <= 1.3),
    ("rdflib-pipeline / build (time)", "rdflib-pipeline", "build", "seconds", ">= 3",
     lambda r: r >= 3),
    ("build / rdflib-pipeline (peak memory)", "build", "rdflib-pipeline", "peak_mib", "<= 0.6",
     lambda r: r <= 0.6),
    ("rebuild / build (time)", "rebuild", "build", "seconds", "<= 0.10", lambda r: r <= 0.10),
    ("pyvis / html (time)", "pyvis", "html", "seconds", ">= 10", lambda r: r >= 10),
)


#: (label, stage, target text, test): stages held to an absolute time, not to a baseline.
LIMITS: tuple[tuple[str, str, str, Callable[[float], bool]], ...] = (
    ("page-chromium-5k: s to interactive, 5,000 nodes / 10,000 edges", "page-chromium-5k",
     "<= 3", lambda s: s <= 3),
)


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _cell(m: Measure) -> str:
    return f"{_num(m.seconds)}" if m.seconds is not None else f"({m.note})"


def growth(a: float | None, b: float | None, size_a: str, size_b: str) -> float | None:
    """The exponent k in time ~ facts**k between two sizes (1.0 is linear)."""
    if not a or not b:
        return None
    return math.log(b / a) / math.log(SIZES[size_b] / SIZES[size_a])


def _stage_table(report: Report) -> list[str]:
    sizes = report.sizes
    head = "| stage | " + " | ".join(f"{s} s | {s} MiB" for s in sizes)
    pairs = list(itertools.pairwise(sizes))
    head += "".join(f" | growth {a}→{b}" for a, b in pairs) + " |"
    lines = [head, "|" + "---|" * (1 + 2 * len(sizes) + len(pairs))]
    stages = list(report.stages[sizes[0]]) if sizes else []
    for stage in stages:
        ms = [report.stages[s].get(stage) for s in sizes]
        row = f"| {stage} | " + " | ".join(
            f"{_cell(m)} | {_num(m.peak_mib, 0)}" if m else "— | —" for m in ms)
        for a, b in pairs:
            ma, mb = report.stages[a].get(stage), report.stages[b].get(stage)
            row += " | " + _num(growth(ma.seconds if ma else None,
                                       mb.seconds if mb else None, a, b))
        lines.append(row + " |")
    return lines


def _ratio_lines(report: Report) -> list[str]:
    lines = ["| ratio | target | " + " | ".join(report.sizes) + " |",
             "|---|---|" + "---|" * len(report.sizes)]
    for label, num, den, attr, target, test in RATIOS:
        cells = []
        for size in report.sizes:
            a, b = report.stages[size].get(num), report.stages[size].get(den)
            x = getattr(a, attr, None) if a else None
            y = getattr(b, attr, None) if b else None
            if x is None or not y:
                cells.append("—")
            else:
                r = x / y
                cells.append(f"{r:.2f} {'met' if test(r) else 'NOT met'}")
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")
    return lines


def _limit_lines(report: Report) -> list[str]:
    lines = []
    for label, stage, target, test in LIMITS:
        ms = [report.stages[size].get(stage) for size in report.sizes]
        if not any(ms):
            continue
        cells = ["—" if m is None else _cell(m) if m.seconds is None
                 else f"{m.seconds:.2f} {'met' if test(m.seconds) else 'NOT met'}" for m in ms]
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")
    return lines


def _page_sizes(report: Report) -> list[str]:
    """What the page stages drew: nodes / edges of each size's page."""
    cells = []
    for size in report.sizes:
        for stage in ("html", "page-chromium"):
            info = getattr(report.stages[size].get(stage), "info", {})
            if "nodes" in info:
                cells.append(f"{size} = {info['nodes']} nodes / {info['edges']} edges")
                break
    return ["", "Page sizes (html, pyvis and page-chromium): " + "; ".join(cells) + "."] \
        if cells else []


def _query_lines(report: Report) -> list[str]:
    lines: list[str] = []
    for size, engines in report.queries.items():
        names = list(next(iter(engines.values())))
        lines += ["", f"Queries at {size} (median s of {report.repeats} runs; rows):", "",
                  "| query | " + " | ".join(engines) + " | kg-query / pyoxigraph "
                  "| rdflib / pyoxigraph | same rows |",
                  "|---|" + "---|" * (len(engines) + 3)]
        for q in names:
            ms = {e: engines[e][q] for e in engines}
            cells = [f"{_cell(m)} ({m.info.get('rows', '?')})" for m in ms.values()]
            ox = ms.get("pyoxigraph")
            ratios = []
            for e in ("kg-query", "rdflib"):
                m = ms.get(e)
                if m and ox and m.seconds is not None and ox.seconds:
                    ratios.append(f"{m.seconds / ox.seconds:.1f}")
                elif m and ox and ox.seconds and m.note:
                    ratios.append(f"> {float(m.note.split()[2]) / ox.seconds:.0f}"
                                  if m.note.startswith("timeout") else "—")
                else:
                    ratios.append("—")
            rows = {m.info.get("rows") for m in ms.values() if m.seconds is not None}
            lines.append(f"| {q} | " + " | ".join(cells) + " | " + " | ".join(ratios)
                         + f" | {'yes' if len(rows) == 1 else 'NO' if rows else '—'} |")
    return lines


def format_report(report: Report) -> str:
    facts = ", ".join(f"{s} = {SIZES[s]} facts" + (f" ({report.triples[s]} triples)"
                                                     if s in report.triples else "")
                      for s in report.sizes)
    lines = [f"Sizes: {facts}; median of {report.repeats} runs, each in a fresh process.", "",
             *_stage_table(report), "", *_ratio_lines(report), *_limit_lines(report),
             *_page_sizes(report), *_query_lines(report)]
    return "\n".join(lines) + "\n"
