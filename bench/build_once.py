"""Benchmark: one cold build, as the bench's ``build`` stage runs it, with its CPU.

    python bench/build_once.py DATA_DIR OUT_DIR
    # e.g. python -m kg bench --sizes 100k,1m --stages load --repeats 1 --work /tmp/g23
    #      (generates /tmp/g23/100k/data and /tmp/g23/1m/data), then
    #      python bench/build_once.py /tmp/g23/1m/data /tmp/s23/out1m

``kg.build(DATA_DIR, OUT_DIR)`` with no cache, in this process; prints one JSON line:
the wall time, the triples, whether the build streamed, the CPU time (user + system) of
this process and of its children (the streamed build's forked helpers), and the peak
RSS of this process and of its largest child (``ru_maxrss``: the bench counts the build's
peak as their sum). ``kg bench`` gives the wall time and that peak; this adds the CPU,
which shows whether both cores were busy (docs/benchmarks.md, "One parse per file").
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(data: str, out: str) -> dict[str, object]:
    from kg.pipeline.build import build

    start = time.perf_counter()
    result = build(data, out)
    wall = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall": round(wall, 2), "triples": result.stats.triples,
            "streamed": result.streamed,
            "self_cpu": round(own.ru_utime + own.ru_stime, 1),
            "children_cpu": round(children.ru_utime + children.ru_stime, 1),
            "self_maxrss_mib": own.ru_maxrss // 1024,
            "child_maxrss_mib": children.ru_maxrss // 1024}


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(json.dumps(main(sys.argv[1], sys.argv[2])))
