"""A streamed build from start to finish (kg.pipeline.stream does its steps): whether a
build streams, its helpers forked, its spill, its outputs staged and committed as any
build's (kg.pipeline.staged, kg.pipeline.artifact)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Literal

from kg.core.errors import DataError, Issue, KGError, OutputError, sort_issues
from kg.core.fork import Standby
from kg.core.gcpause import paused_gc
from kg.curate.load import data_files, display_name
from kg.pipeline import artifact, datafiles, outline, rangewrite, rebuild, staged, storeload, stream
from kg.pipeline.cache import file_key
from kg.pipeline.datafiles import DataFile
from kg.pipeline.manifest import Manifest
from kg.pipeline.outline import Outline
from kg.pipeline.pages import pages
from kg.pipeline.result import OUTPUTS, BuildResult
from kg.pipeline.spill import Spill, remove_left
from kg.rdf import export

Mode = Literal["memory", "stream", "splice"]


class Unspliced(Exception):
    """Raised by a build in ``splice`` mode (:func:`mode`) whose stored rebuild state,
    though its head said it could splice, cannot (its entry damaged or gone, or it does
    not match its outputs): the build streams in full instead of building in memory."""


def mode(wanted: bool | None, data_dir: Path, out: Path, *, cache_dir: Path | None,
         formats: tuple[str, ...], unsupported: bool) -> Mode:
    """How this build runs: ``stream`` (kg.pipeline.stream) when asked, else when the
    data is large (kg.pipeline.stream.STREAM_BYTES); ``splice`` when it is large but the
    cache's rebuild state can splice an edit of less than that much data (a rebuild
    splices in memory), and the build must stream if the state turns out not to splice
    (:class:`Unspliced`); ``memory`` otherwise."""
    unsupported = unsupported or "nt" not in formats
    if wanted is not None:
        if wanted and unsupported:
            raise KGError("a streamed build writes N-Triples and takes no imports, focus "
                          "pages, archived sources or parallel")
        return "stream" if wanted else "memory"
    if unsupported or not data_dir.is_dir():
        return "memory"
    paths = data_files(data_dir)
    if stream.data_bytes(paths) < stream.STREAM_BYTES:
        return "memory"
    splices = cache_dir is not None and _splices(data_dir, out, paths, cache_dir=cache_dir,
                                                 formats=formats)
    return "splice" if splices else "stream"


def _splices(data_dir: Path, out: Path, paths: list[Path], *, cache_dir: Path,
             formats: tuple[str, ...]) -> bool:
    """Whether the cache's rebuild state can splice these data files' changes, and they
    hold less than STREAM_BYTES (a state made by another kg or with other options, or
    whose outputs were touched, would make a full build in memory: kg.pipeline.rebuild)."""
    named = {display_name(path, data_dir.parent): path for path in paths}
    try:
        keys = {name: file_key(name, path.read_bytes()) for name, path in named.items()}
    except OSError:
        return False  # the full build reads them again, and reports what it finds
    changed = rebuild.changed_inputs(
        cache_dir, rebuild.state_key(data_dir, out), options=rebuild.options(formats),
        keys=keys, paths={fmt: out / OUTPUTS[fmt] for fmt in formats})
    return changed is not None and stream.data_bytes(
        named[name] for name in changed if name in named) < stream.STREAM_BYTES


def build_streamed(data_dir: Path, out: Path, loader: storeload.Loader, *,
                   inputs: dict[str, str], build_options: dict[str, object],
                   formats: tuple[str, ...], html_page: bool, shacl: bool, lock_wait: float,
                   cache_dir: Path | None) -> BuildResult:
    """A full build, streamed (kg.pipeline.stream): the same outputs as the in-memory
    build's (kg.pipeline.build).
    Its helpers on the other core, for step 2 and for the JSON-LD, are forked first,
    while this process is small (kg.core.fork.Standby)."""
    with Standby() as reader, Standby() as writer:
        return _streamed_with(data_dir, out, loader, (reader, writer), inputs=inputs,
                              build_options=build_options, formats=formats,
                              html_page=html_page, shacl=shacl, lock_wait=lock_wait,
                              cache_dir=cache_dir)


def _streamed_with(data_dir: Path, out: Path, loader: storeload.Loader,
                   standby: tuple[Standby, Standby], *,
                   inputs: dict[str, str], build_options: dict[str, object],
                   formats: tuple[str, ...], html_page: bool, shacl: bool, lock_wait: float,
                   cache_dir: Path | None) -> BuildResult:
    with paused_gc():
        outlines, issues = stream.scan(data_dir, cache_dir=cache_dir)
    spill, per, files = _step_two(out, outlines, standby[0], shacl=shacl, cache_dir=cache_dir)
    try:
        issues = sort_issues([*issues, *stream.checked(files), *per.issues])
        if any(i.is_error for i in issues):
            raise DataError(issues)
        if any(i.is_error for i in per.shacl):
            raise DataError(sort_issues(per.shacl))
        return _write_streamed(data_dir, out, loader, standby[1], spill, files, per, issues,
                               inputs=inputs, build_options=build_options, formats=formats,
                               html_page=html_page, lock_wait=lock_wait, cache_dir=cache_dir)
    finally:
        spill.close()


def _step_two(out: Path, outlines: list[Outline], standby: Standby, *, shacl: bool,
              cache_dir: Path | None) -> tuple[Spill, stream.PerFile, list[DataFile]]:
    """Step 2 (kg.pipeline.stream.per_file) on the outlines, and the files it read whole;
    run again, in this process alone, on their exact outlines where an outline differs
    from its file (kg.pipeline.outline.agrees), or made cuts a subject breaks. The spill
    is the caller's to close."""
    spill = _spill(out, stream.ranges_for(outlines))
    try:
        try:
            with paused_gc():
                per = stream.per_file(outlines, spill, shacl=shacl, cache_dir=cache_dir,
                                      standby=standby)
            files = per.files(outlines, cache_dir)
            if outline.agrees(outlines, files):
                return spill, per, files
        except ValueError:  # cuts made from wrong outlines
            files = outline.whole(outlines, cache_dir)
        spill.close()
        exact = outline.exact(files)
        spill = _spill(out, stream.ranges_for(exact))
        with paused_gc():  # in this process alone: the standby was used
            per = stream.per_file(exact, spill, shacl=shacl, cache_dir=cache_dir)
        return spill, per, per.files(exact, cache_dir)
    except OSError as exc:
        spill.close()
        raise OutputError(f"{spill.folder}: cannot write: {exc.strerror or exc}") from exc
    except BaseException:
        spill.close()
        raise


def _spill(out: Path, cuts: list[str]) -> Spill:
    """The streamed build's spill, beside ``out`` (two sides: kg.pipeline.stream.per_file),
    once the spills that killed builds left there are removed."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_left(out.parent)  # what killed builds left
        return Spill(out.parent, cuts, sides=2)
    except OSError as exc:
        raise OutputError(f"{out.parent}: cannot write the spill: {exc.strerror or exc}"
                          ) from exc


def _write_streamed(data_dir: Path, out: Path, loader: storeload.Loader, standby: Standby,
                    spill: Spill, files: list[DataFile], per: stream.PerFile,
                    issues: list[Issue], *,
                    inputs: dict[str, str], build_options: dict[str, object],
                    formats: tuple[str, ...], html_page: bool, lock_wait: float,
                    cache_dir: Path | None) -> BuildResult:
    """Step 3 of the streamed build under the build lock (kg.pipeline.staged): the
    N-Triples output's writing writes every format from the spill (the second half of
    the ranges in ``standby``: kg.pipeline.rangewrite; the Turtle and JSON-LD to side
    files, renamed into their staged places in turn), while the store loads graph.nt,
    and the Standby's part of it, as they are written."""
    rdf_paths = {fmt: out / OUTPUTS[fmt] for fmt in formats}
    nt, spliced = rdf_paths["nt"], cache_dir is not None
    sides: dict[str, str] = {}
    done: list[rangewrite.Written] = []

    def write_all(temp: str) -> None:
        paths = {"nt": temp}
        for fmt, path in rdf_paths.items():
            if fmt != "nt":
                fd, side = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=out)
                paths[fmt] = sides[fmt] = side
                os.fchmod(fd, 0o644)  # as kg.rdf.export.stage makes them: the output's
                os.close(fd)
        done.append(rangewrite.write_split(spill, paths, index=spliced, standby=standby,
                                           load=partial(loader.follow, out)))

    outputs: dict[Path, str | Callable[[], str | Iterable[str]] | export.Direct] = {
        nt: export.Direct(write_all)}
    for fmt, path in rdf_paths.items():
        if fmt != "nt":
            outputs[path] = export.Direct(partial(_take, sides, fmt))
    outputs.update(pages(files, out, html_page=html_page, focus=(), hops=1,
                         cache_dir=cache_dir, rows=per.rows))
    written = {path.relative_to(out).as_posix(): path for path in outputs}
    made: list[Manifest] = []
    store: list[tuple[str, dict[str, int]]] = []

    def committed(hashes: Mapping[Path, str]) -> None:
        if spliced and cache_dir is not None:
            state = done[0].state(rebuild.options(formats), datafiles.keys(files))
            rebuild.save_state(cache_dir, rebuild.state_key(data_dir, out), state, rdf_paths)
        made.append(artifact.commit(out, generation=store[0], inputs=inputs, outputs=written,
                                    options=build_options, old=artifact.previous(out),
                                    summary=asdict(done[0].stats), hashes={
                                        p.relative_to(out).as_posix(): h
                                        for p, h in hashes.items()}))

    order = staged.Written(nt, lambda temps: None, frozenset(rdf_paths.values()))
    try:
        staged.validate_and_write(outputs, out, lambda: per.shacl, lock_wait=lock_wait,
                                  parallel=False, committed=committed,
                                  prepare=lambda temps: store.append(loader.result()),
                                  order=order)
    finally:
        for side in sides.values():
            Path(side).unlink(missing_ok=True)
    issues = sort_issues([*issues, *per.shacl])
    return BuildResult(files, issues, written, done[0].stats, None, False, made[0],
                       made[0].graphs, streamed=True)


def _take(sides: Mapping[str, str], fmt: str, temp: str) -> None:
    """A side file the N-Triples output's writing wrote, moved onto its staged place."""
    os.replace(sides[fmt], temp)
