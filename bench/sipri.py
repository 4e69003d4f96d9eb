"""Benchmark: import the whole SIPRI trade register and a 65k-triple RDF file.

    python bench/sipri.py [PATH] [--build] [--trace]
    # PATH defaults to ../shared/data/sipri/trade-register.csv

Prints, for each step, wall time, CPU time of this process (on a shared machine the wall
time includes waiting for a core; the CPU time does not) and peak memory (the process's
maximum resident set, ru_maxrss, so far):

- reading the register (decoding, repairing split rows, checking every field);
- aligning its names with the curated entities and converting it to triples;
- reading, aligning and converting a generated Turtle file of 65,004 triples (10,834
  resources with labels, typed literals, Wikidata links and blank nodes);
- with ``--build``, ``kg build`` of the curated data plus the register (union
  Turtle/N-Triples/JSON-LD, TriG, N-Quads, the main page and one page per curated
  country) into a temporary folder: slow, so opt-in.

``--trace`` adds tracemalloc's peak of Python allocations per step (it slows Python
several-fold, so times taken with it are not comparable).
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.curate.load import load  # noqa: E402
from kg.imports.rdf import import_rdf  # noqa: E402
from kg.imports.sipri import read_register  # noqa: E402
from kg.imports.sipri_graph import import_register  # noqa: E402
from kg.pipeline.build import build  # noqa: E402

CANDIDATES = (ROOT.parent / "shared" / "data" / "sipri" / "trade-register.csv",
              Path("/work/shared/data/sipri/trade-register.csv"))
TRACE = "--trace" in sys.argv
RDF_TRIPLES = 65_000


def measure(label: str, step: Callable[[], object]) -> tuple[object, float, float]:
    if TRACE:
        tracemalloc.start()
    start, cpu = time.perf_counter(), time.process_time()
    value = step()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    traced = ""
    if TRACE:
        traced = f", traced peak {tracemalloc.get_traced_memory()[1] / 2**20:.0f} MiB"
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{label:<34} {seconds:6.2f} s wall {cpu_seconds:6.2f} s CPU   max RSS so far "
          f"{rss:5.0f} MiB{traced}", flush=True)
    return value, seconds, cpu_seconds


def rdf_file(folder: Path, triples: int = RDF_TRIPLES) -> Path:
    """A Turtle dump like the public ones: 6 triples per resource, one blank node each."""
    lines = ["@prefix ex: <http://example.org/> .",
             "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
             "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> ."]
    for i in range(-(-triples // 6)):
        lines.append(f'ex:base{i} a ex:Base ; rdfs:label "Base {i}"@en ; '
                     f'ex:lat "{i % 90}.5"^^xsd:decimal ; '
                     f"ex:country <http://www.wikidata.org/entity/Q{i % 200 + 1}> ; "
                     f'ex:near [ ex:name "site {i}" ] .')
    path = folder / "bases.ttl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = Path(args[0]) if args else next(
        (p for p in CANDIDATES if p.is_file()), CANDIDATES[0])
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    curated = load(ROOT / "data")[0]
    register, read_s, read_cpu = measure("read register", lambda: read_register(path))
    imp, conv_s, conv_cpu = measure("align + convert to triples",
                                    lambda: import_register(register, curated))  # type: ignore[arg-type]
    print(f"  {len(register.deals)} deals, {len(imp.triples)} triples; "  # type: ignore[attr-defined]
          f"read + convert {read_s + conv_s:.2f} s wall, {read_cpu + conv_cpu:.2f} s CPU")
    with tempfile.TemporaryDirectory() as tmp:
        ttl = rdf_file(Path(tmp))
        rdf, _, _ = measure("read + align RDF file", lambda: import_rdf(ttl, curated))
        print(f"  {len(rdf.triples)} triples")  # type: ignore[attr-defined]
        if "--build" in sys.argv:
            project = Path(tmp)
            (project / "kg.toml").write_text(f'[imports]\nsipri = ["{path}"]\n',
                                             encoding="utf-8")
            result, _, _ = measure("kg build with the register", lambda: build(
                ROOT / "data", project / "out", config=project / "kg.toml"))
            for name, out in sorted(result.outputs.items()):  # type: ignore[attr-defined]
                print(f"  {name:<28} {out.stat().st_size / 2**20:8.1f} MiB")


if __name__ == "__main__":
    main()
