"""Real SPARQL stores on free 127.0.0.1 ports, for the tests and bench/push.py.

- :func:`oxigraph_server`: Oxigraph's server (``pip install oxigraph``, the test extra).
- :func:`http_server`: a small server of the test's own (a handler class) in a thread.
- :func:`virtuoso_server`: Virtuoso from Debian (``apt-get install virtuoso-opensource``:
  ``virtuoso-t`` and ``isql-vt``), in the foreground with its own ``virtuoso.ini`` in a
  folder of its own, the ``SPARQL_UPDATE`` role granted to the ``SPARQL`` user (what the
  unauthenticated ``/sparql`` and ``/sparql-graph-crud`` run as).

Each is a context manager that stops its server (and only it) on exit, and bounds every wait.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

VIRTUOSO, ISQL = "virtuoso-t", "isql-vt"


@dataclass(frozen=True, slots=True)
class Store:
    """A running store: its URLs for kg push (--endpoint, --update) and kg query --endpoint."""

    name: str
    base: str
    gsp: str
    update: str
    query: str
    pid: int
    sql: int = 0  # Virtuoso's SQL port (isql)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen[bytes], what: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited with status {proc.returncode}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not listen on {port} within {seconds:g} s"
                                   ) from None
            time.sleep(0.1)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def oxigraph_binary() -> str | None:
    """The oxigraph CLI installed beside this Python (found even when the venv is not active)."""
    return shutil.which("oxigraph", path=f"{Path(sys.executable).parent}{os.pathsep}"
                        f"{os.environ.get('PATH', '')}")


@contextlib.contextmanager
def http_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` served on a free 127.0.0.1 port in a thread; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def oxigraph_server(folder: Path) -> Iterator[Store]:
    binary = oxigraph_binary()
    if binary is None:
        raise RuntimeError("the oxigraph server (pip install oxigraph) is needed")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--location", str(folder / "store"),
                             "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port, proc, "oxigraph", 60)
        base = f"http://127.0.0.1:{port}"
        yield Store("oxigraph", base, f"{base}/store", f"{base}/update", f"{base}/query",
                    proc.pid)
    finally:
        _stop(proc)


def virtuoso_missing() -> str | None:
    """Why Virtuoso cannot run here (None when it can)."""
    missing = [b for b in (VIRTUOSO, ISQL) if shutil.which(b) is None]
    if missing:
        return (f"{' and '.join(missing)} not found: Virtuoso is the Debian package "
                "virtuoso-opensource (.ci/run installs it with apt-get)")
    return None


_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CheckpointInterval = 60
DirsAllowed = ., {d}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 4
MaxClientConnections = 4
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 600
"""


def isql(port: int, sql: str, *, timeout: float = 600) -> str:
    """Run SQL statements as dba through isql-vt; their output (RuntimeError on failure)."""
    done = subprocess.run([ISQL, f"127.0.0.1:{port}", "dba", "dba", f"exec={sql}"],
                          capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0 or "*** Error" in done.stdout + done.stderr:
        raise RuntimeError(f"isql {sql!r}: {done.stdout}{done.stderr}")
    return done.stdout


@contextlib.contextmanager
def virtuoso_server(folder: Path, *, memory_mib: int = 512) -> Iterator[Store]:
    """Virtuoso in ``folder`` (database, log, ini); its buffers sized to ``memory_mib``."""
    folder.mkdir(parents=True, exist_ok=True)
    sql, http = free_port(), free_port()
    buffers = memory_mib * 1024 // 8 * 2 // 3  # 8 KiB pages, 2/3 of the memory (Virtuoso's rule)
    ini = folder / "virtuoso.ini"
    ini.write_text(_INI.format(d=folder.resolve(), sql=sql, http=http, buffers=buffers,
                               dirty=buffers * 3 // 4), encoding="utf-8")
    log = open(folder / "stdout.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([VIRTUOSO, "+configfile", str(ini), "+foreground"],
                            cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_port(http, proc, "virtuoso", 120)
        _wait_sql(sql, proc)
        isql(sql, 'GRANT SPARQL_UPDATE TO "SPARQL";')
        base = f"http://127.0.0.1:{http}"
        yield Store("virtuoso", base, f"{base}/sparql-graph-crud", f"{base}/sparql",
                    f"{base}/sparql", proc.pid, sql)
    finally:
        _stop(proc)
        log.close()


def _wait_sql(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            isql(port, "select 1;", timeout=20)
            return
        except (RuntimeError, subprocess.TimeoutExpired):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.5)
