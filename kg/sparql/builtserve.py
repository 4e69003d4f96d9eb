"""``kg serve`` over the built graph (kg.pipeline.built), following each build a running endpoint
outlives.

The endpoint answers from the store generation the manifest names; on each request it
checks the manifest (a stat) and, once a build has committed a new generation, answers
from a fresh pool of workers over it. Above both kg.pipeline.built and kg.sparql.serve,
so neither needs the other.
"""

from __future__ import annotations

from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kg.pipeline.built import Built, Follower
from kg.sparql.admission import Pool
from kg.sparql.serve import Endpoint, Settings, query_pool


def make_built_server(built: Built, *, host: str = "127.0.0.1", port: int = 8000,
                      timeout: float | None = 10.0, max_rows: int | None = 10_000,
                      html: Path | None = None, log: bool = False, workers: int = 2) -> Any:
    """``kg serve`` over the built store, moving to each new generation a build commits:
    the first request after a commit gets a fresh pool of workers over the new store;
    the previous pool (whose workers may still be answering) is stopped at the switch
    after that."""
    class BuiltEndpoint(Endpoint):
        _pool: Pool

        def __init__(self) -> None:
            self._follower = Follower(built)
            self._retired: list[Pool] = []
            super().__init__(built.engine(), Settings(timeout=timeout, max_rows=max_rows,
                                                      html=html, log=log, workers=workers),
                             (host, port))

        @property
        def pool(self) -> Pool:
            now, new = self._follower.current()
            if new:
                for old in self._retired:
                    old.close()
                self._retired = [self._pool]
                self.engine = now.engine()
                self._pool = query_pool(self.engine, self.settings)
            return self._pool

        @pool.setter
        def pool(self, value: Pool) -> None:
            self._pool = value

        def server_close(self) -> None:
            # Endpoint.server_close would read ``pool``, and so might switch generations
            # while closing: close the socket and every pool made, and nothing more.
            ThreadingHTTPServer.server_close(self)
            for pool in (*self._retired, getattr(self, "_pool", None)):
                if pool is not None:
                    pool.close()

    return BuiltEndpoint()
