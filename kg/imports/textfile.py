"""Reading a file to import: a regular file under a size limit, its encoding detected.

Every import path is checked before a byte is read: it must be a regular file (a device
such as ``/dev/zero``, a FIFO or a directory is refused) no larger than the import size
limit (:data:`MAX_IMPORT_BYTES`, 64 MiB, unless ``kg.toml`` sets ``[imports]
max_import_bytes``). The file is opened without blocking and checked again on the open
descriptor, and never more than the limit is read, so a file that grows meanwhile is
refused too. Imports are read whole (the register is 4 MiB), so the limit is what bounds
memory: a larger file is refused with the limit named, never read.

Text is decoded as the exports people actually have are encoded: a UTF-8 byte-order mark
means UTF-8; valid UTF-8 with multibyte sequences is UTF-8 (a file re-saved by an editor);
pure ASCII is ASCII; anything else is Latin-1 (SIPRI's own encoding). The name of the
encoding used is returned, for the import report.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kg.core.errors import ImportFileError, Loc

MAX_IMPORT_BYTES = 64 * 2**20
UTF8_BOM = b"\xef\xbb\xbf"


def _mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB" if size >= 2**20 else f"{size} bytes"


def read_import_bytes(path: Path | str, *, limit: int = MAX_IMPORT_BYTES) -> bytes:
    """The bytes of ``path``; ImportFileError unless it is a regular file within ``limit``."""
    name = str(path)
    too_big = (f"larger than the import size limit of {_mib(limit)} ([imports] "
               f"max_import_bytes = {limit} in kg.toml); refused unread")
    try:
        before = os.stat(path)
        if not stat.S_ISREG(before.st_mode):
            raise ImportFileError(Loc(name), "not a regular file (devices, FIFOs, sockets "
                                  "and folders are refused before reading)")
        if before.st_size > limit:
            raise ImportFileError(Loc(name), f"{too_big} (the file is {_mib(before.st_size)})")
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ImportFileError(Loc(name), f"cannot read: {exc.strerror}") from exc
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # swapped since the first look
            raise ImportFileError(Loc(name), "not a regular file")
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ImportFileError(Loc(name), f"{too_big} (the file grew while being read)")
    return data


def _loc_of_byte(name: str, raw: bytes, offset: int) -> Loc:
    line = raw.count(b"\n", 0, offset) + 1
    start = max(raw.rfind(b"\n", 0, offset) + 1, len(UTF8_BOM) if raw.startswith(UTF8_BOM)
                else 0)
    return Loc(name, line, len(raw[start:offset].decode("utf-8", "replace")) + 1)


def decode_text(name: str, raw: bytes) -> tuple[str, str]:
    """``raw`` as text and the name of the encoding used (see the module docstring)."""
    if raw.startswith(UTF8_BOM):
        try:
            return raw[len(UTF8_BOM):].decode("utf-8"), "UTF-8 (byte-order mark)"
        except UnicodeDecodeError as exc:
            at = exc.start + len(UTF8_BOM)
            raise ImportFileError(_loc_of_byte(name, raw, at), "the file starts with a UTF-8 "
                                  "byte-order mark but is not UTF-8 here",
                                  raw[at:at + 4]) from None
    if raw.isascii():
        return raw.decode("ascii"), "ASCII"
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "Latin-1"
