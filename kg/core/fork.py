"""Two things at once on two cores: one in a forked child, one here.

The build's last steps (SHACL, the three serializations, the page) only read what is
already in memory, so a child made with ``fork()`` sees it all copy-on-write, with nothing
pickled on the way in; only its small result comes back, pickled, over a pipe. Calls and
results are pickled by kg.core.entries.dumps: kg's records, positions and issues as calls
that load in half the time of their own pickling.

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
from typing import Any, TypeVar

from kg.core.entries import dumps

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
    forked = Forked(child)
    try:
        mine: B = here()
    finally:
        forked.wait()
    return forked.result(), mine


class Forked:
    """``call()`` begun now in a forked child, its result taken later (:meth:`result`):
    :func:`both` with the work here left to the caller. The child sees this process as it
    is now, copy-on-write, so ``call`` may be any function; its result must pickle.
    :meth:`close` (or leaving the ``with`` block) stops a child whose result was not
    taken. Where forking cannot be arranged, ``call`` runs here, in :meth:`result`."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self._call = call
        self._pid: int | None = None
        self._answer: int | None = None
        self._done: tuple[bytes, int] | None = None
        if not _can_fork():
            return
        read_fd, write_fd = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, reported through the pipe
            os.close(read_fd)
            code = 0
            try:
                if not _die_with_parent(parent):
                    os._exit(3)
                _send_outcome(write_fd, call)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(write_fd)
        self._pid, self._answer = pid, read_fd

    def __enter__(self) -> Forked:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait(self) -> None:
        """Wait until the child has ended (its outcome kept for :meth:`result`)."""
        if self._pid is None or self._answer is None:
            return
        with os.fdopen(self._answer, "rb") as pipe:
            self._answer = None
            data = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid, self._done = None, (data, status)

    def result(self) -> Any:
        """The call's result (ChildFailed when it raised in the child)."""
        self.wait()
        if self._done is None:
            return self._call()  # no fork here: the call runs now
        data, status = self._done
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3:
            return self._call()  # no parent-death signal there: the call runs here
        return _outcome(data, status)

    def close(self) -> None:
        """End the child if it is still running: it is stopped (SIGKILL)."""
        if self._answer is not None:
            os.close(self._answer)
            self._answer = None
        if self._pid is not None:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None


def _send_outcome(fd: int, call: Callable[[], Any]) -> None:  # pragma: no cover - child
    """Run ``call`` and write its result, or its exception as text, pickled to ``fd``."""
    try:
        payload = dumps(("ok", call()))
    except BaseException as exc:
        payload = pickle.dumps(("error", (type(exc).__name__, str(exc),
                                          traceback.format_exc())))
    with os.fdopen(fd, "wb") as pipe:
        pipe.write(payload)


def _outcome(data: bytes, status: int) -> Any:
    """What :func:`_send_outcome` sent: the result, or ChildFailed."""
    if not data:
        raise ChildFailed("ChildDied", f"the worker process ended with status {status}", "")
    kind, value = pickle.loads(data)
    if kind == "error":
        raise ChildFailed(*value)
    return value


class Standby:
    """A process forked now, while this one is still small, that runs one call later.

    :func:`both` forks at the moment of the work, so the child starts as large as this
    process is then (its pages are shared, but count in its resident memory, and any
    this process writes meanwhile are copied). A Standby forks at once and waits:
    :meth:`start` sends it a function (module-level: it is pickled by name) and its
    arguments, which must pickle; :meth:`result` waits for the function's result, or
    raises :class:`ChildFailed`. :meth:`close` (or leaving the ``with`` block) stops a
    child whose result was not taken. Where forking cannot be arranged, the call runs here, in
    :meth:`result`.
    """

    def __init__(self) -> None:
        self._pid: int | None = None
        self._request: int | None = None
        self._answer: int | None = None
        self._call: tuple[Callable[..., Any], tuple[Any, ...]] | None = None
        if not _can_fork():
            return
        request_r, request_w = os.pipe()
        answer_r, answer_w = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child, reported through the pipe
            os.close(request_w)
            os.close(answer_r)
            _serve(parent, request_r, answer_w)
        os.close(request_r)
        os.close(answer_w)
        self._pid, self._request, self._answer = pid, request_w, answer_r

    def __enter__(self) -> Standby:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self, func: Callable[..., Any], *args: Any) -> None:
        """Send the call (the child begins it at once)."""
        self._call = (func, args)
        if self._request is None:
            return
        payload = dumps(self._call)
        payload = len(payload).to_bytes(8, "big") + payload  # (a later fork holds this
        try:  # pipe's end too: the child cannot wait for its end, only for its length)
            with os.fdopen(self._request, "wb") as pipe:
                self._request = None
                pipe.write(payload)
        except BrokenPipeError:
            pass  # the child could not be tied to this process and left: result() runs it

    def result(self) -> Any:
        """The call's result (ChildFailed when it raised in the child)."""
        assert self._call is not None, "start() was not called"
        if self._pid is None:
            func, args = self._call
            return func(*args)
        assert self._answer is not None
        with os.fdopen(self._answer, "rb") as pipe:
            self._answer = None
            data = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 3:
            func, args = self._call  # no parent-death signal there: the call runs here
            return func(*args)
        return _outcome(data, status)

    def close(self) -> None:
        """End the child if its result was not taken: it is stopped (SIGKILL)."""
        for fd in (self._request, self._answer):
            if fd is not None:
                os.close(fd)
        self._request = self._answer = None
        if self._pid is not None:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None


def _serve(parent: int, request: int, answer: int) -> None:  # pragma: no cover - child
    """The Standby child: read one call, run it, send back its result, exit."""
    code = 0
    try:
        if not _die_with_parent(parent):
            os._exit(3)
        with os.fdopen(request, "rb") as pipe:
            size = int.from_bytes(pipe.read(8), "big")
            data = pipe.read(size)
        if len(data) != size or not size:
            os._exit(0)  # closed without a call
        func, args = pickle.loads(data)
        del data  # the call's bytes: not held while it runs
        _send_outcome(answer, lambda: func(*args))
    except BaseException:
        code = 1
    finally:
        os._exit(code)
