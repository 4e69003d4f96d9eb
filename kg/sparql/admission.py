"""Fair admission of the endpoint's queries to a small pool of query workers.

The endpoint (kg.sparql.serve) answers each connection in its own thread, but queries run in a
few worker processes (kg.sparql.worker.QueryWorker, one child each). Between the two sits
:class:`Pool`:

- **bounded**: at most ``queue`` queries wait for a worker; one more is refused at once
  (:class:`Refused`, which the endpoint answers with 503 and ``Retry-After``), so a flood
  costs a refusal each, never memory or threads that pile up;
- **fair**: a client (the peer's IP address) may have at most ``per_client`` queries
  running or waiting (its share; beyond it, a 503 too), may run at most
  ``workers - 1`` of them at once (so one worker always stays free for the others when
  there are two or more), and free workers go to the waiting clients in turn
  (round-robin), not in arrival order: a client that sends many queries waits behind
  its own queries, not the others behind it;
- **deadline-bound**: a query's time limit starts when it arrives. :meth:`Pool.slot`
  waits for a worker only until the query's deadline (:class:`WaitedTooLong`), and the
  endpoint gives the worker only the time that is left.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from kg.core.errors import QueryError
from kg.sparql.engine import Engine
from kg.sparql.worker import QueryWorker


class Refused(Exception):
    """The query was not admitted (the queue is full, or its client has its share)."""


class WaitedTooLong(Exception):
    """The query's deadline passed while it waited for a worker."""


@dataclass(eq=False, slots=True)
class _Ticket:
    client: str
    worker: QueryWorker | None = None


class Pool:
    """``workers`` query workers over ``engine``, handed out fairly (thread-safe)."""

    def __init__(self, engine: Engine, *, workers: int = 2, queue: int = 32,
                 per_client: int = 4) -> None:
        if workers < 1 or queue < 0 or per_client < 1:
            raise QueryError(f"the endpoint needs at least 1 worker (got {workers}), a "
                             f"queue of 0 or more (got {queue}) and a share of at least 1 "
                             f"query per client (got {per_client})")
        self.workers = [QueryWorker(engine) for _ in range(workers)]
        self.queue = queue
        self.per_client = per_client
        self.max_running = max(1, workers - 1)
        self._free = list(self.workers)
        self._cond = threading.Condition()
        self._waiting: dict[str, deque[_Ticket]] = {}
        self._turns: deque[str] = deque()
        self._running: Counter[str] = Counter()
        self._queued = 0
        self._closed = False

    def _held(self, client: str) -> int:
        return self._running[client] + len(self._waiting.get(client, ()))

    @contextmanager
    def slot(self, client: str, deadline: float) -> Iterator[QueryWorker]:
        """A worker for one query of ``client``, held until the block ends; Refused when
        the query is not admitted, WaitedTooLong when ``deadline`` (a ``time.monotonic()``
        value) passes first."""
        with self._cond:
            if self._closed:
                raise Refused("the endpoint is shutting down")
            if self._held(client) >= self.per_client:
                raise Refused(f"this client already has {self.per_client} queries running "
                              "or waiting (its share); wait for their answers")
            if self._queued >= self.queue and not self._free:
                raise Refused(f"{self._queued} queries are already waiting (the queue's "
                              "limit); retry later")
            ticket = _Ticket(client)
            if client not in self._waiting:
                self._waiting[client] = deque()
                self._turns.append(client)
            self._waiting[client].append(ticket)
            self._queued += 1
            self._dispatch()
            while ticket.worker is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    self._withdraw(ticket)
                    raise WaitedTooLong(client)
                self._cond.wait(remaining)
            worker = ticket.worker
        try:
            yield worker
        finally:
            with self._cond:
                self._running[client] -= 1
                if not self._running[client]:
                    del self._running[client]
                self._free.append(worker)
                self._dispatch()

    def _withdraw(self, ticket: _Ticket) -> None:
        waiting = self._waiting[ticket.client]
        waiting.remove(ticket)
        self._queued -= 1
        if not waiting:
            del self._waiting[ticket.client]
            self._turns.remove(ticket.client)

    def _dispatch(self) -> None:
        """Give free workers to waiting clients in turn (skipping clients at their running
        limit); wake the threads whose tickets got one."""
        given = False
        skipped = 0
        while self._free and self._turns and skipped < len(self._turns):
            client = self._turns.popleft()
            if self._running[client] >= self.max_running:
                self._turns.append(client)
                skipped += 1
                continue
            skipped = 0
            waiting = self._waiting[client]
            ticket = waiting.popleft()
            self._queued -= 1
            if waiting:
                self._turns.append(client)
            else:
                del self._waiting[client]
            ticket.worker = self._free.pop()
            self._running[client] += 1
            given = True
        if given:
            self._cond.notify_all()

    def stats(self) -> tuple[int, int]:
        """(queries running, queries waiting) now."""
        with self._cond:
            return sum(self._running.values()), self._queued

    def close(self) -> None:
        """Stop every worker; waiting and later queries are refused."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for worker in self.workers:
            worker.close()
