"""Rebuilds that rewrite only the subjects an edit changed: the same bytes as a full build.

A build with a cache folder (``kg build --cache``) leaves a :class:`State` there, under
a key of its data and output folders: each input file's content key, where each
subject's block lies in each RDF output (kg.pipeline.splice), how often a triple was made more
than once, and the counts behind the stats. The next build with the same options
compares content keys. For the files that changed, it makes the triples of their old and
of their new records (every triple comes from one record, kg.rdf.triples, so a file's triples
are its records' triples). Only a triple made a different number of times before and
after can change the graph; for the subjects of those, it reads their old triples from
the previous N-Triples file, and so knows their new triples. Only the subjects whose
triples did change have their blocks written anew (a locator edit: one citation node,
not the statement or its entities); every other block is copied from the previous file
(kg.pipeline.splice). Nothing is trusted that content does not confirm: a file counts as
unchanged only when its bytes hash to the same key, and a previous output is used only
when it is still exactly the file indexed (kg.pipeline.splice.signature); anything else, or
anything that does not add up, makes a full build.
"""

from __future__ import annotations

import hashlib
import os
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

from kg.analysis.stats import Stats, counted_stats, grouped_counts
from kg.core.model import Dataset
from kg.pipeline.cache import cached_entry, code_version, merge, read_entry, write_entry
from kg.pipeline.importsplice import ImportState
from kg.pipeline.splice import (
    Changes,
    Index,
    Recorder,
    Signature,
    position,
    signature,
    splice,
    starts,
)
from kg.rdf import export
from kg.rdf.ntterms import NTTerms, TextTriple
from kg.rdf.triples import data_triples

KIND = "build"
HEAD_KIND = "build-head"
ORDER_KIND = "build-order"


@dataclass(slots=True)
class State:
    """What a build leaves for the next one (see the module's docstring)."""

    options: str  # the build's options: another set of options builds in full
    inputs: dict[str, str]  # display name of each data file -> its content key
    indexes: dict[str, Index]  # format -> its output's index
    repeats: dict[TextTriple, int]  # a triple made n > 1 times -> n - 1
    by_predicate: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    imports: ImportState | None = None  # a build with imports (kg.pipeline.importsplice)


_WRITER_MODULES = ("rdf/export.py", "rdf/ntterms.py", "rdf/triples.py", "pipeline/splice.py",
                   "pipeline/rebuild.py", "pipeline/importsplice.py", "analysis/stats.py",
                   "core/vocab.py", "core/ontology.ttl")


def options(formats: Iterable[str]) -> str:
    """The build's options and the code that writes its outputs, as one key: a state made
    with other options or by another version of kg is not used."""
    digest = hashlib.sha256(code_version().encode() + repr(sorted(formats)).encode())
    for name in _WRITER_MODULES:
        digest.update(resources.files("kg").joinpath(name).read_bytes())
    return digest.hexdigest()


def state_key(data_dir: Path, out: Path) -> str:
    text = f"{data_dir.resolve()}\0{out.resolve()}"
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Head:
    """What decides whether a state can splice before any data file is parsed: stored
    beside it, and small (a state holds every subject of every output)."""

    options: str
    inputs: dict[str, str]  # as State.inputs
    signatures: dict[str, Signature | None]  # format -> its output's, once in place

    @classmethod
    def of(cls, state: State) -> Head:
        return cls(state.options, dict(state.inputs),
                   {fmt: index.signature for fmt, index in state.indexes.items()})

    def changed(self, *, options: str, keys: Mapping[str, str],
                paths: Mapping[str, Path]) -> list[str] | None:
        """The data files whose content keys differ from ``keys``; None when the state
        cannot splice at all (other options or another kg, or its outputs, ``paths`` by
        format with N-Triples among them, not the files it indexed)."""
        if self.options != options or "nt" not in paths or set(paths) != set(self.signatures):
            return None
        if any(sig is None or signature(paths[fmt]) != sig
               for fmt, sig in self.signatures.items()):
            return None
        return [n for n in {**self.inputs, **keys} if self.inputs.get(n) != keys.get(n)]


def changed_inputs(cache_dir: Path, key: str, *, options: str, keys: Mapping[str, str],
                   paths: Mapping[str, Path]) -> list[str] | None:
    """The data files (display names) whose content keys differ from ``keys`` since the
    state stored under ``key`` was made; None when that state cannot splice at all (none
    stored, other options or another kg, or its outputs, ``paths`` by format, not the
    files it indexed): what :func:`plan` checks first, read from the state's
    :class:`Head` alone."""
    head = read_entry(cache_dir, HEAD_KIND, key)
    return head.changed(options=options, keys=keys, paths=paths) \
        if isinstance(head, Head) else None


def read_state(cache_dir: Path, key: str) -> State | None:
    """The state stored under ``key`` with its orders (see :func:`save_state`), or None."""
    state = read_entry(cache_dir, KIND, key)
    if not isinstance(state, State):
        return None
    order_keys = {getattr(index, "order_key", None) for index in state.indexes.values()}
    order_key = order_keys.pop() if len(order_keys) == 1 else None  # None: not kg's now
    orders = read_entry(cache_dir, ORDER_KIND, order_key) if order_key else None
    if not isinstance(orders, dict) or not orders.keys() >= state.indexes.keys():
        return None
    for fmt, index in state.indexes.items():
        index.order = orders[fmt]
    return state


def new_state(options: str, inputs: Mapping[str, str], recorders: Mapping[str, Recorder],
              text: export.Text, *, also: Iterable[TextTriple] = ()) -> State:
    """The state of a full build that wrote ``text`` with ``recorders`` (``also``: triples
    made more often than ``text`` shows, as a union of distinct curated triples and the
    imports' does not show the curated repeats)."""
    repeats = Counter(text.repeats)
    repeats.update(also)
    return State(options, dict(inputs), {fmt: r.index() for fmt, r in recorders.items()},
                 dict(repeats), *grouped_counts(text.grouped))


def save_state(cache_dir: Path, key: str, state: State, paths: Mapping[str, Path]) -> None:
    """Store ``state`` once its outputs (``paths``, by format) are in place.

    Its orders of subjects, most of its bytes, are stored apart, all in one entry (each
    subject's text once, and equal orders as one list) under a key of ``key`` and of
    their text. Orders a rebuild kept (it rewrote blocks in place: kg.pipeline.splice)
    keep their entry and are not pickled again: at 1M facts, 2.6 s of a rebuild
    (docs/benchmarks.md, "The 1M rebuild: the page on the other core, the replaced
    outputs freed aside"). The orders of ``key`` that the state no longer uses are
    removed. All formats order the same subjects, so a rebuild keeps all or none."""
    for fmt, path in paths.items():
        state.indexes[fmt].signature = signature(path)
    indexes = state.indexes.values()
    kept = {index.order_key for index in indexes}  # one key: the orders read, all kept
    order_key = kept.pop() if len(kept) == 1 else None
    if order_key is None:
        orders: dict[str, list[str]] = {}
        for fmt, index in state.indexes.items():
            index.order = next((o for o in orders.values() if o == index.order), index.order)
            orders[fmt] = index.order
        order_key = _order_key(key, orders)
        write_entry(cache_dir, ORDER_KIND, order_key, orders)
    for index in indexes:
        index.order_key = order_key
    write_entry(cache_dir, KIND, key, replace(state, indexes={
        fmt: replace(index, order=[]) for fmt, index in state.indexes.items()}))
    write_entry(cache_dir, HEAD_KIND, key, Head.of(state))
    _remove_orders(cache_dir, key, keep=order_key)


def _order_key(key: str, orders: Mapping[str, list[str]]) -> str:
    """The entry of ``orders``: half of ``key`` (the state's), half of their text."""
    digest = hashlib.sha256()
    for fmt, order in orders.items():
        digest.update(f"{fmt}\n".encode())
        digest.update("\n".join(order).encode())
        digest.update(b"\0")
    return key[:32] + digest.hexdigest()[:32]


def _remove_orders(cache_dir: Path, key: str, *, keep: str) -> None:
    """Remove the stored orders of the state ``key`` other than ``keep``: those of its
    earlier builds (only a build holding its output folder's lock saves that state)."""
    for path in (cache_dir / ORDER_KIND / key[:2]).glob(f"{key[:32]}*"):
        if path.name != keep:
            path.unlink(missing_ok=True)


def recorders(text: export.Text, formats: Iterable[str]) -> dict[str, Recorder]:
    """Writers of ``text`` in each format that note where each block goes."""
    return {fmt: Recorder(export.frame(fmt), export.order(text, fmt),
                          export.block_writer(fmt, text.keys), text.grouped)
            for fmt in formats}


@dataclass(frozen=True, slots=True)
class Plan:
    """A rebuild's RDF outputs (by format), its stats and the state it leaves."""

    files: dict[str, export.Direct | None]  # None: the previous file is still right
    stats: Stats
    state: State
    rewritten: frozenset[str] = frozenset()  # the subjects whose blocks are written anew
    removed: tuple[TextTriple, ...] = ()  # triples the edit took out of the graph
    added: tuple[TextTriple, ...] = ()  # and those it put in (for the store's delta)


def plan(state: State, *, options: str, keys: Mapping[str, str], cache_dir: Path,
         paths: Mapping[str, Path]) -> Plan | None:
    """How to rebuild the outputs ``paths`` (by format, with N-Triples among them) from
    ``state`` for data files with content ``keys``; None when only a full build will do.
    ``state`` is used up: the plan's own state is what to save once its files are in
    place (:func:`save_state`)."""
    changed = Head.of(state).changed(options=options, keys=keys, paths=paths)
    if changed is None:
        return None
    if not changed:
        return Plan(dict.fromkeys(paths), counted_stats(state.by_predicate, state.kinds),
                    state)
    old = _parts(cache_dir, [state.inputs[n] for n in changed if n in state.inputs])
    new = _parts(cache_dir, [keys[n] for n in changed if n in keys])
    if old is None or new is None:
        return None
    terms = NTTerms()
    touched = _touched(state, paths["nt"], Counter(data_triples(old, terms)),
                       Counter(data_triples(new, terms)))
    if touched is None:
        return None
    return _spliced(state, *touched, options=options, keys=keys, paths=paths)


def _parts(cache_dir: Path, keys: list[str]) -> Dataset | None:
    parts = []
    for key in keys:
        entry = cached_entry(cache_dir, key)
        if entry is None:
            return None
        parts.append(entry[0])
    return merge(parts)


def _old_triples(nt: Path, index: Index, subjects: Iterable[str]
                 ) -> dict[str, set[TextTriple]]:
    """The distinct triples of each of ``subjects`` in the N-Triples file ``nt``."""
    found: dict[str, set[TextTriple]] = {s: set() for s in subjects}
    placed = sorted((at, s) for s in found if (at := position(index.order, s, str)) is not None)
    with open(nt, "rb") as handle:
        for (at, s), start in zip(placed, starts(index, [at for at, _ in placed]),
                                  strict=True):
            triples = found[s]
            for line in os.pread(handle.fileno(), index.lengths[at], start).decode() \
                    .splitlines():
                subject, p, rest = line.split(" ", 2)
                triples.add((subject, p, rest[:-2]))
    return found


Touched = dict[str, set[TextTriple]]


def _touched(state: State, nt: Path, old: Counter[TextTriple],
             new: Counter[TextTriple]) -> tuple[Touched, Touched] | None:
    """The distinct triples, before and after, of every subject whose triples the changed
    files changed (``old`` and ``new``: theirs, counted; a triple made as often before as
    after changes nothing); updates ``state.repeats``. None if the counts do not add up."""
    moved = [t for t in old.keys() | new.keys() if old[t] != new[t]]
    before = _old_triples(nt, state.indexes["nt"], {t[0] for t in moved})
    after = {s: set(ts) for s, ts in before.items()}
    repeats = state.repeats
    for t in moved:
        have = after[t[0]]
        count = 1 + repeats.get(t, 0) if t in have else 0
        kept = count - old[t]
        if kept < 0:
            return None  # the state does not match its files: build in full
        count = kept + new[t]
        if count:
            have.add(t)
        else:
            have.discard(t)
        if count > 1:
            repeats[t] = count - 1
        else:
            repeats.pop(t, None)
    changed = [s for s, ts in after.items() if ts != before[s]]
    return {s: before[s] for s in changed}, {s: after[s] for s in changed}


def _spliced(state: State, before: Touched, after: Touched, *, options: str,
             keys: Mapping[str, str], paths: Mapping[str, Path]) -> Plan | None:
    """The plan that writes the changed subjects anew and copies the rest."""
    text = export.Text([t for ts in after.values() for t in ts])
    grouped = text.grouped
    old_grouped = export.Text([t for ts in before.values() for t in ts]).grouped
    for sign, counted in ((-1, old_grouped), (1, grouped)):
        by_predicate, kinds = grouped_counts(counted, sign=sign)
        state.by_predicate.update(by_predicate)
        state.kinds.update(kinds)
    files: dict[str, export.Direct | None] = {}
    indexes: dict[str, Index] = {}
    for fmt, index in state.indexes.items():
        key = str if fmt == "nt" else text.keys.__getitem__
        places = _places(index, before, after, key)
        if places is None:
            return None  # the outputs disagree on their subjects: build in full
        write = export.block_writer(fmt, text.keys)
        changes = (places[0], [(at, s, write(s, grouped[s])) for at, s in places[1]])
        files[fmt] = export.Direct(partial(_write, paths[fmt], index, fmt, changes, indexes))
    new = State(options, dict(keys), indexes, state.repeats, state.by_predicate, state.kinds)
    removed = sorted(t for s, ts in before.items() for t in ts - after[s])
    added = sorted(t for s, ts in after.items() for t in ts - before[s])
    return Plan(files, counted_stats(state.by_predicate, state.kinds), new,
                frozenset(after), tuple(removed), tuple(added))


def _places(index: Index, before: Touched, after: Touched, key: Callable[[str], Any]
            ) -> tuple[list[int], list[tuple[int, str]]] | None:
    """The old positions of the changed subjects' blocks in ``index`` (sorted), and where
    each new block goes (before which old position), in output order; None if a subject
    with triples before has no block or one without has."""
    drops: list[int] = []
    writes: list[tuple[int, Any, str]] = []
    for s, ts in after.items():
        at = position(index.order, s, key)
        if (at is None) == bool(before[s]):
            return None
        if at is None:
            at = bisect_left(index.order, key(s), key=key)
        else:
            drops.append(at)
        if ts:
            writes.append((at, key(s), s))  # keys are distinct: subjects never compared
    writes.sort()
    return sorted(drops), [(at, s) for at, _, s in writes]


def _write(old: Path, index: Index, fmt: str, changes: Changes, indexes: dict[str, Index],
           temp: str) -> None:
    """Splice ``old`` into ``temp``, if ``old`` is still the file ``index`` describes."""
    if signature(old) != index.signature:
        raise OSError(f"{old} changed while this build ran; build again")
    indexes[fmt] = splice(old, index, export.frame(fmt), changes, Path(temp))
