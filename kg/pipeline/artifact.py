"""The built graph as one artifact: an Oxigraph store generation and the manifest over it.

``kg build`` (kg.build), under the build lock (kg.pipeline.lock), makes the artifact in three
steps (:func:`load_generation`, then :func:`commit` once the files are renamed):

1. a fresh store generation ``out/store/g-<time>-<pid>/`` is bulk-loaded from the
   build's own staged N-Quads (``graph.nq``, with imports) or N-Triples (``graph.nt``),
   before any output is renamed into place (a full disk fails the build here): the
   curated graph, the ontology and the alignment links in the default graph, each
   import in its own named graph;
2. ``out/manifest.json`` (kg.pipeline.manifest) is written atomically, naming that generation:
   this is the commit point. A build killed before it leaves the previous manifest,
   which still names the previous, complete generation;
3. what the previous manifest listed and this build did not make is removed (the build
   owns its outputs, and nothing else in ``out/``), and so are generations older than
   the previous one (a reader that opened the previous one keeps working; kg.pipeline.built
   moves a running ``kg serve`` to the new one on its next request).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from threading import Event
from typing import Any

from kg.core.errors import OutputError
from kg.pipeline import bulkload
from kg.pipeline.manifest import (
    Manifest,
    ManifestError,
    file_hashes,
    read_manifest,
    stamp,
    write_manifest,
)
from kg.rdf.ntterms import TextTriple

STORE = "store"
_COUNT_NAMED = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_COUNT_DEFAULT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def previous(out: Path) -> Manifest | None:
    """The manifest of the build now in ``out``, if it is usable."""
    try:
        return read_manifest(out)
    except ManifestError:
        return None


def new_generation_name() -> str:
    """A fresh generation's name, relative to ``out``: ``store/g-<time>-<pid>``."""
    return f"{STORE}/g-{time.time_ns():x}-{os.getpid()}"


def load_generation(out: Path, source: Path, *, name: str | None = None,
                    chunk_bytes: int = bulkload.CHUNK_BYTES,
                    stop: Event | None = None,
                    distinct_lines: bool = False) -> tuple[str, dict[str, int]]:
    """Bulk-load ``source`` (N-Quads or N-Triples, by the name's suffix) into a fresh
    store generation (``name``, or a new one) in slices of ``chunk_bytes``
    (kg.pipeline.bulkload); return its name (relative to ``out``) and its triples per
    graph. On failure (or when ``stop`` is set) the half-written generation is removed
    and OutputError names it. ``distinct_lines``: ``source`` is N-Triples of one
    distinct triple a line (a build's graph.nt), so its lines are counted instead of the
    store's triples (a scan of the store: 22 s at 18 million triples)."""
    import pyoxigraph

    fmt = pyoxigraph.RdfFormat.N_QUADS if ".nq" in source.name \
        else pyoxigraph.RdfFormat.N_TRIPLES

    def fill(store: Any) -> dict[str, int]:
        # bounded memory; lenient: the file is the build's own output, every IRI in it
        # made by kg or checked by its importers (a fifth less CPU, measured)
        lines = bulkload.load(store, source, fmt=fmt, chunk_bytes=chunk_bytes, lenient=True,
                              stop=stop)
        if distinct_lines and lines is not None and fmt == pyoxigraph.RdfFormat.N_TRIPLES:
            return {"": lines}
        return counts(store)

    return _new_generation(out, lambda folder: folder.parent.mkdir(parents=True,
                                                                    exist_ok=True), fill,
                           name=name)


def follow_generation(out: Path, files: Sequence[bulkload.Growing], *, name: str,
                      chunk_bytes: int = bulkload.CHUNK_BYTES, stop: Event | None = None
                      ) -> tuple[str, dict[str, int]]:
    """:func:`load_generation` of N-Triples of one distinct triple a line, from ``files``
    as they are written (kg.pipeline.bulkload.load_growing: a streamed build's graph.nt
    and the part of it another process writes), their lines counted."""
    def fill(store: Any) -> dict[str, int]:
        import pyoxigraph

        return {"": bulkload.load_growing(store, files, fmt=pyoxigraph.RdfFormat.N_TRIPLES,
                                          chunk_bytes=chunk_bytes, lenient=True, stop=stop)}

    return _new_generation(out, lambda folder: folder.parent.mkdir(parents=True,
                                                                    exist_ok=True), fill,
                           name=name)


def derive_generation(out: Path, old: str, default: str, named: dict[str, int]
                      ) -> tuple[str, dict[str, int]]:
    """A fresh generation made from the generation ``old`` (with ``named``, its named
    graphs' counts): the same named graphs, and the default graph replaced by the
    N-Triples ``default`` (:func:`_from_generation`)."""
    import pyoxigraph

    def replace(store: Any) -> dict[str, int]:
        store.clear_graph(pyoxigraph.DefaultGraph())
        store.load(default.encode(), format=pyoxigraph.RdfFormat.N_TRIPLES,
                   to_graph=pyoxigraph.DefaultGraph())
        return {"": _count_default(store), **{g: n for g, n in named.items() if g}}

    return _from_generation(out, old, replace)


def patch_generation(out: Path, old: str, count: int, *, removed: Iterable[TextTriple],
                     added: Iterable[TextTriple]) -> tuple[str, dict[str, int]]:
    """A fresh generation made from the generation ``old`` (a curated graph of ``count``
    triples, no named graphs) with the triples an edit ``removed`` taken out of its
    default graph and those it ``added`` put in: what a rebuild after one edit changes
    of a graph of millions of triples is a few dozen, so the store is linked and
    patched (:func:`_from_generation`), not loaded again. Each quad is looked up before
    it is removed or added, so the count stays exact."""
    import pyoxigraph

    def patch(store: Any) -> dict[str, int]:
        n = count
        for sign, triples in ((-1, removed), (1, added)):
            text = "".join(f"{s} {p} {o} .\n" for s, p, o in triples).encode()
            for t in pyoxigraph.parse(text, format=pyoxigraph.RdfFormat.N_TRIPLES):
                quad = pyoxigraph.Quad(t.subject, t.predicate, t.object,
                                       pyoxigraph.DefaultGraph())
                if (quad in store) == (sign < 0):
                    (store.remove if sign < 0 else store.add)(quad)
                    n += sign
        return {"": n}

    return _from_generation(out, old, patch)


def _from_generation(out: Path, old: str, change: Callable[[Any], dict[str, int]]
                     ) -> tuple[str, dict[str, int]]:
    """A fresh generation: a copy of the generation ``old`` changed by ``change`` (which
    returns the triples per graph). RocksDB's table files never change once written, so
    they are linked, not copied; the rest (its log and manifest) is copied. ``old`` is
    only read. On failure the half-made generation is removed and OutputError names it."""
    return _new_generation(out, lambda folder: shutil.copytree(
        out / old, folder, copy_function=_link_or_copy), change)


def _new_generation(out: Path, start: Callable[[Path], object],
                    fill: Callable[[Any], dict[str, int]], *, name: str | None = None
                    ) -> tuple[str, dict[str, int]]:
    """A new generation folder, begun by ``start``, opened as a store, filled by ``fill``
    (which returns the triples per graph) and closed; its name and those counts. On
    failure the half-made generation is removed and OutputError names it."""
    import pyoxigraph

    name = name or new_generation_name()
    folder = out / name
    try:
        start(folder)
        store = pyoxigraph.Store(str(folder))
        try:
            found = fill(store)
            store.flush()
        finally:
            del store  # closes the RocksDB database
    except (OSError, RuntimeError, SyntaxError, ValueError) as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise OutputError(f"{folder}: cannot write the store: {exc}") from None
    return name, found


def _link_or_copy(src: str, dst: str) -> None:
    if src.endswith((".sst", ".blob")):
        try:
            os.link(src, dst)
            return
        except OSError:
            pass  # another file system, or no links: a copy
    shutil.copy2(src, dst)


def _count_default(store: Any) -> int:
    import pyoxigraph

    rows = store.query(_COUNT_DEFAULT, default_graph=pyoxigraph.DefaultGraph())
    return next(int(row["n"].value) for row in rows)


def counts(store: Any) -> dict[str, int]:
    """Triples per graph of a pyoxigraph store (``""`` for the default graph)."""
    import pyoxigraph

    found: dict[str, int] = {}
    for row in store.query(_COUNT_DEFAULT, default_graph=pyoxigraph.DefaultGraph()):
        found[""] = int(row["n"].value)
    for row in store.query(_COUNT_NAMED):
        found[row["g"].value] = int(row["n"].value)
    return found


def commit(out: Path, *, generation: tuple[str, dict[str, int]], inputs: dict[str, str],
           outputs: dict[str, Path], options: dict[str, Any], old: Manifest | None,
           summary: dict[str, Any], hashes: Mapping[str, str] | None = None) -> Manifest:
    """Write the manifest naming ``generation`` (the commit point), then remove what is no
    longer built. Call it under the build lock, once the outputs are in place.
    ``hashes``: the SHA-256 of outputs already known (kg.pipeline.finisher), by name;
    the others are read and hashed here."""
    known = dict(hashes or {})
    hashes = {**file_hashes({rel: path for rel, path in outputs.items() if rel not in known}),
              **{rel: known[rel] for rel in outputs if rel in known}}
    hashes = dict(sorted(hashes.items()))
    manifest = Manifest(generation=generation[0], inputs=inputs, outputs=hashes,
                        graphs=generation[1], options=options, summary=summary,
                        stamps={rel: stamp(path) for rel, path in sorted(outputs.items())})
    try:
        write_manifest(out, manifest)
    except OSError as exc:
        raise OutputError(f"{out / 'manifest.json'}: cannot write: {exc.strerror or exc}") \
            from exc
    if old is not None:
        remove_stale_outputs(out, old, set(hashes))
    keep = {manifest.generation} | ({old.generation} if old is not None else set())
    remove_old_generations(out, keep=keep)
    return manifest


def remove_stale_outputs(out: Path, old: Manifest, made: set[str]) -> list[str]:
    """Remove the files the previous build listed and this one did not make (and folders
    they leave empty); nothing that no manifest listed is touched."""
    removed = []
    for rel in sorted(set(old.outputs) - made):
        path = out / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            continue  # a manifest never lists such names: never follow them out of out/
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(rel)
        parent = path.parent
        while parent != out and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return removed


def remove_old_generations(out: Path, *, keep: set[str]) -> None:
    """Remove the store generations not in ``keep`` (and half-written ones of killed
    builds: only the build holding the lock writes generations)."""
    folder = out / STORE
    if not folder.is_dir():
        return
    for child in folder.iterdir():
        if f"{STORE}/{child.name}" not in keep and child.name.startswith("g-"):
            shutil.rmtree(child, ignore_errors=True)
