"""The page's JSON assembled from per-file parts, so a rebuild reuses unchanged files' pieces.

:func:`kg.page.html.page_data` builds the page's data from the whole dataset; at 100k facts
that is about a second, most of it spent on the statement rows. Here the same JSON text,
byte for byte, is put together from parts:

- :class:`FilePage` (:func:`file_page`): what one file's statements contribute that
  depends on nothing outside the file (degrees, links, predicates used);
- :func:`rows_json`: the file's statement rows as the script-safe JSON text they have
  inside the page. Rows also depend on a :class:`PageContext` (entity labels, each
  source's first day), whose ``digest`` changes when that context or the code writing the
  rows changes, so ``(file content, context.digest)`` is a sound cache key for them;
- :func:`page_json`: entities, sources and every file's parts, in file order, into the
  page's JSON. The dataset's statements must be the files' statements one after another
  (as :func:`kg.curate.load.load` and :func:`kg.rdf.shaclfiles.by_file` order them).

Escaping (:func:`kg.page.html._script_json`) replaces single characters, so escaping each
fragment and joining them gives the same text as escaping the whole. The layout of big
graphs (:func:`kg.page.layout.layout`) is cached by its input (node count and link index
pairs), so a rebuild whose links did not change reuses it.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from itertools import chain, groupby
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, cast

from kg.core.entries import read_entry, write_entry
from kg.core.model import Dataset, Entity, Source, Statement
from kg.page.html import (
    CITATION_FIELDS,
    LARGE_GRAPH,
    STATEMENT_FIELDS,
    _Earliest,
    _entity,
    _groups,
    _script_json,
    page_classes,
    page_meta,
    predicate_info,
    source_info,
    statement_rows,
    vis_options,
)

#: Modules whose code shapes a statement row: a change to any changes the context digest.
_ROW_MODULES = ("page/html.py", "page/pageparts.py", "core/dates.py", "rdf/triples.py",
                "core/model.py")
_SUBJECT, _PREDICATE = attrgetter("subject"), attrgetter("predicate")
_LOCATION = attrgetter("qualifiers.location")
_ACCORDING_TO = attrgetter("qualifiers.according_to")


@dataclass(frozen=True, slots=True)
class FilePage:
    """One file's statements' share of the page that depends only on that file."""

    #: How many statements name each id as subject or object.
    degree: dict[str, int]
    #: (subject, object) of each statement with an object, in statement order.
    links: tuple[tuple[str, str], ...]
    #: The predicates used.
    predicates: frozenset[str]
    #: Sorted ids whose labels the rows show (qualifiers ``location``, ``according_to``).
    labelled: tuple[str, ...] = ()
    #: Sorted ids of the sources the rows cite.
    cited: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PageContext:
    """What statement rows depend on outside their file; make it with :func:`page_context`."""

    labels: dict[str, str]
    #: Each source's first day (ISO), None for an undated source.
    since: dict[str, str | None]
    #: sha256 over the labels, the days and the row-writing code, in any input order.
    digest: str
    #: A memo of each date text's first day, shared by every file's rows (a pure
    #: function's results: it changes no output, only how often a date is parsed).
    earliest: _Earliest = field(default_factory=_Earliest, compare=False, repr=False)

    def rows_key(self, page: FilePage) -> str:
        """A digest of only the labels and days the rows of ``page``'s file use, and of
        the row-writing code: with the file's content, a finer cache key for
        :func:`rows_json` than ``digest`` (a new label elsewhere leaves it unchanged)."""
        label, since = self.labels.get, self.since.get
        text = json.dumps([_code_version(_ROW_MODULES), [[i, label(i)] for i in page.labelled],
                           [[s, since(s)] for s in page.cited]],
                          ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class GraphSpan:
    """A run of the page's entities and statements that come from one imported named
    graph (ranges ``[start, end)`` into the page's entity and statement lists); everything
    outside every span is the curated default graph."""

    graph: str
    label: str
    entities: tuple[int, int]
    statements: tuple[int, int]

    def json(self) -> dict[str, object]:
        return {"id": self.graph, "label": self.label, "entities": list(self.entities),
                "statements": list(self.statements)}


def file_page(statements: Sequence[Statement]) -> FilePage:
    """The :class:`FilePage` of one file's statements."""
    # C-level passes (map, Counter, set): about 3x faster than one Python loop doing all.
    links = tuple([(s.subject, o) for s in statements if (o := s.object) is not None])
    degree = Counter(map(_SUBJECT, statements))
    degree.update(map(itemgetter(1), links))
    labelled = {*map(_LOCATION, statements), *map(_ACCORDING_TO, statements)}
    cited = {c.source for s in statements for c in s.citations}
    return FilePage(dict(degree), links, frozenset(map(_PREDICATE, statements)),
                    tuple(sorted(filter(None, labelled))), tuple(sorted(cited)))


@cache
def _code_version(names: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for name in names:
        digest.update(resources.files("kg").joinpath(name).read_bytes())
    return digest.hexdigest()


def page_context(entities: Iterable[Entity], sources: Iterable[Source]) -> PageContext:
    """The labels and sources' first days rows need, with its digest."""
    labels = {e.id: e.label for e in entities}
    earliest = _Earliest()
    since = {src.id: earliest[src.published] for src in sources}
    text = json.dumps([_code_version(_ROW_MODULES), sorted(labels.items()),
                       sorted(since.items())], ensure_ascii=False, separators=(",", ":"))
    return PageContext(labels, since, hashlib.sha256(text.encode("utf-8")).hexdigest(),
                       earliest)


def rows_json(statements: Sequence[Statement], context: PageContext) -> str:
    """The statements' rows, comma-separated, as script-safe JSON ("" for none)."""
    if not statements:
        return ""
    rows = statement_rows(statements, context.labels, context.since, context.earliest)
    return _script_json(rows)[1:-1]


def file_parts(data: Dataset, context: PageContext) -> list[tuple[FilePage, str]]:
    """``data``'s statements as per-file parts: one per run of statements from one file
    (for loaded data, one per file, as :func:`kg.rdf.shaclfiles.by_file` groups them)."""
    runs = (tuple(run) for _, run in groupby(data.statements, key=lambda s: s.loc.file))
    return [(file_page(run), rows_json(run, context)) for run in runs]


def _layout(count: int, pairs: list[tuple[int, int]],
            cache_dir: Path | None) -> list[tuple[int, int]]:
    """:func:`kg.page.layout.layout`, cached under a hash of its code and input."""
    from kg.page.layout import layout

    if cache_dir is None:
        return layout(count, pairs)
    digest = hashlib.sha256(f"{_code_version(('page/layout.py',))}\0{count}\0".encode())
    digest.update(array("q", chain.from_iterable(pairs)).tobytes())
    key = digest.hexdigest()
    found = read_entry(cache_dir, "layout", key)
    if isinstance(found, list) and len(found) == count:
        return found
    placed = layout(count, pairs)
    write_entry(cache_dir, "layout", key, placed)
    return placed


def _index_pairs(entities: Sequence[Entity],
                 files: Sequence[tuple[FilePage, str]]) -> list[tuple[int, int]]:
    """The links as entity-index pairs, in statement order (links to unknown ids dropped)."""
    index = {e.id: i for i, e in enumerate(entities)}.get
    # One C-level map over all the ends: ~5x faster than a lookup per pair at 100k links.
    ends: list[int | None] = list(map(index, chain.from_iterable(chain.from_iterable(
        page.links for page, _ in files))))
    if None in ends:
        return [(a, b) for a, b in zip(ends[::2], ends[1::2], strict=True)
                if a is not None and b is not None]
    known = cast(list[int], ends)
    return list(zip(known[::2], known[1::2], strict=True))


def _entities(entities: Sequence[Entity], files: Sequence[tuple[FilePage, str]],
              cache_dir: Path | None,
              deals: Sequence[dict[str, Any]] = ()) -> list[dict[str, object]]:
    """The page's entity dicts: degree, and for big graphs x/y (tabled deals' parties laid
    out as if linked once per pair)."""
    degree: dict[str, int] = {}
    get = degree.get
    for page, _ in files:
        for name, n in page.degree.items():
            degree[name] = get(name, 0) + n
    groups = _groups(entities)
    out = [_entity(e, get(e.id, 0), groups[e.type]) for e in entities]
    if len(out) <= LARGE_GRAPH:
        return out
    links = _index_pairs(entities, files)
    if deals:
        index = {e.id: i for i, e in enumerate(entities)}
        pairs = {(index[row[3]], index[row[4]]) for table in deals for row in table["rows"]
                 if row[3] in index and row[4] in index}
        links += sorted(pairs)
    for entity, (x, y) in zip(out, _layout(len(out), links, cache_dir), strict=True):
        entity["x"], entity["y"] = x, y
    return out


def page_json(entities: Sequence[Entity], sources: Sequence[Source],
              files: Sequence[tuple[FilePage, str]], *, focus: str | None = None,
              hops: int = 1, cache_dir: Path | None = None,
              passages: dict[str, Any] | None = None,
              graphs: Sequence[GraphSpan] = (),
              deals: Sequence[dict[str, Any]] = ()) -> str:
    """The page's JSON text from per-file ``(FilePage, rows_json)`` parts in file order:
    the same bytes as ``kg.page.html._page_json`` gives for the merged dataset. ``passages``
    (kg.curate.passages, when the archived copies were at hand) and ``graphs`` (the
    imported named graphs' spans, :class:`GraphSpan`) and ``deals`` (imported deals as
    tables, kg.imports.pages.deal_table) are added last, when given."""
    earliest = _Earliest()
    since = {src.id: earliest[src.published] for src in sources}
    head = _script_json({"meta": page_meta(len(entities), focus=focus, hops=hops),
                         "classes": page_classes(),
                         "entities": _entities(entities, files, cache_dir, deals)})
    fields = _script_json({"fields": list(STATEMENT_FIELDS),
                           "citeFields": list(CITATION_FIELDS)})
    rows = ",".join(text for _, text in files if text)
    used = frozenset().union(*(page.predicates for page, _ in files))
    tail = _script_json({"predicates": predicate_info(used),
                         "sources": source_info(sources, since),
                         "options": vis_options(len(entities)),
                         **({"passages": passages} if passages is not None else {}),
                         **({"graphs": [g.json() for g in graphs]} if graphs else {}),
                         **({"deals": list(deals)} if deals else {})})
    return "".join((head[:-1], ',"statements":', fields[:-1], ',"rows":[', rows, "]},",
                    tail[1:]))
