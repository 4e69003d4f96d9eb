"""One HTTP request under a whole-request deadline, for kg's clients of SPARQL stores.

``urllib``'s ``timeout`` bounds each socket operation, not the request: a server that
sends one byte every few seconds keeps it waiting forever (issue 19: 27 s with a 10 s
timeout). :func:`fetch` starts a timer at the deadline that shuts the socket down, which
wakes any blocked read or write at once, and reports the request as timed out; it also
stops reading an answer past ``max_bytes``. Plain ``http`` and ``https`` only; redirects
are not followed and no proxy is used (the store's URL is given, not discovered).
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

#: The largest answer read from a store (bytes): beyond it the request fails.
MAX_ANSWER = 1 << 30


class FetchTimeout(Exception):
    """The deadline passed before the whole answer arrived."""


class FetchTooLarge(Exception):
    """The answer is larger than the byte limit."""


@dataclass(frozen=True, slots=True)
class Fetched:
    status: int
    reason: str
    media: str
    body: bytes


def fetch(method: str, url: str, body: bytes | BinaryIO | None, *, headers: dict[str, str],
          timeout: float, max_bytes: int = MAX_ANSWER) -> Fetched:
    """Send the request and read the whole answer within ``timeout`` seconds in all
    (FetchTimeout otherwise); OSError and http.client.HTTPException for the rest. A file
    ``body`` is streamed in 64 KiB blocks and needs a ``Content-Length`` header."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OSError(f"not an http(s) URL: {url!r}")
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    deadline = time.monotonic() + timeout
    conn = kind(parts.hostname, parts.port, timeout=timeout, blocksize=1 << 16)
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        sock = conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request(method, target, body=body, headers=headers)
        response = conn.getresponse()
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read1(65536):
            size += len(chunk)
            if size > max_bytes:
                raise FetchTooLarge(f"the answer is larger than {max_bytes} bytes")
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise FetchTimeout
        if expired.is_set():
            raise FetchTimeout
        media = (response.getheader("Content-Type") or "").split(";")[0].strip()
        return Fetched(response.status, response.reason, media, b"".join(chunks))
    except (OSError, http.client.HTTPException):
        if expired.is_set() or time.monotonic() >= deadline:
            raise FetchTimeout from None
        raise
    finally:
        timer.cancel()
        conn.close()
