"""The data files of a build: each one's content key, its summary and, on demand only,
its records.

A file's :class:`FileSummary` is what the steps over all files need of it: the checks
across files (:class:`kg.curate.check.Summary`), the page's counts and links
(:class:`kg.page.pageparts.FilePage`) and the issues of its parse. With a cache
(``cache_dir``) it is stored under the file's content key beside its parse
(:mod:`kg.pipeline.cache`), and so is what depends on other files as well, under the content key
and a digest of that context: each record's own checks (:class:`kg.curate.check.Context`:
entity classes, source ids) and the page's statement rows
(:meth:`kg.page.pageparts.PageContext.rows_key`: the labels and source dates they show). A
rebuild after editing one file thus reads the other files' summaries, cached issues and
rows, never their records; anything not in the cache is made from the records, so an
entry is never stale and never needed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TypeVar

from kg.core.errors import Issue
from kg.core.model import Dataset, Entity, Source
from kg.core.vocab import Vocabulary, ontology_text, vocabulary
from kg.curate.check import Context, Summary, across, record_issues, summarize
from kg.curate.load import data_file_issues, data_files, display_name, load_file, missing_folder
from kg.page.pageparts import FilePage, PageContext, file_page, page_context, rows_json
from kg.pipeline.cache import cached_part, code_version, file_key, merge, read_entry, write_entry

T = TypeVar("T")

_MODULES = ("curate/check.py", "curate/grading.py", "pipeline/datafiles.py", "core/vocab.py",
            "page/pageparts.py", "page/html.py")


@dataclass(frozen=True, slots=True)
class FileSummary:
    """What the steps over all files need of one file, without its records."""

    check: Summary
    page: FilePage
    issues: tuple[Issue, ...]  # the parse's


@dataclass(slots=True)
class DataFile:
    """One data file: its display name, content key ('' without a cache) and summary.

    :meth:`records` reads its records (from the parse cache, else parsing ``data``, the
    bytes the key was made of) the first time a step needs them.
    """

    name: str
    key: str
    data: bytes
    summary: FileSummary
    cache_dir: Path | None = None
    _records: Dataset | None = field(default=None, repr=False)

    def records(self) -> Dataset:
        if self._records is None:
            self._records = _parse(self.cache_dir, self.key, self.data, self.name)[0]
        return self._records

    def release(self) -> None:
        """Drop the records from memory (:meth:`records` reads them again if asked)."""
        self._records = None

    @property
    def loaded(self) -> bool:
        """Whether the records are in memory (read or parsed during this build)."""
        return self._records is not None


@cache
def _salt() -> str:
    """A hash of the code behind summaries and record checks: changing it empties them."""
    digest = hashlib.sha256(code_version().encode() + ontology_text().encode())
    for name in _MODULES:
        digest.update(resources.files("kg").joinpath(name).read_bytes())
    return digest.hexdigest()


def _entry_key(*parts: str) -> str:
    return hashlib.sha256("\0".join((_salt(), *parts)).encode()).hexdigest()


def _parse(cache_dir: Path | None, key: str, data: bytes,
           name: str) -> tuple[Dataset, list[Issue]]:
    if cache_dir is None:
        return load_file(data, name)
    return cached_part(cache_dir, key, data, name)


def scan(root: Path | str, *, cache_dir: Path | None,
         display_root: Path | str | None = None) -> tuple[list[DataFile], list[Issue]]:
    """Every data file under ``root`` (as :func:`kg.curate.load.load` orders and names them) with
    its summary; the issue when ``root`` is not a folder."""
    root = Path(root)
    base = Path(display_root) if display_root is not None else root.parent
    if not root.is_dir():
        return [], [missing_folder(root)]
    return read_files(data_files(root), base, cache_dir=cache_dir), \
        data_file_issues(root, base)


def read_files(paths: Sequence[Path], base: Path, *, cache_dir: Path | None
               ) -> list[DataFile]:
    """:func:`scan` of the data files ``paths`` (named relative to ``base``)."""
    return [read_file(display_name(path, base), path.read_bytes(), cache_dir)
            for path in paths]


def read_file(name: str, data: bytes, cache_dir: Path | None, *,
              key: str | None = None) -> DataFile:
    """The data file ``name`` whose bytes are ``data``, with its summary: from the
    cache, else made from its records (which stay in memory until released). ``key``:
    its content key, when known already."""
    if cache_dir is None:
        records, found = load_file(data, name)
        return DataFile(name, "", data, _summary(records, found), None, records)
    key = key or file_key(name, data)
    if (entry := cached_summary(cache_dir, key)) is not None:
        return DataFile(name, key, data, entry, cache_dir)
    records, found = cached_part(cache_dir, key, data, name)
    summary = _summary(records, found)
    write_entry(cache_dir, "summary", _entry_key(key), summary)
    return DataFile(name, key, data, summary, cache_dir, records)


def cached_summary(cache_dir: Path, key: str) -> FileSummary | None:
    """The cached summary of the file content whose key is ``key``, if there is one."""
    entry = read_entry(cache_dir, "summary", _entry_key(key))
    return entry if isinstance(entry, FileSummary) else None


def _summary(records: Dataset, issues: list[Issue]) -> FileSummary:
    return FileSummary(summarize(records), file_page(records.statements), tuple(issues))


def dataset(files: Sequence[DataFile]) -> Dataset:
    """All the files' records as one dataset (reading those not in memory yet)."""
    return merge([f.records() for f in files])


def keys(files: Sequence[DataFile]) -> dict[str, str]:
    """Each file's content key by display name (empty without a cache)."""
    return {f.name: f.key for f in files if f.key}


def context(files: Sequence[DataFile]) -> Context:
    """The entity classes and source ids of every file."""
    return Context.of((e for f in files for e in f.summary.check.entities),
                      (s for f in files for s in f.summary.check.sources))


def check_files(files: Sequence[DataFile]) -> list[Issue]:
    """Every issue of the files, parse and checks (as ``kg.curate.check.check`` of their
    records plus their parse issues), in no particular order; each file's record checks
    come from the cache when neither it nor the context changed."""
    v = vocabulary()  # the ontology's, which the cache keys cover
    shared = context(files)
    digest = shared.digest if any(f.cache_dir for f in files) else ""
    issues: list[Issue] = []
    for f in files:
        issues += f.summary.issues
        issues += record_issues_of(f, v, shared, digest)
    issues += across([f.summary.check for f in files], lambda i: files[i].records().statements)
    return issues


def record_issues_of(f: DataFile, v: Vocabulary, shared: Context, digest: str) -> list[Issue]:
    """The checks of ``f``'s own records in the context of every file (``digest``: the
    context's, with a cache; else empty), from the cache when they are there."""
    return _cached(f, "checked", digest, list, lambda: record_issues(f.records(), v, shared))


def _cached(f: DataFile, kind: str, context: str, kind_type: type[T],
            make: Callable[[], T]) -> T:
    """``make()``, stored under ``kind`` for the file's key and ``context`` (with a cache)."""
    if f.cache_dir is None:
        return make()
    key = _entry_key(f.key, context)
    entry = read_entry(f.cache_dir, kind, key)
    if isinstance(entry, kind_type):
        return entry
    value = make()
    write_entry(f.cache_dir, kind, key, value)
    return value


def page_parts(files: Sequence[DataFile], *, rows: Mapping[str, str] | None = None
               ) -> tuple[list[Entity], list[Source], list[tuple[FilePage, str]]]:
    """The entities, sources and per-file parts :func:`kg.page.render.render_page_parts` writes
    the page of the files from; a file's rows come from ``rows`` (by file name: made
    already, kg.pipeline.stream), else from the cache when neither it nor the labels and
    source dates they show changed."""
    entities = [e for f in files for e in f.summary.check.entities]
    sources = [s for f in files for s in f.summary.check.sources]
    shared = page_context(entities, sources)
    made = rows or {}
    return entities, sources, [(f.summary.page, made[f.name] if f.name in made
                                else rows_of(f, shared))
                               for f in files]


def rows_of(f: DataFile, shared: PageContext) -> str:
    """``f``'s statement rows for the page (JSON), from the cache when they are there."""
    return _cached(f, "rows", shared.rows_key(f.summary.page) if f.cache_dir else "", str,
                   lambda: rows_json(f.records().statements, shared))
