"""The build lock: one writer per output folder at a time, and no leftovers from a crash.

``kg build`` writes ``out/`` while holding an exclusive ``fcntl.flock`` on
``out/.kg.lock``. A second build waits for the lock (up to ``wait`` seconds) or fails
with a message naming the folder; the kernel drops the lock when its holder exits, even
when it is killed, so a crashed build never blocks the next one. Under the lock, staged
temporary files (``.graph.ttl.*.tmp``) left by a killed build are removed.
"""

from __future__ import annotations

import errno
import fcntl
import glob
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.core.errors import KGError

LOCK_NAME = ".kg.lock"


class LockError(KGError):
    """Another process holds the build lock of the output folder."""


@contextmanager
def build_lock(out_dir: Path | str, *, wait: float = 0.0, poll: float = 0.05) -> Iterator[Path]:
    """Hold the exclusive lock of ``out_dir`` (created if missing) for the ``with`` block.

    Waits up to ``wait`` seconds for another holder to finish; raises LockError after.
    """
    out = Path(out_dir)
    path = out / LOCK_NAME
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise LockError(f"{path}: cannot open the build lock: {exc.strerror or exc}") from exc
    try:
        _acquire(fd, path, wait, poll)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _acquire(fd: int, path: Path, wait: float, poll: float) -> None:
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise LockError(f"{path}: cannot lock: {exc.strerror or exc}") from exc
        if time.monotonic() >= deadline:
            waited = f" after waiting {wait:g} s" if wait > 0 else ""
            raise LockError(f"{path.parent}: another kg build is writing this folder{waited}; "
                            "nothing written (run again when it has finished)")
        time.sleep(poll)


def remove_stale_temps(targets: Iterable[Path]) -> list[Path]:
    """Remove the staged temporaries (``.<name>.*.tmp`` beside each target) a killed build
    left behind. Call it only while holding the build lock: no live build writes them.
    """
    removed = []
    for target in targets:
        for tmp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
            try:
                tmp.unlink()
                removed.append(tmp)
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise LockError(f"{tmp}: cannot remove a stale temporary file: "
                                f"{exc.strerror or exc}") from exc
    return sorted(removed)
