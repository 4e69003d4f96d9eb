"""One benchmark measurement, run in a fresh process: ``python -m kg.bench.stages NAME DATA WORK``.

It prepares what the stage needs (untimed), times the stage alone and prints one JSON
line: ``{"seconds": ..., "peak_kib": ..., ...}``. Peak memory is the process's peak
resident set (``ru_maxrss``), so it includes the interpreter and the preparation.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

Info = dict[str, Any]

STAGES = ("load", "check", "rdf", "validate", "export-ttl", "export-nt", "export-jsonld",
          "html", "build", "build-2cores", "rebuild", "yaml-c", "rdflib-pipeline", "pyvis",
          "page-chromium", "page-chromium-5k")
QUERY_ENGINES = ("kg-query", "pyoxigraph", "rdflib")


def _files(data: Path) -> list[Path]:
    from kg.curate.load import data_files

    return data_files(data)


def _loaded(data: Path) -> Any:
    from kg.core.gcpause import paused_gc
    from kg.curate.load import load

    with paused_gc():
        return load(data)[0]


def _text_triples(loaded: Any) -> list[Any]:
    """The build's triples: N-Triples text terms (kg.rdf.ntterms), with the ontology."""
    from kg.core.vocab import ontology_graph
    from kg.rdf.ntterms import NTTerms, from_rdflib
    from kg.rdf.triples import data_triples

    return [*data_triples(loaded, NTTerms()), *from_rdflib(ontology_graph())]


def _timed(run: Callable[[], object]) -> Info:
    from kg.core.gcpause import paused_gc

    start = time.perf_counter()
    with paused_gc():  # as kg.build runs every stage
        result = run()
    info: Info = {"seconds": time.perf_counter() - start}
    if isinstance(result, dict):
        info.update(result)
    return info


def _plain_timed(run: Callable[[], object]) -> Info:
    start = time.perf_counter()
    result = run()
    info: Info = {"seconds": time.perf_counter() - start}
    if isinstance(result, dict):
        info.update(result)
    return info


def stage(name: str, data: Path, work: Path) -> Info:
    """Prepare, then time one stage; returns seconds and any counts the stage reports."""
    from kg.bench import baselines
    from kg.rdf import export

    if name == "load":
        return _timed(lambda: {"records": len(_loaded(data).statements)})
    if name == "yaml-c":
        return _timed(lambda: baselines.yaml_c(_files(data)))
    if name == "rdflib-pipeline":  # as a user runs it: the garbage collector on
        return _plain_timed(lambda: baselines.rdflib_pipeline(_files(data), work / "rdflib.ttl"))
    if name == "pyvis":
        loaded = _loaded(data)
        return _plain_timed(lambda: baselines.pyvis_page(loaded))
    if name in ("build", "build-2cores"):
        from kg.pipeline.build import build

        parallel = name == "build-2cores"
        # cold: no out/ of an earlier run to replace, and none of its writes (gigabytes at
        # 1M) still going to the disk as this one is timed
        shutil.rmtree(work / "out", ignore_errors=True)
        os.sync()
        return _timed(lambda: {"triples": build(data, work / "out",
                                                parallel=parallel).stats.triples})
    if name == "rebuild":
        return _rebuild(data, work)
    if name.startswith("page-chromium"):
        from kg.bench.chromium import page_stage

        return page_stage(data, work, fixed=name.endswith("-5k"))
    loaded = _loaded(data)
    if name.startswith("export-"):  # grouping and sorting included, as each writer alone
        triples = _text_triples(loaded)
        return _timed(lambda: {"chars": len(export.serialize_text(export.Text(triples),
                                                                  name[7:]))})
    if name == "check":
        from kg.curate.check import check

        return _timed(lambda: {"issues": len(check(loaded))})
    if name == "rdf":
        return _timed(lambda: {"triples": len(_text_triples(loaded))})
    if name == "validate":
        from kg.rdf.shaclfiles import validate_files

        grouped = export.Text(_text_triples(loaded)).grouped  # the writers' (shared)
        return _timed(lambda: {"issues": len(validate_files(loaded, grouped=lambda: grouped))})
    if name == "html":
        from kg.page.render import render_page

        ids = {e.id for e in loaded.entities}
        edges = sum(1 for s in loaded.statements
                    if s.object is not None and s.subject in ids and s.object in ids)
        return {**_timed(lambda: {"chars": len(render_page(loaded))}),
                "nodes": len(ids), "edges": edges}
    raise SystemExit(f"unknown stage {name!r}; known: {', '.join(STAGES)}")


def _rebuild(data: Path, work: Path) -> Info:
    """A warm build after editing one statements file (its first locator) of a copy."""
    from kg.pipeline.build import build

    copy, cache = work / "rebuild-data", work / "rebuild-cache"
    # out/ too: one left up to date beside the emptied cache is not built again, so no
    # rebuild state would be written and the timed edit would make a full build
    for folder in (copy, cache, work / "rebuild-out"):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(data, copy)
    build(copy, work / "rebuild-out", cache_dir=cache)
    target = sorted(copy.glob("article-*.yaml"))[0]
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("locator: para ", "locator: paragraph ", 1), encoding="utf-8")
    # the first build's 550 MB (at 100k) reach the disk untimed, as they have long
    # before a user's next edit: the timed build waits for its own writes, not for those
    os.sync()
    info = _timed(lambda: {"triples": build(copy, work / "rebuild-out",
                                            cache_dir=cache).stats.triples})
    if "paragraph" not in (work / "rebuild-out" / "graph.nt").read_text(encoding="utf-8"):
        raise SystemExit("rebuild did not reflect the edit")  # never report a stale number
    return info


def query_stage(engine: str, nt_file: Path, repeats: int, queries: list[Path], *,
                timeout: float | None = None, memory_gib: float | None = None) -> Info:
    """Load ``nt_file`` into the engine (untimed), then time each query ``repeats`` times.

    Each query reports its median seconds, its row count and a digest of its rows as a
    sorted multiset (:func:`kg.bench.baselines.row_digest`, computed untimed), or the
    error or time limit (``timeout`` s per run) that stopped it. ``memory_gib`` caps
    this process's address space (RLIMIT_AS): a load that needs more is reported.
    """
    from kg.bench import baselines

    if memory_gib:
        limit = int(memory_gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    start = time.perf_counter()
    try:
        run = baselines.query_runner(engine, nt_file, timeout=timeout)
    except (baselines.RdflibLoadError, MemoryError) as exc:
        return {"seconds": None, "queries": {}, "load_error": f"{exc}"
                + (f" (address space capped at {memory_gib:g} GiB)" if memory_gib else ""),
                "load_seconds": time.perf_counter() - start}
    info: Info = {"load_seconds": time.perf_counter() - start, "queries": {}}
    print(json.dumps({"partial": info}), flush=True)
    for path in queries:
        info["queries"][path.stem] = _one_query(run, path.read_text(encoding="utf-8"),
                                                repeats)
        print(json.dumps({"partial": info}), flush=True)
    info["seconds"] = sum(q.get("seconds", 0) for q in info["queries"].values())
    return info


def _one_query(run: Callable[[str], list[Any]], text: str, repeats: int) -> Info:
    from kg.bench.baselines import row_digest

    times, rows = [], []
    try:
        for _ in range(repeats):
            start = time.perf_counter()
            rows = run(text)
            times.append(time.perf_counter() - start)
    except Exception as exc:  # a refused, failed or timed-out query is reported, not fatal
        if isinstance(exc, TimeoutError) or type(exc).__name__ == "QueryTimeout":
            return {"timeout": True, "error": f"{type(exc).__name__}: {exc}"[:200]}
        return {"error": f"{type(exc).__name__}: {exc}"[:200]}
    times.sort()
    return {"seconds": times[len(times) // 2], "rows": len(rows), "digest": row_digest(rows)}


def _query_args(argv: list[str]) -> Info:
    """``ENGINE NT REPEATS [--timeout T] [--memory-gib M] QUERY...``"""
    options: dict[str, float] = {}
    rest = argv[3:]
    while rest and rest[0] in ("--timeout", "--memory-gib"):
        options[rest[0][2:].replace("-", "_")] = float(rest[1])
        rest = rest[2:]
    return query_stage(argv[0], Path(argv[1]), int(argv[2]), [Path(a) for a in rest],
                       **options)


def main(argv: list[str]) -> None:
    if argv[0] == "query":
        info = _query_args(argv[1:])
    elif argv[0] == "ntriples":  # the query input of a size too big to build here
        from kg.bench.ntriples import write_ntriples

        info = _plain_timed(lambda: write_ntriples(Path(argv[1]), Path(argv[2])))
    else:
        info = stage(argv[0], Path(argv[1]), Path(argv[2]))
    # The build forks a worker (kg.core.fork): its peak counts too. The sum of both peaks is an
    # upper bound (they share their copy-on-write pages), never an underestimate.
    info["peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + \
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps(info))


if __name__ == "__main__":
    main(sys.argv[1:])
