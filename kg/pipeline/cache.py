"""A per-file cache of parsed data files, keyed by content, so a rebuild parses only edits.

Each entry is the strict reader's result for one file (its records and issues), stored
under a key that hashes the file's display name, its bytes and the source code of the
reader itself. An edited file (or an upgraded kg) has a new key, so a cached result can
never be stale; an unreadable or mismatching entry is ignored and the file re-parsed.

Entries are kept by kg.core.entries (pickles, each with an HMAC made with a secret key
kept in the cache folder: a replaced or planted entry is ignored before any of it is
unpickled; a cache folder others may write is not used at all). The other per-file
entries (:mod:`kg.pipeline.datafiles`: summaries, each record's checks, page rows;
:mod:`kg.rdf.shaclfiles`: SHACL results) are stored with :func:`read_entry` and
:func:`write_entry` under keys made from these content keys.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from kg.core.entries import KEY_FILE as KEY_FILE
from kg.core.entries import cache_problem as cache_problem
from kg.core.entries import code_version as code_version
from kg.core.entries import default_cache_dir as default_cache_dir
from kg.core.entries import read_entry as read_entry
from kg.core.entries import write_entry as write_entry
from kg.core.errors import Issue
from kg.core.model import Dataset
from kg.core.model import merge as merge
from kg.curate.load import (
    data_file_issues,
    data_files,
    display_name,
    load,
    load_file,
    missing_folder,
)


def file_key(name: str, data: bytes, *, salt: str = "") -> str:
    digest = hashlib.sha256(code_version().encode() + salt.encode() + b"\0")
    digest.update(name.encode() + b"\0")
    digest.update(data)
    return digest.hexdigest()


def load_cached(root: Path | str, *, cache_dir: Path | None,
                display_root: Path | str | None = None) -> tuple[Dataset, list[Issue]]:
    """Like :func:`kg.curate.load.load`, reusing cached parses of unchanged files.

    With ``cache_dir=None`` this is exactly ``kg.curate.load.load``.
    """
    data, issues, _ = load_keyed(root, cache_dir=cache_dir, display_root=display_root)
    return data, issues


def load_keyed(root: Path | str, *, cache_dir: Path | None,
               display_root: Path | str | None = None) -> tuple[Dataset, list[Issue],
                                                                 dict[str, str]]:
    """:func:`load_cached`, and the content key of each file by display name (empty
    without ``cache_dir``): what later caches of per-file results are keyed by."""
    if cache_dir is None:
        return (*load(root, display_root=display_root), {})
    root = Path(root)
    base = Path(display_root) if display_root is not None else root.parent
    if not root.is_dir():
        return Dataset(), [missing_folder(root)], {}
    parts: list[Dataset] = []
    issues: list[Issue] = data_file_issues(root, base)
    keys: dict[str, str] = {}
    for path in data_files(root):
        name = display_name(path, base)
        data = path.read_bytes()
        key = keys[name] = file_key(name, data)
        part, found = cached_part(cache_dir, key, data, name)
        parts.append(part)
        issues += found
    return merge(parts), issues, keys


def cached_entry(cache_dir: Path, key: str) -> tuple[Dataset, list[Issue]] | None:
    """The cached parse of the file content whose key is ``key``, if there is one."""
    entry = read_entry(cache_dir, "load", key)
    if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], Dataset):
        return entry[0], entry[1]
    return None


def cached_part(cache_dir: Path, key: str, data: bytes,
                name: str) -> tuple[Dataset, list[Issue]]:
    """The parse of one file from the cache, else parsed from ``data`` (the bytes that
    ``key`` was made of) and cached."""
    entry = cached_entry(cache_dir, key)
    if entry is None:
        entry = load_file(data, name)
        write_entry(cache_dir, "load", key, entry)
    return entry
