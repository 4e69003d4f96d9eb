"""One query in a process that ends when it has answered: ``kg query`` over the built store.

Why not the forked child of kg.sparql.engine.evaluate. The child is there for a caller
that lives on: the caller's process keeps its network, and a query stopped at its time
limit is killed with everything it held. A ``kg query`` process has nothing to keep: it
answers one query and exits. So it evaluates in itself, and saves the fork, the copies
of the store's pages a forked query writes to (Oxigraph's queries write to the pages
they read), the pipe, the pickled answer and the conversion of every term to rdflib
(kg.sparql.results prints pyoxigraph's own terms; with no rdflib import at all for a
SELECT or ASK that kg.sparql.vetting lets through without rdflib's parser). What the
child guaranteed, the process keeps:

- **no network**: it denies itself sockets first, on every thread it runs
  (kg.sparql.netguard, ``every_thread``), so nothing a query says reaches the network;
- **the time limit**: a watchdog thread ends the process at the deadline with the same
  error a stopped query gives (pyoxigraph releases the GIL while it evaluates, so the
  watchdog runs on time; ``os._exit`` frees everything the query held);
- **the row limit**, enforced while the answer is read (kg.sparql.engine);
- **Ctrl-C stops it at once**: Python runs its SIGINT handler only when the evaluating
  thread returns from Oxigraph, so while the query runs SIGINT has its default action
  (the process ends, as the forked child's parent did when interrupted).

The library's :func:`kg.query` never evaluates this way: it must neither take the network
from its caller's process nor end it.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kg.core.errors import QueryError, QueryTimeout
from kg.sparql.engine import Answer, OxigraphEngine, answer_of, outcome, query_kind, timeout_error
from kg.sparql.netguard import deny_network

if TYPE_CHECKING:  # pragma: no cover
    from rdflib.plugins.sparql.sparql import Query

#: The exit status of a process whose query reached its time limit (as any kg error).
EXPIRED_STATUS = 1


def evaluate_here(engine: OxigraphEngine, sparql: str, prepared: Query | None, *,
                  timeout: float | None, max_rows: int | None,
                  expired: Callable[[QueryTimeout], None]) -> Answer:
    """Evaluate a vetted query in this process, which is denied the network for good.

    At ``timeout`` seconds the process calls ``expired`` with the time-limit error and
    exits with :data:`EXPIRED_STATUS`; it never returns a partial answer. A SELECT's or
    ASK's terms are pyoxigraph's (kg.sparql.results prints them), a graph's are rdflib's.
    """
    if timeout is not None and timeout <= 0:
        raise QueryError(f"the time limit must be positive, got {timeout}")
    deny_network(every_thread=True)
    raw = prepared is None or query_kind(prepared) in ("SELECT", "ASK")
    lock = threading.Lock()
    answered = threading.Event()

    def expire() -> None:
        with lock:
            if answered.is_set():
                return
            assert timeout is not None
            expired(timeout_error(timeout))
            os._exit(EXPIRED_STATUS)

    watchdog = threading.Timer(timeout, expire) if timeout is not None else None
    if watchdog is not None:
        watchdog.daemon = True
        watchdog.start()
    interrupt = _default_sigint()
    try:
        status, payload = outcome(lambda: engine.evaluate(sparql, prepared, max_rows=max_rows,
                                                          raw=raw))
    finally:
        with lock:  # once the watchdog has begun to end the process, this waits for it
            answered.set()
        if watchdog is not None:
            watchdog.cancel()
        if interrupt is not None:
            signal.signal(signal.SIGINT, interrupt)
    return answer_of(status, payload)


def _default_sigint() -> Any:
    """SIGINT's default action (the process ends) for now; the handler it replaced, or None
    where it cannot be set (not the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, signal.SIG_DFL)
