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
- **the time limit**: the query runs on a thread of its own, and the main thread waits
  for it until the deadline, then ends the process with the same error a stopped query
  gives (pyoxigraph releases the GIL while it evaluates, so the wait ends on time;
  ``os._exit`` frees everything the query held);
- **the row limit**, enforced while the answer is read (kg.sparql.engine);
- **Ctrl-C stops it at once**: while the query runs SIGINT has its default action (the
  process ends, as the forked child did with its parent);
- **a crash is an error**: Oxigraph recurses once per operator of a query, and a stack
  overflow kills the process that runs it. kg.sparql.vetting refuses brackets nested past
  100; the thread has a large stack; and a text longer than :data:`IN_PROCESS_MAX_BYTES`
  is evaluated in a forked child as the library does, whose crash is an error.

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
from kg.sparql.engine import (
    Answer,
    OxigraphEngine,
    answer_of,
    evaluate,
    outcome,
    query_kind,
    timeout_error,
)
from kg.sparql.netguard import deny_network

if TYPE_CHECKING:  # pragma: no cover
    from rdflib.plugins.sparql.sparql import Query

#: The exit status of a process whose query reached its time limit (as any kg error).
EXPIRED_STATUS = 1
#: The longest query text evaluated in this process; a longer one goes to a forked child
#: (kg.sparql.engine.evaluate). Oxigraph's parser and planner recurse once per operator,
#: and past its stack a thread dies with the process (SIGSEGV: no message). Measured with
#: pyoxigraph 0.5 on the main thread (8 MiB stack), texts of 64 KiB crash it (``1+1+...``,
#: ``!!!...true``, ``p|p|...``, ``{} UNION {}...``) and 8 KiB ones do not; on a thread with
#: :data:`STACK` bytes of stack none of them crashes at 64 KiB. Queries people write are a
#: few hundred bytes; a crash of the forked child is an error that names it.
IN_PROCESS_MAX_BYTES = 16 * 1024
#: The stack of the thread that evaluates (reserved, not used, until the query needs it).
STACK = 256 * 1024 * 1024


def evaluate_here(engine: OxigraphEngine, sparql: str, prepared: Query | None, *,
                  timeout: float | None, max_rows: int | None,
                  expired: Callable[[QueryTimeout], None]) -> Answer:
    """Evaluate a vetted query in this process, which is denied the network for good.

    At ``timeout`` seconds the process calls ``expired`` with the time-limit error and
    exits with :data:`EXPIRED_STATUS`; it never returns a partial answer. A SELECT's or
    ASK's terms are pyoxigraph's (kg.sparql.results prints them), a graph's are rdflib's.
    A text longer than :data:`IN_PROCESS_MAX_BYTES` is evaluated in a forked child.
    """
    if timeout is not None and timeout <= 0:
        raise QueryError(f"the time limit must be positive, got {timeout}")
    if len(sparql.encode("utf-8")) > IN_PROCESS_MAX_BYTES:
        return evaluate(engine, sparql, prepared, timeout=timeout, max_rows=max_rows)
    deny_network(every_thread=True)
    raw = prepared is None or query_kind(prepared) in ("SELECT", "ASK")
    found: list[tuple[str, Any]] = []
    interrupt = _default_sigint()
    try:
        worker = _started(lambda: found.append(outcome(lambda: engine.evaluate(
            sparql, prepared, max_rows=max_rows, raw=raw))))
        worker.join(timeout)  # pyoxigraph lets this thread run while it evaluates
        if worker.is_alive():
            assert timeout is not None
            expired(timeout_error(timeout))
            os._exit(EXPIRED_STATUS)
    finally:
        if interrupt is not None:
            signal.signal(signal.SIGINT, interrupt)
    return answer_of(*found[0])


def _started(run: Callable[[], None]) -> threading.Thread:
    """A daemon thread running ``run`` with :data:`STACK` bytes of stack (the size is taken
    when a thread starts; the setting is put back)."""
    previous = threading.stack_size(STACK)
    try:
        worker = threading.Thread(target=run, daemon=True, name="kg-query")
        worker.start()
        return worker
    finally:
        threading.stack_size(previous)


def _default_sigint() -> Any:
    """SIGINT's default action (the process ends) for now; the handler it replaced, or None
    where it cannot be set (not the main thread)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, signal.SIG_DFL)
