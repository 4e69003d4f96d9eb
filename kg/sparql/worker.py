"""One long-lived query worker per store, as the endpoint and a query session run it.

Why not a fork per query (kg.sparql.engine.evaluate). Oxigraph's queries write to the pages of
the store they read (reference counts, locks), so a freshly forked child pays a
copy-on-write fault on every page its query touches: on a 100k-fact store the query
``claims-by-claimant`` took 0.09 s in-process and 0.39 s in a fresh child (about
100,000 faults, 390 MB copied), and the parent's next query paid the same again, since
its pages were shared with a child at the time. A child that stays has copied those
pages once: its second query runs at in-process speed. So :class:`QueryWorker` forks ONE
child after the store is loaded (lazily, on the first query), sends it the queries one
at a time over a pipe and gets the same answer (or error status) back as
kg.sparql.engine's per-query worker sends; the parent never evaluates a query itself, so it
never writes the store's pages.

The time limit is kept the same way: at the deadline the child is killed (SIGKILL), and
the next query forks a fresh one. A child that dies otherwise (the OOM killer, a signal
from outside) gives a QueryError naming its pid and exit code, and the next query forks
a fresh one too. ``timeout=None`` waits for the child without a limit.

rdflib's prepared queries pickle but do not unpickle, so the child is sent the text and
the query's kind: it parses the text again (kg.sparql.vetting.prepare) only when its engine needs
the parse, i.e. always on rdflib, and on Oxigraph only for CONSTRUCT and DESCRIBE.

The forked child closes the sockets it inherited (the endpoint's listening socket and
its clients' connections, other workers' pipes) so that a connection the parent closes
is closed for its client, and a worker's child sees its parent go.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
import threading
import weakref
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import TracebackType

from rdflib.plugins.sparql.sparql import Query

from kg.core.errors import QueryError
from kg.sparql.engine import Answer, Engine, answer_of, outcome, query_kind, timeout_error
from kg.sparql.netguard import NetworkGuardError, deny_network

#: What the child needs the rdflib parse for on Oxigraph (kg.sparql.engine.OxigraphEngine).
_OXIGRAPH_PARSES = ("CONSTRUCT", "DESCRIBE")


@dataclass(frozen=True, slots=True)
class _Child:
    process: BaseProcess
    conn: Connection


class _Slot:
    """The current child, if any: held apart from its QueryWorker so that
    ``weakref.finalize`` can stop it without keeping the worker alive."""

    def __init__(self) -> None:
        self.child: _Child | None = None

    def stop(self) -> None:
        child, self.child = self.child, None
        if child is None:
            return
        child.conn.close()
        if child.process.is_alive():
            child.process.kill()
        child.process.join()


class QueryWorker:
    """One child process evaluating ``engine``'s queries one at a time (thread-safe)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._slot = _Slot()
        self._closed = False
        self._finalizer = weakref.finalize(self, self._slot.stop)

    @property
    def pid(self) -> int | None:
        """The current child's process id (None before the first query, after a failure
        and after ``close()``)."""
        child = self._slot.child
        return None if child is None else child.process.pid

    def evaluate(self, sparql: str, prepared: Query | None, *, timeout: float | None = 10.0,
                 max_rows: int | None = None) -> Answer:
        """Evaluate a vetted query in the child; stop it at ``timeout`` seconds
        (QueryTimeout), as :func:`kg.sparql.engine.evaluate` does."""
        if timeout is not None and timeout <= 0:
            raise QueryError(f"the time limit must be positive, got {timeout}")
        request = (sparql, None if prepared is None else query_kind(prepared), max_rows)
        with self._lock:
            if self._closed:
                raise QueryError("the query worker is closed")
            child = self._slot.child or self._start()
            try:
                child.conn.send(request)
            except OSError:  # its end is gone: it died while idle
                raise self._died(child) from None
            if not child.conn.poll(timeout):  # None waits as long as it takes
                self._slot.stop()
                assert timeout is not None
                raise timeout_error(timeout)
            try:
                status, payload = child.conn.recv()
            except (EOFError, OSError):  # OSError: reset, when it died unread
                raise self._died(child) from None
        return answer_of(status, payload)

    def _start(self) -> _Child:
        ctx = multiprocessing.get_context("fork")
        ours, theirs = ctx.Pipe(duplex=True)
        process = ctx.Process(target=_serve, args=(theirs, self.engine), daemon=True,
                              name="kg-query-worker")
        process.start()
        theirs.close()
        self._slot.child = _Child(process, ours)
        return self._slot.child

    def _died(self, child: _Child) -> QueryError:
        self._slot.stop()
        return QueryError(f"the query worker (pid {child.process.pid}) died without an "
                          f"answer (exit code {child.process.exitcode})")

    def close(self) -> None:
        """Stop the child (SIGKILL) and wait for it; later queries are refused."""
        with self._lock:
            self._closed = True
            self._finalizer()

    def __enter__(self) -> QueryWorker:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def _serve(conn: Connection, engine: Engine) -> None:
    """The child: deny itself the network (kg.sparql.netguard), then answer queries until the
    parent's end of the pipe closes. Without the guard it answers every query with
    the guard's error: a query runs guarded or not at all."""
    _drop_inherited_sockets(keep=conn.fileno())
    refusal: tuple[str, str] | None = None
    try:
        deny_network()
    except NetworkGuardError as exc:
        refusal = ("error", str(exc))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        reply = refusal or outcome(partial(_answer, engine, *request))
        try:
            conn.send(reply)
        except (OSError, EOFError):
            return
        except Exception as exc:  # an answer that does not pickle
            conn.send(("error", f"query failed: {type(exc).__name__}: {exc}"))


def _answer(engine: Engine, sparql: str, kind: str | None, max_rows: int | None) -> Answer:
    return engine.evaluate(sparql, _reparse(engine, sparql, kind), max_rows=max_rows)


def _reparse(engine: Engine, sparql: str, kind: str | None) -> Query | None:
    """The prepared query the child's engine needs (None when it needs none)."""
    if kind is None or (engine.name == "oxigraph" and kind not in _OXIGRAPH_PARSES):
        return None
    from kg.sparql.vetting import prepare

    return prepare(sparql)


def _drop_inherited_sockets(keep: int) -> None:
    """Point every inherited socket but ``keep`` at /dev/null. The descriptors stay taken
    (an inherited Python object that closes one later closes /dev/null, nothing else)."""
    try:
        fds = [int(name) for name in os.listdir("/dev/fd")]
    except OSError:  # no /dev/fd: keep them (only a closed client may then wait longer)
        return
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in fds:
            if fd in (keep, null) or fd < 3 or not _is_socket(fd):
                continue
            os.dup2(null, fd)
    finally:
        os.close(null)


def _is_socket(fd: int) -> bool:
    try:
        return stat.S_ISSOCK(os.fstat(fd).st_mode)
    except OSError:
        return False
