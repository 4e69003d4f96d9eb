"""Reading the built graph: ``out/manifest.json`` and the store generation it names.

Every reading command (``kg query``, ``serve``, ``path``, ``neighbors``, ``central``,
``communities``, ``export``, ``stats``, ``diff`` of a build) reads the artifact that
``kg build`` wrote (kg.pipeline.artifact), not ``data/``:

- **Fresh or rebuilt, never stale.** :func:`open_built` hashes the current inputs (the
  data files, ``kg.toml`` and each import file it lists) and compares them with the
  manifest's. When ``out/`` has no build, an unreadable manifest or store, a build of
  another kg version, or inputs that changed, it says so on one line (naming what
  changed) and builds first, with the options the previous build was given; with
  ``build_first=False`` it refuses with that line instead (kg.pipeline.manifest.ManifestError).
- **The default graph of a query is the union of all graphs**: the curated graph, the
  ontology and the alignment links (the store's default graph) and every import (one
  named graph each). ``GRAPH ?g { ... }`` reaches each import's named graph by name.
- **One generation at a time.** The store is opened read-only through the manifest, so
  a reader sees one whole build; a running endpoint (kg.sparql.builtserve) checks
  the manifest on each request and moves to a new generation when a build commits one.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg.core.errors import KGError, OutputError
from kg.pipeline.lock import build_lock
from kg.pipeline.manifest import (
    MANIFEST,
    Manifest,
    ManifestError,
    changes,
    input_hashes,
    read_manifest,
)
from kg.sparql.engine import OxigraphEngine, _Terms

if TYPE_CHECKING:  # pragma: no cover  (a query over the build prints without rdflib)
    from rdflib import Graph
    from rdflib.term import Node

DEFAULT_GRAPH_NAME = "default graph (curated, ontology, links)"


class _UnionStore:
    """A pyoxigraph store whose queries run over the union of all its graphs as the
    default graph, with every named graph reachable by ``GRAPH``. kg.sparql.engine's Oxigraph
    engine pins a plain store's dataset to its default graph; this view widens it to the
    whole built dataset (queries are still vetted first: no FROM, SERVICE or update)."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def query(self, sparql: str, **options: Any) -> Any:
        options.pop("default_graph", None)
        options.pop("named_graphs", None)
        return self.store.query(sparql, use_default_graph_as_union=True, **options)

    def __len__(self) -> int:
        return len(self.store)


def union(engine: OxigraphEngine) -> OxigraphEngine:
    """The same store, queried over the union of its graphs (see :class:`_UnionStore`)."""
    return OxigraphEngine(_UnionStore(engine.store))  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Built:
    """One committed build: its folder, its manifest and its store, opened read-only."""

    out: Path
    manifest: Manifest
    store: Any  # pyoxigraph.Store, read-only

    def engine(self) -> OxigraphEngine:
        """An Oxigraph engine over the union of all graphs (see the module docstring)."""
        return OxigraphEngine(_UnionStore(self.store))  # type: ignore[arg-type]

    def triples(self) -> Iterator[tuple[Node, Node, Node]]:
        """Every triple of every graph, as rdflib terms (a triple in two graphs twice)."""
        term = _Terms()
        for q in self.store.quads_for_pattern(None, None, None, None):
            yield term(q.subject), term(q.predicate), term(q.object)  # type: ignore[misc]

    def graph(self) -> Graph:
        """The union of all graphs as one rdflib Graph (for the network commands)."""
        from kg.rdf.triples import new_graph

        return new_graph(self.triples())


def open_store(out: Path, manifest: Manifest) -> Any:
    """The manifest's store generation, opened read-only; ManifestError when unusable."""
    import pyoxigraph

    folder = out / manifest.generation
    if not folder.is_dir():
        raise ManifestError(f"{folder}: the store named by {out / MANIFEST} is missing")
    try:
        return pyoxigraph.Store.read_only(str(folder))
    except (OSError, RuntimeError) as exc:  # RocksDB reports corruption as RuntimeError
        raise ManifestError(f"{folder}: cannot open the store ({exc})") from None


def read_build(out: Path | str) -> Built:
    """The build committed in ``out`` as it is, whatever its inputs are now (``kg diff``
    of two builds); ManifestError when it has no usable manifest or store."""
    out = Path(out)
    manifest = read_manifest(out)
    return Built(out, manifest, open_store(out, manifest))


def _config(data_dir: Path, manifest: Manifest | None, config: Path | None) -> Path | None:
    from kg.imports.config import find_config

    if config is None and manifest is not None and manifest.options.get("config"):
        given = Path(str(manifest.options["config"]))
        return given if given.is_file() else None
    return find_config(data_dir, config)


def staleness(out: Path, data_dir: Path, *,
              config: Path | None = None) -> tuple[Manifest | None, str | None]:
    """The manifest of ``out`` and why it cannot be used as it is (None when current)."""
    try:
        manifest = read_manifest(out)
    except ManifestError as exc:
        return None, str(exc)
    current = input_hashes(data_dir, _config(data_dir, manifest, config))
    changed = changes(manifest.inputs, current)
    if not changed:
        return manifest, None
    more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
    return manifest, (f"{out} is older than its inputs ({', '.join(changed[:3])}{more})")


def open_built(out: Path | str = "out", data_dir: Path | str = "data", *,
               config: Path | None = None, build_first: bool = True,
               cache_dir: Path | None = None) -> Built:
    """The current build in ``out`` of ``data_dir``; builds first when it is missing or
    stale (printing one line to stderr), or with ``build_first=False`` raises
    ManifestError naming what changed. Never returns a build older than its inputs."""
    out, data = Path(out), Path(data_dir)
    manifest, problem = staleness(out, data, config=config)
    if manifest is not None and problem is None:
        try:
            return Built(out, manifest, open_store(out, manifest))
        except ManifestError as exc:
            problem = str(exc)
    if not build_first:
        raise ManifestError(f"{problem}; run `kg build`")
    print(f"kg: {problem}; building it first", file=sys.stderr, flush=True)
    for attempt in range(2):
        with build_lock(out, wait=30.0):  # another reader may be building it right now:
            pass                          # wait for it, then look again
        fresh, problem = staleness(out, data, config=config)
        if fresh is not None and problem is None:
            try:
                return Built(out, fresh, open_store(out, fresh))
            except ManifestError:
                pass
        try:
            made = rebuild(out, data, manifest, config=config, cache_dir=cache_dir)
            return Built(out, made, open_store(out, made))
        except OutputError:  # a build that committed meanwhile changed what this one read
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def rebuild(out: Path, data_dir: Path, old: Manifest | None, *, config: Path | None,
            cache_dir: Path | None) -> Manifest:
    """Build again with the options the previous build recorded (defaults without one)."""
    from kg.pipeline.build import build

    options: dict[str, Any] = dict(old.options) if old is not None else {}
    given = config if config is not None else options.get("config")
    result = build(data_dir, out, html_page=bool(options.get("html", True)),
                   focus=[str(f) for f in options.get("focus", [])],
                   hops=int(options.get("hops", 2)), shacl=bool(options.get("shacl", True)),
                   formats=tuple(options.get("formats", ("ttl", "nt", "jsonld"))),
                   config=given if given and Path(str(given)).is_file() else None,
                   cache_dir=cache_dir)
    assert result.manifest is not None
    return result.manifest


def format_graphs(graphs: dict[str, int], out: Path | str) -> str:
    """The build summary's count of every graph in the store, and the total."""
    total = sum(graphs.values())
    lines = [f"built graph: {total} triples in {len(graphs)} graph(s), "
             f"{Path(out) / MANIFEST}"]
    width = max(len(DEFAULT_GRAPH_NAME), *(len(g) + 2 for g in graphs))
    for name in sorted(graphs, key=lambda g: (g != "", g)):
        label = DEFAULT_GRAPH_NAME if name == "" else f"<{name}>"
        lines.append(f"  {label:<{width}}  {graphs[name]:>8}")
    return "\n".join(lines)


class BuiltError(KGError):
    """A build's store that cannot be read."""


class Follower:
    """The current generation of ``out/`` for a long-running reader: re-reads the manifest
    when its file changes, and opens the generation it names."""

    def __init__(self, built: Built) -> None:
        self.built = built
        self._stamp = _stamp(built.out)
        self._lock = threading.Lock()

    def current(self) -> tuple[Built, bool]:
        """The newest committed build, and whether it is new since the last call."""
        with self._lock:
            stamp = _stamp(self.built.out)
            if stamp == self._stamp:
                return self.built, False
            try:
                manifest = read_manifest(self.built.out)
                if manifest.generation == self.built.manifest.generation:
                    self._stamp = stamp
                    return self.built, False
                self.built = Built(self.built.out, manifest,
                                   open_store(self.built.out, manifest))
            except ManifestError:
                return self.built, False  # keep answering from the last whole generation
            self._stamp = stamp
            return self.built, True


def _stamp(out: Path) -> tuple[int, int, int] | None:
    try:
        st = (out / MANIFEST).stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns, st.st_size
