"""Benchmark: one rebuild after a new edit, on the folders of the bench's rebuild stage.

    python bench/rebuild_once.py WORK N
    # e.g. python -m kg bench --sizes 1m --stages rebuild --repeats 1 --engines '' \
    #          --timeout 3600 --work /tmp/g23    (leaves /tmp/g23/1m/run/rebuild-*), then
    #      python bench/rebuild_once.py /tmp/g23/1m/run 7

Sets the first locator of the second article file of ``WORK/rebuild-data`` to ``pN``
(a new N each time: every run is an edit), flushes the disk untimed, then times
``kg.build(WORK/rebuild-data, WORK/rebuild-out, cache_dir=WORK/rebuild-cache)``, as the
bench's ``rebuild`` stage times its one edit. Prints one JSON line: the wall time,
whether it spliced, the CPU time of this process and of its children (the page's), and
the peak RSS of this process and of its largest child (``ru_maxrss``; pages the two
share count in both). It runs the same rebuild again and again, where the bench's stage
makes a full build before each (docs/benchmarks.md, "The 1M rebuild: the page on the
other core, the replaced outputs freed aside").
"""

from __future__ import annotations

import json
import os
import re
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(work: str, n: int) -> dict[str, object]:
    from kg.core.gcpause import paused_gc
    from kg.pipeline.build import build

    folder = Path(work)
    data = folder / "rebuild-data"
    target = sorted(data.glob("article-*.yaml"))[1]
    text = target.read_text(encoding="utf-8")
    edited = re.sub(r"locator: p\S* ", f"locator: p{n} ", text, count=1)
    if edited == text:
        sys.exit(f"{target}: already has locator p{n}; give another N")
    target.write_text(edited, encoding="utf-8")
    os.sync()
    start = time.perf_counter()
    with paused_gc():  # as the bench's stages run kg.build
        result = build(data, folder / "rebuild-out", cache_dir=folder / "rebuild-cache")
    wall = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall": round(wall, 2), "spliced": result.spliced,
            "self_cpu": round(own.ru_utime + own.ru_stime, 1),
            "children_cpu": round(children.ru_utime + children.ru_stime, 1),
            "self_maxrss_mib": own.ru_maxrss // 1024,
            "child_maxrss_mib": children.ru_maxrss // 1024}


if __name__ == "__main__":
    if len(sys.argv) != 3 or not sys.argv[2].isdigit():
        sys.exit(__doc__)
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]))))
