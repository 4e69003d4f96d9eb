"""A process that evaluates user SPARQL can open no socket: a seccomp filter, made here.

Why our own code. The query text is vetted before evaluation (kg.sparql.vetting.vet), but a
vetting is only as good as its agreement with the engine's tokenizer: one disagreement
(Oxigraph ends a comment at a bare carriage return, rdflib did not) and Oxigraph runs a
``SERVICE`` call, POSTing to any address. pyoxigraph has no switch for its service
handler, so the second line of defence is the process: every query runs in a forked
child (kg.sparql.engine, kg.sparql.worker), and the child first installs a seccomp-BPF filter on
itself that makes the ``socket`` system call fail with EACCES. The filter is a kernel
rule, so it holds for Rust code (Oxigraph's HTTP client) as for Python; it cannot be
lifted by the process; and the child keeps the descriptors it already has (its pipe to
the parent). Python's standard library has no seccomp binding and the PyPI ones need
libseccomp's headers at install time, while the filter is eight BPF instructions, so it
is written here with ctypes (Linux on x86_64 or aarch64; the system call numbers are
per architecture).

On any other system :func:`deny_network` raises NetworkGuardError and the child refuses
to evaluate: a query runs guarded or not at all.
"""

from __future__ import annotations

import ctypes
import errno
import os
import struct
import sys
from functools import cache
from typing import NoReturn

from kg.core.errors import QueryError


class NetworkGuardError(QueryError):
    """The process could not be made unable to open sockets."""


# linux/filter.h, linux/seccomp.h, linux/audit.h, linux/prctl.h
_BPF_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_BPF_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_BPF_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_BPF_RET_K = 0x06  # BPF_RET | BPF_K
_SECCOMP_RET_ALLOW = 0x7FFF0000
_SECCOMP_RET_ERRNO = 0x00050000
_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_X32_SYSCALL_BIT = 0x40000000

_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_TSYNC = 1

#: machine -> (AUDIT_ARCH_*, the number of the socket system call)
_ARCHES = {
    "x86_64": (0xC000003E, 41),
    "aarch64": (0xC00000B7, 198),
}
#: machine -> the number of the seccomp system call (for the filter on every thread)
_SECCOMP_NR = {"x86_64": 317, "aarch64": 277}


def _program(arch: int, socket_nr: int) -> bytes:
    """The filter: on another architecture, or the x32 ABI, or ``socket``: EACCES."""
    deny = _SECCOMP_RET_ERRNO | errno.EACCES
    code = [
        (_BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (_BPF_JEQ_K, 1, 0, arch),
        (_BPF_RET_K, 0, 0, deny),
        (_BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
        (_BPF_JGE_K, 2, 0, _X32_SYSCALL_BIT),
        (_BPF_JEQ_K, 1, 0, socket_nr),
        (_BPF_RET_K, 0, 0, _SECCOMP_RET_ALLOW),
        (_BPF_RET_K, 0, 0, deny),
    ]
    return b"".join(struct.pack("=HBBI", *insn) for insn in code)


class _SockFprog(ctypes.Structure):
    _fields_ = (("len", ctypes.c_ushort), ("filter", ctypes.c_void_p))


def deny_network(*, every_thread: bool = False) -> None:
    """Make this process (and what it forks) unable to create any socket, for good.

    The filter holds for the calling thread and the threads it starts later; with
    ``every_thread`` also for the threads already running (seccomp's TSYNC: a process
    that evaluates in itself, kg.sparql.oneshot, has the store's threads and a watchdog).
    """
    machine = os.uname().machine.lower()
    if not sys.platform.startswith("linux") or machine not in _ARCHES:
        raise NetworkGuardError(f"queries are evaluated only where kg can deny them the "
                                f"network (Linux on x86_64 or aarch64), not {sys.platform} "
                                f"on {machine}")
    program = _program(*_ARCHES[machine])
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = _libc()
    if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        _refused(ctypes.get_errno())
    if every_thread:
        done = libc.syscall(_SECCOMP_NR[machine], _SECCOMP_SET_MODE_FILTER,
                            _SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(fprog))
        if done > 0:  # the id of a thread that could not take the filter
            raise NetworkGuardError(f"cannot deny thread {done} of the query process the "
                                    "network (seccomp); the query is not run")
    else:
        done = libc.prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0)
    if done != 0:
        _refused(ctypes.get_errno())


@cache
def _libc() -> ctypes.CDLL:
    """The C library this process runs on (loaded once: it costs a third of a millisecond,
    which a millisecond query would feel)."""
    return ctypes.CDLL(None, use_errno=True)


def _refused(code: int) -> NoReturn:
    raise NetworkGuardError("cannot deny the query process the network (seccomp: "
                            f"{errno.errorcode.get(code, code)}); the query is not run")
