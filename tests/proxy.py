"""A real TCP proxy on 127.0.0.1 that cuts one connection mid-request (tests/test_push_stores.py).

Every connection is forwarded to the upstream both ways. Once ``after_bytes`` bytes have
gone upstream in all, the connection carrying the byte past that count is closed on both
sides at once (a reset, mid-body); later connections are forwarded whole again, so a
client's clean-up after the failure reaches the store.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit


def _reset(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@contextlib.contextmanager
def cutting_proxy(upstream: str, *, after_bytes: int) -> Iterator[str]:
    """A proxy to the ``http://host:port`` ``upstream``; its own base URL."""
    target = urlsplit(upstream)
    listener = socket.create_server(("127.0.0.1", 0))
    state = {"sent": 0, "cut": False}
    lock = threading.Lock()
    stop = threading.Event()
    opened: list[socket.socket] = []  # closed at the end, whatever happened

    def pipe(src: socket.socket, dst: socket.socket, counted: bool) -> None:
        try:
            while data := src.recv(65536):
                if counted:
                    with lock:
                        state["sent"] += len(data)
                        cut = not state["cut"] and state["sent"] > after_bytes
                        state["cut"] = state["cut"] or cut
                    if cut:
                        _reset(src)
                        _reset(dst)
                        return
                dst.sendall(data)
        except OSError:
            pass
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            server = socket.create_connection((target.hostname, target.port), timeout=60)
            opened.extend((client, server))
            for a, b, counted in ((client, server, True), (server, client, False)):
                threading.Thread(target=pipe, args=(a, b, counted), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()
        for sock in opened:
            sock.close()
