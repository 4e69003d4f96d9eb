"""Benchmark: `kg push` (streamed) against each store's own bulk loader, on one N-Triples file.

    python bench/push.py [--triples N] [--stores oxigraph,virtuoso,sink] [--work DIR]

Writes ``--work/data.nt``, N generated triples shaped like a build's (statement nodes with
rdf:subject/predicate/object, labels in English, dates, amounts, citations; 1 % of the
subjects blank nodes), streamed (no graph in memory) and bulk-loads it into a pyoxigraph
store, the stand-in for a build's store (untimed). Then, each on a fresh server started
on 127.0.0.1 (tests/stores.py):

- **push**: ``kg.sparql.store.push_store`` of that store, in a child process: its wall
  time (the store's work included, up to the committed MOVE), the client's CPU and peak
  RSS (``ru_maxrss``), and the server's CPU (/proc);
- **loader**: the store's own bulk loader on the same file, into a fresh database:
  ``oxigraph load --location DIR --file data.nt`` (a process; its wall, CPU and peak RSS),
  or Virtuoso's ``ld_dir`` + ``rdf_loader_run()`` through isql (wall; the server's CPU).

``sink`` pushes into a 127.0.0.1 HTTP server that reads and discards every body: the
client alone, for its peak memory at a size no store here can take in the time.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.stores import isql, oxigraph_binary, oxigraph_server, virtuoso_server  # noqa: E402

KG = "https://w3id.org/kg/"
PUSHER = """import sys, pyoxigraph
from kg.sparql.store import push_store
r = push_store(pyoxigraph.Store.read_only(sys.argv[1]), endpoint=sys.argv[2],
               update=sys.argv[3], timeout=3600, chunk_bytes=int(sys.argv[4]))
print(r.triples, *r.seconds)
"""


def generate(path: Path, triples: int) -> None:
    """``triples`` N-Triples lines, 9 per statement, written as they are made."""
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    with open(path, "w", encoding="utf-8") as out:
        for n in range(triples // 9 + 1):
            s = f"_:b{n}" if n % 100 == 0 else f"<{KG}statement/{n:x}>"
            a, b = f"<{KG}resource/e{n * 7919 % 50_000}>", f"<{KG}resource/e{n % 50_000}>"
            lines = [f"{s} <{rdf}type> <{KG}ontology#Statement> .",
                     f"{s} <{rdf}subject> {a} .", f"{s} <{rdf}predicate> <{KG}p{n % 40}> .",
                     f"{s} <{rdf}object> {b} .",
                     f'{s} <{KG}ontology#date> "20{n % 25:02d}-0{n % 9 + 1}-1{n % 9}"'
                     "^^<http://www.w3.org/2001/XMLSchema#date> .",
                     f'{s} <{KG}ontology#amount> "{n * 13 % 99_991}.5"'
                     "^^<http://www.w3.org/2001/XMLSchema#decimal> .",
                     f"{s} <http://www.w3.org/ns/prov#wasDerivedFrom> <{KG}source/s{n % 999}> .",
                     f'{a} <http://www.w3.org/2000/01/rdf-schema#label> "Entity {n % 50_000}'
                     ' — ÉTAT"@en .',
                     f'{s} <{KG}ontology#locator> "para {n % 30}, \\"quoted\\"" .']
            out.write("\n".join(lines[:max(0, min(9, triples - n * 9))]) + "\n")


def source_store(nt: Path, folder: Path) -> Path:
    import pyoxigraph

    if not folder.exists():
        store = pyoxigraph.Store(str(folder))
        store.bulk_load(path=str(nt), format=pyoxigraph.RdfFormat.N_TRIPLES)
        store.flush()
        del store
    return folder


def _cpu(pid: int) -> float:
    """User + system CPU seconds of a running process (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_child(args: list[str]) -> tuple[float, float, float, str]:
    """Wall s, CPU s (user+sys) and peak RSS MiB of one child process; its output."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the only child (see child())
    if proc.returncode:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{err.decode()}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.decode()


def child(args: list[str]) -> tuple[float, float, float, str]:
    """run_child in a fresh process of its own, so that its rusage is its own."""
    code = ("import sys, json; sys.path.insert(0, sys.argv[1]); from bench.push import "
            "run_child; print(json.dumps(run_child(json.loads(sys.argv[2]))))")
    import json

    done = subprocess.run([sys.executable, "-c", code, str(ROOT), json.dumps(args)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(done.stderr)
    wall, cpu, rss, out = json.loads(done.stdout)
    return wall, cpu, rss, out


class _Sink(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        left = int(self.headers.get("Content-Length") or 0)
        while left:
            left -= len(self.rfile.read(min(left, 1 << 20)))
        self.send_response(201 if "graph=" in self.path else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_DELETE = do_POST


@contextlib.contextmanager
def sink() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def push_row(store: Path, gsp: str, update: str, chunk: int,
             server_pid: int | None) -> tuple[float, float, float, float, float, float]:
    before = _cpu(server_pid) if server_pid else 0.0
    wall, cpu, rss, out = child([sys.executable, "-c", PUSHER, str(store), gsp, update,
                                 str(chunk)])
    server = _cpu(server_pid) - before if server_pid else 0.0
    triples, staging, swap = out.split()
    print(f"  push: {triples} triples, staging {float(staging):.1f} s, swap {float(swap):.1f} s",
          flush=True)
    return wall, cpu, rss, server, float(staging), float(swap)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--stores", default="oxigraph,virtuoso")
    parser.add_argument("--work", type=Path, default=ROOT / "bench-work" / "push")
    parser.add_argument("--chunk-mib", type=int, default=8)
    args = parser.parse_args()
    work: Path = args.work.resolve() / str(args.triples)
    work.mkdir(parents=True, exist_ok=True)
    nt = work / "data.nt"
    if not nt.exists():
        generate(nt, args.triples)
    store = source_store(nt, work / "source-store")
    size = nt.stat().st_size / 2**20
    print(f"{args.triples:,} triples, {size:,.0f} MiB of N-Triples", flush=True)
    rows: list[str] = []
    chunk = args.chunk_mib << 20
    for name in args.stores.split(","):
        folder = work / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        if name == "sink":
            with sink() as base:
                p = push_row(store, f"{base}/store", f"{base}/update", chunk, None)
            rows.append(f"| sink (client only) | push | {p[0]:.1f} | {p[1]:.1f} | - | "
                        f"{p[2]:.0f} |")
            continue
        launch = oxigraph_server if name == "oxigraph" else virtuoso_server
        with launch(folder / "push") as running:
            p = push_row(store, running.gsp, running.update, chunk, running.pid)
        if name == "oxigraph":
            binary = oxigraph_binary()
            assert binary
            lw, lc, lr, _ = child([binary, "load", "--location", str(folder / "load"),
                                   "--file", str(nt)])
            loader = f"| oxigraph | `oxigraph load` | {lw:.1f} | {lc:.1f} | - | {lr:.0f} |"
        else:
            with virtuoso_server(folder / "load", memory_mib=512) as running:
                os.link(nt, folder / "load" / "data.nt")
                port = running.sql
                before, start = _cpu(running.pid), time.perf_counter()
                isql(port, f"ld_dir('{folder / 'load'}', 'data.nt', '{KG}graph'); "
                     "rdf_loader_run();", timeout=7200)
                lw, lc = time.perf_counter() - start, _cpu(running.pid) - before
            loader = (f"| virtuoso | `ld_dir` + `rdf_loader_run()` | {lw:.1f} | - | {lc:.1f} "
                      "| - |")
        rows.append(f"| {name} | `kg push` | {p[0]:.1f} | {p[1]:.1f} | {p[3]:.1f} | "
                    f"{p[2]:.0f} |")
        rows.append(loader)
        rows.append(f"| {name} | of which staging (bulk POSTs) / swap (MOVE) | {p[4]:.1f} / "
                    f"{p[5]:.1f} | | | |")
        rows.append(f"| {name} | ratio push / loader (wall); staging alone / loader | "
                    f"{p[0] / lw:.2f}; {p[4] / lw:.2f} | | | |")
    print("| store | what | wall s | client CPU s | server CPU s | client peak RSS MiB |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
