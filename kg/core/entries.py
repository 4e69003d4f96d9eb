"""The cache's entry store: values kept by key in a cache folder, each with an HMAC.

Entries are pickles, so each carries an HMAC-SHA256 made with a secret key kept in the
cache folder (``.kg-cache-key``, 32 random bytes, mode 0600, made on first use): an entry
that someone replaced or planted has no valid MAC and is ignored (rebuilt) before any of
it is unpickled. A cache folder that belongs to another user or that others may write,
or a key file others may read, is not used at all (:func:`cache_problem`).

This is the bottom of the cache: the stages that keep results by content (the page's
parts, kg.page.pageparts; SHACL results, kg.rdf.shaclfiles) use it directly, and the build's
cache around the stages (kg.pipeline.cache, datafiles, rebuild, importcache) is made of it.
"""

from __future__ import annotations

import contextlib
import copyreg
import dataclasses
import hashlib
import hmac
import io
import os
import pickle
import sys
import tempfile
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from kg.core import model
from kg.core.cachedir import default_cache_dir as default_cache_dir
from kg.core.errors import Issue, Loc, make_issue, make_loc

_READER_MODULES = ("curate/load.py", "curate/yamlread.py", "curate/yamlfast.py", "curate/ynodes.py",
                   "core/model.py", "core/errors.py", "core/dates.py", "core/entries.py",
                   "pipeline/cache.py")


@cache
def code_version() -> str:
    """A hash of the code that turns bytes into records: changing it empties the cache."""
    digest = hashlib.sha256(sys.version.encode())
    for name in _READER_MODULES:
        digest.update(resources.files("kg").joinpath(name).read_bytes())
    return digest.hexdigest()


KEY_FILE = ".kg-cache-key"
_KEY_BYTES = 32
_MAC_BYTES = hashlib.sha256().digest_size
_keys: dict[Path, bytes | None] = {}


def cache_problem(cache_dir: Path) -> str | None:
    """Why ``cache_dir`` is not used (a folder or key file others could write), or None."""
    try:
        info = cache_dir.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cache folder {cache_dir}: {exc.strerror}"
    if info.st_uid != os.geteuid():
        return f"cache folder {cache_dir} belongs to another user; not used"
    if info.st_mode & 0o022:
        return (f"cache folder {cache_dir} is writable by others; not used (chmod go-w it, "
                "or use --no-cache)")
    return None


def _secret(cache_dir: Path) -> bytes | None:
    """The cache's secret key (made on first use, readable by its owner only), or None
    when the cache must not be used (see :func:`cache_problem`)."""
    where = cache_dir.absolute()
    if where in _keys:
        return _keys[where]
    key = None
    try:
        if cache_problem(cache_dir) is None:
            cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            key = _read_key(cache_dir / KEY_FILE) or _make_key(cache_dir)
    except OSError:
        key = None
    _keys[where] = key
    return key


def _read_key(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if info.st_uid != os.geteuid() or info.st_mode & 0o077:
            raise PermissionError(f"{path}: not private to its owner")
        data = handle.read(_KEY_BYTES + 1)
    if len(data) != _KEY_BYTES:
        raise PermissionError(f"{path}: not a key")
    return data


def _make_key(cache_dir: Path) -> bytes | None:
    """A new random key, linked into place atomically (another process may win the race:
    its key is then read)."""
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".tmp-")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(os.urandom(_KEY_BYTES))
        with contextlib.suppress(FileExistsError):
            os.link(tmp, cache_dir / KEY_FILE)
    finally:
        os.unlink(tmp)
    return _read_key(cache_dir / KEY_FILE)


def _mac(secret: bytes, key: str, payload: bytes | memoryview) -> bytes:
    """The MAC of ``key`` and ``payload``, fed in turn: no copy of the payload (a rebuild
    at 1M facts reads entries of hundreds of MB, and copying them cost more than the
    SHA-256)."""
    mac = hmac.new(secret, key.encode() + b"\0", hashlib.sha256)
    mac.update(payload)
    return mac.digest()


def read_entry(cache_dir: Path, kind: str, key: str) -> object | None:
    """The value stored under ``key``, or None when absent, unreadable or not made by kg
    with this cache's secret key (its MAC does not match: nothing of it is unpickled)."""
    secret = _secret(cache_dir)
    if secret is None:
        return None
    path = cache_dir / kind / key[:2] / key
    try:
        data = path.read_bytes()
    except OSError:
        return None
    payload = memoryview(data)[_MAC_BYTES:]  # read in place, not copied
    try:
        if not hmac.compare_digest(data[:_MAC_BYTES], _mac(secret, key, payload)):
            return None
        stored_key, value = pickle.loads(payload)
    except (EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError,
            ImportError):
        return None
    finally:
        payload.release()
    return value if stored_key == key else None


_RECORDS: tuple[type, ...] = (model.Source, model.Entity, model.Amount,
                              model.Quantity, model.Qualifiers, model.Citation,
                              model.Statement, model.Dataset)


def _reducer(cls: type) -> Any:
    names = tuple(f.name for f in dataclasses.fields(cls))

    def reduce(obj: object) -> tuple[type, tuple[object, ...]]:
        return cls, tuple(getattr(obj, n) for n in names)

    return reduce


def _reduce_loc(loc: Loc) -> tuple[Any, tuple[object, ...]]:
    return make_loc, (loc.file, loc.line, loc.col)


def _reduce_issue(issue: Issue) -> tuple[Any, tuple[object, ...]]:
    return make_issue, (issue.loc, issue.message, issue.value, issue.severity, issue.code)


@cache
def _dispatch() -> dict[type, Any]:
    """Records pickle as constructor calls, several times faster to load than slot state;
    positions and issues (73,000 warnings in a 100k rebuild's cached checks) as calls of
    their faster makers (kg.core.errors.make_loc, make_issue)."""
    table: dict[type, Any] = dict(copyreg.dispatch_table)
    table.update({cls: _reducer(cls) for cls in _RECORDS})
    table.update({Loc: _reduce_loc, Issue: _reduce_issue})
    return table


def dumps(value: object) -> bytes:
    """``value`` pickled with kg's records as constructor calls and positions and issues
    as calls of their makers (:func:`_dispatch`): what the cache stores, and what
    kg.core.fork sends between processes (a streamed build's child sends back hundreds
    of thousands of warnings at a million facts: half the time of their own pickling,
    each way). ``pickle.loads`` reads it."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _dispatch()
    pickler.dump(value)
    return buffer.getvalue()


def write_entry(cache_dir: Path, kind: str, key: str, value: object) -> None:
    """Store ``value`` atomically with its MAC; a cache that cannot be written (a full
    disk) is silently skipped, and the temporary file removed."""
    secret = _secret(cache_dir)
    if secret is None:
        return
    folder = cache_dir / kind / key[:2]
    payload = dumps((key, value))
    tmp = None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(_mac(secret, key, payload))
            handle.write(payload)
        os.replace(tmp, folder / key)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
