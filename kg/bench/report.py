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


#: (label, numerator engine, denominator engine, target text, test) over the saved queries
QUERY_RATIOS: tuple[tuple[str, str, str, str, Callable[[float], bool]], ...] = (
    ("kg-query / pyoxigraph (query time, worst query)", "kg-query", "pyoxigraph", "<= 2",
     lambda r: r <= 2),
    ("rdflib / kg-query (query time, least query)", "rdflib", "kg-query", ">= 100",
     lambda r: r >= 100),
)


def _timeout_of(m: Measure) -> float | None:
    if m.seconds is None and m.note.startswith("timeout after "):
        return float(m.note.split()[2])
    return None


def query_ratio(num: Measure | None, den: Measure | None) -> tuple[float, bool] | None:
    """num/den of two engines' times on one query, and whether it is only a lower bound
    (the numerator was stopped at its time limit); None when it cannot be told."""
    if num is None or den is None or not den.seconds:
        return None
    if num.seconds is not None:
        return num.seconds / den.seconds, False
    limit = _timeout_of(num)
    return (limit / den.seconds, True) if limit else None


def _ratio_text(ratio: tuple[float, bool] | None) -> str:
    if ratio is None:
        return "—"
    value, bound = ratio
    return f"> {value:.0f}" if bound else f"{value:.1f}"


def same_rows(ms: dict[str, Measure]) -> str:
    """"yes" when every engine that finished gave the same sorted multiset of rows, "NO
    (...)" naming the digests that differ, "—" when fewer than two finished."""
    digests = {e: m.info.get("digest") for e, m in ms.items() if m.seconds is not None}
    if len(digests) < 2:
        return "—"
    if len(set(digests.values())) == 1:
        return "yes"
    return "NO (" + ", ".join(f"{e} {d}" for e, d in digests.items()) + ")"


def _query_cell(m: Measure) -> str:
    if m.seconds is not None:
        return f"{m.seconds:.3f} ({m.info.get('rows', '?')})"
    limit = _timeout_of(m)
    return f"> {limit:g} s" if limit else f"({m.note})"


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
        lines += ["", f"Queries at {size} (median s of {report.repeats} runs, rows):", "",
                  "| query | " + " | ".join(engines) + " | kg-query / pyoxigraph "
                  "| rdflib / kg-query | same rows |",
                  "|---|" + "---|" * (len(engines) + 3)]
        for q in names:
            ms = {e: engines[e][q] for e in engines}
            ratios = [query_ratio(ms.get("kg-query"), ms.get("pyoxigraph")),
                      query_ratio(ms.get("rdflib"), ms.get("kg-query"))]
            lines.append(f"| {q} | " + " | ".join(_query_cell(m) for m in ms.values())
                         + " | " + " | ".join(map(_ratio_text, ratios))
                         + f" | {same_rows(ms)} |")
        loads = report.query_loads.get(size, {})
        if loads:
            lines += ["", f"Loads at {size}: " + "; ".join(
                f"{e} {_num(m.seconds, 1)} s, peak {_num(m.peak_mib, 0)} MiB"
                + (f" ({m.note})" if m.note else "") for e, m in loads.items())]
    return lines


def _query_ratio_lines(report: Report) -> list[str]:
    lines = []
    for label, num, den, target, test in QUERY_RATIOS:
        cells = []
        for size in report.sizes:
            engines = report.queries.get(size, {})
            if num not in engines or den not in engines:
                cells.append("—")
                continue
            ratios = [r for q in engines[den] if (r := query_ratio(engines[num][q],
                                                                   engines[den][q]))]
            if not ratios:
                cells.append("—")
                continue
            pick = max(ratios) if target.startswith("<") else min(ratios)
            verdict = "met" if test(pick[0]) else "not shown" if pick[1] else "NOT met"
            cells.append(f"{_ratio_text(pick)} {verdict}")
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")
    return lines


def format_report(report: Report) -> str:
    facts = ", ".join(f"{s} = {SIZES[s]} facts" + (f" ({report.triples[s]} triples)"
                                                     if s in report.triples else "")
                      for s in report.sizes)
    lines = [f"Sizes: {facts}; median of {report.repeats} runs, each in a fresh process.", "",
             *_stage_table(report), "", *_ratio_lines(report), *_limit_lines(report),
             *_query_ratio_lines(report), *_page_sizes(report), *_query_lines(report)]
    return "\n".join(lines) + "\n"
