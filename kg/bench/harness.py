"""The harness: each stage and baseline in a fresh process, medians over repeated runs.

:func:`run_bench` generates the data (cached by size under ``work``), runs every stage
``repeats`` times in a fresh ``python -m kg.bench.stages`` process, and returns the median
wall time and the median peak resident memory of each; :func:`format_report` prints them
with the ratios to the baselines and each stage's growth exponent between sizes.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.bench.baselines import QUERIES
from kg.bench.generate import SIZES, generate
from kg.bench.stages import QUERY_ENGINES, STAGES

DEFAULT_SIZES = ("1k", "10k")


@dataclass(slots=True)
class Measure:
    seconds: float | None  # None: timed out or failed
    peak_mib: float | None
    runs: int
    info: dict[str, Any] = field(default_factory=dict)
    note: str = ""


@dataclass(slots=True)
class Report:
    sizes: list[str]
    repeats: int
    stages: dict[str, dict[str, Measure]]  # size -> stage -> measure
    queries: dict[str, dict[str, dict[str, Measure]]]  # size -> engine -> query -> measure
    triples: dict[str, int]
    #: size -> engine -> the load into that engine (seconds, peak, a load error in note)
    query_loads: dict[str, dict[str, Measure]] = field(default_factory=dict)


def _child(args: list[str], timeout: float) -> tuple[dict[str, Any] | None, str]:
    root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        done = subprocess.run([sys.executable, "-m", "kg.bench.stages", *args], env=env,
                              capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        partial = [json.loads(line)["partial"] for line in out.splitlines() if line.strip()]
        return (partial[-1] if partial else None), f"timeout after {timeout:.0f} s"
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    final = [line for line in lines if "partial" not in line]
    if done.returncode != 0 or not final:
        last = (done.stderr.strip().splitlines() or [  # killed (a signal) or silent
            f"the measuring process ended with status {done.returncode} and no message"])[-1]
        return None, last if last.startswith("not available") else "failed: " + last
    return final[-1], ""


def measure(stage: str, data: Path, work: Path, repeats: int, timeout: float) -> Measure:
    runs: list[dict[str, Any]] = []
    for _ in range(repeats):
        info, note = _child([stage, str(data), str(work)], timeout)
        if info is None:
            return Measure(None, None, len(runs), note=note)
        runs.append(info)
    return Measure(statistics.median(r["seconds"] for r in runs),
                   statistics.median(r["peak_kib"] for r in runs) / 1024, len(runs), runs[-1])


def _query_files(work: Path, project_queries: Path | None) -> list[Path]:
    folder = work / "queries"
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for name, text in QUERIES.items():
        path = folder / f"{name}.rq"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    if project_queries is not None and project_queries.is_dir():
        files += sorted(project_queries.glob("*.rq"))
    return files


def measure_queries(nt_file: Path, queries: list[Path], engines: tuple[str, ...],
                    repeats: int, timeout: float, *, query_timeout: float | None = None,
                    rdflib_memory_gib: float | None = None,
                    loads: dict[str, Measure] | None = None) -> dict[str, dict[str, Measure]]:
    """Each engine in one fresh process: load ``nt_file``, run every query ``repeats``
    times, each run stopped at ``query_timeout`` s (note "timeout after T s"); rdflib's
    process is capped at ``rdflib_memory_gib`` of address space. Each engine's load goes
    to ``loads``."""
    out: dict[str, dict[str, Measure]] = {}
    for engine in engines:
        options = ["--timeout", str(query_timeout)] if query_timeout else []
        if engine == "rdflib" and rdflib_memory_gib:
            options += ["--memory-gib", str(rdflib_memory_gib)]
        info, note = _child(["query", engine, str(nt_file), str(repeats), *options,
                             *map(str, queries)], timeout)
        done = (info or {}).get("queries", {})
        peak = (info or {}).get("peak_kib")
        note = (info or {}).get("load_error") or note
        if loads is not None:
            loads[engine] = Measure((info or {}).get("load_seconds"),
                                    peak / 1024 if peak else None, 1, note=note)
        out[engine] = {q.stem: _query_measure(done.get(q.stem, {}), peak, repeats, note,
                                              query_timeout) for q in queries}
    return out


def _query_measure(done: dict[str, Any], peak: int | None, repeats: int, note: str,
                   query_timeout: float | None) -> Measure:
    if "seconds" in done:
        return Measure(done["seconds"], peak / 1024 if peak else None, repeats, done)
    if done.get("timeout"):
        return Measure(None, None, 0, note=f"timeout after {query_timeout:g} s")
    return Measure(None, None, 0, note=done.get("error", note or "not reached"))


#: Sizes whose query input is streamed N-Triples (kg.bench.ntriples), not a full build.
STREAMED_SIZES = ("1m",)


def run_bench(*, sizes: tuple[str, ...] = DEFAULT_SIZES, repeats: int = 3,
              work: Path = Path("bench-work"), stages: tuple[str, ...] = STAGES,
              engines: tuple[str, ...] = QUERY_ENGINES, timeout: float = 1800,
              files: int = 100, project_queries: Path | None = Path("queries"),
              progress: Any = None, query_timeout: float | None = 600,
              rdflib_memory_gib: float | None = None) -> Report:
    """Generate each size under ``work`` and measure every stage, baseline and query."""
    report = Report(list(sizes), repeats, {}, {}, {})
    for size in sizes:
        data = work / size / "data"
        marker = work / size / "generated.json"
        if not marker.exists():
            gen = generate(data, SIZES[size], files=files)
            marker.write_text(json.dumps({"facts": gen.facts, "files": gen.files}))
        run_dir = work / size / "run"
        run_dir.mkdir(parents=True, exist_ok=True)
        report.stages[size] = {}
        for stage in stages:
            if progress:
                progress(f"{size} {stage}")
            m = measure(stage, data, run_dir, repeats, timeout)
            report.stages[size][stage] = m
            if progress:
                progress(f"{size} {stage}: {m.seconds} s, {m.peak_mib} MiB {m.note}")
            if stage == "build" and m.info.get("triples"):
                report.triples[size] = int(m.info["triples"])
        nt_file = _query_input(size, data, run_dir, timeout, engines, report, progress)
        if engines and nt_file.exists():
            if progress:
                progress(f"{size} queries")
            report.query_loads[size] = {}
            report.queries[size] = measure_queries(
                nt_file, _query_files(work, project_queries), engines, repeats, timeout,
                query_timeout=query_timeout, rdflib_memory_gib=rdflib_memory_gib,
                loads=report.query_loads[size])
    return report


def _query_input(size: str, data: Path, run_dir: Path, timeout: float,
                 engines: tuple[str, ...], report: Report, progress: Any) -> Path:
    """The build's graph.nt; at the streamed sizes the same triples streamed to a file."""
    if size in STREAMED_SIZES:
        nt_file = run_dir / "stream" / "graph.nt"
        if engines and not nt_file.exists():
            if progress:
                progress(f"{size} ntriples (streamed)")
            m = measure("ntriples", data, nt_file, 1, timeout)
            report.stages[size]["ntriples"] = m
        return nt_file
    nt_file = run_dir / "out" / "graph.nt"
    if engines and not nt_file.exists():
        measure("build", data, run_dir, 1, timeout)
    return nt_file
