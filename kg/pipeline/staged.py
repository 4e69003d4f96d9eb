"""A build's outputs written: staged, validated (SHACL), flushed, then renamed into place.

Nothing is renamed unless SHACL found no error and every file was written and flushed
(kg.pipeline.finisher), so ``out/`` always holds a complete build. On one core the files
are written in the order :class:`Written` gives, chosen for the build's peak memory
(docs/benchmarks.md, "The text triples freed before the page, SHACL on the writers'
grouping"); with ``parallel`` a forked child validates and writes two of them
(kg.core.fork).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from kg.core.errors import DataError, Issue, OutputError, sort_issues
from kg.core.fork import ChildFailed, both
from kg.pipeline.finisher import Finisher
from kg.pipeline.lock import build_lock, remove_stale_temps
from kg.pipeline.retire import commit_freeing
from kg.rdf import export

_FORKED = ("graph.ttl", "graph.nt")  # what the forked child writes, after SHACL


def validate_and_write(files: export.Texts, out: Path,
                       validate: Callable[[], list[Issue]], *, lock_wait: float,
                       parallel: bool,
                       committed: Callable[[Mapping[Path, str]], None] = lambda hashes: None,
                       prepare: Callable[[Mapping[Path, str]], None] = lambda temps: None,
                       kept: Iterable[Path] = (), order: Written | None = None
                       ) -> list[Issue]:
    """Every file staged and written, SHACL run (``validate``), then ``prepare`` given
    the staged files, every file renamed into place, and ``committed`` told, only when
    SHACL found no error and every file was written and flushed. ``kept``: outputs this
    build leaves as they are (a rebuild's unchanged files), whose temporaries a killed
    build may also have left.

    With ``parallel`` (kg.core.fork), a child validates, then writes the Turtle and
    N-Triples, while this process writes the rest; without it, the files are written
    one after another in ``order`` (:class:`Written`). Each file this process writes is
    flushed and hashed while the next is written (kg.pipeline.finisher); ``committed``
    is given those hashes, by path."""
    with build_lock(out, wait=lock_wait):
        remove_stale_temps([*files, *kept])
        temps = export.stage(files)
        try:
            with Finisher() as finisher:
                found = _in_two(files, temps, validate, finisher) if parallel else \
                    _in_turn(files, temps, validate, order or Written(), finisher)
                if any(i.is_error for i in found):
                    raise DataError(sort_issues(found))
                hashes = finisher.hashes()  # every file on disk before any is renamed
            prepare(temps)  # from the staged files, before any is renamed into place
            with commit_freeing(temps):  # the old files freed beside what follows
                committed(hashes)  # still under the lock: no other build has touched them
        finally:
            export.discard(temps)
    return found


@dataclass(frozen=True, slots=True)
class Written:
    """The order of a build's writing on one core. ``first`` (the store's source) is
    written and ``written_first`` told, so that the store loads beside the rest
    (kg.pipeline.storeload); then SHACL runs (it reads the writers' grouping in place,
    so it adds no copy of the graph beside the load); then the other writers of the text
    triples (``text``), then ``text_done`` (which frees them: kg.rdf.export.Text.release),
    then the rest: the page, the largest step, never has the text triples beside it
    (docs/benchmarks.md, "The text triples freed before the page, SHACL on the writers'
    grouping")."""

    first: Path | None = None
    written_first: Callable[[Mapping[Path, str]], None] = lambda temps: None
    text: frozenset[Path] = frozenset()
    text_done: Callable[[], None] = lambda: None


def _in_turn(files: export.Texts, temps: Mapping[Path, str],
             validate: Callable[[], list[Issue]], order: Written,
             finisher: Finisher) -> list[Issue]:
    if order.first is not None and order.first in files:
        export.write_staged({order.first: files[order.first]}, temps, written=finisher)
        order.written_first(temps)
    found = validate()
    if any(i.is_error for i in found):
        return found
    rest = {path: text for path, text in files.items() if path != order.first}
    export.write_staged({p: t for p, t in rest.items() if p in order.text}, temps,
                        written=finisher)
    order.text_done()
    export.write_staged({p: t for p, t in rest.items() if p not in order.text}, temps,
                        written=finisher)
    return found


def _in_two(files: export.Texts, temps: Mapping[Path, str],
            validate: Callable[[], list[Issue]], finisher: Finisher) -> list[Issue]:
    """A forked child validates, then writes (and flushes) the Turtle and N-Triples."""
    theirs = {path: text for path, text in files.items() if path.name in _FORKED}
    mine = {path: text for path, text in files.items() if path not in theirs}

    def child() -> list[Issue]:
        found = validate()
        if not any(i.is_error for i in found):
            export.write_staged(theirs, temps)
        return found

    try:
        found, _ = both(child, partial(export.write_staged, mine, temps, written=finisher))
    except ChildFailed as exc:
        if exc.kind == "OutputError":
            raise OutputError(exc.message) from None
        raise
    return found
