"""Streaming a graph into a SPARQL store in bounded memory, and the store's credentials.

A graph of any size goes up as a sequence of Graph Store Protocol ``POST`` requests of at
most ``chunk_bytes`` of N-Triples each (whole lines), read from an N-Triples file on disk:
the client never holds more than one chunk. Every chunk is its own request, and a blank
node is local to the request that carries it (two ``_:b1`` in two requests are two
nodes), so every line that mentions a blank node is set aside (in a temporary file, not in
memory) and all of them go in one last request: a blank node stays one node. The request
body of that last request is streamed from the file with its ``Content-Length`` (no
chunked transfer encoding: Virtuoso 7 answers 201 to a chunked body and stores nothing).

Credentials are never given on the command line (where shells, ``ps`` and logs keep
them): :func:`credentials` reads ``KG_STORE_USER`` and ``KG_STORE_PASSWORD`` from the
environment, else the store host's entry in ``~/.netrc`` (or ``$NETRC``), and sends them
as HTTP Basic authentication; neither is ever printed.
"""

from __future__ import annotations

import base64
import netrc
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

#: The largest request body of one chunk (bytes of N-Triples).
CHUNK_BYTES = 8 << 20

Send = Callable[[BinaryIO | bytes, int], None]  # (body, its length in bytes)


def credentials(url: str) -> dict[str, str]:
    """The Authorization header for ``url``'s host, from the environment or netrc ({} if none)."""
    user, password = os.environ.get("KG_STORE_USER"), os.environ.get("KG_STORE_PASSWORD")
    if user is None:
        user, password = _from_netrc(urlsplit(url).hostname or "")
    if user is None:
        return {}
    token = base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}"}


def _from_netrc(host: str) -> tuple[str | None, str | None]:
    path = Path(os.environ.get("NETRC") or Path.home() / ".netrc")
    if not host or not path.is_file():
        return None, None
    try:
        found = netrc.netrc(str(path)).authenticators(host)
    except (OSError, netrc.NetrcParseError):
        return None, None
    return (found[0], found[2]) if found else (None, None)


def _chunks(source: BinaryIO, size: int) -> Iterator[bytes]:
    """Whole lines, about ``size`` bytes at a time (a longer line comes whole)."""
    while block := source.read(size):
        if not block.endswith(b"\n"):
            block += source.readline()
        yield block


def _split_blank(block: bytes) -> tuple[bytes, bytes]:
    """The lines of ``block`` without a blank node, and those with one. A literal that
    contains `` _:`` counts as a blank node: it only goes in the last request."""
    plain: list[bytes] = []
    blank: list[bytes] = []
    for line in block.splitlines(keepends=True):
        (blank if line.startswith(b"_:") or b" _:" in line else plain).append(line)
    return b"".join(plain), b"".join(blank)


def upload(path: Path, send: Send, *, chunk_bytes: int = CHUNK_BYTES) -> int:
    """Send the N-Triples file ``path`` by ``send`` in chunks (blank nodes last, together);
    the number of triples sent."""
    triples = 0
    with open(path, "rb") as source, tempfile.TemporaryFile() as blanks:
        for block in _chunks(source, chunk_bytes):
            if b"_:" in block:
                block, blank = _split_blank(block)
                blanks.write(blank)
                triples += blank.count(b"\n")
            if block:
                send(block, len(block))
                triples += block.count(b"\n")
        size = blanks.tell()
        if size:
            blanks.seek(0)
            send(blanks, size)
    return triples
