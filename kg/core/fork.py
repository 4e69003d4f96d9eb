"""Two things at once on two cores: one in a forked child, one here.

The build's last steps (SHACL, the three serializations, the page) only read what is
already in memory, so a child made with ``fork()`` sees it all copy-on-write, with nothing
pickled on the way in; only its small result comes back, pickled, over a pipe.

The child is tied to this process: Linux kills it (``PR_SET_PDEATHSIG``) if this process
dies, so a killed build never leaves a child writing behind it. Where that cannot be
arranged (no ``fork``, no prctl), both run here, one after the other: the same results,
one core.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import traceback
from collections.abc import Callable
from typing import TypeVar

A = TypeVar("A")
B = TypeVar("B")

_PR_SET_PDEATHSIG = 1


class ChildFailed(Exception):
    """The child raised: its exception type and message (and traceback) as text."""

    def __init__(self, kind: str, message: str, trace: str) -> None:
        super().__init__(kind, message, trace)
        self.kind, self.message, self.trace = kind, message, trace

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


def _die_with_parent(parent: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    return os.getppid() == parent  # the parent may have died before prctl


def _can_fork() -> bool:
    return hasattr(os, "fork") and os.name == "posix" and \
        os.path.exists("/proc/self")  # Linux: prctl(PR_SET_PDEATHSIG)


def both(child: Callable[[], A], here: Callable[[], B], *, parallel: bool = True) -> \
        tuple[A, B]:
    """``(child(), here())``, with ``child`` run in a forked process when possible.

    An exception in ``here`` propagates after the child has finished (and its result is
    discarded); an exception in the child is raised here as :class:`ChildFailed`, after
    ``here`` has run, so neither leaves the other running. ``child``'s result must pickle.
    """
    if not (parallel and _can_fork()):
        return child(), here()
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child, reported through the pipe
        os.close(read_fd)
        code = 0
        try:
            if not _die_with_parent(parent):
                os._exit(3)
            try:
                payload = pickle.dumps(("ok", child()), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as exc:
                payload = pickle.dumps(("error", (type(exc).__name__, str(exc),
                                                  traceback.format_exc())))
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(payload)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        mine: B = here()
    finally:
        with os.fdopen(read_fd, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3:
        return child(), mine  # no parent-death signal here: do the child's part ourselves
    if not data:
        raise ChildFailed("ChildDied", f"the worker process ended with status {status}", "")
    kind, value = pickle.loads(data)
    if kind == "error":
        raise ChildFailed(*value)
    return value, mine
