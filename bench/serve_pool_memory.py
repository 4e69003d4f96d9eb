"""What the endpoint's pool of query workers costs in memory (issue 19).

    python bench/serve_pool_memory.py --facts 100000 --workers 1,2,4 --work /tmp/poolmem

Generates the data (``kg.bench.generate``, seed 1, as ``kg bench`` does) and its
N-Triples under ``--work`` unless already there, loads them into an in-memory Oxigraph
store (``kg.sparql.engine.OxigraphEngine.from_path``) and, for each pool size, starts the
endpoint (``kg.sparql.serve.Endpoint``) on 127.0.0.1 and has as many clients as workers (each
from its own loopback address, so the pool's fairness spreads them over all workers)
send every saved query in ``queries/*.rq`` over HTTP, then reads from ``/proc``: the
endpoint process's resident set, and each worker child's private memory (USS: pages it
copied or made, what the worker really costs) and proportional share (PSS). Prints a
Markdown table.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.bench.generate import generate
from kg.bench.ntriples import write_ntriples
from kg.sparql.engine import OxigraphEngine
from kg.sparql.serve import Endpoint, Settings

ROOT = Path(__file__).resolve().parent.parent


def _kib(pid: int | str, field: str, name: str) -> int:
    for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _ask(address: tuple[str, int], client: str, sparql: str) -> int:
    body = urllib.parse.urlencode({"query": sparql}).encode()
    with socket.create_connection(address, timeout=600, source_address=(client, 0)) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n"
                     b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        data = b""
        while chunk := sock.recv(1 << 16):
            data += chunk
    return int(data.split(b" ", 2)[1])


def measure(engine: OxigraphEngine, workers: int, queries: list[str]) -> dict[str, float]:
    settings = Settings(timeout=600, max_rows=10_000_000, workers=workers)
    server = Endpoint(engine, settings, ("127.0.0.1", 0))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    address = server.server_address[:2]
    statuses: list[int] = []

    def client(n: int) -> None:
        statuses.extend(_ask((str(address[0]), int(address[1])), f"127.0.0.{n + 2}", q)
                        for q in queries)

    clients = [threading.Thread(target=client, args=(n,)) for n in range(workers)]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    pids = [w.pid for w in server.pool.workers if w.pid is not None]
    uss = [_kib(p, "Private_Clean", "smaps_rollup") + _kib(p, "Private_Dirty", "smaps_rollup")
           for p in pids]
    pss = [_kib(p, "Pss", "smaps_rollup") for p in pids]
    row = {"workers": workers, "used": len(pids), "server_rss": _kib("self", "VmRSS", "status"),
           "uss": sum(uss), "pss": sum(pss), "ok": statuses.count(200), "sent": len(statuses)}
    server.shutdown()
    server.server_close()
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--work", type=Path, default=Path("/tmp/poolmem"))
    args = parser.parse_args()
    data = args.work / f"data-{args.facts}"
    nt = args.work / f"graph-{args.facts}.nt"
    if not data.is_dir():
        generate(data, args.facts)
    if not nt.is_file():
        write_ntriples(data, nt)
    engine = OxigraphEngine.from_path(nt)
    queries = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "queries").glob("*.rq"))]
    print(f"{args.facts} facts, {len(queries)} saved queries per client, Oxigraph in memory; "
          f"endpoint RSS before any query: {_kib('self', 'VmRSS', 'status') / 1024:.0f} MiB\n")
    print("| workers | answered | endpoint RSS | workers' USS (sum) | per worker | "
          "workers' PSS (sum) |")
    print("|--------:|---------:|-------------:|-------------------:|-----------:|"
          "-------------------:|")
    for n in (int(x) for x in args.workers.split(",")):
        r = measure(engine, n, queries)
        per = r["uss"] / max(1, r["used"]) / 1024
        print(f"| {n} | {r['ok']}/{r['sent']} | {r['server_rss'] / 1024:.0f} MiB | "
              f"{r['uss'] / 1024:.0f} MiB | {per:.0f} MiB | {r['pss'] / 1024:.0f} MiB |",
              flush=True)


if __name__ == "__main__":
    main()
