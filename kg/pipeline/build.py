"""The one orchestration: load -> check -> rdf -> validate -> export.

Nothing is written unless the data has no errors; then every output is staged in a
temporary file and renamed into place (kg.pipeline.staged), so ``out/`` always holds a
complete build.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import asdict
from functools import partial
from itertools import chain
from pathlib import Path

from kg.analysis.stats import Stats, grouped_stats
from kg.core.errors import DataError, Issue, OutputError, sort_issues
from kg.core.gcpause import paused_gc
from kg.core.vocab import ontology_graph
from kg.curate import archive
from kg.imports import project as imports
from kg.pipeline import (
    artifact,
    datafiles,
    importcache,
    importsplice,
    rebuild,
    staged,
    storeload,
    streambuild,
)
from kg.pipeline.datafiles import DataFile
from kg.pipeline.lock import build_lock, remove_stale_temps
from kg.pipeline.manifest import Manifest, file_hash, input_hashes, intact, stamp
from kg.pipeline.pages import ahead, pages
from kg.pipeline.result import OUTPUTS
from kg.pipeline.result import BuildResult as BuildResult  # the library's names
from kg.pipeline.result import Checked as Checked
from kg.rdf import export
from kg.rdf.ntterms import NTTerms, TextTriple, from_rdflib
from kg.rdf.shaclfast import Grouped
from kg.rdf.shaclfiles import validate_parts
from kg.rdf.triples import Triple, data_triples, to_graph


def _load_checked(data_dir: Path | str, *, shacl: bool, cache_dir: Path | None,
                  raise_errors: bool, sources_dir: Path | None = None
                  ) -> tuple[list[DataFile], list[Issue]]:
    """Load (with a cache: summaries of unchanged files, not their records), check across
    all files, then SHACL when error-free. With ``sources_dir`` (the archived copies of
    the sources, kg.curate.archive) the locators are checked against them: that reads every
    file's records."""
    with paused_gc():
        files, issues = datafiles.scan(data_dir, cache_dir=cache_dir)
        issues += datafiles.check_files(files)
        if sources_dir is not None and not any(i.is_error for i in issues):
            issues += archive.archive_issues(datafiles.dataset(files), Path(sources_dir))
        if shacl and not any(i.is_error for i in issues):
            issues += _shacl(files, cache_dir=cache_dir)
        issues = sort_issues(issues)
    if raise_errors and any(i.is_error for i in issues):
        raise DataError(issues)
    return files, issues


def _shacl(files: list[DataFile], *, cache_dir: Path | None,
           grouped: Callable[[], Grouped] | None = None) -> list[Issue]:
    return validate_parts({f.name: f.records for f in files}, cache_dir=cache_dir,
                          grouped=grouped, file_keys=datafiles.keys(files))


def check(data_dir: Path | str = "data", *, shacl: bool = True,
          cache_dir: Path | None = None, config: Path | str | None = None,
          sources_dir: Path | str | None = None) -> list[Issue]:
    """Every problem in the data (errors and warnings), sorted by position, then every
    problem of the project config (``config``, or ``kg.toml`` beside ``data_dir``) and of
    each import it lists; writes nothing but the cache (when ``cache_dir`` is given).
    With ``sources_dir``, also the problems the sources' archived copies show
    (kg.curate.archive)."""
    files, issues = _load_checked(data_dir, shacl=shacl, cache_dir=cache_dir,
                                  raise_errors=False,
                                  sources_dir=Path(sources_dir) if sources_dir else None)
    return issues + sort_issues(imports.check_config(data_dir, config,
                                                     lambda: datafiles.dataset(files)))


def load_graph(data_dir: Path | str = "data", *, shacl: bool = True,
               cache_dir: Path | None = None) -> Checked:
    """Load and check ``data_dir`` and build its graph; raise DataError if it has errors."""
    files, issues = _load_checked(data_dir, shacl=shacl, cache_dir=cache_dir,
                                  raise_errors=True)
    data = datafiles.dataset(files)
    return Checked(data, to_graph(data), issues)


def build(data_dir: Path | str = "data", out_dir: Path | str = "out", *,
          formats: tuple[str, ...] = ("ttl", "nt", "jsonld"), html_page: bool = True,
          shacl: bool = True, config: Path | str | None = None, focus: Sequence[str] = (),
          hops: int = 2, lock_wait: float = 30.0, cache_dir: Path | None = None,
          parallel: bool = False, sources_dir: Path | str | None = None,
          stream: bool | None = None) -> BuildResult:
    """Build ``out_dir`` from ``data_dir``: Turtle, N-Triples, JSON-LD and the HTML page.

    With a project config (``config``, or ``kg.toml`` beside ``data_dir``) the imports it
    lists join the union outputs, and graph.trig / graph.nq keep them as named graphs.
    Each entity in ``focus`` (id, label or alias) also gets ``focus-<id>.html``: the page
    of its neighbourhood within ``hops`` facts. With ``cache_dir``, files whose bytes did
    not change since a previous run are not parsed or SHACL-validated again (see
    kg.pipeline.cache); every check across files still runs.

    With ``parallel``, SHACL and the writers use two processes (kg.core.fork); off by default,
    as it made no measurable difference on a busy 2-core machine while its worker's
    memory counts on top (docs/benchmarks.md).

    With ``sources_dir`` (the sources' archived copies, kg.curate.archive) the page shows each
    citation's paragraph (kg.curate.passages); without it, the locator and the file name.

    With ``stream``, the graph is built file by file and written range by range
    (kg.pipeline.stream), to the same bytes in far less memory; by default (None) a
    full build streams when the data files hold at least 64 MiB, unless ``cache_dir``
    holds a rebuild state that can splice the files changed since, and they hold less
    than that (kg.pipeline.streambuild.mode); if the state then cannot splice after
    all, the build streams. A streamed build takes
    no imports, focus pages, ``sources_dir`` or ``parallel``, and writes N-Triples:
    ``stream=True`` with any of them raises KGError; by default they build in memory.

    Raises DataError (nothing written) when the data has errors, OutputError when an
    output cannot be written (the previous outputs are left complete), LockError when
    another build holds ``out_dir`` for more than ``lock_wait`` seconds (see kg.pipeline.lock).
    """
    with paused_gc():  # the whole build: a collection would rescan millions of live objects
        return _build(Path(data_dir), Path(out_dir), formats=formats, html_page=html_page,
                      shacl=shacl, config=config, focus=focus, hops=hops,
                      lock_wait=lock_wait, cache_dir=cache_dir, parallel=parallel,
                      sources_dir=Path(sources_dir) if sources_dir else None, stream=stream)


def _build(data_dir: Path, out: Path, *, formats: tuple[str, ...], html_page: bool,
           shacl: bool, config: Path | str | None, focus: Sequence[str], hops: int,
           lock_wait: float, cache_dir: Path | None, parallel: bool,
           sources_dir: Path | None = None, stream: bool | None = None) -> BuildResult:
    config_path = imports.find_config(data_dir, config)
    inputs = input_hashes(data_dir, config_path)  # before reading: an edit made meanwhile
    build_options = {"html": html_page, "focus": list(focus), "hops": hops,
                     "formats": list(formats), "shacl": shacl,
                     "config": None if config is None else str(config),
                     "sources": None if sources_dir is None else str(sources_dir)}
    if cache_dir is not None and (same := _up_to_date(data_dir, out, inputs, build_options,
                                                      cache_dir=cache_dir, lock_wait=lock_wait)):
        return same
    how = streambuild.mode(stream, data_dir, out, cache_dir=cache_dir, formats=formats,
                           unsupported=config_path is not None or bool(focus) or parallel
                           or sources_dir is not None)
    run = partial(_run, data_dir, out, config_path=config_path, inputs=inputs,
                  build_options=build_options, formats=formats, html_page=html_page,
                  shacl=shacl, focus=focus, hops=hops, lock_wait=lock_wait,
                  cache_dir=cache_dir, parallel=parallel, sources_dir=sources_dir)
    if how == "splice":
        try:
            return run(streamed=False, must_splice=True)
        except streambuild.Unspliced:
            pass  # out of the handler first: what the attempt read is freed
    return run(streamed=how != "memory", must_splice=False)


def _run(data_dir: Path, out: Path, *, streamed: bool, must_splice: bool,
         config_path: Path | None, inputs: dict[str, str], build_options: dict[str, object],
         formats: tuple[str, ...], html_page: bool, shacl: bool, focus: Sequence[str],
         hops: int, lock_wait: float, cache_dir: Path | None, parallel: bool,
         sources_dir: Path | None) -> BuildResult:
    """A build streamed (kg.pipeline.streambuild) or not (:func:`_fresh`)."""
    # loads the store beside the writers (full builds); in a streamed build, as long as
    # they are, at their priority (kg.pipeline.storeload)
    with storeload.Loader(lower=not streamed) as loader, ExitStack() as stack:
        if streamed:
            return streambuild.build_streamed(
                data_dir, out, loader, inputs=inputs, build_options=build_options,
                formats=formats, html_page=html_page, shacl=shacl, lock_wait=lock_wait,
                cache_dir=cache_dir)
        return _fresh(data_dir, out, loader, config_path=config_path, inputs=inputs,
                      build_options=build_options, formats=formats, html_page=html_page,
                      shacl=shacl, focus=focus, hops=hops, lock_wait=lock_wait,
                      cache_dir=cache_dir, parallel=parallel, sources_dir=sources_dir,
                      stack=stack, must_splice=must_splice)


def _fresh(data_dir: Path, out: Path, loader: storeload.Loader, *, config_path: Path | None,
           inputs: dict[str, str], build_options: dict[str, object],
           formats: tuple[str, ...], html_page: bool, shacl: bool, focus: Sequence[str],
           hops: int, lock_wait: float, cache_dir: Path | None, parallel: bool,
           sources_dir: Path | None, stack: ExitStack, must_splice: bool) -> BuildResult:
    """A build that writes: the data loaded and checked, the imports read, the outputs
    (spliced from the previous ones when the cache allows) and the store generation,
    which ``loader`` loads beside the writers in a full build. A rebuild's page is begun
    in a forked child before its state is read (kg.pipeline.pages.ahead), stopped by
    leaving ``stack`` if the build fails first. With ``must_splice`` (large data, which
    only a splice builds in memory), a state that cannot splice raises
    kg.pipeline.streambuild.Unspliced before anything is written."""
    files, issues = _load_checked(data_dir, shacl=False, cache_dir=cache_dir,  # shows later
                                  raise_errors=True, sources_dir=sources_dir)
    keys = datafiles.keys(files)
    project = imports.read_config(config_path) if config_path else None
    rdf_paths = {fmt: out / OUTPUTS[fmt] for fmt in formats}
    spliced = cache_dir is not None and not parallel and "nt" in formats and not (
        project is not None and html_page and project.sipri)  # country pages need imports
    state_key = rebuild.state_key(data_dir, out)
    options = rebuild.options(formats) if spliced else ""
    fingerprint = importsplice.fingerprint(project, inputs, data_dir, datafiles.dataset(files)) \
        if project is not None and spliced else None
    html: dict[Path, export.Made | export.Direct] = dict(pages(
        files, out, html_page=html_page, focus=focus, hops=hops, cache_dir=cache_dir,
        sources_dir=sources_dir))
    splices = spliced and project is None and cache_dir is not None and rebuild.changed_inputs(
        cache_dir, state_key, options=options, keys=keys, paths=rdf_paths) is not None
    stack.enter_context(ahead(html, out / "graph.html", now=splices))  # a rebuild's page
    plan, kept = None, None  # kept: the imports, as the previous build left them
    if spliced and cache_dir is not None and (state := rebuild.read_state(cache_dir, state_key)) \
            and state.options == options and (
                importsplice.usable(state.imports, fingerprint, out) if fingerprint
                else state.imports is None):
        kept = state.imports
        plan = rebuild.plan(state, options=options, keys=keys, cache_dir=cache_dir,
                            paths=rdf_paths)
        kept = kept if plan is not None else None
    if must_splice and plan is None:
        raise streambuild.Unspliced
    imported, cached = (None, kept.count if kept else 0) if kept or project is None else \
        importcache.run_project(project, datafiles.dataset(files), cache_dir=cache_dir)
    outputs: dict[Path, str | Callable[[], str | Iterable[str]] | export.Direct]
    grouped: Callable[[], Grouped] | None = None  # what SHACL reads: the writers' grouping
    own = export.Text(_curated(files))  # read when first used
    text = own  # what the RDF writers write: the curated triples, and the imports' if read
    named: dict[str, int] = {}
    if plan is not None:
        outputs = {rdf_paths[fmt]: f for fmt, f in plan.files.items() if f is not None}
        result_stats = grouped_stats(own.grouped) if project else plan.stats
        grouped = partial(getattr, own, "grouped") if project else None
    else:
        text = export.Text(chain(own.distinct(), from_rdflib(
            imports.union_triples(imported)))) if imported else own
        recorders = rebuild.recorders(text, formats) if spliced else {}
        outputs = {path: recorders[fmt].pieces if fmt in recorders
                   else partial(export.chunks, text, fmt) for fmt, path in rdf_paths.items()}
        result_stats = grouped_stats(own.grouped)
        grouped = partial(getattr, own, "grouped")
        if parallel:  # sorted here once, so that the forked writer shares the order
            _ = text.subjects
    outputs.update(html)
    base: list[Triple] = []
    if imported or kept:
        data = datafiles.dataset(files)
        base = [*data_triples(data), *ontology_graph()]
    if kept:
        quads, named = importsplice.spliced_files(kept, base, out)
        outputs.update(quads)
    elif imported:
        made_files, named = importsplice.files(imported, base)
        outputs.update({out / name: text for name, text in made_files.items()})
        outputs.update(imports.output_files(imported, data, out, html_page=html_page))
    validate = partial(_shacl, files, cache_dir=cache_dir, grouped=grouped) if shacl else list

    written = {path.relative_to(out).as_posix(): path
               for path in [*rdf_paths.values(), *outputs]}
    if kept:
        written[importsplice.REPORT] = out / importsplice.REPORT  # as it was
    made: list[Manifest] = []
    store: list[tuple[str, dict[str, int]]] = []
    new: list[rebuild.State] = []  # a full build's rebuild state, made before the pages

    source = None  # a full build's store source, loaded as soon as it is staged
    if plan is None and not kept:
        source = out / "graph.nq" if imported else rdf_paths.get("nt")
        source = source if source in outputs else None

    def load_early(temps: Mapping[Path, str]) -> None:
        if source is not None:
            loader.load(out, Path(temps[source]))

    def prepare(temps: Mapping[Path, str]) -> None:
        if loader.started:
            store.append(loader.result())
            return
        if kept:
            store.append(_derived_generation(out, temps, importsplice.default_text(kept, base)))
            return
        if plan is not None and project is None and (patched := _patched_generation(
                out, plan)) is not None:
            store.append(patched)
            return
        unchanged = rdf_paths.get("nt") if not imported else None  # a spliced rebuild's
        store.append(_store_generation(out, files, temps, imported=imported,
                                       unchanged=unchanged))

    def committed(hashes: Mapping[Path, str]) -> None:
        if spliced and cache_dir is not None:
            state = plan.state if plan is not None else new[0]
            if fingerprint is not None:
                state.imports = importsplice.new_state(imported, fingerprint, named) \
                    if imported else kept
                if state.imports is not None:
                    state.imports.named = {n: (at, None) for n, at in named.items()}
                    importsplice.record(state.imports, out)
            rebuild.save_state(cache_dir, state_key, state, rdf_paths)
        made.append(artifact.commit(out, generation=store[0], inputs=inputs, outputs=written,
                                    options=build_options, old=artifact.previous(out),
                                    summary=asdict(result_stats), hashes={
                                        p.relative_to(out).as_posix(): h
                                        for p, h in hashes.items()}))

    def text_done() -> None:
        if spliced and cache_dir is not None and plan is None:  # what the state needs of it
            new.append(rebuild.new_state(options, keys, recorders, text,
                                         also=own.repeats if imported else ()))
        own.release()
        if text is not own:
            text.release()

    order = staged.Written(source, load_early, frozenset(rdf_paths.values()), text_done)
    found = staged.validate_and_write(outputs, out, validate, lock_wait=lock_wait,
                                      parallel=parallel, committed=committed, prepare=prepare,
                                      kept=[p for p in written.values() if p not in outputs],
                                      order=order)
    if found:
        issues = sort_issues([*issues, *found])
    report = tuple(imported.report_lines() if imported else kept.report if kept else ())
    return BuildResult(files, issues, written, result_stats, imported, plan is not None,
                       made[0], made[0].graphs, cached, import_report=report,
                       imports_kept=kept is not None)


def _up_to_date(data_dir: Path, out: Path, inputs: dict[str, str],
                build_options: dict[str, object], *, cache_dir: Path,
                lock_wait: float) -> BuildResult | None:
    """The build now in ``out`` when it was made from these very inputs (by content hash)
    with these options and its outputs are intact: then nothing is written (the data
    is still checked, from the cache, for the summary's warnings)."""
    if not (out / "manifest.json").is_file():
        return None  # (and no lock taken: a failed first build leaves no out/ behind)
    with build_lock(out, wait=lock_wait):
        old = artifact.previous(out)
        if old is None or old.inputs != inputs or old.options != build_options or \
                not old.summary or not intact(out, old):
            return None
        remove_stale_temps([out / rel for rel in old.outputs])  # a killed build's leftovers
    files, issues = _load_checked(data_dir, shacl=bool(build_options["shacl"]),
                                  cache_dir=cache_dir, raise_errors=True)
    return BuildResult(files, issues, {rel: out / rel for rel in old.outputs},
                       Stats(**old.summary), None, False, old, old.graphs, 0, up_to_date=True)


def _store_generation(out: Path, files: list[DataFile], temps: Mapping[Path, str], *,
                      imported: imports.Imported | None, unchanged: Path | None
                      ) -> tuple[str, dict[str, int]]:
    """The store generation (kg.pipeline.artifact), loaded from the staged N-Quads (with imports)
    or N-Triples of this build (or ``unchanged``, graph.nt when a rebuild left it as it
    was)."""
    staged = {path.name: Path(temp) for path, temp in temps.items()}
    source = staged.get("graph.nq" if imported else "graph.nt")
    if source is None and unchanged is not None and unchanged.is_file():
        source = unchanged
    if source is not None:
        return artifact.load_generation(out, source)
    # no N-Triples output was asked for: the store still needs them
    extra = out / f".store-source.{os.getpid()}.nt"
    triples = [*data_triples(datafiles.dataset(files)), *ontology_graph()]
    try:
        extra.write_text(export.serialize(triples, "nt"), encoding="utf-8")
        return artifact.load_generation(out, extra)
    except OSError as exc:
        raise OutputError(f"{extra}: cannot write: {exc.strerror or exc}") from exc
    finally:
        extra.unlink(missing_ok=True)


def _curated(files: list[DataFile]) -> Iterator[TextTriple]:
    """The curated triples and the ontology (the records are read at the first one)."""
    yield from data_triples(datafiles.dataset(files), NTTerms())
    yield from from_rdflib(ontology_graph())


def _patched_generation(out: Path, plan: rebuild.Plan) -> tuple[str, dict[str, int]] | None:
    """The store generation of a curated-only rebuild: the previous generation patched with
    the plan's removed and added triples (kg.pipeline.artifact.patch_generation), when that
    generation is the one made from the graph.nt the plan was made from (its manifest's
    stamp, else hash, of graph.nt); None (load it whole) otherwise."""
    old = artifact.previous(out)
    nt = out / OUTPUTS["nt"]
    if old is None or set(old.graphs) - {""} or not (out / old.generation).is_dir() \
            or not nt.is_file() or old.outputs.get(OUTPUTS["nt"]) is None:
        return None
    if old.stamps.get(OUTPUTS["nt"]) != stamp(nt) and \
            file_hash(nt) != old.outputs[OUTPUTS["nt"]]:
        return None
    try:
        return artifact.patch_generation(out, old.generation, old.graphs.get("", 0),
                                         removed=plan.removed, added=plan.added)
    except OutputError:
        return None  # loaded whole from this build's graph.nt


def _derived_generation(out: Path, temps: Mapping[Path, str], default: str
                        ) -> tuple[str, dict[str, int]]:
    """The store generation of a rebuild that kept the imports: the previous generation
    with its default graph replaced (kg.pipeline.artifact.derive_generation), or, when
    that fails, loaded from this build's staged N-Quads."""
    old = artifact.previous(out)
    if old is not None and (out / old.generation).is_dir():
        try:
            return artifact.derive_generation(out, old.generation, default, old.graphs)
        except OutputError:
            pass  # the staged N-Quads have every graph: load them
    staged = {path.name: Path(temp) for path, temp in temps.items()}
    return artifact.load_generation(out, staged["graph.nq"])
